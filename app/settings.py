"""Settings: one pydantic-settings object, read from environment variables (and `.env`)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from strawberry.http.websocket_origin import normalize_allowed_origins

DEFAULT_SQLITE_URL = "sqlite://theset-demo.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Unset: the embedded demo on a SQLite file. Production: postgres://user@host:5432/db
    database_url: str = DEFAULT_SQLITE_URL
    # Pool size per process: PostgreSQL is no faster past ~8 connections on 2 cores
    # (docs/decisions/0006-performance-facts.md).
    database_pool_size: int = Field(default=8, ge=1, le=100)
    # A statement (asyncpg's command_timeout) or a new connection taking longer fails: a hung
    # PostgreSQL answers UPSTREAM_UNAVAILABLE instead of holding requests. Migrations have no limit.
    database_timeout_seconds: float = Field(default=5.0, gt=0)
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # Unset: in-process broker and inline jobs (the embedded demo).
    redis_url: str | None = None
    # Each Redis command (and connecting) on the API's client gives up after this long; the caller's
    # fallback takes over (README "Timeouts and fallbacks").
    redis_socket_timeout_seconds: float = Field(default=0.5, gt=0)
    redis_connect_timeout_seconds: float = Field(default=0.5, gt=0)
    # After Redis failed to answer, request paths skip it for this long (0: never skip), so a hung
    # Redis costs one timeout now and then, not one per call.
    redis_cooldown_seconds: float = Field(default=1.0, ge=0)
    # The arq queue the API enqueues on and the workers read.
    worker_queue_name: str = "arq:queue"
    # Origins of browser pages that may call the API: CORS for HTTP and the handshake check for
    # websockets. Comma-separated or a JSON list; "*" allows every origin. NoDecode: pydantic-settings
    # would otherwise insist on JSON.
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000", "http://localhost:8000"]
    )
    # How long a browser may reuse a CORS preflight answer (Access-Control-Max-Age).
    cors_max_age_seconds: int = Field(default=600, ge=0)
    log_level: str = "INFO"
    # /readyz re-reads the database's applied migrations at most this often (seconds).
    readiness_cache_seconds: float = Field(default=10.0, ge=0)
    # Tracing: off unless an OTLP/HTTP collector is set (e.g. http://127.0.0.1:4318; traces go to
    # its /v1/traces). The exporter's other standard OTEL_EXPORTER_OTLP_* variables apply as usual.
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str = "theset"
    # An arq worker serves its Prometheus metrics on this port (all interfaces); 0: not served.
    # The API serves its own at /metrics on its HTTP port.
    worker_metrics_port: int = Field(default=9108, ge=0, le=65535)
    # Off: a worker runs only enqueued jobs, no cron schedule (tests, or a worker pool kept for
    # fill_setlist jobs while another pool runs the syncs).
    worker_cron: bool = True
    # Jobs one worker runs at once (arq's max_jobs). The syncs share the API rate limits, so more
    # at once only adds waiting; 1 spreads queued jobs over the workers.
    worker_max_jobs: int = Field(default=10, ge=1)

    # GraphQL hardening: limits on by default.
    graphql_max_depth: int = Field(default=10, ge=1)
    graphql_max_aliases: int = Field(default=15, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=1)
    graphql_max_page_size: int = Field(default=100, ge=1)
    # The most values an operation may make the server resolve (app/api/cost.py): a list multiplies
    # what it selects by its size. Every document in graphql/ costs under 2,000.
    graphql_max_cost: int = Field(default=5000, ge=1)
    max_body_bytes: int = Field(default=256 * 1024, ge=1)  # larger request bodies get 413
    # A websocket that sends no connection_init within this many seconds is closed (4408).
    ws_connection_init_timeout_seconds: float = Field(default=10.0, gt=0)
    # Larger websocket messages close the socket with 1009: uvicorn's ws_max_size, and the app's own check.
    ws_max_message_bytes: int = Field(default=256 * 1024, ge=1)
    # Operations one websocket may have running; one more is refused with an `error` (RATE_LIMITED).
    ws_max_subscriptions_per_socket: int = Field(default=100, ge=1)
    graphiql: bool | None = None  # None: on outside production
    introspection: bool | None = None  # None: on outside production

    ticketmaster_api_key: SecretStr = SecretStr("")
    ticketmaster_base_url: str = "https://app.ticketmaster.com"
    spotify_client_id: str = ""
    spotify_client_secret: SecretStr = SecretStr("")
    spotify_api_base_url: str = "https://api.spotify.com"
    spotify_accounts_base_url: str = "https://accounts.spotify.com"
    setlistfm_api_key: SecretStr = SecretStr("")
    setlistfm_base_url: str = "https://api.setlist.fm/rest"

    # Sync knobs.
    sync_country_code: str = "US"
    sync_days_ahead: int = Field(default=180, ge=1)
    # Ticketmaster page size: 200 is the API's maximum (DIS1036 above it).
    sync_page_size: int = Field(default=200, ge=1, le=200)
    sync_min_upcoming_events: int = Field(default=2, ge=0)  # an attraction's popularity threshold
    sync_artists_per_run: int = Field(default=200, ge=1)
    sync_songs_per_artist: int = Field(default=50, ge=1, le=50)
    songs_max_age_hours: int = Field(default=72, ge=1)  # refresh songs every 3 days
    spotify_requests_per_30s: int = Field(default=90, ge=1)
    ticketmaster_requests_per_second: float = Field(default=5.0, gt=0)
    # setlist.fm: a standard key gets 2 requests/s (no burst) and about 1,440 a day; the budget keeps
    # some of the day's quota in hand, and a spent budget sends nothing until the next UTC day.
    setlistfm_requests_per_second: float = Field(default=2.0, gt=0)
    setlistfm_daily_budget: int = Field(default=1400, ge=0)
    # Votes a fan may hold per show: a fan who could vote for every song would "predict" all of them.
    votes_per_show: int = Field(default=10, ge=1, le=100)
    # Tour history and the seed (README, "Seeding from the tour").
    tour_history_pages: int = Field(default=3, ge=1, le=10)  # setlist.fm pages per artist (20 setlists each)
    tour_history_max_age_hours: int = Field(default=24, ge=1)  # an artist's history is refetched at most daily
    tour_history_artists_per_run: int = Field(default=300, ge=1)
    # A frequency seed only for artists whose consecutive shows share at least this share of songs.
    seed_min_predictability: float = Field(default=0.5, ge=0, le=1)
    seed_max_songs: int = Field(default=20, ge=1, le=100)
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    search_cache_seconds: int = Field(default=300, ge=0)
    # Each process remembers a bearer token's user this long (0: off). A sign-out is broadcast to
    # every process at once; while Redis is down, a revoked token may pass elsewhere this long.
    token_cache_seconds: float = Field(default=30.0, ge=0)
    # Shared reads (anonymous show pages, the show list, artist pages) kept per process, checked
    # against the catalog's version and the setlist's sequence number on every use (0: off).
    response_cache_entries: int = Field(default=2000, ge=0)
    # The longest an entry lives: bounds what a catalog write that bumped no version leaves stale.
    response_cache_seconds: float = Field(default=300.0, ge=0)
    # Cache-Control max-age of anonymous shared reads over GET (what a CDN may keep without asking).
    http_cache_max_age: int = Field(default=5, ge=0)
    # Production hardening: only the operations of graphql/ (by text or by SHA-256) are accepted;
    # other documents get TRUSTED_DOCUMENT_REQUIRED, and APQ registers nothing.
    trusted_documents: bool = False

    @field_validator("ticketmaster_base_url", "spotify_api_base_url", "spotify_accounts_base_url", "setlistfm_base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _normalise_origins(cls, value: list[str]) -> list[str]:
        # As browsers send `Origin` (lower case, no default port): CORS compares strings exactly.
        return sorted(normalize_allowed_origins(value))

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return not self.is_production if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return not self.is_production if self.introspection is None else self.introspection

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
