"""`theset worker`: the arq worker runs the sync jobs, and two workers share one rate limit."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.jobs import Job
from catalog_testing import Emulator, catalog_is_whole, music_events_between
from servers import TEST_WORKER_ENV, THESET, stop

from app.catalog.models import Show
from app.catalog.tasks import SONGS_JOB, TOURS_JOB
from app.emulators.world import World
from app.played.tasks import JOB as PLAYED_JOB
from app.settings import Settings
from app.tours.tasks import HISTORY_JOB

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.slow]


async def test_two_arq_workers_run_the_tours_job_within_the_rate_limit(
    world: World, ticketmaster: Emulator, sync_settings: Settings, redis_url: str
) -> None:
    queue_name = f"theset-test:{uuid.uuid4().hex}"  # this test's own queue on the shared Redis
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": sync_settings.database_url,
        "REDIS_URL": redis_url,
        "WORKER_QUEUE_NAME": queue_name,
        "TICKETMASTER_BASE_URL": sync_settings.ticketmaster_base_url,
        "TICKETMASTER_API_KEY": sync_settings.ticketmaster_api_key.get_secret_value(),
        "SYNC_MIN_UPCOMING_EVENTS": "0",
        "SYNC_PAGE_SIZE": "25",
        **TEST_WORKER_ENV,
    }
    workers = [
        await asyncio.create_subprocess_exec(str(THESET), "worker", env=env, stderr=asyncio.subprocess.DEVNULL)
        for _ in range(2)
    ]
    queue = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    try:
        jobs = [await queue.enqueue_job("sync_popular_tours", _queue_name=queue_name) for _ in range(2)]
        results = [await job.result(timeout=60) for job in jobs if isinstance(job, Job)]
    finally:
        await asyncio.gather(*(stop(worker) for worker in workers))
        await queue.aclose()

    assert [result["outcome"] for result in results] == ["finished", "finished"]
    stats = await ticketmaster.stats()
    assert stats["spike_arrest_violations"] == 0
    assert set(music_events_between(world, 1, 170)) <= set(await Show.all().values_list("ticketmaster_id", flat=True))
    assert await catalog_is_whole()


@pytest.mark.parametrize(
    ("value", "expected"), [("true", [TOURS_JOB, SONGS_JOB, PLAYED_JOB, HISTORY_JOB]), ("false", [])]
)
def test_worker_cron_turns_the_sync_schedule_on_or_off(value: str, expected: list[str]) -> None:
    # Read at import, as arq reads WorkerSettings: a process of its own with the setting.
    script = "from workers.settings import WorkerSettings; print(*[job.name for job in WorkerSettings.cron_jobs])"
    env = {**os.environ, "WORKER_CRON": value}
    output = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)

    assert [name.removeprefix("cron:") for name in output.stdout.split()] == expected
