"""Spotify Web API emulator (plus the accounts token endpoint) with the Feb-2026 dev/extended split.

The facts it enforces are in docs/vendors.md (the Spotify sections). One app serves both hosts' paths:
`POST /api/token` (accounts.spotify.com) and `/v1/...` (api.spotify.com).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.emulators.faults import EmulatorState, FaultSettings, control_routes, truncate_json
from app.emulators.world import (
    MARKETS,
    Image,
    SpotifyAlbum,
    SpotifyArtist,
    SpotifyTrack,
    World,
    normalize_name,
)

Mode = Literal["dev", "extended"]
Handler = Callable[[Request], Awaitable[Response]]
# Query parameters a paging href repeats before and after offset/limit (the real order differs per endpoint).
Params = tuple[list[tuple[str, str]], list[tuple[str, str]]]
_ID_RE = re.compile(r"^[0-9A-Za-z]{22}$")
# Endpoints removed for dev-mode apps since Feb 2026 (B.5). What the live API answers there was never
# recorded; the emulator sends 403 {"error":{"status":403,"message":"Forbidden"}} (403 is documented for
# "restricted endpoints", B.4).
_EXTENDED_ONLY = frozenset({"/v1/artists", "/v1/artists/{id}/top-tracks", "/v1/albums", "/v1/tracks"})
_GROUP_ORDER = ("album", "single", "compilation", "appears_on")
_SEARCH_TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
_MATCH = 0.7  # similarity needed to appear in search results at all
_STOPWORDS = frozenset({"the", "a", "an", "and", "of"})


class ApiError(Exception):
    """Raised by handlers; rendered as Spotify's `{"error":{"status","message"}}` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)


def _oauth_error(error: str, description: str) -> Response:
    # The accounts host answers with flat OAuth bodies, not the nested API shape (B.1).
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


# ---------------------------------------------------------------------------------------------- fuzzy search


def _ratio(query: str, name: str) -> float:
    matcher = SequenceMatcher(None, query, name)
    if matcher.real_quick_ratio() < _MATCH or matcher.quick_ratio() < _MATCH:
        return 0.0
    return matcher.ratio()


def similarity(query: str, name: str) -> float:
    """Fuzzy score of two normalized names: 1.0 exact, ~0.9 prefix, 0.85 all query words present, else ratio."""
    if not query or not name:
        return 0.0
    if query == name:
        return 1.0
    prefix = 0.9 if len(query) >= 3 and (name.startswith(query) or query.startswith(name)) else 0.0
    words = set(query.split()) - _STOPWORDS or set(query.split())
    contains = 0.85 if words <= set(name.split()) else 0.0
    return max(prefix, contains, _ratio(query, name))


@dataclass(slots=True)
class _Query:
    text: str  # plain words, normalized
    filters: dict[str, str]  # artist/track/album/genre/isrc/year, values normalized (isrc/year raw)


_FILTER_RE = re.compile(r'\b(artist|track|album|genre|isrc|year|upc|tag):(?:"([^"]*)"|(\S+))', re.IGNORECASE)


def parse_query(q: str) -> _Query:
    """Split `q` into field filters (`artist:"Name"`, `year:2019-2021`, ...) and free text (B.2)."""
    filters: dict[str, str] = {}
    for match in _FILTER_RE.finditer(q):
        key, value = match.group(1).casefold(), match.group(2) if match.group(2) is not None else match.group(3)
        filters[key] = value if key in ("isrc", "year", "upc", "tag") else normalize_name(value)
    return _Query(normalize_name(_FILTER_RE.sub(" ", q)), filters)


def _year_ok(release_date: str, year_filter: str | None) -> bool:
    if not year_filter:
        return True
    low, _, high = year_filter.partition("-")
    year = int(release_date[:4])
    try:
        return int(low) <= year <= int(high or low)
    except ValueError:
        return True


# ---------------------------------------------------------------------------------------------- state


@dataclass(slots=True)
class _Token:
    client_id: str
    expires_at: float  # time.monotonic()


