"""Serving emulators on real sockets inside the test's event loop, including the latency faults."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import httpx
import pytest

from app.emulators.faults import FaultSettings
from app.emulators.server import serve_in_background
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import World

Authorize = Callable[..., Awaitable[dict[str, str]]]


async def test_serve_in_background_binds_a_free_port_and_stop_releases_it(world: World) -> None:
    server = await serve_in_background(create_ticketmaster_app(world))
    assert server.base_url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        assert (await client.get("/_emulator/stats")).status_code == 200
    await server.stop()
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/_emulator/stats")


async def test_hang_outlasts_the_client_timeout_without_blocking_shutdown(world: World, authorize: Authorize) -> None:
    started = time.monotonic()
    server = await serve_in_background(create_spotify_app(world, faults=FaultSettings(hang_next_n=1)))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=0.3) as client:
        client.headers.update(await authorize(client))  # the token endpoint is not targeted by default
        path = f"/v1/artists/{next(iter(world.artists))}"
        with pytest.raises(httpx.ReadTimeout):
            await client.get(path)
        assert (await client.get(path)).status_code == 200
    await server.stop()
    assert time.monotonic() - started < 3


async def test_slow_seconds_delays_every_response(world: World) -> None:
    server = await serve_in_background(create_ticketmaster_app(world, faults=FaultSettings(slow_seconds=0.25)))
    try:
        async with httpx.AsyncClient(base_url=server.base_url, params={"apikey": "k"}) as client:
            started = time.monotonic()
            response = await client.get("/discovery/v2/venues.json")
            assert response.status_code == 200
            assert time.monotonic() - started >= 0.25
    finally:
        await server.stop()
