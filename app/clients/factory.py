"""Build the API clients from settings, with Redis-shared or in-process limiter, breaker and daily budget.

A process builds one client per vendor (`app.resources`) and every job and request uses it:
its token, learned development mode and in-process limiter serve them all. With Redis, every
client of one key, in any process, shares the same limiter and breaker state.
"""

from __future__ import annotations

import hashlib

import httpx
from redis.asyncio import Redis

from app.clients import setlistfm, spotify, ticketmaster
from app.clients.breaker import CircuitBreaker, MemoryBreaker, RedisBreaker
from app.clients.budget import DailyBudget, MemoryDailyBudget, RedisDailyBudget
from app.clients.ratelimit import (
    MemoryIntervalLimiter,
    MemoryWindowLimiter,
    RateLimiter,
    RedisIntervalLimiter,
    RedisWindowLimiter,
)
from app.clients.setlistfm import SetlistFmClient
from app.clients.spotify import SpotifyClient
from app.clients.ticketmaster import TicketmasterClient
from app.settings import Settings

_KEY_PREFIX = "theset:clients"
# Calls leave 50% further apart than TM's 200 ms: slots are spaced exactly at the sender, but a slow
# first request (TCP/TLS set-up), network jitter or a busy CPU (several workers on 2 cores: measured
# 50 ms+) brings arrivals closer, and TM's spike arrest allows no burst at all
# (maxBurstMessageCount=1). Throughput is not the constraint: the quota is 5,000/day.
_TM_SPACING_HEADROOM = 1.5
# Spotify counts calls per app over a rolling 30 s window. Ours is a little longer: a call leaves
# our limiter before it arrives at Spotify, so arrival jitter must not put N+1 calls in their window.
_SPOTIFY_WINDOW_SECONDS = 31.0
# setlist.fm allows 2 requests/s with no burst: the same arrival jitter as Ticketmaster's, the same margin.
# Its daily quota (~1,440) is the binding limit, not the spacing.
_SETLISTFM_SPACING_HEADROOM = 1.5


def fingerprint(secret: str) -> str:
    """A short stable hash: Redis key names must not contain the API key itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def build_ticketmaster_client(
    settings: Settings, redis: Redis | None, http: httpx.AsyncClient | None = None
) -> TicketmasterClient:
    """A Ticketmaster client whose rate limit and breaker are shared through `redis` when given."""
    interval = _TM_SPACING_HEADROOM / settings.ticketmaster_requests_per_second
    name = f"{ticketmaster.SERVICE}:{fingerprint(settings.ticketmaster_api_key.get_secret_value())}"
    limiter: RateLimiter
    breaker: CircuitBreaker
    if redis is not None:
        limiter = RedisIntervalLimiter(redis, f"{_KEY_PREFIX}:ratelimit:{name}", interval)
        breaker = RedisBreaker(redis, f"{_KEY_PREFIX}:breaker:{name}", ticketmaster.SERVICE)
    else:
        limiter, breaker = MemoryIntervalLimiter(interval), MemoryBreaker(ticketmaster.SERVICE)
    return TicketmasterClient(
        settings.ticketmaster_api_key,
        base_url=settings.ticketmaster_base_url,
        http=http,
        timeout=settings.http_timeout_seconds,
        limiter=limiter,
        breaker=breaker,
    )


def build_spotify_client(
    settings: Settings, redis: Redis | None, http: httpx.AsyncClient | None = None
) -> SpotifyClient:
    """A Spotify client whose rate limit and breaker are shared through `redis` when given."""
    budget = settings.spotify_requests_per_30s
    name = f"{spotify.SERVICE}:{fingerprint(settings.spotify_client_id)}"
    limiter: RateLimiter
    breaker: CircuitBreaker
    if redis is not None:
        limiter = RedisWindowLimiter(redis, f"{_KEY_PREFIX}:ratelimit:{name}", budget, _SPOTIFY_WINDOW_SECONDS)
        breaker = RedisBreaker(redis, f"{_KEY_PREFIX}:breaker:{name}", spotify.SERVICE)
    else:
        limiter, breaker = MemoryWindowLimiter(budget, _SPOTIFY_WINDOW_SECONDS), MemoryBreaker(spotify.SERVICE)
    return SpotifyClient(
        settings.spotify_client_id,
        settings.spotify_client_secret,
        api_base_url=settings.spotify_api_base_url,
        accounts_base_url=settings.spotify_accounts_base_url,
        http=http,
        timeout=settings.http_timeout_seconds,
        limiter=limiter,
        breaker=breaker,
        market=settings.sync_country_code,
    )


def build_setlistfm_client(
    settings: Settings, redis: Redis | None, http: httpx.AsyncClient | None = None
) -> SetlistFmClient:
    """A setlist.fm client whose rate limit, daily budget and breaker are shared through `redis` when given."""
    interval = _SETLISTFM_SPACING_HEADROOM / settings.setlistfm_requests_per_second
    name = f"{setlistfm.SERVICE}:{fingerprint(settings.setlistfm_api_key.get_secret_value())}"
    limit = settings.setlistfm_daily_budget
    limiter: RateLimiter
    breaker: CircuitBreaker
    budget: DailyBudget
    if redis is not None:
        limiter = RedisIntervalLimiter(redis, f"{_KEY_PREFIX}:ratelimit:{name}", interval)
        breaker = RedisBreaker(redis, f"{_KEY_PREFIX}:breaker:{name}", setlistfm.SERVICE)
        budget = RedisDailyBudget(redis, f"{_KEY_PREFIX}:budget:{name}", limit)
    else:
        limiter, breaker = MemoryIntervalLimiter(interval), MemoryBreaker(setlistfm.SERVICE)
        budget = MemoryDailyBudget(limit)
    return SetlistFmClient(
        settings.setlistfm_api_key,
        base_url=settings.setlistfm_base_url,
        http=http,
        timeout=settings.http_timeout_seconds,
        limiter=limiter,
        breaker=breaker,
        budget=budget,
    )