class SpotifyState(EmulatorState):
    """Tokens, the rolling-window limiter, the mode switch and search indexes; on `app.state.emulator`."""

    def __init__(
        self,
        world: World,
        mode: Mode,
        faults: FaultSettings | None,
        requests_per_window: int,
        window_seconds: float,
        token_ttl_seconds: int,
        client_id: str | None,
        client_secret: str | None,
    ) -> None:
        super().__init__(faults, window_seconds=window_seconds)
        self.world = world
        self.mode: Mode = mode
        self.requests_per_window = requests_per_window
        self.window_seconds = window_seconds
        self.token_ttl_seconds = token_ttl_seconds
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens: dict[str, _Token] = {}
        self.norm_artist = {a.id: normalize_name(a.name) for a in world.artists.values()}
        self.norm_album = {a.id: normalize_name(a.name) for a in world.albums.values()}
        self.norm_track = {t.id: normalize_name(t.name) for t in world.tracks.values()}
        self._reset_limits()

    def reset(self) -> None:
        """Clear faults, counters and limiter windows (issued tokens stay valid)."""
        super().reset()
        self._reset_limits()

    def _reset_limits(self) -> None:
        self.windows: dict[str, deque[float]] = {}
        self.tokens_issued = 0

    @property
    def extended(self) -> bool:
        """Extended quota mode: every endpoint and field (B.5)."""
        return self.mode == "extended"

    def issue_token(self, client_id: str) -> str:
        """A new opaque bearer token for this client."""
        token = "BQ" + secrets.token_urlsafe(60)
        self.tokens[token] = _Token(client_id, time.monotonic() + self.token_ttl_seconds)
        self.tokens_issued += 1
        return token

    def expire_all_tokens(self) -> None:
        """Every issued token now answers 401 "The access token expired"."""
        for token in self.tokens.values():
            token.expires_at = 0.0

    def authenticate(self, header: str | None) -> str | Response:
        """The client id behind a bearer header, or the 401 to send."""
        scheme, _, token = (header or "").partition(" ")
        if not header:
            return _error(401, "No token provided")
        found = self.tokens.get(token.strip()) if scheme.casefold() == "bearer" else None
        if found is None:
            return _error(401, "Invalid access token")
        if found.expires_at <= time.monotonic():
            return _error(401, "The access token expired")
        return found.client_id

    def over_limit(self, client_id: str, now: float) -> int | None:
        """Rolling window per client id (B.4): None when allowed, else the Retry-After seconds."""
        window = self.windows.setdefault(client_id, deque())
        while window and window[0] <= now - self.window_seconds:
            window.popleft()
        if len(window) >= self.requests_per_window:
            return max(1, math.ceil(window[0] + self.window_seconds - now))
        window.append(now)
        return None

    def stats_snapshot(self) -> dict[str, Any]:
        """Shared counters plus mode, limit and tokens."""
        return {
            **super().stats_snapshot(),
            "mode": self.mode,
            "requests_per_window": self.requests_per_window,
            "tokens_issued": self.tokens_issued,
        }

    def world_summary(self) -> dict[str, Any]:
        """Catalog sizes."""
        return {"counts": self.world.counts(), "mode": self.mode}


# ---------------------------------------------------------------------------------------------- rendering


