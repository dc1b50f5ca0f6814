"""Fixtures for the emulator tests: one shared world, apps served over real sockets."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import World, build_world

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="session")
def world() -> World:
    return build_world(seed=7, today=TODAY)


@pytest.fixture
async def tm(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """Ticketmaster emulator with spike arrest off, so shape tests can fire requests back to back."""
    async with (
        running_server(create_ticketmaster_app(world, rate_per_second=None)) as base_url,
        httpx.AsyncClient(base_url=base_url, params={"apikey": "test-key"}) as client,
    ):
        yield client


async def bearer(client: httpx.AsyncClient, client_id: str = "cid", secret: str = "secret") -> dict[str, str]:
    """Run the client-credentials flow and return the Authorization header."""
    response = await client.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def spotify_dev(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """Dev-mode Spotify emulator with an already authorized client."""
    async with (
        running_server(create_spotify_app(world, mode="dev")) as base_url,
        httpx.AsyncClient(base_url=base_url) as client,
    ):
        client.headers.update(await bearer(client))
        yield client


@pytest.fixture
async def spotify_ext(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """Extended-mode Spotify emulator with an already authorized client."""
    async with (
        running_server(create_spotify_app(world, mode="extended")) as base_url,
        httpx.AsyncClient(base_url=base_url) as client,
    ):
        client.headers.update(await bearer(client))
        yield client


@pytest.fixture
def authorize() -> Callable[..., Awaitable[dict[str, str]]]:
    """The token flow as a helper for tests that build their own Spotify app."""
    return bearer
