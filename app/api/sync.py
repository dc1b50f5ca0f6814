"""GraphQL view of the sync journal (sync_events)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from app.api.context import Info
from app.api.cost import list_size
from app.api.ids import encode_id
from app.api.pagination import Connection, build_connection, check_page_size, decode_cursor
from app.catalog import models

strawberry.enum(models.SyncLevel)

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


@strawberry.type
class SyncQuery:
    @strawberry.field(
        description="The sync journal, newest first: runs' starts and finishes, and failures.",
        directives=[list_size(slicing_arguments=["first"], sized_fields=["edges", "nodes"])],
    )
    async def sync_events(
        self, info: Info, first: int = 20, after: str | None = None, job: str | None = None
    ) -> Connection[SyncEvent]:
        check_page_size(first, info.context.settings.graphql_max_page_size)
        query = models.SyncEvent.all()
        if job is not None:
            query = query.filter(job=job)
        if after is not None:
            (after_id,) = decode_cursor(after, 1)
            query = query.filter(id__lt=int(after_id))
        rows = await query.order_by("-id").limit(first + 1)
        return build_connection(rows, first, lambda row: [row.id], SyncEvent.from_model)
