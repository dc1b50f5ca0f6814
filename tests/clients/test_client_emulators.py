"""The clients against the Ticketmaster and Spotify emulators over a real socket (app/emulators)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from clients_testing import FakeSleep
from pydantic import SecretStr
from redis.asyncio import Redis

from app.catalog.matching import normalize_artist_name
from app.clients.errors import UpstreamRateLimited
from app.clients.factory import build_spotify_client, build_ticketmaster_client
from app.clients.retry import CallStats
from app.clients.spotify import SpotifyClient
from app.emulators.faults import FaultSettings
from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import MatchCase, World, build_world
from app.settings import Settings


@pytest.fixture(scope="module")
def world() -> World:
    # More music events than paging can reach in one window (1,000), so the sweep must split.
    return build_world(seed=7, n_events=1500)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ticketmaster_api_key": SecretStr(f"tm-{uuid.uuid4().hex}"),
        "spotify_client_id": f"sp-{uuid.uuid4().hex}",
        "spotify_client_secret": SecretStr("emulator-secret"),
        "spotify_requests_per_30s": 10_000,
        **overrides,
    }
    return Settings.model_validate(values)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_event_sweep_reaches_every_music_event_within_the_spike_arrest(
    calls: CallStats, world: World, redis: Redis
) -> None:
    app = create_ticketmaster_app(world, rate_per_second=20)
    async with running_server(app) as base_url:
        # The emulator shares this event loop, so its arrival times jitter by the client's parsing time:
        # the client runs at half the emulator's spike-arrest rate to keep the test deterministic.
        config = settings(ticketmaster_base_url=base_url, ticketmaster_requests_per_second=10)
        start = datetime.combine(world.today, datetime.min.time(), UTC)
        end = start + timedelta(days=400)
        async with build_ticketmaster_client(config, redis) as client:
            found = [event async for page in client.iter_event_pages(start, end) for event in page.events]

    expected = {
        event.id
        for event in world.events.values()
        if event.classification.segment[1] == "Music"
        and not (event.date_tba or event.date_tbd)
        and event.sort_instant is not None
        and start <= event.sort_instant <= end
    }
    assert len(expected) > 1000
    assert len(found) == len({event.id for event in found})
    assert {event.id for event in found} == expected
    assert calls.retries == 0  # the shared limiter kept every call outside the spike arrest
    assert app.state.emulator.spike_arrest_violations == 0
    assert client.quota_remaining is not None
    linked = [a for e in found for a in e.attractions if a.spotify_id]
    assert linked  # externalLinks.spotify parsed from the emulator's 2024-style bodies


async def test_quota_exhaustion_defers_without_leaking_the_key(world: World) -> None:
    app = create_ticketmaster_app(world, daily_quota=1, rate_per_second=None)
    async with running_server(app) as base_url:
        config = settings(ticketmaster_base_url=base_url)
        key = config.ticketmaster_api_key.get_secret_value()
        attraction_id = next(iter(world.attractions))
        async with build_ticketmaster_client(config, None) as client:
            await client.get_attraction(attraction_id)
            with pytest.raises(UpstreamRateLimited) as raised:
                await client.get_attraction(attraction_id)
    assert 23 * 3600 < raised.value.retry_after_seconds <= 24 * 3600
    assert key not in str(raised.value)


async def test_dev_mode_is_detected_and_the_catalog_still_built(world: World) -> None:
    faults = FaultSettings()
    app = create_spotify_app(world, mode="dev", faults=faults)
    artist_id = next(a.spotify_id for a in world.attractions.values() if a.spotify_id)
    async with running_server(app) as base_url:
        config = settings(spotify_api_base_url=base_url, spotify_accounts_base_url=base_url)
        async with build_spotify_client(config, None) as client:
            catalog = await client.artist_catalog(artist_id, max_songs=20)
            faults.expire_tokens_now = True  # the next call gets 401 "The access token expired"
            artist = await client.get_artist(artist_id)

    assert client.dev_mode is True
    assert catalog
    assert len(catalog) <= 20
    assert {track.source for track in catalog} == {"album"}
    assert all(track.popularity is None for track in catalog)
    assert len({track.id for track in catalog}) == len(catalog)
    assert artist.id == artist_id
    assert client.auth.refreshes == 2


async def test_extended_mode_ranks_top_tracks_first(world: World) -> None:
    app = create_spotify_app(world, mode="extended")
    artist = next(a for a in world.artists.values() if a.top_track_ids)
    async with running_server(app) as base_url:
        config = settings(spotify_api_base_url=base_url, spotify_accounts_base_url=base_url)
        async with build_spotify_client(config, None) as client:
            catalog = await client.artist_catalog(artist.id)

    assert client.dev_mode is False
    top = [track.id for track in catalog if track.source == "top_tracks"]
    assert top
    assert top == [track.id for track in catalog[: len(top)]]
    assert all(track.popularity is not None for track in catalog)


async def test_exact_name_lookup_is_never_wrong_on_the_trap_names(world: World) -> None:
    app = create_spotify_app(world, mode="dev", requests_per_30s=10_000)
    names = Counter(normalize_artist_name(artist.name) for artist in world.artists.values())
    cases: tuple[MatchCase, ...] = ("exact_name", "normalized_name", "near_name_only")
    attractions = [a for case in cases for a in world.attractions_by_case(case)]
    async with running_server(app) as base_url:
        config = settings(spotify_api_base_url=base_url, spotify_accounts_base_url=base_url)
        async with build_spotify_client(config, None) as client:
            results = {a.id: await client.find_artist_by_exact_name(a.name) for a in attractions}

    for attraction in attractions:
        found = results[attraction.id]
        truth = attraction.spotify_id
        assert found is None or found.id == truth, attraction.name  # a miss is acceptable, a wrong link is not
        if truth is not None and names[normalize_artist_name(attraction.name)] == 1:
            assert found is not None, attraction.name  # unambiguous names are found


async def test_long_retry_after_from_the_emulator_is_not_slept(world: World, fake_sleep: FakeSleep) -> None:
    faults = FaultSettings(rate_limit_next_n=1, retry_after_seconds=14_000)
    app = create_spotify_app(world, faults=faults)
    async with running_server(app) as base_url, httpx.AsyncClient() as http:
        client = SpotifyClient(
            "id", "secret", api_base_url=base_url, accounts_base_url=base_url, http=http, sleep=fake_sleep
        )
        with pytest.raises(UpstreamRateLimited) as raised:
            await client.get_artist(next(iter(world.artists)))
    assert raised.value.retry_after_seconds == 14_000
    assert fake_sleep.calls == []
