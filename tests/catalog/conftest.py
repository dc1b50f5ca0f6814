"""Emulators of both APIs over real sockets, and settings that point the real clients at them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import World, build_world
from app.settings import Settings

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"


@dataclass
class Emulator:
    """One emulator running on a socket, with its control endpoints."""

    app: Starlette
    url: str

    async def faults(self, **patch: Any) -> None:
        async with httpx.AsyncClient(base_url=self.url) as http:
            (await http.post("/_emulator/faults", json=patch)).raise_for_status()

    async def stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.get("/_emulator/stats")
            response.raise_for_status()
            stats: dict[str, Any] = response.json()
            return stats


@pytest.fixture(scope="session")
def world() -> World:
    return build_world(seed=11, n_artists=40, n_venues=25, n_events=220)


@pytest.fixture
async def ticketmaster(world: World) -> AsyncIterator[Emulator]:
    app = create_ticketmaster_app(world)
    async with running_server(app) as url:
        yield Emulator(app, url)


@pytest.fixture
async def spotify(world: World) -> AsyncIterator[Emulator]:
    app = create_spotify_app(
        world, mode="dev", requests_per_30s=10_000, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )
    async with running_server(app) as url:
        yield Emulator(app, url)


@pytest.fixture
def sync_settings(settings: Settings, ticketmaster: Emulator, spotify: Emulator) -> Settings:
    """Settings for the sync jobs; a fresh API key per test keeps shared limiter state apart."""
    return settings.model_copy(
        update={
            "ticketmaster_base_url": ticketmaster.url,
            "ticketmaster_api_key": SecretStr(f"key-{uuid.uuid4().hex}"),
            "spotify_api_base_url": spotify.url,
            "spotify_accounts_base_url": spotify.url,
            "spotify_client_id": CLIENT_ID,
            "spotify_client_secret": SecretStr(CLIENT_SECRET),
            "spotify_requests_per_30s": 10_000,
            "sync_min_upcoming_events": 0,
        }
    )
