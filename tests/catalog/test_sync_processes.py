"""Sync jobs as separate processes: killed mid-run, and two at once sharing one rate limit."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from catalog_testing import Emulator, assert_one_shared_ticketmaster_pace, catalog_is_whole, music_events_between
from servers import THESET

from app.catalog.models import Show
from app.catalog.tasks import sync_tours
from app.clients.factory import build_ticketmaster_client
from app.emulators.world import World
from app.settings import Settings

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.slow]


def sync_env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "TICKETMASTER_BASE_URL": settings.ticketmaster_base_url,
        "TICKETMASTER_API_KEY": settings.ticketmaster_api_key.get_secret_value(),
        "SYNC_MIN_UPCOMING_EVENTS": "0",
        "SYNC_PAGE_SIZE": "20",
        **extra,
    }


async def start_sync(settings: Settings, **extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(THESET), "sync", "tours", env=sync_env(settings, **extra), stdout=asyncio.subprocess.DEVNULL
    )


async def test_a_sync_killed_mid_run_is_completed_by_the_next_run(
    world: World, ticketmaster: Emulator, sync_settings: Settings
) -> None:
    await ticketmaster.faults(slow_seconds=0.3)  # long enough a run to kill it in the middle
    process = await start_sync(sync_settings)
    for _ in range(600):  # up to 30 s on a busy machine
        if await Show.all().count() > 0:
            break
        await asyncio.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    partial = await Show.all().count()
    await ticketmaster.faults(slow_seconds=0)

    async with build_ticketmaster_client(sync_settings, None) as client:
        await sync_tours(client, sync_settings)

    expected = set(music_events_between(world, 1, 170))
    assert 0 < partial < len(expected)
    assert expected <= set(await Show.all().values_list("ticketmaster_id", flat=True))
    assert await catalog_is_whole()


async def test_two_sync_processes_together_stay_within_the_rate_limit(
    world: World, ticketmaster: Emulator, sync_settings: Settings, redis_url: str
) -> None:
    first = await start_sync(sync_settings, REDIS_URL=redis_url)
    second = await start_sync(sync_settings, REDIS_URL=redis_url)

    codes = await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), timeout=60)

    stats = await ticketmaster.stats()
    expected = set(music_events_between(world, 1, 170))
    assert codes == [0, 0]
    assert stats["requests"] >= 2 * (len(expected) // 20)  # both paged through the events...
    assert_one_shared_ticketmaster_pace(stats)
    assert expected <= set(await Show.all().values_list("ticketmaster_id", flat=True))
    assert await catalog_is_whole()
