"""Top tracks and event look-ups, and every look-up while Spotify or Ticketmaster is down or rate-limiting us.

Both emulators run on real sockets; the API is the real application. The look-up cache is this
process's (no REDIS_URL) with a hand-driven clock, so a test can let the fresh copy expire while the
last-good copy remains; one test runs the same on Redis.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from catalog_testing import add_sports_event
from factories import make_artist, make_show
from graphql_client import GraphQLClient
from pydantic import SecretStr
from redis.asyncio import Redis
from redis_server import RedisServer
from setlists_testing import Spotify
from starlette.applications import Starlette

from app.api.ids import encode_id
from app.catalog.models import Artist
from app.clients.breaker import BreakerPolicy
from app.clients.factory import build_ticketmaster_client
from app.emulators.server import running_server
from app.emulators.ticketmaster import TicketmasterState, create_ticketmaster_app
from app.emulators.world import TmEvent, World, build_world
from app.lookups import service as lookups
from app.main import create_app
from app.platform.cache import MemoryCache
from app.settings import Settings

# Well inside the look-up deadline: an answer this fast did not wait on the vendor's retries or sleeps.
PROMPT_SECONDS = 2.0
MULTI_HOUR = 14_400


@dataclass
class Ticketmaster:
    url: str
    state: TicketmasterState
    world: World

    def faults(self, **patch: Any) -> None:
        self.state.faults.update(patch)

    def upcoming_music_event(self) -> TmEvent:
        """An upcoming music event with a bill, found by its headliner's name."""
        now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        events = (
            event
            for event in sorted(self.world.events.values(), key=lambda e: e.id)
            if event.classification.segment[1] == "Music"
            and event.attraction_ids
            and event.sort_instant is not None
            and event.sort_instant > now
            and not event.date_tba
            and not event.date_tbd
        )
        return next(events)

    def headliner_name(self, event: TmEvent) -> str:
        return self.world.attractions[event.attraction_ids[0]].name


@pytest.fixture
async def ticketmaster(world: World) -> AsyncIterator[Ticketmaster]:
    app = create_ticketmaster_app(world)
    async with running_server(app) as url:
        yield Ticketmaster(url=url, state=app.state.emulator, world=world)


@pytest.fixture
def lookup_settings(spotify_settings: Settings, ticketmaster: Ticketmaster) -> Settings:
    # A fresh API key per test: limiter and breaker state are kept per key.
    return spotify_settings.model_copy(
        update={"ticketmaster_base_url": ticketmaster.url, "ticketmaster_api_key": SecretStr(uuid.uuid4().hex)}
    )


@pytest.fixture
def clock() -> list[float]:
    """The look-up cache's clock (seconds); move it on to expire cached answers."""
    return [1_000.0]


async def _gql(settings: Settings, clock: list[float] | None = None) -> AsyncIterator[GraphQLClient]:
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        if clock is not None:  # the app's in-process cache, on the test's clock
            application.state.resources.cache = MemoryCache(clock=lambda: clock[0])
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http)


