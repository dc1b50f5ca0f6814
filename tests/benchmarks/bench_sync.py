"""Sync throughput against the emulators at the real APIs' limits.

Prints API calls per artist (new, then unchanged: its releases remembered) beside their targets in
development mode, artists synced per minute, and the share of the allowed request rate the jobs
actually used (the baseline: what the limit allows in the same time).
Run: `make bench` or `.venv/bin/python -m tests.benchmarks bench_sync`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from pydantic import SecretStr

from app.catalog.models import Artist
from app.catalog.tasks import sync_songs, sync_tours
from app.clients.factory import build_spotify_client, build_ticketmaster_client
from app.platform.db import close_db, init_db, migrate
from app.settings import Settings
from tests.benchmarks.report import Row
from tests.support.databases import create_database, drop_database
from tests.support.redis_server import free_port

ARTISTS = 60  # artists per songs run (SYNC_ARTISTS_PER_RUN): every emulated artist, several windows of calls
NEW_ARTIST_TARGET = 6  # Spotify calls per new artist, development mode (pages of 10)
UNCHANGED_ARTIST_TARGET = 2  # Spotify calls per artist whose releases did not change
SPOTIFY_BUDGET_PER_30S = 180  # `theset emulate spotify`'s window, and the client's budget
SPOTIFY_WINDOW = 31.0  # the client's window (app.clients.factory): a little longer than Spotify's 30 s
TM_RATE = 5.0  # Ticketmaster: 5 requests/s, no burst
THESET = Path(sys.executable).parent / "theset"


@contextlib.asynccontextmanager
async def emulator(api: str) -> AsyncIterator[str]:
    """`theset emulate API` in its own process, as the real API is: our event loop cannot delay it."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(THESET), "emulate", api, "--port", str(port), stderr=asyncio.subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(100):
                with contextlib.suppress(httpx.TransportError):
                    await http.get(f"{url}/_emulator/stats")
                    break
                await asyncio.sleep(0.1)
        yield url
    finally:
        process.terminate()
        await process.wait()


async def main() -> list[Row]:
    name = f"theset_bench_{uuid.uuid4().hex[:10]}"
    url = await create_database(name)
    client_id = f"bench-{uuid.uuid4().hex}"
    try:
        await migrate(url)
        await init_db(url)
        async with emulator("ticketmaster") as tm_url, emulator("spotify") as sp_url, httpx.AsyncClient() as http:
            settings = Settings(
                database_url=url,
                ticketmaster_base_url=tm_url,
                ticketmaster_api_key=SecretStr(f"bench-{uuid.uuid4().hex}"),
                spotify_api_base_url=sp_url,
                spotify_accounts_base_url=sp_url,
                spotify_client_id=client_id,
                spotify_client_secret=SecretStr("s"),
                spotify_requests_per_30s=SPOTIFY_BUDGET_PER_30S,
                ticketmaster_requests_per_second=TM_RATE,
                sync_min_upcoming_events=0,
                sync_artists_per_run=ARTISTS,
                sync_page_size=50,
            )
            started = time.monotonic()
            tours = await sync_tours(build_ticketmaster_client(settings, None, http), settings)
            tours_seconds = time.monotonic() - started

            started = time.monotonic()
            new = await sync_songs(build_spotify_client(settings, None, http), settings)
            new_seconds = time.monotonic() - started
            # The same artists due again, nothing changed upstream.
            await Artist.filter(songs_synced_at__isnull=False).update(songs_synced_at=None, upcoming_event_count=10_000)
            started = time.monotonic()
            again = await sync_songs(build_spotify_client(settings, None, http), settings)
            again_seconds = time.monotonic() - started
            tm_stats = (await http.get(f"{tm_url}/_emulator/stats")).json()
            sp_stats = (await http.get(f"{sp_url}/_emulator/stats")).json()
    finally:
        await close_db()
        await drop_database(name)

    artists = new["artists"]
    # A rolling window lets a whole budget go out at once, then refills: in T seconds the limit
    # allows budget * (1 + T / window) calls. That is the baseline the jobs' calls are set against.
    seconds = new_seconds + again_seconds
    calls = new["api_calls"] + again["api_calls"]
    allowed = SPOTIFY_BUDGET_PER_30S * (1 + seconds / SPOTIFY_WINDOW)
    tm_used = tours["api_calls"] / tours_seconds
    return [
        Row("sync tours", "API calls (pages)", f"{tours['api_calls']}", "", "", ""),
        Row("sync tours", "TM requests/s used", f"{tm_used:.2f}", f"{TM_RATE:.2f} allowed", f"{tm_used / TM_RATE:.2f}"),
        Row(
            "sync songs",
            "API calls per new artist (dev mode)",
            f"{new['api_calls'] / artists:.1f}",
            target=f"<= {NEW_ARTIST_TARGET}",
        ),
        Row(
            "sync songs",
            "API calls per unchanged artist (dev mode)",
            f"{again['api_calls'] / again['artists']:.1f}",
            target=f"<= {UNCHANGED_ARTIST_TARGET}",
        ),
        Row(
            "sync songs",
            "artists synced per minute (2 runs)",
            f"{2 * artists / (new_seconds + again_seconds) * 60:.0f}",
        ),
        Row(
            "sync songs",
            f"Spotify calls in {seconds:.0f} s",
            f"{calls}",
            f"{allowed:.0f} allowed",
            f"{calls / allowed:.2f}",
            "high, never over 1",
        ),
        Row("sync songs", "re-sync duration", f"{again_seconds:.1f} s"),
        Row(
            "sync (both)",
            "limit violations at the emulators",
            f"TM {tm_stats['spike_arrest_violations']}, Spotify {sp_stats['limit_violations']}",
            "",
            "",
            "0",
        ),
    ]
