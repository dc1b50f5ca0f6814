"""Spotify and Ticketmaster look-ups clients need: track, artist and event search, an artist's top tracks.

Clients never call the vendors themselves: the shared rate limiter and breaker (app.clients) keep every
process within the app's quota, and the cache (Redis when configured, else this process) keeps a
popular query from spending it twice within SEARCH_CACHE_SECONDS.

Each answer is also kept as a last-good copy for STALE_SECONDS. When the vendor fails (5xx, timeout,
a 429 asking for hours, the breaker open), that copy is served instead of an error; a look-up never
waits more than UPSTREAM_DEADLINE_SECONDS for the vendor, whatever the client's retries would do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter
from tortoise.exceptions import IntegrityError

from app.catalog.ingest import is_music_event
from app.catalog.models import Artist, SpotifyMatch
from app.catalog.ranking import CatalogTrack
from app.catalog.refresh import artist_catalog, refresh_artist_songs, songs_are_fresh
from app.clients import spotify, ticketmaster
from app.clients.errors import CircuitOpen, EndpointRemoved, UpstreamError, UpstreamRateLimited
from app.clients.spotify import SpotifyArtist, SpotifyTrack
from app.clients.ticketmaster import Event
from app.errors import AppError, BadUserInput, RateLimited, TemporarilyUnavailable
from app.platform import quotas
from app.platform.observability import EVENTS_SKIPPED
from app.resources import Resources

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
# Development-mode Spotify apps get at most 10 search results per call: one call per look-up.
RESULTS = 10
MAX_EVENTS = 20  # one Ticketmaster page, small enough to answer quickly
# How long a last-good answer is kept to serve while the vendor is down or asks us to wait for hours.
STALE_SECONDS = 24 * 3600
# The longest a look-up waits for the vendor: the clients' retries and backoff (and a Retry-After
# under their 30 s sleep limit) are for jobs; an API request answers from the last-good copy instead.
UPSTREAM_DEADLINE_SECONDS = 5.0
_KEY_PREFIX = "theset:search"
_STALE_KEY_PREFIX = "theset:search-stale"
_VENDORS = {spotify.SERVICE: "Spotify", ticketmaster.SERVICE: "Ticketmaster"}

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

    @classmethod
    def from_catalog_track(cls, track: CatalogTrack, artist_name: str) -> TrackResult:
        return cls(
            spotify_id=track.id,
            name=track.name,
            artist_names=[artist_name],
            album_name=track.album_name,
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


class EventResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    ticketmaster_id: str
    name: str
    local_date: dt.date | None
    starts_at: dt.datetime | None
    status: str | None
    url: str | None
    venue_name: str | None
    city: str | None
    country_code: str | None

    @classmethod
    def from_event(cls, event: Event) -> EventResult:
        venue = event.venue
        return cls(
            ticketmaster_id=event.id,
            name=event.name,
            local_date=event.local_date,
            starts_at=event.start,
            status=event.status,
            url=event.url,
            venue_name=venue.name if venue else None,
            city=venue.city if venue else None,
            country_code=venue.country_code if venue else None,
        )


# --- the look-ups --------------------------------------------------------------------------------


def check_query(query: str) -> str:
    """The query with whitespace collapsed; BAD_USER_INPUT unless 1 to 100 characters."""
    cleaned = " ".join(query.split())
    if not 1 <= len(cleaned) <= MAX_QUERY_LENGTH:
        raise BadUserInput(f"The search query must be 1 to {MAX_QUERY_LENGTH} characters long")
    return cleaned


async def search_tracks(
    resources: Resources, query: str, artist: Artist | None = None, *, caller: str
) -> list[TrackResult]:
    """Spotify tracks matching `query`, restricted to `artist`'s name when given."""
    query = check_query(query)
    await _count_look_up(resources, caller)
    artist_name = artist.name if artist is not None else None

    async def fetch() -> list[TrackResult]:
        tracks = await resources.spotify.search_tracks(query, limit=RESULTS, artist_name=artist_name)
        return [TrackResult.from_track(track) for track in tracks]

    return await _cached(resources, spotify.SERVICE, TrackResult, ["tracks", query.casefold(), artist_name], fetch)


async def search_artists(resources: Resources, query: str, *, caller: str) -> list[ArtistResult]:
    """Spotify artists matching `query`, best match first."""
    query = check_query(query)
    await _count_look_up(resources, caller)

    async def fetch() -> list[ArtistResult]:
        return [ArtistResult.from_artist(artist) for artist in await resources.spotify.search_artists(query, RESULTS)]

    return await _cached(resources, spotify.SERVICE, ArtistResult, ["artists", query.casefold()], fetch)


async def artist_top_tracks(resources: Resources, artist: Artist, *, caller: str) -> list[TrackResult]:
    """The artist's Spotify top tracks (at most 10); none when no Spotify artist has exactly its name."""
    await _count_look_up(resources, caller)
    spotify_id = artist.spotify_id or await _match_on_spotify(resources, artist)
    if spotify_id is None:
        return []

    async def fetch() -> list[TrackResult]:
        client = resources.spotify
        try:
            return [TrackResult.from_track(track) for track in await client.top_tracks(spotify_id)][:RESULTS]
        except EndpointRemoved:
            # Development-mode apps lost top-tracks: the catalog's own ranking (newest releases) stands in.
            ranked = await artist_catalog(client, spotify_id, max_songs=RESULTS)
            return [TrackResult.from_catalog_track(track, artist.name) for track in ranked.tracks]

    # Keyed by the Spotify id: the answer is Spotify's, whichever local row asked.
    return await _cached(resources, spotify.SERVICE, TrackResult, ["top-tracks", spotify_id], fetch)


