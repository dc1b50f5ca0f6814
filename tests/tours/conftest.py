"""The three emulators of one world over real sockets, a catalog synced from them, and settings for them all."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from catalog_testing import Emulator, on_spotify_emulator
from pydantic import SecretStr
from tours_testing import on_setlistfm

from app.catalog.tasks import sync_songs, sync_tours
from app.clients.factory import build_spotify_client, build_ticketmaster_client
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.setlistfm_world import SetlistFmWorld, build_setlistfm_world
from app.emulators.spotify import create_spotify_app
from app.emulators.world import World
from app.settings import Settings


@pytest.fixture(scope="session")
def history(world: World) -> SetlistFmWorld:
    return build_setlistfm_world(world)


@pytest.fixture
async def spotify(world: World) -> AsyncIterator[Emulator]:
    app = create_spotify_app(world, mode="dev", requests_per_30s=10_000, client_id="tours", client_secret="secret")
    async with running_server(app) as url:
        yield Emulator(app, url)


@pytest.fixture
async def setlistfm(world: World, history: SetlistFmWorld) -> AsyncIterator[Emulator]:
    app = create_setlistfm_app(world, history=history, rate_per_second=None)
    async with running_server(app) as url:
        yield Emulator(app, url)


@pytest.fixture
def tour_settings(settings: Settings, ticketmaster: Emulator, spotify: Emulator, setlistfm: Emulator) -> Settings:
    return on_setlistfm(
        on_spotify_emulator(settings, spotify.url, "tours", "secret").model_copy(
            update={
                "ticketmaster_base_url": ticketmaster.url,
                "ticketmaster_api_key": SecretStr(f"key-{uuid.uuid4().hex}"),
                "sync_min_upcoming_events": 0,
            }
        ),
        setlistfm,
    )


@pytest.fixture
async def catalog(db: None, tour_settings: Settings) -> None:
    """Artists, shows and Spotify songs, as the tours and songs syncs make them."""
    async with build_ticketmaster_client(tour_settings, None) as client:
        await sync_tours(client, tour_settings)
    async with build_spotify_client(tour_settings, None) as client:
        await sync_songs(client, tour_settings.model_copy(update={"sync_artists_per_run": 1000}))