class _Render:
    """Object shapes as in the samples; dev mode strips the fields removed in Feb 2026 (B.5)."""

    def __init__(self, state: SpotifyState, request: Request) -> None:
        self.world = state.world
        self.extended = state.extended
        self.market = request.query_params.get("market")
        self.base = str(request.base_url).rstrip("/")  # `href`/`next` point back at the emulator

    def _images(self, images: list[Image]) -> list[dict[str, Any]]:
        return [{"height": i.height, "url": i.url, "width": i.width} for i in images]

    def _common(self, kind: str, object_id: str) -> dict[str, Any]:
        return {
            "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{object_id}"},
            "href": f"{self.base}/v1/{kind}s/{object_id}",
            "id": object_id,
        }

    def _markets(self, body: dict[str, Any]) -> None:
        if self.market:
            body["is_playable"] = True  # with a market the API answers playability instead of markets
        elif self.extended:
            body["available_markets"] = list(MARKETS)

    def simple_artist(self, artist: SpotifyArtist) -> dict[str, Any]:
        """SimplifiedArtistObject."""
        return {
            **self._common("artist", artist.id),
            "name": artist.name,
            "type": "artist",
            "uri": f"spotify:artist:{artist.id}",
        }

    def artist(self, artist: SpotifyArtist) -> dict[str, Any]:
        """ArtistObject; `followers`/`popularity` only in extended mode."""
        body = self._common("artist", artist.id)
        if self.extended:
            body["followers"] = {"href": None, "total": artist.followers}
        body |= {"genres": list(artist.genres), "images": self._images(artist.images), "name": artist.name}
        if self.extended:
            body["popularity"] = artist.popularity
        return body | {"type": "artist", "uri": f"spotify:artist:{artist.id}"}

    def simple_album(self, album: SpotifyAlbum, album_group: str | None = None) -> dict[str, Any]:
        """SimplifiedAlbumObject (`album_group` only on artist-albums pages, extended mode)."""
        body: dict[str, Any] = {}
        if album_group is not None and self.extended:
            body["album_group"] = album_group
        body["album_type"] = album.album_type
        body["artists"] = [self.simple_artist(self.world.artists[a]) for a in album.artist_ids]
        self._markets(body)
        body |= self._common("album", album.id)
        body |= {
            "images": self._images(album.images),
            "name": album.name,
            "release_date": album.release_date,
            "release_date_precision": album.release_date_precision,
            "total_tracks": album.total_tracks,
            "type": "album",
            "uri": f"spotify:album:{album.id}",
        }
        return body

    def album(self, album: SpotifyAlbum) -> dict[str, Any]:
        """Full AlbumObject with its first 50 tracks."""
        body = self.simple_album(album)
        body["copyrights"] = [{"text": f"(C) {album.release_date[:4]} {album.label}", "type": "C"}]
        body["external_ids"] = {"upc": album.upc}
        body["genres"] = []
        if self.extended:
            body["label"] = album.label
            body["popularity"] = album.popularity
        tracks = [self.world.tracks[t] for t in album.track_ids]
        href = f"{self.base}/v1/albums/{album.id}/tracks"
        items = [self.simple_track(t) for t in tracks[:50]]
        body["tracks"] = self.paging(href, ([], []), items, len(tracks), 50, 0)
        return dict(sorted(body.items()))

    def simple_track(self, track: SpotifyTrack) -> dict[str, Any]:
        """SimplifiedTrackObject (album-tracks pages)."""
        body: dict[str, Any] = {"artists": [self.simple_artist(self.world.artists[a]) for a in track.artist_ids]}
        self._markets(body)
        body |= {
            "disc_number": track.disc_number,
            "duration_ms": track.duration_ms,
            "explicit": track.explicit,
            **self._common("track", track.id),
            "is_local": False,
            "name": track.name,
            # Null for new/dev-mode apps in practice (B.5).
            "preview_url": track.preview_url if self.extended else None,
            "track_number": track.track_number,
            "type": "track",
            "uri": f"spotify:track:{track.id}",
        }
        return dict(sorted(body.items()))

    def track(self, track: SpotifyTrack) -> dict[str, Any]:
        """Full TrackObject; `popularity` only in extended mode, `external_ids.isrc` always (restored Mar 2026)."""
        body = self.simple_track(track)
        body["album"] = self.simple_album(self.world.albums[track.album_id])
        body["external_ids"] = {"isrc": track.isrc}
        if self.extended:
            body["popularity"] = track.popularity
        return dict(sorted(body.items()))

    def paging(
        self, href: str, params: Params, items: list[dict[str, Any]], total: int, limit: int, offset: int
    ) -> dict[str, Any]:
        """Paging object; `next`/`previous` are absolute URLs or null (B.2). `params`: (before, after) paging."""

        def url(at: int) -> str:
            before, after = params
            query = [*before, ("offset", str(at)), ("limit", str(limit)), *after]
            return f"{href}?{urlencode(query, quote_via=quote)}"

        return {
            "href": url(offset),
            "items": items,
            "limit": limit,
            "next": url(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": url(max(0, offset - limit)) if offset > 0 else None,
            "total": total,
        }


# ---------------------------------------------------------------------------------------------- parameters


def _int(request: Request, name: str, default: int, low: int, high: int, message: str) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, message) from None
    if not low <= value <= high:
        raise ApiError(400, message)
    return value