async def search_events(
    resources: Resources, keyword: str, city: str | None = None, first: int = RESULTS, *, caller: str
) -> list[EventResult]:
    """Upcoming Ticketmaster music events matching `keyword` (and in `city`), soonest first.

    Each event's own primary classification is checked: a keyword search also finds events whose
    other classifications match the music filter; those are left out and counted.
    """
    keyword = check_query(keyword)
    city = check_query(city) if city is not None else None
    if not 1 <= first <= MAX_EVENTS:
        raise BadUserInput(f"first must be 1 to {MAX_EVENTS}")
    await _count_look_up(resources, caller)

    async def fetch() -> list[EventResult]:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        page = await resources.ticketmaster.search_events(now, keyword=keyword, city=city, size=first, sort="date,asc")
        music = [event for event in page.events if is_music_event(event)]
        if skipped := len(page.events) - len(music):
            EVENTS_SKIPPED.labels("search_events", "not_music").inc(skipped)
        return [EventResult.from_event(event) for event in music]

    key = ["events", keyword.casefold(), city.casefold() if city else None, first]
    return await _cached(resources, ticketmaster.SERVICE, EventResult, key, fetch)


async def _count_look_up(resources: Resources, caller: str) -> None:
    """RATE_LIMITED past LOOKUPS_PER_CALLER (after the input checks: a refused query costs nothing)."""
    await quotas.check(resources.counter, quotas.LOOKUPS_PER_CALLER, caller)


async def _match_on_spotify(resources: Resources, artist: Artist) -> str | None:
    """Match the artist by exact name as setlist creation does (storing its songs too); its id or None."""
    settings = resources.settings
    if artist.spotify_match == SpotifyMatch.NONE and songs_are_fresh(artist, settings.songs_max_age_hours):
        return None  # searched recently: no artist of exactly this name
    try:
        async with asyncio.timeout(UPSTREAM_DEADLINE_SECONDS):
            await refresh_artist_songs(resources.spotify, artist, max_songs=settings.sync_songs_per_artist)
    except UpstreamError as error:
        raise as_app_error(error) from None
    except TimeoutError:
        raise _timed_out(spotify.SERVICE) from None
    except IntegrityError:
        # Another request or the sync matched it concurrently: theirs is stored.
        await artist.refresh_from_db(fields=["spotify_id", "spotify_match", "songs_synced_at"])
    return artist.spotify_id


async def _cached(
    resources: Resources,
    service: str,
    model: type[T],
    key_parts: list[str | int | None],
    fetch: Callable[[], Awaitable[list[T]]],
) -> list[T]:
    seconds = resources.settings.search_cache_seconds
    cache = resources.cache
    fresh_key, stale_key = cache_keys(key_parts)
    adapter = _list_adapter(model)
    if seconds > 0 and (hit := await cache.get(fresh_key)) is not None:
        cached: list[T] = adapter.validate_json(hit)
        return cached
    try:
        async with asyncio.timeout(UPSTREAM_DEADLINE_SECONDS):
            results = await fetch()
    except (UpstreamError, TimeoutError) as error:
        failure = as_app_error(error) if isinstance(error, UpstreamError) else _timed_out(service)
        if seconds > 0 and (last_good := await cache.get(stale_key)) is not None:
            logger.info("Look-up %s answered from its last good copy", key_parts[0])
            stale: list[T] = adapter.validate_json(last_good)
            return stale
        raise failure from None
    if seconds > 0:
        body = adapter.dump_json(results)
        await cache.set(fresh_key, body, seconds)
        await cache.set(stale_key, body, max(seconds, STALE_SECONDS))
    return results


@functools.cache
def _list_adapter(model: type[T]) -> TypeAdapter[list[T]]:
    # Built once per result model: a TypeAdapter compiles its validator and serializer.
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def cache_keys(key_parts: list[str | int | None]) -> tuple[str, str]:
    """The keys of a look-up's fresh copy and of its last-good copy."""
    digest = hashlib.sha256(json.dumps(key_parts).encode()).hexdigest()[:32]
    return f"{_KEY_PREFIX}:{key_parts[0]}:{digest}", f"{_STALE_KEY_PREFIX}:{key_parts[0]}:{digest}"


def _timed_out(service: str) -> AppError:
    logger.warning("%s look-up gave up after %.0f s", service, UPSTREAM_DEADLINE_SECONDS)
    return TemporarilyUnavailable(f"{_VENDORS[service]} did not answer in time; try again later")


def as_app_error(error: UpstreamError) -> AppError:
    """What a client is told when a vendor fails: RATE_LIMITED when it asked us to wait, else UPSTREAM_UNAVAILABLE."""
    logger.warning("Look-up failed: %s", error)
    vendor = _VENDORS.get(error.service, error.service)
    if isinstance(error, UpstreamRateLimited | CircuitOpen):
        wait = error.retry_after_seconds
        return RateLimited(f"{vendor} asked us to wait; try again in {wait:.0f} s", retry_after=wait)
    return TemporarilyUnavailable(f"{vendor} is unavailable right now; try again later")
