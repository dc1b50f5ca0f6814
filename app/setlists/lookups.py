"""Spotify look-ups for suggestions: track and artist search, server-side and cached.

Clients never call Spotify themselves: the shared rate limiter and breaker (app.clients) keep every
process within the app's quota, and the cache (Redis when configured, else this process) keeps a
popular query from spending it twice within SEARCH_CACHE_SECONDS.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.catalog.models import Artist
from app.clients.errors import CircuitOpen, UpstreamError, UpstreamRateLimited
from app.clients.spotify import SpotifyArtist, SpotifyTrack
from app.errors import AppError, BadUserInput, RateLimited, UpstreamUnavailable
from app.resources import Resources

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
# Development-mode Spotify apps get at most 10 search results per call: one call per look-up.
RESULTS = 10
_KEY_PREFIX = "theset:search"

T = TypeVar("T", bound=BaseModel)


class TrackResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    spotify_id: str
    name: str
    artist_names: list[str]
    album_name: str | None
    duration_ms: int
    preview_url: str | None

    @classmethod
    def from_track(cls, track: SpotifyTrack) -> TrackResult:
        return cls(
            spotify_id=track.id,
            name=track.name,
            artist_names=[artist.name for artist in track.artists],
            album_name=track.album.name if track.album else None,
            duration_ms=track.duration_ms,
            preview_url=track.preview_url,
        )


class ArtistResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    spotify_id: str
    name: str
    image_url: str | None
    genres: list[str]

    @classmethod
    def from_artist(cls, artist: SpotifyArtist) -> ArtistResult:
        return cls(spotify_id=artist.id, name=artist.name, image_url=artist.image_url, genres=list(artist.genres))


# --- the cache -----------------------------------------------------------------------------------


class SearchCache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, seconds: int) -> None: ...


class MemoryCache:
    """A bounded TTL cache in this process (no Redis configured)."""

    # Bounds memory: a few KB per entry.
    MAX_ENTRIES = 1_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    async def set(self, key: str, value: bytes, seconds: int) -> None:
        self._entries[key] = (self._clock() + seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.MAX_ENTRIES:
            self._entries.popitem(last=False)


class RedisCache:
    """Shared by every process; an unreachable Redis is a cache miss, not an error."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._redis.get(key)
        except (RedisError, OSError):
            logger.warning("Search cache: Redis unreachable", exc_info=True)
            return None
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, seconds: int) -> None:
        try:
            await self._redis.set(key, value, ex=seconds)
        except (RedisError, OSError):
            logger.warning("Search cache: Redis unreachable", exc_info=True)


memory_cache = MemoryCache()


def cache_for(redis: Redis | None) -> SearchCache:
    """Redis when configured, else this process's cache."""
    return RedisCache(redis) if redis is not None else memory_cache


# --- the look-ups --------------------------------------------------------------------------------


def check_query(query: str) -> str:
    """The query with whitespace collapsed; BAD_USER_INPUT unless 1 to 100 characters."""
    cleaned = " ".join(query.split())
    if not 1 <= len(cleaned) <= MAX_QUERY_LENGTH:
        raise BadUserInput(f"The search query must be 1 to {MAX_QUERY_LENGTH} characters long")
    return cleaned


async def search_tracks(resources: Resources, query: str, artist: Artist | None = None) -> list[TrackResult]:
    """Spotify tracks matching `query`, restricted to `artist`'s name when given."""
    query = check_query(query)
    artist_name = artist.name if artist is not None else None

    async def fetch() -> list[TrackResult]:
        tracks = await resources.spotify().search_tracks(query, limit=RESULTS, artist_name=artist_name)
        return [TrackResult.from_track(track) for track in tracks]

    return await _cached(resources, TrackResult, ["tracks", query.casefold(), artist_name], fetch)


async def search_artists(resources: Resources, query: str) -> list[ArtistResult]:
    """Spotify artists matching `query`, best match first."""
    query = check_query(query)

    async def fetch() -> list[ArtistResult]:
        return [ArtistResult.from_artist(artist) for artist in await resources.spotify().search_artists(query, RESULTS)]

    return await _cached(resources, ArtistResult, ["artists", query.casefold()], fetch)


async def _cached(
    resources: Resources, model: type[T], key_parts: list[str | None], fetch: Callable[[], Awaitable[list[T]]]
) -> list[T]:
    seconds = resources.settings.search_cache_seconds
    cache = cache_for(resources.redis)
    digest = hashlib.sha256(json.dumps(key_parts).encode()).hexdigest()[:32]
    key = f"{_KEY_PREFIX}:{key_parts[0]}:{digest}"
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    if seconds > 0 and (hit := await cache.get(key)) is not None:
        cached: list[T] = adapter.validate_json(hit)
        return cached
    try:
        results = await fetch()
    except UpstreamError as error:
        raise as_app_error(error) from None
    if seconds > 0:
        await cache.set(key, adapter.dump_json(results), seconds)
    return results


def as_app_error(error: UpstreamError) -> AppError:
    """What a client is told when Spotify fails: RATE_LIMITED when it asked us to wait, else UPSTREAM_UNAVAILABLE."""
    logger.warning("Spotify look-up failed: %s", error)
    if isinstance(error, UpstreamRateLimited | CircuitOpen):
        wait = error.retry_after_seconds
        return RateLimited(f"Spotify asked us to wait; try again in {wait:.0f} s", retry_after=wait)
    return UpstreamUnavailable("Spotify is unavailable right now; try again later")
