"""`theset sync tours|songs|played|history`: run a sync job in this process with live progress and a summary.

Progress goes to stderr: what is done out of how much (events or artists), the rate, and what the run
is waiting for when it waits (a rate-limit slot, or the vendor asking us to wait); it is cleared at
the end. The summary goes to stdout, as a table or with `--json` as JSON for scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from typing import Any, Literal

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from app.catalog import tasks
from app.clients.retry import CallStats
from app.platform.db import close_db, init_db
from app.played import tasks as played_tasks
from app.resources import Resources, open_resources
from app.settings import Settings, get_settings
from app.tours.tasks import sync_tour_history

Job = Literal["tours", "songs", "played", "history"]
# A wait shorter than this is the limiter's ordinary pacing, not worth a word.
_SHOWN_WAIT_SECONDS = 0.5
_STATUS_REFRESH_SECONDS = 0.25
# The summary's `counts_meaning` says the same at length (`--json`).
TABLE_CAPTION = (
    "Each row counted once per run: created = new, updated = a stored value changed, "
    "unchanged = already up to date; skipped events were not imported."
)
EX_USAGE = 2
EX_TEMPFAIL = 75


def missing_settings(job: Job, settings: Settings) -> str | None:
    """One sentence naming the settings `job` needs and lacks, or None when it can run."""
    if job == "tours":
        missing = [] if settings.ticketmaster_api_key.get_secret_value() else ["TICKETMASTER_API_KEY"]
        what = "your Ticketmaster Discovery API key"
    elif job in ("played", "history"):
        missing = [] if settings.setlistfm_api_key.get_secret_value() else ["SETLISTFM_API_KEY"]
        what = "your setlist.fm API key"
    else:
        missing = [
            name
            for name, value in (
                ("SPOTIFY_CLIENT_ID", settings.spotify_client_id),
                ("SPOTIFY_CLIENT_SECRET", settings.spotify_client_secret.get_secret_value()),
            )
            if not value
        ]
        what = "your Spotify app's credentials"
    if not missing:
        return None
    names = " and ".join(missing)
    return (
        f"theset sync {job} needs {names} ({what}): set {'it' if len(missing) == 1 else 'them'}, "
        f"or run `theset sync {job} --emulators` to sync from local emulators of the APIs."
    )


async def run_sync(
    job: Job, settings: Settings | None = None, *, emulators: bool = False, as_json: bool = False
) -> int:
    """Run one job; the exit status is 0 when it finished, 75 (EX_TEMPFAIL) when deferred, 2 when unconfigured."""
    settings = settings or get_settings()
    errors = Console(stderr=True)
    if emulators:
        from app.demo import demo_emulators, demo_settings

        async with demo_emulators(errors) as urls:
            return await _run(job, demo_settings(settings, *urls), errors, as_json)
    if problem := missing_settings(job, settings):
        errors.print(problem, markup=False, highlight=False, soft_wrap=True)
        return EX_USAGE
    return await _run(job, settings, errors, as_json)


async def _run(job: Job, settings: Settings, errors: Console, as_json: bool) -> int:
    await init_db(settings.database_url, generate_schemas=settings.uses_sqlite)
    calls = CallStats()
    try:
        async with open_resources(settings) as resources, SyncProgressView(f"sync {job}", calls, errors) as view:
            try:
                summary = await run_job(job, resources, progress=view, calls=calls)
            except tasks.SyncDeferred as deferred:
                summary = deferred.summary
            finally:
                await resources.versions.bump_catalog()  # the API processes' cached shared reads are stale
    finally:
        await close_db()
    if as_json:
        sys.stdout.write(json.dumps({"job": job, **summary}, indent=2, default=str) + "\n")
    else:
        Console().print(summary_table(job, summary))
    outcome = summary["outcome"]
    return EX_TEMPFAIL if outcome == "deferred" else 0 if outcome == "finished" else 1


async def run_job(
    job: Job, resources: Resources, *, progress: tasks.Progress | None = None, calls: CallStats | None = None
) -> dict[str, Any]:
    """Run one job once with the process's clients; its summary (SyncDeferred when the vendor said wait)."""
    settings = resources.settings
    if job == "tours":
        return await tasks.sync_tours(resources.ticketmaster, settings, progress=progress, calls=calls)
    if job == "played":
        return await played_tasks.sync_played(
            resources.setlistfm,
            settings,
            on_imported=played_tasks.announcer(resources.broker),  # PLAYED events for live viewers
            progress=progress,
            spotify=resources.spotify if settings.spotify_client_id else None,
            calls=calls,
        )
    if job == "history":
        return await sync_tour_history(resources.setlistfm, settings, progress=progress, calls=calls)
    return await tasks.sync_songs(resources.spotify, settings, progress=progress, calls=calls)


class _CountColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(count_text(int(task.completed), task.total, task.fields.get("unit", "")))


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(rate_text(task.speed, task.fields.get("unit", "")), style="progress.data.speed")


class SyncProgressView:
    """`tasks.Progress` drawn with rich: done / total, rate, elapsed time and the wait in progress."""

    def __init__(self, description: str, stats: CallStats, console: Console) -> None:
        self._stats = stats
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            _CountColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}", style="yellow"),
            console=console,
            transient=True,  # cleared at the end: the summary follows
        )
        self._task = self._bar.add_task(description, total=None, unit="", status="")

    async def __aenter__(self) -> SyncProgressView:
        self._bar.start()
        self._watcher = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._watcher
        self._bar.stop()

    def total(self, total: int | None, unit: str) -> None:
        self._bar.update(self._task, total=total, unit=unit)

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)

    async def _watch(self) -> None:
        while True:
            self._bar.update(self._task, status=status_text(self._stats, time.monotonic()))
            await asyncio.sleep(_STATUS_REFRESH_SECONDS)


def count_text(completed: int, total: float | None, unit: str) -> str:
    """'12/40 artists', or '12 events' while the total is unknown."""
    return f"{completed}/{int(total)} {unit}" if total is not None else f"{completed} {unit}".rstrip()


def rate_text(speed: float | None, unit: str) -> str:
    """'3.2 artists/s' once rich has a rate; empty before."""
    return f"{speed:.1f} {unit}/s" if speed is not None else ""


def status_text(stats: CallStats, now: float) -> str:
    """'waiting 4 s for a rate-limit slot' while the longest wait in progress has lasted a while."""
    wait = stats.longest_wait()
    if wait is None or now - wait[1] < _SHOWN_WAIT_SECONDS:
        return ""
    reason, since = wait
    return f"waiting {now - since:.0f} s for {reason}"


def summary_table(job: str, summary: dict[str, Any]) -> Table:
    """Per kind of row: created, updated, unchanged; events skipped by reason; failures, calls, duration."""
    table = Table(title=f"sync {job}: {summary['outcome']}", show_header=False, caption=TABLE_CAPTION)
    counts: dict[str, int] = summary["counts"]
    kinds: dict[str, list[str]] = {}
    for key, value in counts.items():
        kind, _, outcome = key.rpartition("_")
        if key.startswith("event_skipped_"):
            kind, outcome = "events skipped", key.removeprefix("event_skipped_").replace("_", " ")
        kinds.setdefault(kind, []).append(f"{outcome} {value}")
    for kind, parts in kinds.items():
        table.add_row(kind, ", ".join(parts))
    table.add_row("failed", str(summary["failed"]))
    table.add_row("API calls", str(summary["api_calls"]))
    table.add_row("duration", f"{summary['duration_ms'] / 1000:.1f} s")
    if "defer_seconds" in summary:
        table.add_row("retry after", f"{summary['defer_seconds']:.0f} s")
    return table
