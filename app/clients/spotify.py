"""Spotify Web API client (client-credentials flow): artists, albums and tracks as pydantic models.

Development-mode apps (since Feb 2026, external-apis.md B.5) lose artist top-tracks, every several-ids
endpoint and `popularity`, and search / artist-albums accept `limit` ≤ 10. The client starts out
assuming the full API and switches `dev_mode` on at the first sign (403/404 on a removable endpoint,
400 "Invalid limit", a full object without popularity); from then on it uses the fallbacks directly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Sequence
from datetime import date
from functools import partial
from typing import Annotated, Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import AliasPath, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError

from app.catalog.matching import is_same_artist_name, song_title_key
from app.clients.base import ApiClient
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
_SEVERAL_MAX = {"artists": 50, "tracks": 50, "albums": 20}  # ids per several-ids call (Spotify spec)
# Refresh a little before `expires_in` (3600 s) so no request leaves with a token about to expire.
_TOKEN_EXPIRY_MARGIN_SECONDS = 60.0
# artist_catalog budget: release pages per group and releases opened, so one artist costs a bounded
# number of calls (in dev mode every page is 10 releases).
_MAX_RELEASE_PAGES = 3
_MAX_RELEASES_OPENED = 25
# find_artist_by_exact_name: extra result pages scanned when the first has no exact match (a short
# name such as "ano" is buried under ANOTR, Anor, Anouk by fuzzy search).
_EXACT_SEARCH_EXTRA_PAGES = 2

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


# --- models: only the fields the sync uses -----------------------------------------------------


def _first_image(value: object) -> str | None:
    """Spotify lists images widest first."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        url = value[0].get("url")
        return url if isinstance(url, str) else None
    return None


