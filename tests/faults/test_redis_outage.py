"""Redis killed and restarted under a running arq worker: the same worker process carries on.

Votes committing and subscribers recovering across a Redis restart are tests/api/test_live_counts.py's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from arq.jobs import Job
from catalog_testing import Emulator, catalog_is_whole, music_events_between
from fault_testing import (
    arq_queue,
    enqueue,
    invariants_hold,
    job_outcome,
    until_shows_exist,
    worker_process,
)
from redis_server import RedisServer

from app.catalog.models import Show
from app.catalog.tasks import TOURS_JOB
from app.emulators.world import World

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.slow]


async def test_the_worker_runs_a_job_enqueued_after_redis_was_killed_and_restarted(
    world: World,
    ticketmaster: Emulator,
    env: dict[str, str],
    redis_server: RedisServer,
    queue_name: str,
    tmp_path: Path,
) -> None:
    log = tmp_path / "worker.log"
    async with worker_process(env, log) as worker:
        async with arq_queue(redis_server.url, queue_name) as queue:
            before = await job_outcome(await enqueue(queue, TOURS_JOB, queue_name), worker, log)

        redis_server.kill()
        await asyncio.sleep(3)  # the worker polls every 0.5 s: it meets the dead server again and again
        redis_server.start()

        async with arq_queue(redis_server.url, queue_name) as queue:
            after = await job_outcome(await enqueue(queue, TOURS_JOB, queue_name), worker, log)
        returncode = worker.returncode

    assert (before.success, before.result["outcome"]) == (True, "finished")
    assert (after.success, after.result["outcome"]) == (True, "finished")
    assert returncode is None  # the same worker process, never restarted
    assert set(music_events_between(world, 1, 170)) <= set(await Show.all().values_list("ticketmaster_id", flat=True))
    assert await catalog_is_whole()
    assert await invariants_hold()


async def test_a_job_running_while_redis_restarts_finishes_every_page(
    world: World,
    ticketmaster: Emulator,
    env: dict[str, str],
    redis_server: RedisServer,
    queue_name: str,
    tmp_path: Path,
) -> None:
    log = tmp_path / "worker.log"
    await ticketmaster.faults(slow_seconds=0.3)  # a run of several seconds, to restart Redis in the middle
    async with worker_process(env, log) as worker:
        async with arq_queue(redis_server.url, queue_name) as queue:
            job_id = (await enqueue(queue, TOURS_JOB, queue_name)).job_id
        await until_shows_exist()
        redis_server.kill()  # mid-run: the job's shared Ticketmaster rate limiter lives in Redis
        during = await Show.all().count()
        await asyncio.sleep(1)
        redis_server.start()
        # Redis came back empty, the job's queue entry gone: the worker still records its result.
        async with arq_queue(redis_server.url, queue_name) as queue:
            outcome = await job_outcome(Job(job_id, queue, _queue_name=queue_name), worker, log)
        returncode = worker.returncode

    expected = set(music_events_between(world, 1, 170))
    assert 0 < during < len(expected)  # Redis went away in the middle of the run
    assert (outcome.success, outcome.result["outcome"], outcome.result["failed"]) == (True, "finished", 0)
    assert returncode is None
    assert expected <= set(await Show.all().values_list("ticketmaster_id", flat=True))
    assert await catalog_is_whole()
    assert await invariants_hold()
