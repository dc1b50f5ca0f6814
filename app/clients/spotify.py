"""Spotify Web API client (client-credentials flow): artists, albums and tracks as pydantic models.

Development-mode apps (since Feb 2026) lose artist top-tracks, every several-ids endpoint and
`popularity`, and search / artist-albums accept `limit` ≤ 10. The client starts out assuming the full
API and switches `dev_mode` on at the first sign (403/404 on a removable endpoint, 400 "Invalid limit",
a full object without popularity); from then on it refuses the removed endpoints without a request.
Which songs make an artist's catalog, and how names match, is the catalog's business (app.catalog).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Sequence
from datetime import date
from functools import partial
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import AliasPath, BeforeValidator, Field, SecretStr

from app.clients.base import ApiClient, Model, parse
from app.clients.breaker import CircuitBreaker, MemoryBreaker
from app.clients.errors import (
    EndpointRemoved,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
    redact,
)
from app.clients.ratelimit import MemoryWindowLimiter, RateLimiter, Sleep
from app.clients.retry import Guard, Retryable, RetryPolicy, call_stats

logger = logging.getLogger(__name__)

SERVICE = "spotify"
DEFAULT_API_BASE_URL = "https://api.spotify.com"
DEFAULT_ACCOUNTS_BASE_URL = "https://accounts.spotify.com"
DEV_MODE_PAGE_LIMIT = 10  # search and artist-albums `limit` max for dev-mode apps since Feb 2026
EXTENDED_PAGE_LIMIT = 50  # the pre-2026 max, still valid in extended quota mode
ALBUM_TRACKS_LIMIT = 50  # album-tracks max in both modes
SEVERAL_TRACKS_MAX = 50  # ids per several-tracks call
# Refresh a little before `expires_in` (3600 s) so no request leaves with a token about to expire.
_TOKEN_EXPIRY_MARGIN_SECONDS = 60.0
_ARTIST_URL = re.compile(
    r"^(?:https?://open\.spotify\.com/(?:intl-[a-z]{2}(?:-[a-z]{2})?/)?artist/|spotify:artist:)"
    r"([0-9A-Za-z]{22})(?:[/?#].*)?$",
    re.IGNORECASE,
)

T = TypeVar("T")


# --- models: only the fields the sync uses -----------------------------------------------------


def _first_image(value: object) -> str | None:
    """Spotify lists images widest first."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        url = value[0].get("url")
        return url if isinstance(url, str) else None
    return None


ImageUrl = Annotated[str | None, BeforeValidator(_first_image)]


def artist_id_from_url(url: str) -> str | None:
    """The 22-character artist id of `https://open.spotify.com/artist/<id>[?...]` or `spotify:artist:<id>`."""
    match = _ARTIST_URL.match(url.strip())
    # The base62 id is case-sensitive: only the URL prefix is matched case-insensitively.
    return match.group(1) if match else None


class SpotifyArtistRef(Model):
    id: str
    name: str


class SpotifyArtist(Model):
    id: str
    name: str
    genres: list[str] = Field(default_factory=list)
    popularity: int | None = None  # removed for dev-mode apps
    followers: int | None = Field(default=None, validation_alias=AliasPath("followers", "total"))
    image_url: ImageUrl = Field(default=None, validation_alias="images")
    url: str | None = Field(default=None, validation_alias=AliasPath("external_urls", "spotify"))


class SpotifyAlbum(Model):
    id: str
    name: str
    album_type: str | None = None
    album_group: str | None = None  # removed for dev-mode apps
    release_date: str | None = None  # "2019", "2019-08" or "2019-08-23" per release_date_precision
    release_date_precision: str | None = None
    total_tracks: int | None = None
    image_url: ImageUrl = Field(default=None, validation_alias="images")
    artists: list[SpotifyArtistRef] = Field(default_factory=list)

    @property
    def release_day(self) -> date | None:
        """The release date, with a missing month or day taken as the first."""
        return _parse_release_date(self.release_date)


