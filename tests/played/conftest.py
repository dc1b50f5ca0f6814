"""A world with a week of past shows, its catalog loaded, and the setlist.fm emulator over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from played_testing import load_past_shows

from app.catalog.models import Show
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.setlistfm_world import SetlistFmWorld, build_setlistfm_world
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import World, build_world
from app.settings import Settings


@pytest.fixture(scope="session")
def past_world() -> World:
    """Eight shows in the last week (the most recent carry the special cases: unposted, stub, two entries)."""
    return build_world(seed=5, n_artists=30, n_venues=15, n_events=400)


@pytest.fixture(scope="session")
def past_history(past_world: World) -> SetlistFmWorld:
    return build_setlistfm_world(past_world)


@pytest.fixture
async def past_shows(db: None, past_world: World, settings: Settings) -> list[Show]:
    async with running_server(create_ticketmaster_app(past_world)) as url:
        return await load_past_shows(past_world, url, settings)


@pytest.fixture
async def setlistfm_url(past_world: World, past_history: SetlistFmWorld) -> AsyncIterator[str]:
    """A fresh emulator per test (its edits and counters are its own), without the per-second throttle."""
    app = create_setlistfm_app(past_world, history=past_history, rate_per_second=None)
    async with running_server(app) as url:
        yield url
