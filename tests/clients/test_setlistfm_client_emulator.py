"""SetlistFmClient against the setlist.fm emulator over a real socket: finding shows, edits, limits, budget."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from app.clients.errors import DailyQuotaExhausted, UpstreamAuthError
from app.clients.factory import build_setlistfm_client
from app.clients.retry import counting_calls
from app.clients.setlistfm import SetlistFmClient
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.setlistfm_world import SetlistFmWorld, build_setlistfm_world
from app.emulators.world import TmEvent, World, build_world
from app.settings import Settings


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(seed=7, n_artists=30, n_venues=15, n_events=150)


@pytest.fixture(scope="module")
def history(world: World) -> SetlistFmWorld:
    return build_setlistfm_world(world)


def settings(base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "setlistfm_api_key": SecretStr(f"sfm-{uuid.uuid4().hex}"),  # a fresh key: fresh limiter, budget, breaker
        "setlistfm_base_url": f"{base_url}/rest",
        "setlistfm_requests_per_second": 1000,
        **overrides,
    }
    return Settings.model_validate(values)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def headliner_mbid(world: World, event: TmEvent) -> str:
    mbid = world.attractions[event.attraction_ids[0]].musicbrainz_id
    assert mbid is not None
    return mbid


async def test_a_past_ticketmaster_show_finds_its_setlist_by_artist_mbid_and_local_date(
    world: World, history: SetlistFmWorld
) -> None:
    app = create_setlistfm_app(world, history=history, rate_per_second=None)
    posted = [
        e for e in world.past_events.values() if any(s.id in history.setlists for s in history.for_tm_event(e.id))
    ]
    assert posted
    async with running_server(app) as url, build_setlistfm_client(settings(url), None) as client:
        for event in posted:
            assert event.local_date is not None
            for attraction_id in event.attraction_ids:
                mbid = world.attractions[attraction_id].musicbrainz_id
                assert mbid is not None
                page = await client.search_setlists(mbid, on=event.local_date)
                venue = world.venues[event.venue_id]
                at_venue = [s for s in page.setlists if s.venue and s.venue.name == venue.name]
                if any(s.artist == mbid and s.id in history.setlists for s in history.for_tm_event(event.id)):
                    assert len(at_venue) == 1, (event.id, attraction_id)
                    found = at_venue[0]
                    assert found.event_date == event.local_date
                    assert found.venue is not None
                    assert (found.venue.city, found.venue.country_code) == (venue.city.strip(), venue.country_code)
                    assert found.url
                    assert found.url.startswith("https://www.setlist.fm/setlist/")


async def test_two_entries_on_one_day_are_told_apart_by_venue(world: World, history: SetlistFmWorld) -> None:
    app = create_setlistfm_app(world, history=history, rate_per_second=None)
    days = {}
    for setlist in history.setlists.values():
        days.setdefault((setlist.artist, setlist.event_date), []).append(setlist)
    doubled = next(entries for entries in days.values() if len(entries) == 2 and any(s.tm_event_id for s in entries))
    show = next(s for s in doubled if s.tm_event_id)
    async with running_server(app) as url, build_setlistfm_client(settings(url), None) as client:
        page = await client.search_setlists(show.artist, on=show.event_date)

    assert page.total == 2
    assert len({s.venue.name for s in page.setlists if s.venue}) == 2
    assert {s.venue.city for s in page.setlists if s.venue} == {show.venue.city.name}  # same city, other venue


async def test_not_found_until_posted_then_found_and_an_edit_bumps_the_version(
    world: World, history: SetlistFmWorld
) -> None:
    held = next(iter(history.unpublished.values()))
    app = create_setlistfm_app(world, history=history, rate_per_second=None)
    async with running_server(app) as url, build_setlistfm_client(settings(url), None) as client:
        before = await client.search_setlists(held.artist, on=held.event_date)
        async with httpx.AsyncClient(base_url=url) as control:
            assert (await control.post(f"/_emulator/setlists/{held.id}/publish")).status_code == 200
            after = await client.search_setlists(held.artist, on=held.event_date)
            first = await client.get_setlist(held.id)
            assert (await control.post(f"/_emulator/setlists/{held.id}/edit")).status_code == 200
            edited = await client.get_setlist(held.id)

    assert [s.id for s in before.setlists if s.id == held.id] == []
    assert held.id in [s.id for s in after.setlists]
    assert first is not None
    assert edited is not None
    assert edited.version_id != first.version_id
    assert edited.last_updated is not None
    assert first.last_updated is not None
    assert edited.last_updated >= first.last_updated


async def test_artist_history_pages_hold_twenty_newest_first(world: World, history: SetlistFmWorld) -> None:
    artist = max(history.performers(), key=lambda a: len(history.setlists_of(a.mbid)))
    total = len(history.setlists_of(artist.mbid))
    assert total > 20
    app = create_setlistfm_app(world, history=history, rate_per_second=None)
    async with running_server(app) as url, build_setlistfm_client(settings(url), None) as client:
        first = await client.artist_setlists(artist.mbid)
        second = await client.artist_setlists(artist.mbid, page=2)
        beyond = await client.artist_setlists(artist.mbid, page=first.pages + 1)

    assert (first.total, first.items_per_page, len(first.setlists)) == (total, 20, 20)
    assert first.pages == -(-total // 20)
    dates = [s.event_date for s in [*first.setlists, *second.setlists]]
    assert dates == sorted(dates, reverse=True)
    assert beyond.setlists == []
    assert beyond.total == 0


async def test_a_name_search_finds_performers_whose_attraction_has_no_mbid_link(world: World) -> None:
    unlinked = [a for a in world.performers() if a.musicbrainz_link_id is None]
    assert unlinked
    app = create_setlistfm_app(world, rate_per_second=None)
    async with running_server(app) as url, build_setlistfm_client(settings(url), None) as client:
        for attraction in unlinked:
            page = await client.search_artists(attraction.name)
            assert attraction.musicbrainz_id in [a.mbid for a in page.artists], attraction.name


async def test_a_deactivated_key_is_an_auth_error(world: World, history: SetlistFmWorld) -> None:
    key = f"sfm-{uuid.uuid4().hex}"
    app = create_setlistfm_app(world, history=history, deactivated_keys={key})
    async with running_server(app) as url:
        config = settings(url, setlistfm_api_key=SecretStr(key))
        async with build_setlistfm_client(config, None) as client:
            with pytest.raises(UpstreamAuthError, match="deactivated"):
                await client.search_artists("Harbor")


@contextlib.asynccontextmanager
async def two_workers(config: Settings, redis_url: str) -> AsyncIterator[tuple[SetlistFmClient, SetlistFmClient]]:
    """Two clients of one key on two Redis connections, as two worker processes have them."""
    first_redis, second_redis = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        async with (
            build_setlistfm_client(config, first_redis) as first,
            build_setlistfm_client(config, second_redis) as second,
        ):
            yield first, second
    finally:
        await first_redis.aclose()
        await second_redis.aclose()


async def test_the_daily_budget_is_shared_in_redis_and_stops_before_sending(
    world: World, history: SetlistFmWorld, redis_url: str
) -> None:
    app = create_setlistfm_app(world, history=history, rate_per_second=None)
    mbid = history.performers()[0].mbid
    async with running_server(app) as url, two_workers(settings(url, setlistfm_daily_budget=3), redis_url) as workers:
        worker_a, worker_b = workers
        with counting_calls() as calls:
            await worker_a.artist_setlists(mbid)
            await worker_b.artist_setlists(mbid)
            await worker_a.artist_setlists(mbid, page=2)
            with pytest.raises(DailyQuotaExhausted) as raised:
                await worker_b.artist_setlists(mbid)
            with pytest.raises(DailyQuotaExhausted):
                await worker_a.artist_setlists(mbid)

    assert app.state.emulator.stats.requests == 3  # the spent budget sent nothing more
    assert not raised.value.by_vendor
    assert calls.api_calls == 3


async def test_the_vendors_quota_answer_stops_every_process_for_the_day(
    world: World, history: SetlistFmWorld, redis_url: str
) -> None:
    app = create_setlistfm_app(world, history=history, rate_per_second=None, daily_quota=2)
    mbid = history.performers()[0].mbid
    # Our budget (1,400 a day) is far above this emulator's quota: only the vendor's answer can stop us.
    async with running_server(app) as url, two_workers(settings(url), redis_url) as (worker_a, worker_b):
        with counting_calls() as calls_a:
            await worker_a.artist_setlists(mbid)
            await worker_a.artist_setlists(mbid)
            with pytest.raises(DailyQuotaExhausted) as vendor:
                await worker_a.artist_setlists(mbid)
        with pytest.raises(DailyQuotaExhausted) as ours:
            await worker_b.artist_setlists(mbid)

    stats = app.state.emulator.stats_snapshot()
    assert vendor.value.by_vendor
    assert not ours.value.by_vendor
    assert stats["requests"] == 3  # one 429 "Limit Exceeded", then nothing from any process
    assert stats["quota_violations"] == 1
    assert calls_a.retries == 0


async def test_two_clients_sharing_redis_never_break_the_no_burst_throttle(
    world: World, history: SetlistFmWorld, redis_url: str
) -> None:
    app = create_setlistfm_app(world, history=history, rate_per_second=20)
    mbids = [a.mbid for a in history.performers()[:6]]
    # The emulator shares this event loop, so its arrival times jitter by the client's parsing time:
    # the clients run at half the emulator's rate, as the factory's spacing margin does in production.
    async with (
        running_server(app) as url,
        two_workers(settings(url, setlistfm_requests_per_second=10), redis_url) as pair,
    ):
        with counting_calls() as calls:
            await asyncio.gather(*(pair[i % 2].artist_setlists(mbid) for i, mbid in enumerate(mbids * 2)))

    stats = app.state.emulator.stats_snapshot()
    assert stats["requests"] == 12
    assert stats["throttle_violations"] == 0
    assert calls.retries == 0
