"""GraphQL view of the sync journal (sync_events)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from app.api.context import Info
from app.api.ids import encode_id
from app.api.pagination import Connection, build_connection, check_page_size, decode_cursor
from app.catalog import health, models

strawberry.enum(models.SyncLevel)
strawberry.enum(
    health.HealthStatus,
    name="SyncHealthStatus",
    description=(
        "HEALTHY; STALE: the last success is older than twice the job's schedule; FAILING: of the last "
        f"{health.RECENT_RUNS} runs more failed or were deferred than finished; NEVER_RUN: no run has ended yet."
    ),
)

# Tracebacks stay in the database for operators; the API shows the message and the counts.
_PRIVATE_DETAILS = frozenset({"traceback"})


@strawberry.type
class SyncEvent:
    id: strawberry.ID
    run_id: str
    job: str
    level: models.SyncLevel
    entity: str | None
    message: str
    details: JSON
    api_calls: int
    duration_ms: int | None
    created_at: dt.datetime

    @classmethod
    def from_model(cls, row: models.SyncEvent) -> SyncEvent:
        return cls(
            id=encode_id("SyncEvent", row.id),
            run_id=str(row.run_id),
            job=row.job,
            level=row.level,
            entity=row.entity,
            message=row.message,
            details=JSON({key: value for key, value in row.details.items() if key not in _PRIVATE_DETAILS}),
            api_calls=row.api_calls,
            duration_ms=row.duration_ms,
            created_at=row.created_at,
        )


@strawberry.type(description="One sync job's health, from the sync journal.")
class SyncJobHealth:
    job: str = strawberry.field(description="The job's name, as in the journal (e.g. sync_popular_tours).")
    status: health.HealthStatus
    last_success_at: dt.datetime | None = strawberry.field(description="When its last finished run ended.")
    last_failure_at: dt.datetime | None = strawberry.field(description="When its last failed or deferred run ended.")
    schedule_seconds: int = strawberry.field(description="How often the worker's cron starts it.")

    @classmethod
    def from_health(cls, job: health.JobHealth) -> SyncJobHealth:
        return cls(
            job=job.job,
            status=job.status,
            last_success_at=job.last_success_at,
            last_failure_at=job.last_failure_at,
            schedule_seconds=int(job.interval.total_seconds()),
        )


@strawberry.type
class SyncQuery:
    @strawberry.field(description="Each scheduled sync job's health: its last success and failure and a status.")
    async def sync_health(self) -> list[SyncJobHealth]:
        return [SyncJobHealth.from_health(job) for job in await health.sync_health()]

    @strawberry.field(description="The sync journal, newest first: runs' starts and finishes, and failures.")
    async def sync_events(
        self, info: Info, first: int = 20, after: str | None = None, job: str | None = None
    ) -> Connection[SyncEvent]:
        check_page_size(first, info.context.settings.graphql_max_page_size)
        query = models.SyncEvent.all()
        if job is not None:
            query = query.filter(job=job)
        earlier = None
        if after is not None:
            (after_id,) = decode_cursor(after, 1)
            earlier = query.filter(id__gte=int(after_id)).exists  # newest first: later ids came before
            query = query.filter(id__lt=int(after_id))
        rows = await query.order_by("-id").limit(first + 1)
        return build_connection(rows, first, lambda row: [row.id], SyncEvent.from_model, earlier=earlier)
