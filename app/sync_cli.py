"""`theset sync tours|songs|history`: run a sync job in this process with a progress bar and a summary."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from redis.asyncio import Redis
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.catalog import tasks
from app.clients.factory import build_setlistfm_client, build_spotify_client, build_ticketmaster_client
from app.platform.db import close_db, init_db
from app.settings import Settings, get_settings
from app.tours.tasks import sync_tour_history

Job = Literal["tours", "songs", "history"]


async def run_sync(job: Job, settings: Settings | None = None) -> int:
    """Run one job; the exit status is 0 when it finished, 75 (EX_TEMPFAIL) when it was deferred."""
    settings = settings or get_settings()
    console = Console()
    await init_db(settings.database_url, generate_schemas=settings.uses_sqlite)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    try:
        async with httpx.AsyncClient() as http:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed} done"),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task(f"sync {job}", total=None)

                def advance(n: int) -> None:
                    bar.advance(task, n)

                try:
                    summary = await run_job(job, settings, redis, http, advance)
                except tasks.SyncDeferred as deferred:
                    summary = deferred.summary
    finally:
        if redis is not None:
            await redis.aclose()
        await close_db()
    console.print(summary_table(job, summary))
    return 75 if summary["outcome"] == "deferred" else 0 if summary["outcome"] == "finished" else 1


async def run_job(
    job: Job,
    settings: Settings,
    redis: Redis | None,
    http: httpx.AsyncClient,
    progress: tasks.Progress | None = None,
) -> dict[str, Any]:
    """Build the job's client from settings and run it once."""
    if job == "tours":
        return await tasks.sync_tours(build_ticketmaster_client(settings, redis, http), settings, progress=progress)
    if job == "history":
        return await sync_tour_history(build_setlistfm_client(settings, redis, http), settings, progress=progress)
    return await tasks.sync_songs(build_spotify_client(settings, redis, http), settings, progress=progress)


def summary_table(job: str, summary: dict[str, Any]) -> Table:
    """Created, updated, unchanged, failed, API calls and duration of a run."""
    table = Table(title=f"sync {job}: {summary['outcome']}", show_header=False)
    counts: dict[str, int] = summary["counts"]
    for outcome in ("created", "updated", "unchanged", "skipped"):
        parts = [f"{key.rsplit('_', 1)[0]} {value}" for key, value in counts.items() if key.endswith(f"_{outcome}")]
        table.add_row(outcome, ", ".join(parts) or "0")
    others = [
        f"{key} {value}"
        for key, value in counts.items()
        if not key.endswith(("_created", "_updated", "_unchanged", "_skipped"))
    ]
    if others:
        table.add_row("other", ", ".join(others))
    table.add_row("failed", str(summary["failed"]))
    table.add_row("API calls", str(summary["api_calls"]))
    table.add_row("duration", f"{summary['duration_ms'] / 1000:.1f} s")
    if "defer_seconds" in summary:
        table.add_row("retry after", f"{summary['defer_seconds']:.0f} s")
    return table
