"""Emulators of both APIs over real sockets, and settings that point the real clients at them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from catalog_testing import Emulator, on_spotify_emulator
from pydantic import SecretStr

from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.world import World
from app.settings import Settings

CLIENT_SECRET = "test-secret"


@pytest.fixture
def client_id() -> str:
    """A fresh Spotify client id per test: limiter and breaker state are kept per client id."""
    return f"client-{uuid.uuid4().hex}"


@pytest.fixture
async def spotify(world: World, client_id: str) -> AsyncIterator[Emulator]:
    app = create_spotify_app(
        world, mode="dev", requests_per_30s=10_000, client_id=client_id, client_secret=CLIENT_SECRET
    )
    async with running_server(app) as url:
        yield Emulator(app, url)


@pytest.fixture
def sync_settings(settings: Settings, ticketmaster: Emulator, spotify: Emulator, client_id: str) -> Settings:
    """Settings for the sync jobs; a fresh API key per test keeps shared limiter state apart."""
    return on_spotify_emulator(settings, spotify.url, client_id, CLIENT_SECRET).model_copy(
        update={
            "ticketmaster_base_url": ticketmaster.url,
            "ticketmaster_api_key": SecretStr(f"key-{uuid.uuid4().hex}"),
            "sync_min_upcoming_events": 0,
        }
    )
