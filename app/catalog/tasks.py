"""The catalog sync jobs: Ticketmaster tours into artists/venues/shows, Spotify songs into the catalog.

Both take their API client explicitly, so the arq worker, `theset sync …`, the demo and the tests run
the same code. Every run is journaled in sync_events. HTTP calls never happen inside a transaction:
a page of events, or one artist's songs, is fetched first and then written in one transaction, so a
failure rolls back that page or that artist alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, Protocol

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from app.catalog.ingest import ingest_events
from app.catalog.journal import SyncDeferred as SyncDeferred  # raised by the jobs, caught by their callers
from app.catalog.journal import SyncRun
from app.catalog.models import Artist
from app.catalog.refresh import refresh_artist_songs

# Re-exported: the API and the tests read the schedules and these jobs' names from here too.
from app.catalog.schedules import SCHEDULES as SCHEDULES
from app.catalog.schedules import SONGS_JOB as SONGS_JOB
from app.catalog.schedules import TOURS_JOB as TOURS_JOB
from app.clients import ticketmaster as tm
from app.clients.errors import CircuitOpen, UpstreamAuthError, UpstreamError, UpstreamRateLimited
from app.clients.retry import CallStats, counting_calls
from app.clients.spotify import SpotifyClient
from app.platform.clock import utcnow
from app.platform.observability import EVENTS_SKIPPED
from app.settings import Settings

logger = logging.getLogger(__name__)

# Artists synced at once: the shared Spotify limiter paces the calls; more only adds waiting tasks.
SONGS_CONCURRENCY = 4


class Progress(Protocol):
    """Told how much a run has to do and has done (`theset sync` draws it)."""

    def total(self, total: int | None, unit: str) -> None: ...

    def advance(self, n: int = 1) -> None: ...


async def sync_tours(
    client: tm.TicketmasterClient,
    settings: Settings,
    *,
    progress: Progress | None = None,
    calls: CallStats | None = None,
    since: dt.datetime | None = None,
) -> dict[str, Any]:
    """Upsert upcoming music events (artists, venues, shows, lineups), one transaction per page.

    `calls`: where the run counts its vendor calls and waits (`theset sync` watches them); default a fresh one.
    `since`: where the window starts, default now (the demo reaches a week back for its past shows).
    """
    with counting_calls(calls):  # the run's own calls, whatever else shares the client meanwhile
        return await _sync_tours(client, settings, progress, since)


async def _sync_tours(
    client: tm.TicketmasterClient, settings: Settings, progress: Progress | None, since: dt.datetime | None
) -> dict[str, Any]:
    run = SyncRun(TOURS_JOB)
    now = utcnow()
    window_start = min(since, now) if since is not None else now
    window_end = now + dt.timedelta(days=settings.sync_days_ahead)
    await run.start(country=settings.sync_country_code, since=window_start.isoformat(), until=window_end.isoformat())

    def popular(event: tm.Event) -> bool:
        # The popularity threshold: the headliner's upcoming-event count (unknown counts as popular).
        count = event.attractions[0].upcoming_events
        return count is None or count >= settings.sync_min_upcoming_events

    pages = 0
    try:
        async for page in client.iter_event_pages(
            window_start, window_end, country_code=settings.sync_country_code, size=settings.sync_page_size
        ):
            pages += 1
            if progress and pages == 1:
                progress.total(page.range_total, "events")
            try:
                async with in_transaction() as conn:
                    tally = await ingest_events(page.events, conn=conn, now=now, keep=popular)
            except Exception as error:  # a bad page rolls back alone; the run goes on
                await run.failure(f"events page {page.number} ({len(page.events)} events)", error)
                continue
            tally.add("event_skipped", "malformed", page.skipped)
            for key, value in tally.counters.items():
                if key.startswith("event_skipped_"):
                    EVENTS_SKIPPED.labels("sync_tours", key.removeprefix("event_skipped_")).inc(value)
            run.tally.merge(tally)
            if progress:
                progress.advance(len(page.events) + page.skipped)
    except UpstreamError as error:
        return await run.stop(error, pages=pages)
    return await run.complete(pages=pages)


async def sync_songs(
    client: SpotifyClient,
    settings: Settings,
    *,
    progress: Progress | None = None,
    artist_ids: list[int] | None = None,
    calls: CallStats | None = None,
) -> dict[str, Any]:
    """Refresh the songs of artists whose catalog is missing or stale (at most `sync_artists_per_run`)."""
    with counting_calls(calls):
        return await _sync_songs(client, settings, progress, artist_ids)


async def _sync_songs(
    client: SpotifyClient, settings: Settings, progress: Progress | None, artist_ids: list[int] | None
) -> dict[str, Any]:
    run = SyncRun(SONGS_JOB)
    now = utcnow()
    artists = await _artists_due(settings, now, artist_ids)
    await run.start(artists=len(artists))
    if progress:
        progress.total(len(artists), "artists")
    queue: asyncio.Queue[Artist] = asyncio.Queue()
    for artist in artists:
        queue.put_nowait(artist)
    stop: list[UpstreamError] = []

    async def worker(at_most: int | None = None) -> None:
        done = 0
        while not stop and not queue.empty() and (at_most is None or done < at_most):
            artist = queue.get_nowait()
            done += 1
            try:
                run.tally.merge(await refresh_artist_songs(client, artist, max_songs=settings.sync_songs_per_artist))
            except (UpstreamRateLimited, CircuitOpen, UpstreamAuthError) as error:
                stop.append(error)  # the API as a whole said no: stop rather than fail every artist
                return
            except Exception as error:  # one artist's failure rolls back that artist alone
                await run.failure(f"artist {artist.id} {artist.name}", error)
            if progress:
                progress.advance(1)

    # The first artist alone: its calls teach the client the app's mode (development or extended), so
    # the others do not each spend a call on an endpoint a development-mode app no longer has.
    await worker(at_most=1)
    await asyncio.gather(*(worker() for _ in range(SONGS_CONCURRENCY)))
    if stop:
        return await run.stop(stop[0], artists=len(artists), remaining=queue.qsize())
    return await run.complete(artists=len(artists))


async def _artists_due(settings: Settings, now: dt.datetime, artist_ids: list[int] | None) -> list[Artist]:
    """Never-synced artists first, then the stalest; the busiest touring artists break ties."""
    stale_before = now - dt.timedelta(hours=settings.songs_max_age_hours)
    query = Artist.filter(Q(songs_synced_at__isnull=True) | Q(songs_synced_at__lt=stale_before))
    if artist_ids is not None:
        query = query.filter(id__in=artist_ids)
    never = (
        await query.filter(songs_synced_at__isnull=True)
        .order_by("-upcoming_event_count", "id")
        .limit(settings.sync_artists_per_run)
    )
    rest = settings.sync_artists_per_run - len(never)
    stale = (
        await query.filter(songs_synced_at__isnull=False).order_by("songs_synced_at", "id").limit(rest) if rest else []
    )
    return [*never, *stale]