def _id(request: Request) -> str:
    object_id = str(request.path_params["id"])
    if not _ID_RE.match(object_id):
        raise ApiError(400, "Invalid base62 id")
    return object_id


def _ids(request: Request, maximum: int) -> list[str]:
    ids = [i for i in request.query_params.get("ids", "").split(",") if i]
    if not ids:
        raise ApiError(400, "Missing or invalid ids")
    if len(ids) > maximum:
        raise ApiError(400, "Too many ids requested")
    if not all(_ID_RE.match(i) for i in ids):
        raise ApiError(400, "Invalid base62 id")
    return ids


def _get(collection: dict[str, Any], object_id: str) -> Any:
    found = collection.get(object_id)
    if found is None:
        raise ApiError(404, "Resource not found")  # exact 404 text unrecorded [assumed]
    return found


# ---------------------------------------------------------------------------------------------- app


def create_spotify_app(
    world: World,
    *,
    mode: Mode = "dev",
    faults: FaultSettings | None = None,
    requests_per_30s: int = 180,
    token_ttl_seconds: int = 3600,
    client_id: str | None = None,
    client_secret: str | None = None,
    window_seconds: float = 30.0,
) -> Starlette:
    """Spotify emulator; `client_id/secret=None` accepts any non-empty pair; shrink `window_seconds` in tests."""
    state = SpotifyState(
        world, mode, faults, requests_per_30s, window_seconds, token_ttl_seconds, client_id, client_secret
    )

    def limit_for(request: Request, dev: tuple[int, int], extended: tuple[int, int]) -> int:
        default, maximum = extended if state.extended else dev
        return _int(request, "limit", default, 1, maximum, "Invalid limit")

    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        grant = form.get("grant_type")
        if grant is None:
            return _oauth_error("unsupported_grant_type", "grant_type parameter is missing")
        if grant != "client_credentials":
            return _oauth_error("unsupported_grant_type", "grant_type must be client_credentials")
        given_id, given_secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.casefold() == "basic":
            try:
                given_id, _, given_secret = base64.b64decode(encoded, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return _oauth_error("invalid_client", "Invalid client")
        if not given_id or (state.client_id is not None and given_id != state.client_id):
            return _oauth_error("invalid_client", "Invalid client")
        if not given_secret or (state.client_secret is not None and given_secret != state.client_secret):
            return _oauth_error("invalid_client", "Invalid client secret")
        body = {
            "access_token": state.issue_token(given_id),
            "token_type": "bearer",
            "expires_in": state.token_ttl_seconds,
        }
        return JSONResponse(body)

    async def search(request: Request) -> Response:
        # The real `href`/`next` links spell the parameter `query=` (see samples) and work when followed.
        q = request.query_params.get("q") or request.query_params.get("query", "")
        if not q.strip():
            raise ApiError(400, "No search query")
        types = [t.strip() for t in request.query_params.get("type", "").split(",") if t.strip()]
        if not types:
            raise ApiError(400, "Missing parameter type")
        if any(t not in _SEARCH_TYPES for t in types):
            raise ApiError(400, "Bad search type field")
        limit = limit_for(request, (5, 10), (20, 50))  # Feb 2026: default 5, max 10 in dev mode (B.5)
        offset = _int(request, "offset", 0, 0, 1000, "Invalid offset")
        render, query = _Render(state, request), parse_query(q)
        params = [("query", q), ("type", ",".join(types))]
        if render.market:
            params.append(("market", render.market))
        body: dict[str, Any] = {}
        for kind in types:
            items: list[dict[str, Any]] = []
            total = 0
            if kind == "artist":
                artists = _search_artists(state, query)
                total, items = len(artists), [render.artist(a) for a in artists[offset : offset + limit]]
            elif kind == "track":
                tracks = _search_tracks(state, query)
                total, items = len(tracks), [render.track(t) for t in tracks[offset : offset + limit]]
            elif kind == "album":
                albums = _search_albums(state, query)
                total, items = len(albums), [render.simple_album(a) for a in albums[offset : offset + limit]]
            # Other types (playlists, shows, ...) exist in the API but not in this world: empty pages.
            body[f"{kind}s"] = render.paging(f"{render.base}/v1/search", (params, []), items, total, limit, offset)
        return JSONResponse(body)

    async def get_artist(request: Request) -> Response:
        return JSONResponse(_Render(state, request).artist(_get(world.artists, _id(request))))

    async def several_artists(request: Request) -> Response:
        render = _Render(state, request)
        found = [world.artists.get(i) for i in _ids(request, 50)]
        return JSONResponse({"artists": [render.artist(a) if a else None for a in found]})

    async def top_tracks(request: Request) -> Response:
        artist: SpotifyArtist = _get(world.artists, _id(request))
        render = _Render(state, request)
        return JSONResponse({"tracks": [render.track(world.tracks[t]) for t in artist.top_track_ids]})

    async def artist_albums(request: Request) -> Response:
        artist: SpotifyArtist = _get(world.artists, _id(request))
        groups_param = request.query_params.get("include_groups", "")
        groups = [g.strip() for g in groups_param.split(",") if g.strip()] or list(_GROUP_ORDER)
        if any(g not in _GROUP_ORDER for g in groups):
            raise ApiError(400, "Invalid include_groups")
        limit = limit_for(request, (5, 10), (20, 50))  # over 10 in dev mode: 400 "Invalid limit" (spotipy#1231)
        offset = _int(request, "offset", 0, 0, 10_000, "Invalid offset")
        entries: list[tuple[str, SpotifyAlbum]] = [
            (world.albums[a].album_type, world.albums[a]) for a in artist.album_ids
        ]
        entries += [("appears_on", world.albums[a]) for a in artist.appears_on_ids]
        entries = [e for e in entries if e[0] in groups]
        entries.sort(key=lambda e: e[1].id)
        entries.sort(key=lambda e: e[1].release_date, reverse=True)
        entries.sort(key=lambda e: _GROUP_ORDER.index(e[0]))
        render = _Render(state, request)
        items = [render.simple_album(album, group) for group, album in entries[offset : offset + limit]]
        after = [("include_groups", groups_param)] if groups_param else []
        if render.market:
            after.append(("market", render.market))
        href = f"{render.base}/v1/artists/{artist.id}/albums"
        return JSONResponse(render.paging(href, ([], after), items, len(entries), limit, offset))

    async def get_album(request: Request) -> Response:
        return JSONResponse(_Render(state, request).album(_get(world.albums, _id(request))))

    async def several_albums(request: Request) -> Response:
        render = _Render(state, request)
        found = [world.albums.get(i) for i in _ids(request, 20)]
        return JSONResponse({"albums": [render.album(a) if a else None for a in found]})

    async def album_tracks(request: Request) -> Response:
        album: SpotifyAlbum = _get(world.albums, _id(request))
        limit = _int(request, "limit", 20, 1, 50, "Invalid limit")
        offset = _int(request, "offset", 0, 0, 10_000, "Invalid offset")
        render = _Render(state, request)
        tracks = [render.simple_track(world.tracks[t]) for t in album.track_ids[offset : offset + limit]]
        after = [("market", render.market)] if render.market else []
        href = f"{render.base}/v1/albums/{album.id}/tracks"
        return JSONResponse(render.paging(href, ([], after), tracks, album.total_tracks, limit, offset))

    async def get_track(request: Request) -> Response:
        return JSONResponse(_Render(state, request).track(_get(world.tracks, _id(request))))

    async def several_tracks(request: Request) -> Response:
        render = _Render(state, request)
        found = [world.tracks.get(i) for i in _ids(request, 50)]
        return JSONResponse({"tracks": [render.track(t) if t else None for t in found]})

    async def set_mode(request: Request) -> Response:
        try:
            wanted = (await request.json()).get("mode")
        except (ValueError, AttributeError):
            wanted = None
        if wanted not in ("dev", "extended"):
            return JSONResponse({"error": 'expected {"mode": "dev"|"extended"}'}, status_code=400)
        state.mode = wanted
        return JSONResponse({"mode": state.mode})

    def api(template: str, handler: Handler) -> Route:
        async def gate(request: Request) -> Response:
            response = await _guarded(state, template, handler, request)
            state.stats.response(response.status_code)
            return response

        return Route(template, gate, methods=["GET"])

    async def token_gate(request: Request) -> Response:
        state.stats.arrival("/api/token")
        faults = state.faults
        # The token endpoint only suffers faults when explicitly targeted with `path_contains`.
        if faults.settings.path_contains is not None and faults.applies_to(request.url.path):
            await faults.delay(request)
            failure = faults.take_failure()
            if failure is not None:
                return _server_error(failure)
        response = await token(request)
        state.stats.response(response.status_code)
        return response

    async def unknown_path(request: Request, exc: Exception) -> Response:
        return _error(404, "Service not found")

    routes = [
        *control_routes(state),
        Route("/_emulator/mode", set_mode, methods=["POST"]),
        Route("/api/token", token_gate, methods=["POST"]),
        api("/v1/search", search),
        api("/v1/artists", several_artists),
        api("/v1/artists/{id}", get_artist),
        api("/v1/artists/{id}/top-tracks", top_tracks),
        api("/v1/artists/{id}/albums", artist_albums),
        api("/v1/albums", several_albums),
        api("/v1/albums/{id}", get_album),
        api("/v1/albums/{id}/tracks", album_tracks),
        api("/v1/tracks", several_tracks),
        api("/v1/tracks/{id}", get_track),
    ]
    app = Starlette(routes=routes, exception_handlers={404: unknown_path, 405: unknown_path})
    app.state.emulator = state
    return app


def _server_error(status: int) -> Response:
    # Spotify's ErrorObject shape; the exact 5xx messages are assumed.
    return _error(status, {500: "Server error.", 502: "Bad gateway.", 503: "Service unavailable"}[status])


def _too_many(retry_after: int, empty_body: bool) -> Response:
    body: dict[str, Any] = {} if empty_body else {"error": {"status": 429, "message": "API rate limit exceeded"}}
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(retry_after)})


