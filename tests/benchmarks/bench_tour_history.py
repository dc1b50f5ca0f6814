"""setlist.fm calls of the tour history sync for the whole demo catalog, against the daily budget.

Counts calls, times nothing: the first day (a MusicBrainz id search per headliner without one, then up
to three pages each) and an ordinary day after (pages only, every history a day old). The played-setlist
import spends the same budget; its line belongs to its own benchmark.
Run: `.venv/bin/python -m tests.benchmarks bench_tour_history`.
"""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from pydantic import SecretStr

from app.catalog.models import Artist
from app.catalog.tasks import sync_tours
from app.clients.factory import build_setlistfm_client, build_ticketmaster_client
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import build_world
from app.platform.clock import utcnow
from app.platform.db import close_db, init_db, migrate
from app.settings import Settings
from app.tours.tasks import sync_tour_history
from tests.benchmarks.report import Row
from tests.support.databases import create_database, drop_database


async def main() -> list[Row]:
    name = f"theset_bench_{uuid.uuid4().hex[:10]}"
    url = await create_database(name)
    world = build_world()  # the demo's catalog
    try:
        await migrate(url)
        await init_db(url)
        async with (
            running_server(create_ticketmaster_app(world, rate_per_second=None)) as tm_url,
            running_server(create_setlistfm_app(world, rate_per_second=None)) as sfm_url,
            httpx.AsyncClient() as http,
        ):
            settings = Settings(
                database_url=url,
                ticketmaster_base_url=tm_url,
                ticketmaster_api_key=SecretStr(f"bench-{uuid.uuid4().hex}"),
                ticketmaster_requests_per_second=1000.0,
                setlistfm_base_url=f"{sfm_url}/rest",
                setlistfm_api_key=SecretStr(f"bench-{uuid.uuid4().hex}"),
                setlistfm_requests_per_second=1000.0,
                sync_min_upcoming_events=0,
            )
            await sync_tours(build_ticketmaster_client(settings, None, http), settings)
            first = await sync_tour_history(build_setlistfm_client(settings, None, http), settings)
            day_old = utcnow() - dt.timedelta(days=1, hours=1)
            await Artist.filter(tour_history_synced_at__isnull=False).update(tour_history_synced_at=day_old)
            later = await sync_tour_history(build_setlistfm_client(settings, None, http), settings)
    finally:
        await close_db()
        await drop_database(name)

    budget = settings.setlistfm_daily_budget
    artists = max(1, first["artists"])
    return [
        Row("sync history", "headliners of upcoming shows", f"{first['artists']}"),
        Row(
            "sync history",
            "setlist.fm calls, first day",
            f"{first['api_calls']} ({first['api_calls'] / artists:.1f}/artist)",
            f"{budget} budget",
            f"{first['api_calls'] / budget:.2f}",
            "under 1",
        ),
        Row(
            "sync history",
            "setlist.fm calls per day after",
            f"{later['api_calls']} ({later['api_calls'] / max(1, later['artists']):.1f}/artist)",
            f"{budget} budget",
            f"{later['api_calls'] / budget:.2f}",
            "under 1",
        ),
    ]
