"""GraphQL view of the sync journal (sync_events)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.api.context import Info
from app.api.cost import list_size
from app.api.enums import SyncHealthStatus, SyncLevel, of
from app.api.ids import Node, encode_id
from app.api.pagination import Connection, build_connection, check_page_size, decode_cursor
from app.catalog import health, models
from app.catalog.tasks import SCHEDULES

# Tracebacks stay in the database for operators; the API shows the message and the counts.
_PRIVATE_DETAILS = frozenset({"traceback"})


@strawberry.type(description="One line of the sync journal: a run's start or finish, or one entity that failed.")
class SyncEvent(Node):
    run_id: str = strawberry.field(description="The run the line belongs to (a UUID): a run's lines share it.")
    job: str = strawberry.field(description="The sync job that wrote the line, e.g. `sync_popular_tours`.")
    level: SyncLevel = strawberry.field(description="How the line reads: `INFO`, `WARNING` or `ERROR`.")
    entity: str | None = strawberry.field(
        description="What failed, e.g. `events page 3`; null on a run's start and finish lines."
    )
    message: str = strawberry.field(
        description="What happened: `started`, `finished`, `failed`, `deferred`, or the failure's error."
    )
    details: JSON = strawberry.field(
        description="Structured details: a finish line's counts, a failure's context (tracebacks are withheld)."
    )
    api_calls: int = strawberry.field(description="How many vendor API calls the run (or the failed entity) made.")
    duration_ms: int | None = strawberry.field(
        description="The run's length in milliseconds, on its finish line; null on the other lines."
    )
    created_at: dt.datetime = strawberry.field(description="When the line was written (UTC).")

    @classmethod
    def from_model(cls, row: models.SyncEvent) -> SyncEvent:
        return cls(
            id=encode_id("SyncEvent", row.id),
            run_id=str(row.run_id),
            job=row.job,
            level=of(SyncLevel, row.level),
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
    status: SyncHealthStatus = strawberry.field(description="HEALTHY, STALE, FAILING or NEVER_RUN.")
    last_success_at: dt.datetime | None = strawberry.field(description="When its last finished run ended.")
    last_failure_at: dt.datetime | None = strawberry.field(description="When its last failed or deferred run ended.")
    schedule_seconds: int = strawberry.field(description="How often the worker's cron starts it.")

    @classmethod
    def from_health(cls, job: health.JobHealth) -> SyncJobHealth:
        return cls(
            job=job.job,
            status=of(SyncHealthStatus, job.status),
            last_success_at=job.last_success_at,
            last_failure_at=job.last_failure_at,
            schedule_seconds=int(job.interval.total_seconds()),
        )


@strawberry.type
class SyncQuery:
    @strawberry.field(
        description="Each scheduled sync job's health: its last success and failure and a status.",
        directives=[list_size(assumed_size=len(SCHEDULES))],
    )
    async def sync_health(self) -> list[SyncJobHealth]:
        return [SyncJobHealth.from_health(job) for job in await health.sync_health()]

    @strawberry.field(
        description="The sync journal, newest first: runs' starts and finishes, and failures.",
        directives=[list_size(slicing_arguments=["first"], sized_fields=["edges", "nodes"])],
    )
    async def sync_events(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many lines, 1 to `GRAPHQL_MAX_PAGE_SIZE` (100 by default).")
        ] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(description="A cursor (`pageInfo.endCursor` of the page before): older lines follow."),
        ] = None,
        job: Annotated[str | None, strawberry.argument(description="Only this job's lines.")] = None,
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