async def _guarded(state: SpotifyState, template: str, handler: Handler, request: Request) -> Response:
    """Faults, bearer auth, the rolling-window limit, dev-mode endpoint removal, then the handler."""
    now = time.monotonic()
    state.stats.arrival(template)
    faults = state.faults
    if faults.settings.expire_tokens_now:
        state.expire_all_tokens()
        faults.settings.expire_tokens_now = False
    targeted = faults.applies_to(request.url.path)
    if targeted:
        await faults.delay(request)
    client = state.authenticate(request.headers.get("authorization"))
    if isinstance(client, Response):
        return client
    state.stats.keyed(client, now)
    if targeted:
        if faults.take_storm():
            return _too_many(faults.settings.retry_after_seconds, faults.settings.empty_429_body)
        failure = faults.take_failure()
        if failure is not None:
            return _server_error(failure)
    retry_after = state.over_limit(client, now)
    if retry_after is not None:
        return _too_many(retry_after, faults.settings.empty_429_body)
    if template in _EXTENDED_ONLY and not state.extended:
        return _error(403, "Forbidden")
    try:
        response = await handler(request)
    except ApiError as exc:
        return _error(exc.status, exc.message)
    if response.status_code == 200 and targeted and faults.take_malformed():
        return truncate_json(response)
    return response


