"""The sync journal: every run's start and finish, and every failure with its context, in sync_events."""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.catalog.ingest import COUNTS_MEANING, Tally
from app.catalog.models import SyncEvent, SyncLevel
from app.clients.errors import UpstreamError, defer_seconds
from app.clients.retry import call_stats

logger = logging.getLogger(__name__)

# Stored details stay small: one bad page must not write megabytes.
_MAX_TRACEBACK_CHARS = 4000


class SyncDeferred(Exception):
    """The upstream API asked us to wait (rate limit, quota, open breaker): re-run after `seconds`."""

    def __init__(self, seconds: float, summary: dict[str, Any]) -> None:
        super().__init__(f"deferred for {seconds:.0f} s")
        self.seconds = seconds
        self.summary = summary


@dataclass
class SyncRun:
    """One run of a sync job: call `start`, then `failure` for each entity that failed, then `finish`."""

    job: str
    run_id: uuid.UUID = field(default_factory=uuid.uuid4)
    tally: Tally = field(default_factory=Tally)
    failures: int = 0
    started: float = field(default_factory=time.monotonic)

    async def start(self, **details: Any) -> None:
        await SyncEvent.create(run_id=self.run_id, job=self.job, message="started", details=details)

    async def failure(self, entity: str, error: BaseException, *, api_calls: int = 0, **details: Any) -> None:
        """Record an entity that failed (its writes were rolled back); the run goes on."""
        self.failures += 1
        self.tally.add("entity", "failed")
        logger.warning("%s: %s failed: %s", self.job, entity, error)
        await SyncEvent.create(
            run_id=self.run_id,
            job=self.job,
            level=SyncLevel.ERROR,
            entity=entity[:255],
            message=f"{type(error).__name__}: {error}"[:1000],
            details={**details, "traceback": "".join(traceback.format_exception(error))[-_MAX_TRACEBACK_CHARS:]},
            api_calls=api_calls,
        )

    async def complete(self, **details: Any) -> dict[str, Any]:
        """`finish`, with the vendor calls, retries and waits of the current `counting_calls()` block."""
        stats: dict[str, Any] = call_stats().as_dict()
        return await self.finish(api_calls=int(stats.pop("api_calls")), **stats, **details)

    async def stop(self, error: UpstreamError, **details: Any) -> dict[str, Any]:
        """Journal why the run stopped early; raise SyncDeferred when waiting will help (a quota: its reset)."""
        await self.failure(f"{error.service} API", error, api_calls=call_stats().api_calls)
        seconds = defer_seconds(error)
        if seconds is None:
            return await self.complete(outcome="failed", **details)
        summary = await self.complete(outcome="deferred", defer_seconds=seconds, **details)
        raise SyncDeferred(seconds, summary) from error

    async def finish(self, *, api_calls: int, outcome: str = "finished", **details: Any) -> dict[str, Any]:
        """Record the run's end with its counts; returns the summary."""
        duration_ms = round((time.monotonic() - self.started) * 1000)
        summary = {
            "run_id": str(self.run_id),
            "outcome": outcome,
            "counts": self.tally.counts,
            "counts_meaning": COUNTS_MEANING,
            "failed": self.failures,
            "api_calls": api_calls,
            "duration_ms": duration_ms,
            **details,
        }
        level = SyncLevel.INFO if outcome == "finished" and not self.failures else SyncLevel.WARNING
        await SyncEvent.create(
            run_id=self.run_id,
            job=self.job,
            level=level,
            message=outcome,
            details=summary,
            api_calls=api_calls,
            duration_ms=duration_ms,
        )
        return summary


async def sync_events_by_ids(ids: Iterable[int]) -> dict[int, SyncEvent]:
    """Journal lines by id, for the API's DataLoaders (one query per batch)."""
    return {event.id: event for event in await SyncEvent.filter(id__in=list(ids))}
