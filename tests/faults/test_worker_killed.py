"""An arq worker SIGKILLed in the middle of a sync job: nothing half-written, the next run completes."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
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


async def test_a_worker_killed_mid_job_leaves_whole_pages_and_the_next_run_completes(
    world: World,
    ticketmaster: Emulator,
    env: dict[str, str],
    redis_server: RedisServer,
    queue_name: str,
    tmp_path: Path,
) -> None:
    await ticketmaster.faults(slow_seconds=0.3)  # a run of several seconds, to kill in the middle
    async with arq_queue(redis_server.url, queue_name) as queue:
        async with worker_process(env, tmp_path / "killed.log") as doomed:
            await enqueue(queue, TOURS_JOB, queue_name)
            await until_shows_exist()
            doomed.send_signal(signal.SIGKILL)
            await doomed.wait()
        partial = await Show.all().count()
        whole_after_kill = await catalog_is_whole()

        await ticketmaster.faults(slow_seconds=0)
        log = tmp_path / "next.log"
        async with worker_process(env, log) as successor:
            # The killed job stays locked for its timeout (hours), as arq's in-progress key says:
            # the next run is a job of its own, as the next cron tick would enqueue.
            outcome = await job_outcome(await enqueue(queue, TOURS_JOB, queue_name), successor, log)

    expected = set(music_events_between(world, 1, 170))
    assert doomed.returncode == -signal.SIGKILL
    assert 0 < partial < len(expected)  # killed in the middle...
    assert whole_after_kill  # ...yet every show written came with its page: headliner, bill, venue
    assert (outcome.success, outcome.result["outcome"]) == (True, "finished")
    assert expected <= set(await Show.all().values_list("ticketmaster_id", flat=True))
    assert await catalog_is_whole()
    assert await invariants_hold()