# ---------------------------------------------------------------------------------------------- search bodies


def _ranked(scored: Iterable[tuple[float, int, str, Any]]) -> list[Any]:
    # Popular near-names can outrank an obscure exact match, as on the real service
    # (docs/vendors.md, "Names across services").
    return [item for _, _, _, item in sorted(scored, key=lambda s: (-(s[0] + s[1] / 250), s[2]))]


def _artist_scores(state: SpotifyState, text: str) -> dict[str, float]:
    return {a: s for a, name in state.norm_artist.items() if (s := similarity(text, name)) >= _MATCH}


def _search_artists(state: SpotifyState, query: _Query) -> list[SpotifyArtist]:
    text = " ".join(filter(None, (query.filters.get("artist"), query.text)))
    genre = query.filters.get("genre")
    artists = state.world.artists
    scored = (
        (score, artists[a].popularity, a, artists[a])
        for a, score in _artist_scores(state, text).items()
        if not genre or any(genre == normalize_name(g) for g in artists[a].genres)
    )
    return _ranked(scored)


def _search_albums(state: SpotifyState, query: _Query) -> list[SpotifyAlbum]:
    world, filters = state.world, query.filters
    by_artist = _artist_scores(state, filters["artist"]) if "artist" in filters else None
    scored = []
    for album in world.albums.values():
        if not _year_ok(album.release_date, filters.get("year")) or filters.get("upc", album.upc) != album.upc:
            continue
        parts = []
        if by_artist is not None:
            parts.append(max((by_artist.get(a, 0.0) for a in album.artist_ids), default=0.0))
        if "album" in filters:
            parts.append(similarity(filters["album"], state.norm_album[album.id]))
        if query.text:
            names = [state.norm_album[album.id], *(state.norm_artist[a] for a in album.artist_ids)]
            parts.append(max(_all_words(query.text, names), *(similarity(query.text, n) for n in names)))
        if all(part >= _MATCH for part in parts):
            scored.append((sum(parts), album.popularity, album.id, album))
    return _ranked(scored)


