"""Filling setlists that were created while Spotify was unavailable.

With Redis the arq job `fill_setlist` does it (registered in workers/settings.py); without Redis
(the embedded demo) a background task in the API process retries a few times.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq import Retry
from arq.connections import ArqRedis

from app.clients.errors import UpstreamError, defer_seconds
from app.errors import NotFound
from app.platform.redis_client import REDIS_FAILURES
from app.resources import Resources
from app.setlists import service

logger = logging.getLogger(__name__)

FILL_JOB = "fill_setlist"
# In-process retries: soon (a blip), then later (a rate limit); the next first visit of another
# show of the artist, or the songs sync, brings the songs anyway.
FILL_RETRY_DELAYS: tuple[float, ...] = (5.0, 60.0, 600.0)


async def fill_setlist(ctx: dict[str, Any], setlist_id: int) -> int:
    """arq job: give an empty setlist its opening songs; defers itself while Spotify says wait."""
    resources: Resources = ctx["resources"]
    try:
        return await service.fill_setlist(setlist_id, resources.spotify, resources.settings)
    except NotFound:
        logger.info("fill_setlist: setlist %s is gone", setlist_id)
        return 0
    except UpstreamError as error:
        seconds = defer_seconds(error)
        if seconds is None:
            raise
        raise Retry(defer=seconds) from error


def source_for(resources: Resources) -> service.SongSource:
    """Where this process's new setlists get their songs, and how empty ones get filled."""

    async def schedule(setlist_id: int) -> None:
        await schedule_fill(resources, setlist_id)

    return service.SongSource(
        spotify=resources.spotify,
        settings=resources.settings,
        schedule_fill=schedule,
        catalog_changed=resources.versions.bump_catalog,
    )


async def schedule_fill(resources: Resources, setlist_id: int) -> None:
    """Fill the setlist later: an arq job with Redis (one per setlist), else (or Redis failing) a background task."""
    if resources.redis is not None:
        queue = ArqRedis(connection_pool=resources.redis.connection_pool)
        try:
            # _job_id: a second empty visit of the same setlist does not queue a second job.
            await resources.redis_guard.call(
                lambda: queue.enqueue_job(
                    FILL_JOB,
                    setlist_id,
                    _job_id=f"{FILL_JOB}:{setlist_id}",
                    _queue_name=resources.settings.worker_queue_name,
                )
            )
            return
        except REDIS_FAILURES:
            logger.warning("fill_setlist %s: Redis unreachable, filling in this process", setlist_id, exc_info=True)
    resources.background.spawn(_fill_in_process(resources, setlist_id))


async def _fill_in_process(resources: Resources, setlist_id: int) -> None:
    for delay in FILL_RETRY_DELAYS:
        await asyncio.sleep(delay)
        try:
            await service.fill_setlist(setlist_id, resources.spotify, resources.settings)
            return
        except NotFound:
            return
        except UpstreamError as error:
            logger.info("fill_setlist %s: Spotify still failing (%s)", setlist_id, error)
        except Exception:  # a background task has no caller to tell: log it and stop
            logger.exception("fill_setlist %s failed", setlist_id)
            return
    logger.warning("fill_setlist %s: gave up; the setlist stays empty until fans suggest songs", setlist_id)