ImageUrl = Annotated[str | None, BeforeValidator(_first_image)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class SpotifyArtistRef(_Model):
    id: str
    name: str


class SpotifyArtist(_Model):
    id: str
    name: str
    genres: list[str] = Field(default_factory=list)
    popularity: int | None = None  # removed for dev-mode apps
    followers: int | None = Field(default=None, validation_alias=AliasPath("followers", "total"))
    image_url: ImageUrl = Field(default=None, validation_alias="images")
    url: str | None = Field(default=None, validation_alias=AliasPath("external_urls", "spotify"))


class SpotifyAlbum(_Model):
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


class SpotifyTrack(_Model):
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


class Page(_Model, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = None


class CatalogTrack(_Model):
    """One song of an artist's catalog as `artist_catalog` ranks it (rank 1 = most relevant)."""

    id: str
    name: str
    rank: int
    source: Literal["top_tracks", "album"]
    album_id: str | None
    album_name: str | None
    release_date: date | None
    release_date_precision: str | None
    duration_ms: int
    popularity: int | None
    preview_url: str | None
    track_number: int | None
    disc_number: int | None
    explicit: bool
    isrc: str | None


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
        artists = _parse(Page[SpotifyArtist], body.get("artists")).items
        self._check_popularity(artists)
        return artists

    async def search_tracks(self, q: str, limit: int = 10, artist_name: str | None = None) -> list[SpotifyTrack]:
        """Tracks matching `q`, optionally restricted to an artist name via field filters."""
        if artist_name is not None:  # field filters; quotes keep multi-word names together
            title, artist = q.replace('"', ""), artist_name.replace('"', "")
            q = f'track:"{title}" artist:"{artist}"'
        body = await self._get_limited("/search", {"q": q, "type": "track"}, limit)
        tracks = _parse(Page[SpotifyTrack], body.get("tracks")).items
        self._check_popularity(tracks)
        return tracks

    async def find_artist_by_exact_name(self, name: str) -> SpotifyArtist | None:
        """The one artist whose normalised name equals `name`'s; None when none or several do.

        Rule: a result counts only if `is_same_artist_name` holds (near-names never count). Exactly one
        distinct exact match is accepted. Two or more are different artists sharing a name, and picking
        the more popular one is how a wrong-artist show reaches customers, so the answer is None and the
        attraction stays unlinked. The first page is scanned, and up to two more only if it had no exact
        match (short names get buried by fuzzy search).
        """
        matches: dict[str, SpotifyArtist] = {}
        offset = 0
        for _ in range(1 + _EXACT_SEARCH_EXTRA_PAGES):
            results = await self.search_artists(name, limit=self.page_limit, offset=offset)
            matches.update((artist.id, artist) for artist in results if is_same_artist_name(artist.name, name))
            if matches or len(results) < self.page_limit:
                break
            offset += len(results)
        if len(matches) > 1:
            logger.info("spotify: %d artists named %r; leaving it unmatched", len(matches), name)
        return next(iter(matches.values())) if len(matches) == 1 else None

    # --- artists, albums, tracks ---

    async def get_artist(self, artist_id: str) -> SpotifyArtist:
        """One artist by id."""
        artist = _parse(SpotifyArtist, await self._get(f"/artists/{_quote(artist_id)}", {}))
        self._check_popularity([artist])
        return artist

    async def get_track(self, track_id: str) -> SpotifyTrack:
        """One track by id."""
        track = _parse(SpotifyTrack, await self._get(f"/tracks/{_quote(track_id)}", {}))
        self._check_popularity([track])
        return track

    async def get_album(self, album_id: str) -> SpotifyAlbum:
        """One album by id."""
        return _parse(SpotifyAlbum, await self._get(f"/albums/{_quote(album_id)}", {}))

    async def get_artists(self, ids: Sequence[str]) -> list[SpotifyArtist]:
        """Several artists (50 per call); one call per id in dev mode, where the batch endpoint is gone."""
        return await self._several("artists", ids, SpotifyArtist, self.get_artist)

    async def get_tracks(self, ids: Sequence[str]) -> list[SpotifyTrack]:
        """Several tracks (50 per call); one call per id in dev mode."""
        return await self._several("tracks", ids, SpotifyTrack, self.get_track)

    async def get_albums(self, ids: Sequence[str]) -> list[SpotifyAlbum]:
        """Several albums (20 per call); one call per id in dev mode."""
        return await self._several("albums", ids, SpotifyAlbum, self.get_album)

    async def top_tracks(self, artist_id: str, market: str | None = None) -> list[SpotifyTrack]:
        """Up to 10 top tracks; raises `EndpointRemoved` for dev-mode apps."""
        if self.dev_mode:
            raise EndpointRemoved(SERVICE, "artist top-tracks is not available in development mode")
        path = f"/artists/{_quote(artist_id)}/top-tracks"
        body = await self._get(path, {"market": market or self.market}, removable=True)
        tracks = _parse(_TrackList, body).tracks
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
        return _parse(Page[SpotifyAlbum], body)

    async def album_tracks(
        self, album_id: str, limit: int = ALBUM_TRACKS_LIMIT, offset: int = 0, market: str | None = None
    ) -> Page[SpotifyTrack]:
        """One page of an album's tracks (no `album` or `popularity` on these items)."""
        params: dict[str, str | int] = {"limit": min(limit, ALBUM_TRACKS_LIMIT), "offset": offset}
        if market:
            params["market"] = market
        return _parse(Page[SpotifyTrack], await self._get(f"/albums/{_quote(album_id)}/tracks", params))

    # --- catalog ---

    async def artist_catalog(self, artist_id: str, max_songs: int = 50) -> list[CatalogTrack]:
        """The artist's songs, best first: top tracks, then recent albums and singles; deduplicated."""
        catalog = _CatalogBuilder(artist_id)
        try:
            for track in await self.top_tracks(artist_id):
                catalog.add(track, track.album, "top_tracks")
        except EndpointRemoved:
            pass  # dev mode: ranking falls back to release recency
        for release in await self._recent_releases(artist_id, want=max_songs):
            if len(catalog) >= max_songs:
                break
            for track in (await self.album_tracks(release.id)).items:
                if any(artist.id == artist_id for artist in track.artists):
                    catalog.add(track, release, "album")
        if not self.dev_mode:
            await self._hydrate_popularity(catalog)
        return catalog.ranked(max_songs)

    async def _recent_releases(self, artist_id: str, want: int) -> list[SpotifyAlbum]:
        """Newest albums and singles: each group fetched separately, as it is sorted newest first."""
        releases: dict[str, SpotifyAlbum] = {}
        for group in ("album", "single"):
            offset = tracks_found = 0
            for _ in range(_MAX_RELEASE_PAGES):
                page = await self.artist_albums(artist_id, (group,), limit=self.page_limit, offset=offset)
                for album in page.items:
                    releases.setdefault(album.id, album)
                    tracks_found += album.total_tracks or 1
                if page.next is None or not page.items or tracks_found >= want:
                    break
                offset += len(page.items)
        newest_first = sorted(releases.values(), key=lambda album: album.release_day or date.min, reverse=True)
        return newest_first[:_MAX_RELEASES_OPENED]

    async def _hydrate_popularity(self, catalog: _CatalogBuilder) -> None:
        """Album-track items carry no popularity: fetch it in batches where the batch endpoint exists."""
        ids = catalog.ids_missing_popularity()
        try:
            for start in range(0, len(ids), _SEVERAL_MAX["tracks"]):
                chunk = ids[start : start + _SEVERAL_MAX["tracks"]]
                body = await self._get("/tracks", {"ids": ",".join(chunk)}, removable=True)
                catalog.set_popularity(_parse(_TrackList, body).tracks)
        except EndpointRemoved:
            self._enter_dev_mode("several-tracks endpoint removed")  # one call per track is not worth it

    # --- plumbing ---

    async def _several(self, kind: str, ids: Sequence[str], model: type[M], get_one: Callable[[str], Any]) -> list[M]:
        found: list[M] = []
        batch = _SEVERAL_MAX[kind]
        start = 0
        while not self.dev_mode and start < len(ids):
            chunk = ids[start : start + batch]
            try:
                body = await self._get(f"/{kind}", {"ids": ",".join(chunk)}, removable=True)
            except EndpointRemoved:
                self._enter_dev_mode(f"several-{kind} endpoint removed")
                break
            # Unknown ids come back as null entries.
            found.extend(_parse(model, item) for item in body.get(kind) or [] if item is not None)
            start += batch
        for item_id in ids[start:]:
            try:
                found.append(await get_one(item_id))
            except UpstreamNotFound:
                continue
        return found

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


class _TrackList(_Model):
    tracks: list[SpotifyTrack]


class _CatalogBuilder:
    """Collects an artist's tracks, deduplicated by id and by song title, and ranks them."""

    def __init__(self, artist_id: str) -> None:
        self.artist_id = artist_id
        self._tracks: dict[str, tuple[SpotifyTrack, SpotifyAlbum | None, Literal["top_tracks", "album"]]] = {}
        self._titles: set[str] = set()
        self._popularity: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._tracks)

    def add(self, track: SpotifyTrack, album: SpotifyAlbum | None, source: Literal["top_tracks", "album"]) -> None:
        title = song_title_key(track.name)
        if track.id in self._tracks or title in self._titles:
            return
        self._tracks[track.id] = (track, album, source)
        self._titles.add(title)

    def ids_missing_popularity(self) -> list[str]:
        return [track.id for track, _, _ in self._tracks.values() if track.popularity is None]

    def set_popularity(self, tracks: Iterable[SpotifyTrack]) -> None:
        self._popularity.update((track.id, track.popularity) for track in tracks if track.popularity is not None)

    def ranked(self, max_songs: int) -> list[CatalogTrack]:
        """Top tracks in Spotify's order, then by popularity when known, else newest release first."""
        entries = list(self._tracks.values())
        top = [entry for entry in entries if entry[2] == "top_tracks"]
        rest = [entry for entry in entries if entry[2] == "album"]

        def key(entry: tuple[SpotifyTrack, SpotifyAlbum | None, str]) -> tuple[bool, int, int, int, int]:
            track, album, _ = entry
            popularity = self._popularity.get(track.id, track.popularity)
            released = album.release_day if album else None
            return (
                popularity is None,
                -(popularity or 0),
                -(released or date.min).toordinal(),
                track.disc_number or 0,
                track.track_number or 0,
            )

        rest.sort(key=key)
        return [
            CatalogTrack(
                id=track.id,
                name=track.name,
                rank=rank,
                source=source,
                album_id=album.id if album else None,
                album_name=album.name if album else None,
                release_date=album.release_day if album else None,
                release_date_precision=album.release_date_precision if album else None,
                duration_ms=track.duration_ms,
                popularity=self._popularity.get(track.id, track.popularity),
                preview_url=track.preview_url,
                track_number=track.track_number,
                disc_number=track.disc_number,
                explicit=track.explicit,
                isrc=track.isrc,
            )
            for rank, (track, album, source) in enumerate((top + rest)[:max_songs], start=1)
        ]


def _parse(model: type[M], body: object) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise UpstreamBadResponse(SERVICE, f"unexpected {model.__name__} shape: {exc.errors()[:3]}") from None


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