def _all_words(text: str, names: list[str]) -> float:
    """Free text spread over several fields ("song title artist") still matches."""
    return 0.8 if set(text.split()) <= {w for n in names for w in n.split()} else 0.0


def _search_tracks(state: SpotifyState, query: _Query) -> list[SpotifyTrack]:
    world, filters = state.world, query.filters
    by_artist = _artist_scores(state, filters["artist"]) if "artist" in filters else None
    text_artists = _artist_scores(state, query.text) if query.text else {}
    scored = []
    for track in world.tracks.values():
        album = world.albums[track.album_id]
        if filters.get("isrc", track.isrc).upper() != track.isrc or not _year_ok(
            album.release_date, filters.get("year")
        ):
            continue
        parts = []
        if by_artist is not None:
            parts.append(max((by_artist.get(a, 0.0) for a in track.artist_ids), default=0.0))
        if "track" in filters:
            parts.append(similarity(filters["track"], state.norm_track[track.id]))
        if "album" in filters:
            parts.append(similarity(filters["album"], state.norm_album[album.id]))
        if query.text and all(part >= _MATCH for part in parts):
            own = max(
                similarity(query.text, state.norm_track[track.id]),
                *(text_artists.get(a, 0.0) for a in track.artist_ids),
            )
            names = [
                state.norm_track[track.id],
                state.norm_album[album.id],
                *(state.norm_artist[a] for a in track.artist_ids),
            ]
            parts.append(own if own >= _MATCH else _all_words(query.text, names))
        if all(part >= _MATCH for part in parts):
            scored.append((sum(parts), track.popularity, track.id, track))
    return _ranked(scored)
