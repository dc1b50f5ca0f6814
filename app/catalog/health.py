"""Sync health, read from the sync journal: per job, its last success and failure and a status.

- NEVER_RUN: the job has no finished, failed or deferred run in the journal.
- FAILING: of its last `RECENT_RUNS` runs, more failed or were deferred than finished.
- STALE: its last success is older than twice its schedule's interval (or it never succeeded).
- HEALTHY otherwise.

A run succeeds when it finishes, even if some entities in it failed (the journal lists those). The
journal is in the database, so every process's runs count wherever the status is read.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from enum import StrEnum

from app.catalog.models import SyncEvent
from app.catalog.schedules import SCHEDULES
from app.platform.observability import SYNC_LAST_SUCCESS_AGE, SYNC_STATUS

logger = logging.getLogger(__name__)

RECENT_RUNS = 5
SUCCESS = "finished"
FAILURES = ("failed", "deferred")


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    STALE = "stale"
    FAILING = "failing"
    NEVER_RUN = "never_run"


@dataclass(frozen=True)
class JobHealth:
    job: str
    status: HealthStatus
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    interval: dt.timedelta


def status_of(
    recent: list[str], last_success_at: dt.datetime | None, interval: dt.timedelta, now: dt.datetime
) -> HealthStatus:
    """The status of a job whose last runs ended with `recent` (newest first)."""
    if not recent:
        return HealthStatus.NEVER_RUN
    if sum(outcome in FAILURES for outcome in recent) > sum(outcome == SUCCESS for outcome in recent):
        return HealthStatus.FAILING
    if last_success_at is None or now - last_success_at > 2 * interval:
        return HealthStatus.STALE
    return HealthStatus.HEALTHY


async def job_health(job: str, interval: dt.timedelta, now: dt.datetime) -> JobHealth:
    ends = SyncEvent.filter(job=job, message__in=[SUCCESS, *FAILURES])
    recent = await ends.order_by("-created_at", "-id").limit(RECENT_RUNS).values_list("message", flat=True)
    success = (
        await ends.filter(message=SUCCESS).order_by("-created_at", "-id").limit(1).values_list("created_at", flat=True)
    )
    failure = (
        await ends.filter(message__in=FAILURES)
        .order_by("-created_at", "-id")
        .limit(1)
        .values_list("created_at", flat=True)
    )
    last_success = success[0] if success and isinstance(success[0], dt.datetime) else None
    last_failure = failure[0] if failure and isinstance(failure[0], dt.datetime) else None
    return JobHealth(
        job=job,
        status=status_of([str(outcome) for outcome in recent], last_success, interval, now),
        last_success_at=last_success,
        last_failure_at=last_failure,
        interval=interval,
    )


async def sync_health(now: dt.datetime | None = None) -> list[JobHealth]:
    """Every scheduled job's health, in schedule order."""
    now = now or dt.datetime.now(dt.UTC)
    return [await job_health(job, schedule.interval, now) for job, schedule in SCHEDULES.items()]


async def refresh_metrics(now: dt.datetime | None = None) -> None:
    """Set the sync-health gauges from the journal; an unreachable database leaves them as they were."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        jobs = await sync_health(now)
    except Exception:  # the scrape must answer whatever the database does; readiness reports it
        logger.warning("Sync health metrics not refreshed: the journal is unreadable", exc_info=True)
        return
    for health in jobs:
        age = (now - health.last_success_at).total_seconds() if health.last_success_at else math.inf
        SYNC_LAST_SUCCESS_AGE.labels(health.job).set(age)
        for status in HealthStatus:
            SYNC_STATUS.labels(health.job, status.value).set(1 if status == health.status else 0)
