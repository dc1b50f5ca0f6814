"""`theset demo`: the one-command newcomer path.

Starts the Ticketmaster, Spotify and setlist.fm emulators in this process, runs the real sync jobs
against them over HTTP (the same clients and code the worker uses), then serves the API with GraphiQL.
Upcoming shows of fixed-set headliners are seeded from their tours (the tour history sync runs too).
With no configuration that is SQLite and the in-process broker; DATABASE_URL and REDIS_URL switch
to PostgreSQL and Redis.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from pydantic import SecretStr
from rich.console import Console

from app.catalog import tasks
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import build_world
from app.main import create_app
from app.platform.db import close_db, init_db, migrate
from app.resources import Resources, open_resources
from app.settings import Settings, get_settings
from app.tours.tasks import sync_tour_history

# The emulators stand in for the real APIs, so the demo may sync as fast as localhost allows.
DEMO_SPOTIFY_BUDGET_PER_30S = 100_000
DEMO_CLIENT_ID = "theset-demo"
DEMO_CLIENT_SECRET = "theset-demo-secret"  # the local emulator's own credential, not a real one
DEMO_TM_KEY = "theset-demo-key"
DEMO_SETLISTFM_KEY = "theset-demo-setlistfm-key"


def demo_settings(settings: Settings, ticketmaster_url: str, spotify_url: str, setlistfm_url: str = "") -> Settings:
    """Settings pointing the clients at the local emulators."""
    setlistfm: dict[str, Any] = {}
    if setlistfm_url:
        setlistfm = {
            "setlistfm_base_url": f"{setlistfm_url}/rest",
            "setlistfm_api_key": SecretStr(DEMO_SETLISTFM_KEY),
            "setlistfm_requests_per_second": 50.0,
        }
    return settings.model_copy(
        update={
            **setlistfm,
            "ticketmaster_base_url": ticketmaster_url,
            "ticketmaster_api_key": SecretStr(DEMO_TM_KEY),
            "ticketmaster_requests_per_second": 50.0,
            "spotify_api_base_url": spotify_url,
            "spotify_accounts_base_url": spotify_url,
            "spotify_client_id": DEMO_CLIENT_ID,
            "spotify_client_secret": SecretStr(DEMO_CLIENT_SECRET),
            "spotify_requests_per_30s": DEMO_SPOTIFY_BUDGET_PER_30S,
        }
    )


async def load_demo_catalog(resources: Resources, console: Console | None = None) -> list[dict[str, Any]]:
    """Run the sync jobs against already-configured APIs (the emulators); their summaries."""
    tours = await tasks.sync_tours(resources.ticketmaster, resources.settings)
    if console:
        console.print(f"synced tours: {tours['counts']} ({tours['api_calls']} API calls)")
    songs = await tasks.sync_songs(resources.spotify, resources.settings)
    await resources.versions.bump_catalog()
    if console:
        console.print(f"synced songs: {songs['counts']} ({songs['api_calls']} API calls)")
    if not resources.settings.setlistfm_api_key.get_secret_value():
        return [tours, songs]  # no setlist.fm (emulated or real): setlists start from Spotify's top tracks
    history = await sync_tour_history(resources.setlistfm, resources.settings)
    if console:
        console.print(f"synced tour history: {history['counts']} ({history['api_calls']} API calls)")
    return [tours, songs, history]


@asynccontextmanager
async def demo_emulators(console: Console | None = None) -> AsyncIterator[tuple[str, str, str]]:
    """The three vendors' emulators of the generated catalog on local ports: (tm_url, spotify_url, setlistfm_url).

    The catalog is generated from a fixed seed and today's date, so `theset sync tours --emulators`
    and a later `theset sync songs --emulators` see the same artists.
    """
    world = build_world()
    ticketmaster = create_ticketmaster_app(world, rate_per_second=None)
    spotify = create_spotify_app(
        world,
        mode="dev",
        requests_per_30s=DEMO_SPOTIFY_BUDGET_PER_30S,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
    )
    setlistfm = create_setlistfm_app(world, rate_per_second=None)
    async with (
        running_server(ticketmaster) as tm_url,
        running_server(spotify) as spotify_url,
        running_server(setlistfm) as setlistfm_url,
    ):
        if console:
            console.print(
                f"Ticketmaster emulator at {tm_url}, Spotify emulator at {spotify_url}, "
                f"setlist.fm emulator at {setlistfm_url}",
                highlight=False,
                soft_wrap=True,
            )
        yield tm_url, spotify_url, setlistfm_url


async def run_demo(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Emulators, sync, then serve until interrupted."""
    console = Console()
    logging.basicConfig(level=logging.WARNING)
    base = settings or get_settings()
    async with demo_emulators(console) as (tm_url, spotify_url, setlistfm_url):
        settings = demo_settings(base, tm_url, spotify_url, setlistfm_url)
        console.print(f"[bold]TheSet demo[/bold]: database {settings.database_url}")
        await migrate(settings.database_url)
        await init_db(settings.database_url)
        try:
            # One set of resources for the sync and the API: one client and one limiter per vendor.
            async with open_resources(settings) as resources:
                await load_demo_catalog(resources, console)
                console.print(f"[bold green]Serving[/bold green] GraphiQL at http://{host}:{port}/graphql")
                app = create_app(settings, resources=resources)
                config = uvicorn.Config(
                    app, host=host, port=port, log_level="info", ws_max_size=settings.ws_max_message_bytes
                )
                server = uvicorn.Server(config)
                await server.serve()
        finally:
            await close_db()