@pytest.fixture
async def gql(lookup_settings: Settings, orm: None, db: None, clock: list[float]) -> AsyncIterator[GraphQLClient]:
    async for client in _gql(lookup_settings, clock):
        yield client


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def _served(body: dict[str, Any]) -> dict[str, Any]:
    """The data of an answer without errors."""
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def _timed(call: Awaitable[dict[str, Any]]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    body = await call
    return body, time.monotonic() - started


# --- fresh look-ups ------------------------------------------------------------------------------


async def test_top_tracks_are_the_artists_tracks_and_cached(gql: GraphQLClient, spotify: Spotify) -> None:
    wanted = spotify.headliner()
    artist = await make_artist(name=wanted.name, spotify_id=wanted.id)
    artist_id = encode_id("Artist", artist.id)

    first = await gql.data("ArtistTopTracks", artistId=artist_id)
    sent = spotify.state.stats.requests
    second = await gql.data("ArtistTopTracks", artistId=artist_id)

    tracks = first["artistTopTracks"]
    assert 0 < len(tracks) <= lookups.RESULTS
    assert all(spotify.world.tracks[track["spotifyId"]].artist_ids[0] == wanted.id for track in tracks)
    assert second == first
    assert spotify.state.stats.requests == sent  # the second answer came from the cache


async def test_top_tracks_of_an_artist_without_spotify_id_match_it_by_exact_name(
    gql: GraphQLClient, spotify: Spotify
) -> None:
    wanted = spotify.headliner()
    artist = await make_artist(name=wanted.name, spotify_id=None)

    data = await gql.data("ArtistTopTracks", artistId=encode_id("Artist", artist.id))

    assert data["artistTopTracks"]
    assert all(wanted.name in track["artistNames"] for track in data["artistTopTracks"])
    stored = await Artist.get(id=artist.id)
    assert stored.spotify_id == wanted.id  # matched once, as setlist creation matches it


async def test_top_tracks_of_an_artist_spotify_does_not_know_are_empty(gql: GraphQLClient, spotify: Spotify) -> None:
    artist = await make_artist(name=f"Nobody Called This {uuid.uuid4().hex[:8]}", spotify_id=None)
    artist_id = encode_id("Artist", artist.id)

    first = await gql.data("ArtistTopTracks", artistId=artist_id)
    sent = spotify.state.stats.requests
    second = await gql.data("ArtistTopTracks", artistId=artist_id)

    assert first == second == {"artistTopTracks": []}
    assert spotify.state.stats.requests == sent  # the failed match is remembered, not searched again


async def test_top_tracks_need_an_artist_id_that_names_an_artist(gql: GraphQLClient, spotify: Spotify) -> None:
    unknown = await gql.run("ArtistTopTracks", artistId=encode_id("Artist", 999_999))
    malformed = await gql.run("ArtistTopTracks", artistId="not-an-id")
    a_show = await gql.run("ArtistTopTracks", artistId=encode_id("Show", 1))

    assert _codes(unknown) == ["NOT_FOUND"]
    assert _codes(malformed) == _codes(a_show) == ["BAD_USER_INPUT"]
    assert spotify.state.stats.requests == 0


async def test_search_events_finds_upcoming_events_and_links_synced_shows(
    gql: GraphQLClient, ticketmaster: Ticketmaster
) -> None:
    event = ticketmaster.upcoming_music_event()
    show = await make_show(ticketmaster_id=event.id)
    keyword = ticketmaster.headliner_name(event)

    first = await gql.data("SearchEvents", keyword=keyword)
    sent = ticketmaster.state.stats.requests
    second = await gql.data("SearchEvents", keyword=f" {keyword.upper()}  ")

    found = {result["ticketmasterId"]: result for result in first["searchEvents"]}
    assert event.id in found
    assert found[event.id]["name"] == event.name
    assert found[event.id]["venueName"] == ticketmaster.world.venues[event.venue_id].name
    assert found[event.id]["showId"] == encode_id("Show", show.id)
    assert all(result["showId"] is None for result in first["searchEvents"] if result["ticketmasterId"] != event.id)
    starts = [dt.datetime.fromisoformat(result["startsAt"]) for result in first["searchEvents"] if result["startsAt"]]
    assert starts == sorted(starts)  # soonest first
    assert starts[0] > dt.datetime.now(dt.UTC)  # upcoming only
    assert second == first
    assert ticketmaster.state.stats.requests == sent


async def test_search_events_in_a_city_keeps_that_citys_events(gql: GraphQLClient, ticketmaster: Ticketmaster) -> None:
    event = ticketmaster.upcoming_music_event()
    city = ticketmaster.world.venues[event.venue_id].city

    data = await gql.data("SearchEvents", keyword=ticketmaster.headliner_name(event), city=city, first=5)

    assert event.id in [result["ticketmasterId"] for result in data["searchEvents"]]
    assert 0 < len(data["searchEvents"]) <= 5
    assert {result["city"] for result in data["searchEvents"]} == {city}


async def test_search_events_leaves_out_events_that_are_not_music(
    lookup_settings: Settings, orm: None, db: None, clock: list[float]
) -> None:
    world = build_world(seed=5, n_artists=15, n_venues=8, n_events=40)
    game = add_sports_event(world)
    act = world.attractions[game.attraction_ids[1]].name
    app = create_ticketmaster_app(world)

    async with running_server(app) as url:
        settings = lookup_settings.model_copy(update={"ticketmaster_base_url": url})
        async with build_ticketmaster_client(settings, None) as client:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            raw = await client.search_events(now, keyword=act, size=lookups.MAX_EVENTS, sort="date,asc")
        async for gql in _gql(settings):
            data = await gql.data("SearchEvents", keyword=act, first=lookups.MAX_EVENTS)

    assert game.id in [event.id for event in raw.events]  # the music-segment search did return it
    found = [result["ticketmasterId"] for result in data["searchEvents"]]
    assert found, "the act's own music events are found"
    assert game.id not in found
    assert all(world.events[event_id].classification.segment[1] == "Music" for event_id in found)


@pytest.mark.parametrize(
    "variables",
    [
        {"keyword": ""},
        {"keyword": "   "},
        {"keyword": "x" * 101},
        {"keyword": "rock", "city": " "},
        {"keyword": "rock", "city": "y" * 101},
        {"keyword": "rock", "first": 0},
        {"keyword": "rock", "first": lookups.MAX_EVENTS + 1},
    ],
)
async def test_search_events_refuses_bad_input_before_ticketmaster(
    gql: GraphQLClient, ticketmaster: Ticketmaster, variables: dict[str, Any]
) -> None:
    body = await gql.run("SearchEvents", **variables)

    assert _codes(body) == ["BAD_USER_INPUT"]
    assert ticketmaster.state.stats.requests == 0


# --- the vendor down: last-good copies, promptly ---------------------------------------------------


@dataclass
class Case:
    """One look-up and the emulator it spends."""

    document: str
    field: str
    variables: Callable[[Spotify, Ticketmaster], Awaitable[dict[str, Any]]]
    vendor: str  # "spotify" | "ticketmaster"


async def _top_tracks_vars(spotify: Spotify, _: Ticketmaster) -> dict[str, Any]:
    wanted = spotify.headliner()
    artist = await make_artist(name=wanted.name, spotify_id=wanted.id)
    return {"artistId": encode_id("Artist", artist.id)}


async def _artists_vars(spotify: Spotify, _: Ticketmaster) -> dict[str, Any]:
    return {"query": spotify.headliner().name}


async def _events_vars(_: Spotify, ticketmaster: Ticketmaster) -> dict[str, Any]:
    return {"keyword": ticketmaster.headliner_name(ticketmaster.upcoming_music_event())}


CASES = [
    Case("ArtistTopTracks", "artistTopTracks", _top_tracks_vars, "spotify"),
    Case("SearchArtists", "searchArtists", _artists_vars, "spotify"),
    Case("SearchEvents", "searchEvents", _events_vars, "ticketmaster"),
]


class Vendor:
    """The emulator a case spends: its request count and its faults."""

    def __init__(self, case: Case, spotify: Spotify, ticketmaster: Ticketmaster) -> None:
        self._emulator: Spotify | Ticketmaster = spotify if case.vendor == "spotify" else ticketmaster
        self.name = case.vendor

    @property
    def requests(self) -> int:
        return self._emulator.state.stats.requests

    @property
    def answered_429(self) -> int:
        return self._emulator.state.stats.responses_by_status[429]

    def rate_limit_for_hours(self) -> None:
        """Every request answered 429: Spotify with Retry-After of hours, Ticketmaster with its daily quota."""
        if self.name == "spotify":
            self._emulator.faults(rate_limit_next_n=1_000, retry_after_seconds=MULTI_HOUR)
        else:
            self._emulator.faults(rate_limit_next_n=1_000, rate_limit_kind="quota")

    def fail(self, **patch: Any) -> None:
        self._emulator.faults(**patch)


async def _answered_then_expired(
    gql: GraphQLClient, case: Case, variables: dict[str, Any], clock: list[float], settings: Settings
) -> dict[str, Any]:
    """Answer the look-up once, then let its fresh copy expire: only the last-good copy remains."""
    good = await gql.data(case.document, **variables)
    assert good[case.field]  # a copy worth serving
    clock[0] += settings.search_cache_seconds + 1
    return good


@pytest.mark.parametrize("case", CASES, ids=[case.document for case in CASES])
async def test_a_multi_hour_429_serves_the_last_good_copy_promptly_and_opens_the_breaker(
    gql: GraphQLClient,
    spotify: Spotify,
    ticketmaster: Ticketmaster,
    clock: list[float],
    lookup_settings: Settings,
    case: Case,
) -> None:
    variables = await case.variables(spotify, ticketmaster)
    vendor = Vendor(case, spotify, ticketmaster)
    good = await _answered_then_expired(gql, case, variables, clock, lookup_settings)
    vendor.rate_limit_for_hours()
    sent = vendor.requests

    body, seconds = await _timed(gql.run(case.document, **variables))
    asked = vendor.requests
    again, again_seconds = await _timed(gql.run(case.document, **variables))

    assert _served(body) == good
    assert seconds < PROMPT_SECONDS
    assert asked > sent  # the vendor was asked...
    assert vendor.answered_429 == 1  # ...and its one 429 was not retried
    assert _served(again) == good
    assert again_seconds < PROMPT_SECONDS
    assert vendor.requests == asked  # the breaker is open: nothing more reached the vendor


@pytest.mark.parametrize("case", CASES, ids=[case.document for case in CASES])
async def test_a_multi_hour_429_with_nothing_cached_is_rate_limited_promptly(
    gql: GraphQLClient, spotify: Spotify, ticketmaster: Ticketmaster, case: Case
) -> None:
    variables = await case.variables(spotify, ticketmaster)
    vendor = Vendor(case, spotify, ticketmaster)
    vendor.rate_limit_for_hours()

    body, seconds = await _timed(gql.run(case.document, **variables))
    asked = vendor.requests
    again = await gql.run(case.document, **variables)

    assert _codes(body) == _codes(again) == ["RATE_LIMITED"]
    assert body["errors"][0]["extensions"]["retryAfter"] > 3000  # hours away, not "retry now"
    assert body["data"] is None
    assert seconds < PROMPT_SECONDS
    assert vendor.requests == asked  # the second answer came from the open breaker


@pytest.mark.parametrize("case", CASES, ids=[case.document for case in CASES])
async def test_server_errors_serve_the_last_good_copy(
    gql: GraphQLClient,
    spotify: Spotify,
    ticketmaster: Ticketmaster,
    clock: list[float],
    lookup_settings: Settings,
    case: Case,
) -> None:
    variables = await case.variables(spotify, ticketmaster)
    vendor = Vendor(case, spotify, ticketmaster)
    good = await _answered_then_expired(gql, case, variables, clock, lookup_settings)
    vendor.fail(fail_next_n=1_000)
    sent = vendor.requests

    body, seconds = await _timed(gql.run(case.document, **variables))

    assert _served(body) == good
    assert vendor.requests > sent  # the vendor was asked (and retried) before the copy was served
    assert seconds < lookups.UPSTREAM_DEADLINE_SECONDS + 1


@pytest.mark.parametrize("case", CASES, ids=[case.document for case in CASES])
async def test_server_errors_with_nothing_cached_are_upstream_unavailable(
    gql: GraphQLClient, spotify: Spotify, ticketmaster: Ticketmaster, case: Case
) -> None:
    variables = await case.variables(spotify, ticketmaster)
    Vendor(case, spotify, ticketmaster).fail(fail_next_n=1_000)

    body, seconds = await _timed(gql.run(case.document, **variables))

    assert _codes(body) == ["UPSTREAM_UNAVAILABLE"]
    assert body["data"] is None
    assert seconds < lookups.UPSTREAM_DEADLINE_SECONDS + 1


@pytest.mark.parametrize("case", CASES, ids=[case.document for case in CASES])
async def test_a_hanging_vendor_is_given_up_on_at_the_deadline(
    gql: GraphQLClient,
    spotify: Spotify,
    ticketmaster: Ticketmaster,
    clock: list[float],
    lookup_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    case: Case,
) -> None:
    monkeypatch.setattr(lookups, "UPSTREAM_DEADLINE_SECONDS", 0.5)
    variables = await case.variables(spotify, ticketmaster)
    vendor = Vendor(case, spotify, ticketmaster)
    good = await _answered_then_expired(gql, case, variables, clock, lookup_settings)
    vendor.fail(hang=True)

    served, served_seconds = await _timed(gql.run(case.document, **variables))
    clock[0] += lookups.STALE_SECONDS
    failed, failed_seconds = await _timed(gql.run(case.document, **variables))

    assert _served(served) == good
    assert _codes(failed) == ["UPSTREAM_UNAVAILABLE"]
    assert "did not answer in time" in failed["errors"][0]["message"]
    assert served_seconds < 1.5
    assert failed_seconds < 1.5


async def test_look_ups_given_up_on_open_the_breaker_so_the_next_ones_answer_at_once(
    gql: GraphQLClient, spotify: Spotify, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookups, "UPSTREAM_DEADLINE_SECONDS", 0.3)
    spotify.faults(hang=True)
    threshold = BreakerPolicy().failure_threshold

    # Distinct queries: no cached or last-good copy to answer from, each one waits on Spotify.
    given_up = [await gql.run("SearchArtists", query=f"hang {n}") for n in range(threshold)]
    requests = spotify.state.stats.requests
    refused, seconds = await _timed(gql.run("SearchArtists", query="after the breaker opened"))

    assert [_codes(body) for body in given_up] == [["UPSTREAM_UNAVAILABLE"]] * threshold
    assert _codes(refused) == ["RATE_LIMITED"]  # the open breaker: come back after its cool-down
    assert refused["errors"][0]["extensions"]["retryAfter"] > 0
    assert seconds < 0.2
    assert spotify.state.stats.requests == requests  # refused without a request


# --- the last-good copy in Redis, shared by every API process --------------------------------------


@pytest.fixture
async def redis_gql(
    lookup_settings: Settings, redis_url: str, orm: None, db: None
) -> AsyncIterator[tuple[GraphQLClient, Redis]]:
    settings = lookup_settings.model_copy(update={"redis_url": redis_url})
    redis = Redis.from_url(redis_url)
    async for client in _gql(settings):
        yield client, redis
    await redis.aclose()


async def test_the_last_good_copy_lives_in_redis_for_a_day(
    redis_gql: tuple[GraphQLClient, Redis], ticketmaster: Ticketmaster
) -> None:
    gql, redis = redis_gql
    event = ticketmaster.upcoming_music_event()
    keyword, city = ticketmaster.headliner_name(event), ticketmaster.world.venues[event.venue_id].city
    variables = {"keyword": keyword, "city": city, "first": 7}
    fresh, stale = lookups.cache_keys(["events", keyword.casefold(), city.casefold(), 7])
    await redis.delete(fresh, stale)  # Redis outlives test runs
    try:
        good = await gql.data("SearchEvents", **variables)
        assert good["searchEvents"]
        assert lookups.STALE_SECONDS - 60 < await redis.ttl(stale) <= lookups.STALE_SECONDS
        await redis.delete(fresh)  # as if SEARCH_CACHE_SECONDS had passed
        ticketmaster.faults(rate_limit_next_n=1_000, rate_limit_kind="quota")

        body, seconds = await _timed(gql.run("SearchEvents", **variables))

        assert _served(body) == good
        assert seconds < PROMPT_SECONDS
    finally:
        await redis.delete(fresh, stale)


async def test_a_look_up_while_redis_is_frozen_is_upstream_unavailable_promptly(
    lookup_settings: Settings, orm: None, db: None
) -> None:
    # Frozen, not dead: the limits, the cache and the vendors' shared limiter each give up on their
    # timeout instead of waiting for Redis to thaw.
    with RedisServer() as server:
        async for gql in _gql(lookup_settings.model_copy(update={"redis_url": server.url})):
            assert _codes(await gql.run("SearchArtists", query="warm up")) == []
            server.pause()
            try:
                body, seconds = await _timed(gql.run("SearchArtists", query="frozen"))
            finally:
                server.resume()

    assert _codes(body) == ["UPSTREAM_UNAVAILABLE"]
    assert seconds < PROMPT_SECONDS
