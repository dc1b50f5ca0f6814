"""arq worker configuration: the catalog sync jobs, their cron schedule, and the shared clients.

Run with `theset worker` (or `arq workers.settings.WorkerSettings`). Every worker process shares
the API rate limits and breaker state through Redis, so adding workers never exceeds a quota.
Each worker serves its Prometheus metrics (API calls, rate-limit waits, breaker state) on
WORKER_METRICS_PORT: the API's /metrics cannot show them, they are counted in this process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import Any, ClassVar

from arq import Retry, cron, func
from arq.connections import RedisSettings
from arq.typing import WorkerCoroutine
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.catalog import tasks
from app.catalog.schedules import HISTORY_JOB, PLAYED_JOB, SCHEDULES, SONGS_JOB, TOURS_JOB, Schedule
from app.platform.db import close_db, init_db
from app.platform.observability import serve_metrics
from app.played import tasks as played_tasks
from app.resources import Resources, open_resources
from app.setlists.tasks import fill_setlist
from app.settings import get_settings
from app.tours.tasks import sync_tour_history as sync_history

# A full tours run pages through months of events at 5 requests/s: give it room.
TOURS_TIMEOUT_SECONDS = 3 * 3600
SONGS_TIMEOUT_SECONDS = 2 * 3600
# At 2 calls/s a day's whole setlist.fm budget (1,400 calls) takes under 20 minutes.
PLAYED_TIMEOUT_SECONDS = 3600
# setlist.fm's 2 requests/s (spaced 0.75 s) over a day's budget of 1,400 calls: under 20 minutes.
HISTORY_TIMEOUT_SECONDS = 3600
# Without retries arq's poll loop dies on the first command Redis cannot answer. Commands and
# reconnects retry with backoff (0.2 s doubling to 2 s, about 35 s in all), so a Redis restart or
# failover is ridden out; a longer outage still ends the worker non-zero, for its supervisor to restart.
REDIS_RETRIES = 20


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    if settings.worker_metrics_port:
        ctx["metrics_server"] = serve_metrics(settings.worker_metrics_port)
    await init_db(settings.database_url)
    ctx["settings"] = settings
    # The worker's one set of long-lived resources (clients, broker), as an API process has, on arq's
    # Redis client: its retries ride out a Redis restart under a running job.
    ctx["exit_stack"] = stack = AsyncExitStack()
    ctx["resources"] = await stack.enter_async_context(open_resources(settings, redis=ctx["redis"]))


async def shutdown(ctx: dict[str, Any]) -> None:
    # arq calls this even when startup failed part-way: close what was opened (close_db: a no-op if nothing).
    if stack := ctx.get("exit_stack"):
        await stack.aclose()
    await close_db()
    if server := ctx.get("metrics_server"):
        await asyncio.to_thread(server.shutdown)  # waits for its serve loop's next poll (<= 0.5 s)
        server.server_close()


async def sync_popular_tours(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: upcoming music events from Ticketmaster into artists, venues and shows."""
    resources: Resources = ctx["resources"]
    return await _deferring(tasks.sync_tours(resources.ticketmaster, resources.settings), resources)


async def sync_artist_songs(ctx: dict[str, Any]) -> dict[str, Any]:
    """Hourly: songs of artists whose cached catalog is missing or older than SONGS_MAX_AGE_HOURS."""
    resources: Resources = ctx["resources"]
    return await _deferring(tasks.sync_songs(resources.spotify, resources.settings), resources)


async def sync_played_setlists(ctx: dict[str, Any]) -> dict[str, Any]:
    """Hourly: what was played at the last week's shows, from setlist.fm (within its daily budget)."""
    resources: Resources = ctx["resources"]
    if not resources.settings.setlistfm_api_key.get_secret_value():
        return {"outcome": "skipped", "reason": "SETLISTFM_API_KEY is not set"}  # not every deployment uses it
    announce = played_tasks.announcer(resources.broker)
    spotify = resources.spotify if resources.settings.spotify_client_id else None
    run = played_tasks.sync_played(resources.setlistfm, resources.settings, on_imported=announce, spotify=spotify)
    return await _deferring(run, resources)


async def sync_tour_history(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: recent setlists of headliners of upcoming shows from setlist.fm (the tour seed's history)."""
    resources: Resources = ctx["resources"]
    return await _deferring(sync_history(resources.setlistfm, resources.settings), resources)


async def _deferring(run: Awaitable[dict[str, Any]], resources: Resources) -> dict[str, Any]:
    """Run a sync job; afterwards (whatever its outcome) the API processes' cached shared reads are stale."""
    try:
        return await run
    except tasks.SyncDeferred as deferred:
        # Rate limit, quota or open breaker: arq re-runs the job later instead of a worker sleeping.
        raise Retry(defer=deferred.seconds) from deferred
    finally:
        await resources.versions.bump_catalog()


def _when(schedule: Schedule) -> dict[str, Any]:
    """arq cron's hour/minute for a job's schedule (sync health judges staleness by the same schedule)."""
    return {"minute": {schedule.minute}, **({"hour": {schedule.hour}} if schedule.hour is not None else {})}


# Each scheduled job's arq function (named as the job) and timeout; when it runs is SCHEDULES' say.
SCHEDULED: dict[str, tuple[WorkerCoroutine, int]] = {
    TOURS_JOB: (sync_popular_tours, TOURS_TIMEOUT_SECONDS),
    SONGS_JOB: (sync_artist_songs, SONGS_TIMEOUT_SECONDS),
    PLAYED_JOB: (sync_played_setlists, PLAYED_TIMEOUT_SECONDS),
    HISTORY_JOB: (sync_tour_history, HISTORY_TIMEOUT_SECONDS),
}


def _redis_settings() -> RedisSettings:
    settings = RedisSettings.from_dsn(get_settings().redis_url or "redis://127.0.0.1:6379/0")
    settings.retry = RedisRetry(ExponentialBackoff(cap=2.0, base=0.1), REDIS_RETRIES)
    # OSError: a refused reconnect surfaces as the bare socket error, which redis-py does not retry.
    settings.retry_on_error = [OSError, RedisConnectionError, RedisTimeoutError]
    return settings


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        *(func(run, name=job, timeout=timeout, max_tries=10) for job, (run, timeout) in SCHEDULED.items()),
        # Enqueued by the API when a setlist had to be created empty (Spotify down, nothing cached).
        func(fill_setlist, max_tries=10),
    ]
    # Every job of the one schedule (app.catalog.schedules), which sync health reads too; unique: a run
    # still going (or deferred) is not started again by the next tick.
    cron_jobs: ClassVar[list[Any]] = (
        [
            cron(SCHEDULED[job][0], name=f"cron:{job}", **_when(schedule), unique=True, timeout=SCHEDULED[job][1])
            for job, schedule in SCHEDULES.items()
        ]
        if get_settings().worker_cron
        else []
    )
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = _redis_settings()
    queue_name = get_settings().worker_queue_name
    max_jobs = get_settings().worker_max_jobs
