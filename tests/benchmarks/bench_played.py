"""setlist.fm calls per artist per day for the whole demo catalog: tour histories and played setlists together.

Counts calls, times nothing. The catalog is the demo's (its tours sync reaches a week back, so its past
shows are in). A first day: every headliner's history (a MusicBrainz search for those without an id,
then up to three pages) and the played setlists of the past week's shows (one search per show, then
the 2 h and 12 h looks again at the shows still missing). A day after: every history a day old, and
the played job with every show due (one check per imported setlist, one search per missing one).
Both jobs spend one daily budget (`SETLISTFM_DAILY_BUDGET`), so the line is their sum against it.
Run: `.venv/bin/python -m tests.benchmarks bench_played`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from pydantic import SecretStr

from app.catalog.models import Artist, Show
from app.catalog.tasks import sync_tours
from app.clients.factory import build_setlistfm_client, build_ticketmaster_client
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import build_world
from app.platform.clock import utcnow
from app.platform.db import close_db, init_db, migrate
from app.played.models import PlayedSetlist
from app.played.tasks import sync_played
from app.settings import Settings
from app.tours.tasks import sync_tour_history
from tests.benchmarks.report import Row
from tests.support.databases import create_database, drop_database

# The demo's catalog reaches this far back (app.demo.DEMO_DAYS_BACK).
DAYS_BACK = 8


async def _played_due_again(settings: Settings, http: httpx.AsyncClient, *, missing_only: bool) -> dict[str, Any]:
    """One played run with the shows made due, as the hourly cron finds them later that day."""
    query = PlayedSetlist.filter(imported_at__isnull=True) if missing_only else PlayedSetlist.all()
    await query.update(next_poll_at=utcnow() - dt.timedelta(minutes=1))
    return await sync_played(build_setlistfm_client(settings, None, http), settings)


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
                setlistfm_daily_budget=100_000,  # counted against the real budget below, never stopped by it
            )
            since = utcnow() - dt.timedelta(days=DAYS_BACK)
            await sync_tours(build_ticketmaster_client(settings, None, http), settings, since=since)
            sfm = build_setlistfm_client(settings, None, http)
            first_history = await sync_tour_history(sfm, settings)
            first_played = [await sync_played(sfm, settings)]
            first_played += [await _played_due_again(settings, http, missing_only=True) for _ in range(2)]
            day_old = utcnow() - dt.timedelta(days=1, hours=1)
            await Artist.filter(tour_history_synced_at__isnull=False).update(tour_history_synced_at=day_old)
            later_history = await sync_tour_history(build_setlistfm_client(settings, None, http), settings)
            later_played = await _played_due_again(settings, http, missing_only=False)
            past_shows = first_played[0]["shows"]
            headliners = set(await Artist.filter(tour_history_synced_at__isnull=False).values_list("id", flat=True))
            headliners |= set(
                await Show.filter(starts_at__lt=utcnow(), starts_at__gte=since).values_list("headliner_id", flat=True)
            )
    finally:
        await close_db()
        await drop_database(name)

    budget = Settings().setlistfm_daily_budget
    artists = max(1, len(headliners))
    first = first_history["api_calls"] + sum(run["api_calls"] for run in first_played)
    later = later_history["api_calls"] + later_played["api_calls"]

    def day(label: str, history: int, played: int) -> Row:
        total = history + played
        return Row(
            "setlist.fm",
            f"calls per artist per day, {label} (history + played)",
            f"{total / artists:.2f} ({history} + {played} = {total} for {artists} artists)",
            f"{budget} budget",
            f"{total / budget:.3f}",
            "under 1",
        )

    return [
        Row("setlist.fm", "demo catalog: headliners, past shows", f"{len(headliners)}, {past_shows}"),
        day("first day", first_history["api_calls"], sum(run["api_calls"] for run in first_played)),
        day("a day after", later_history["api_calls"], later_played["api_calls"]),
        Row("setlist.fm", "calls the demo catalog needs a day, at most", f"{max(first, later)}", f"{budget} budget"),
    ]