class SpotifyTrack(Model):
    id: str
    name: str
    duration_ms: int
    track_number: int | None = None
    disc_number: int | None = None
    explicit: bool = False
    popularity: int | None = None  # removed for dev-mode apps; never on album-track items
    preview_url: str | None = None
    album: SpotifyAlbum | None = None  # absent on album-track items
    artists: list[SpotifyArtistRef] = Field(default_factory=list)
    isrc: str | None = Field(default=None, validation_alias=AliasPath("external_ids", "isrc"))


class Page(Model, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = None


def _parse_release_date(value: str | None) -> date | None:
    parts = (value or "").split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return date(year, month, day) if year > 0 else None  # Spotify has "0000" for unknown
    except (ValueError, IndexError):
        return None


# --- auth ---------------------------------------------------------------------------------------


class ClientCredentialsAuth(httpx.Auth):
    """Bearer token from the client-credentials flow; one refresh at a time; on a 401, refresh and resend once."""

    def __init__(
        self,
        client_id: str,
        client_secret: SecretStr,
        token_url: str,
        http: httpx.AsyncClient,
        *,
        timeout: httpx.Timeout,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = token_url
        self._http = http
        self._timeout = timeout
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.refreshes = 0

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a message."""
        return (self._client_secret.get_secret_value(), self._token or "")

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("ClientCredentialsAuth needs an httpx.AsyncClient")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:  # "The access token expired" (or revoked): one fresh try
            token = await self.refresh(stale=token)
            request.headers["Authorization"] = f"Bearer {token}"
            call_stats().api_calls += 1
            yield request

    async def token(self) -> str:
        """A valid access token, fetched when missing or about to expire."""
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                return await self._fetch()
            return self._token

    async def refresh(self, stale: str) -> str:
        """A token other than `stale`: fetched unless a concurrent caller already did."""
        async with self._lock:
            if self._token is None or self._token == stale:
                return await self._fetch()
            return self._token

    async def _fetch(self) -> str:
        call_stats().api_calls += 1
        self.refreshes += 1
        response = await self._http.post(
            self._token_url,
            data={"grant_type": "client_credentials"},
            auth=httpx.BasicAuth(self._client_id, self._client_secret.get_secret_value()),
            timeout=self._timeout,
        )
        body = _json_or_none(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code == 200 and isinstance(token, str):
            expires_in = body.get("expires_in")
            lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
            self._token = token
            self._expires_at = self._clock() + max(0.0, lifetime - _TOKEN_EXPIRY_MARGIN_SECONDS)
            return token
        message = redact(f"token request: HTTP {response.status_code}: {_error_message(body, response)}", self.secrets)
        if response.status_code == 429:
            wait = _retry_after(response.headers)
            raise Retryable(UpstreamRateLimited(SERVICE, wait or 1.0, message), wait=wait)
        if response.status_code >= 500:
            raise Retryable(UpstreamUnavailable(SERVICE, message, status=response.status_code), breaker_failure=True)
        if response.status_code in (400, 401, 403):
            raise UpstreamAuthError(SERVICE, message, status=response.status_code)
        raise UpstreamBadResponse(SERVICE, message, status=response.status_code)


# --- client -------------------------------------------------------------------------------------


class SpotifyClient(ApiClient):
    """Async client of the Spotify Web API with shared rate limiting, breaker and retries."""

    def __init__(
        self,
        client_id: str,
        client_secret: SecretStr | str,
        *,
        api_base_url: str = DEFAULT_API_BASE_URL,
        accounts_base_url: str = DEFAULT_ACCOUNTS_BASE_URL,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        breaker: CircuitBreaker | None = None,
        retry: RetryPolicy | None = None,
        market: str = "US",
        dev_mode: bool = False,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        secret = client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        self._api_url = f"{api_base_url.rstrip('/')}/v1"
        super().__init__(http, transport)
        self._timeout = httpx.Timeout(timeout)
        self.market = market  # for top-tracks, which historically required one
        self.dev_mode = dev_mode  # False until a response shows the Feb 2026 development-mode limits
        self.auth = ClientCredentialsAuth(
            client_id,
            secret,
            f"{accounts_base_url.rstrip('/')}/api/token",
            self._http,
            timeout=self._timeout,
            clock=clock,
        )
        self._guard = Guard(
            SERVICE,
            limiter=limiter or MemoryWindowLimiter(90, 30.0, sleep=sleep),
            breaker=breaker or MemoryBreaker(SERVICE),
            policy=retry or RetryPolicy(),
            redact=lambda text: redact(text, self.auth.secrets),
            sleep=sleep,
        )

    @property
    def page_limit(self) -> int:
        """The largest search / artist-albums `limit` this app may send."""
        return DEV_MODE_PAGE_LIMIT if self.dev_mode else EXTENDED_PAGE_LIMIT

    # --- search ---

    async def search_artists(self, q: str, limit: int = 10, offset: int = 0) -> list[SpotifyArtist]:
        """Artists matching `q`, best match first (limit capped at 10 in dev mode)."""
        body = await self._get_limited("/search", {"q": q, "type": "artist", "offset": offset}, limit)
        artists = parse(Page[SpotifyArtist], body.get("artists"), SERVICE).items
        self._check_popularity(artists)
        return artists

    async def search_tracks(self, q: str, limit: int = 10, artist_name: str | None = None) -> list[SpotifyTrack]:
        """Tracks matching `q`, optionally restricted to an artist name via field filters."""
        if artist_name is not None:  # field filters; quotes keep multi-word names together
            title, artist = q.replace('"', ""), artist_name.replace('"', "")
            q = f'track:"{title}" artist:"{artist}"'
        body = await self._get_limited("/search", {"q": q, "type": "track"}, limit)
        tracks = parse(Page[SpotifyTrack], body.get("tracks"), SERVICE).items
        self._check_popularity(tracks)
        return tracks

    # --- artists, albums, tracks ---

    async def get_track(self, track_id: str) -> SpotifyTrack:
        """One track by id."""
        track = parse(SpotifyTrack, await self._get(f"/tracks/{_quote(track_id)}", {}), SERVICE)
        self._check_popularity([track])
        return track

    async def get_tracks(self, ids: Sequence[str]) -> list[SpotifyTrack]:
        """Several tracks (50 per call), unknown ids left out; raises `EndpointRemoved` for dev-mode apps."""
        if self.dev_mode:
            raise EndpointRemoved(SERVICE, "several-tracks is not available in development mode")
        found: list[SpotifyTrack] = []
        for start in range(0, len(ids), SEVERAL_TRACKS_MAX):
            chunk = ids[start : start + SEVERAL_TRACKS_MAX]
            body = await self._get("/tracks", {"ids": ",".join(chunk)}, removable=True)
            # Unknown ids come back as null entries.
            found.extend(parse(SpotifyTrack, item, SERVICE) for item in body.get("tracks") or [] if item is not None)
        return found

    async def top_tracks(self, artist_id: str, market: str | None = None) -> list[SpotifyTrack]:
        """Up to 10 top tracks; raises `EndpointRemoved` for dev-mode apps."""
        if self.dev_mode:
            raise EndpointRemoved(SERVICE, "artist top-tracks is not available in development mode")
        path = f"/artists/{_quote(artist_id)}/top-tracks"
        body = await self._get(path, {"market": market or self.market}, removable=True)
        tracks = parse(_TrackList, body, SERVICE).tracks
        self._check_popularity(tracks)
        return tracks

    async def artist_albums(
        self,
        artist_id: str,
        include_groups: Iterable[str] = ("album", "single"),
        limit: int = 10,
        offset: int = 0,
        market: str | None = None,
    ) -> Page[SpotifyAlbum]:
        """One page of the artist's releases (limit capped at 10 in dev mode)."""
        params: dict[str, str | int] = {"include_groups": ",".join(include_groups), "offset": offset}
        if market:
            params["market"] = market
        body = await self._get_limited(f"/artists/{_quote(artist_id)}/albums", params, limit)
        return parse(Page[SpotifyAlbum], body, SERVICE)

    async def album_tracks(
        self, album_id: str, limit: int = ALBUM_TRACKS_LIMIT, offset: int = 0, market: str | None = None
    ) -> Page[SpotifyTrack]:
        """One page of an album's tracks (no `album` or `popularity` on these items)."""
        params: dict[str, str | int] = {"limit": min(limit, ALBUM_TRACKS_LIMIT), "offset": offset}
        if market:
            params["market"] = market
        return parse(Page[SpotifyTrack], await self._get(f"/albums/{_quote(album_id)}/tracks", params), SERVICE)

    # --- plumbing ---

    async def _get_limited(self, path: str, params: dict[str, str | int], limit: int) -> dict[str, Any]:
        """GET with `limit` capped to what this app may send; learn dev mode from a 400 "Invalid limit"."""
        capped = max(1, min(limit, self.page_limit))
        try:
            return await self._get(path, {**params, "limit": capped})
        except UpstreamRejected as exc:
            if capped <= DEV_MODE_PAGE_LIMIT or "invalid limit" not in exc.message.casefold():
                raise
        self._enter_dev_mode("400 Invalid limit")
        return await self._get(path, {**params, "limit": DEV_MODE_PAGE_LIMIT})

    async def _get(self, path: str, params: dict[str, str | int], *, removable: bool = False) -> dict[str, Any]:
        url = f"{self._api_url}{path}"
        response = await self._guard.call(
            lambda: self._http.get(url, params=params, auth=self.auth, timeout=self._timeout),
            partial(self._classify, removable=removable),
        )
        body = _json_or_none(response)
        if not isinstance(body, dict):
            raise UpstreamBadResponse(SERVICE, "response is not a JSON object", status=response.status_code)
        return body

    def _classify(self, response: httpx.Response, *, removable: bool) -> None:
        status = response.status_code
        if status < 400:
            return
        message = redact(_error_message(_json_or_none(response), response), self.auth.secrets)
        if status == 429:
            wait = _retry_after(response.headers)
            raise Retryable(UpstreamRateLimited(SERVICE, wait or 1.0, message), wait=wait)
        if status >= 500:
            raise Retryable(
                UpstreamUnavailable(SERVICE, f"HTTP {status}: {message}", status=status), breaker_failure=True
            )
        if removable and status in (403, 404):
            self._enter_dev_mode(f"HTTP {status} on {response.request.url.path}")
            raise EndpointRemoved(SERVICE, f"HTTP {status}: {message}", status=status)
        if status in (401, 403):
            raise UpstreamAuthError(SERVICE, f"HTTP {status}: {message}", status=status)
        if status == 404:
            raise UpstreamNotFound(SERVICE, message, status=status)
        raise UpstreamRejected(SERVICE, message, status=status)

    def _check_popularity(self, items: Sequence[SpotifyArtist] | Sequence[SpotifyTrack]) -> None:
        if items and all(item.popularity is None for item in items):
            self._enter_dev_mode("popularity missing")

    def _enter_dev_mode(self, reason: str) -> None:
        if not self.dev_mode:
            logger.info("spotify: development-mode app detected (%s); using fallbacks", reason)
            self.dev_mode = True


class _TrackList(Model):
    tracks: list[SpotifyTrack]


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_message(body: object, response: httpx.Response) -> str:
    """The message of `{"error": {"status", "message"}}`, of the flat OAuth shape, or the raw text."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return f"{error}: {body.get('error_description', '')}".rstrip(": ")
    return response.text[:200] or response.reason_phrase


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _quote(spotify_id: str) -> str:
    return quote(spotify_id, safe="")
