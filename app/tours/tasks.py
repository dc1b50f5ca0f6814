"""The tour history sync: recent setlists of the artists who headline upcoming shows, soonest shows first.

Per artist: its MusicBrainz id (the stored one, else a name search: app.catalog.musicbrainz), then at most
TOUR_HISTORY_PAGES pages of setlists, newest first, fetched outside any transaction and written in one
transaction of that artist's own.
An artist is refetched at most every TOUR_HISTORY_MAX_AGE_HOURS, so a run stopped by the daily budget
resumes the next day with the artists it had not reached. Journaled in sync_events.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Min
from tortoise.transactions import in_transaction

from app.catalog.ingest import Tally
from app.catalog.journal import SyncRun
from app.catalog.models import Artist, Show, ShowStatus
from app.catalog.musicbrainz import musicbrainz_id
from app.catalog.schedules import HISTORY_JOB as HISTORY_JOB  # named, and scheduled, there
from app.catalog.tasks import Progress
from app.clients.errors import CircuitOpen, UpstreamAuthError, UpstreamRateLimited
from app.clients.retry import CallStats, counting_calls
from app.clients.setlistfm import Setlist, SetlistFmClient
from app.platform.clock import utcnow
from app.settings import Settings
from app.tours import service

logger = logging.getLogger(__name__)


async def sync_tour_history(
    client: SetlistFmClient, settings: Settings, *, progress: Progress | None = None, calls: CallStats | None = None
) -> dict[str, Any]:
    """Refresh the tour history of headliners of upcoming shows whose history is missing or a day old."""
    with counting_calls(calls):
        return await _sync(client, settings, progress)


async def _sync(client: SetlistFmClient, settings: Settings, progress: Progress | None) -> dict[str, Any]:
    run = SyncRun(HISTORY_JOB)
    now = utcnow()
    artists = await artists_due(settings, now)
    await run.start(artists=len(artists))
    if progress:
        progress.total(len(artists), "artists")
    for done, artist in enumerate(artists):
        try:
            run.tally.merge(await _one_artist(client, artist, settings, now))
        except (UpstreamRateLimited, CircuitOpen, UpstreamAuthError) as error:
            # The budget, the quota or the key: every further artist would fail the same way.
            return await run.stop(error, artists=len(artists), remaining=len(artists) - done)
        except Exception as error:  # one artist's failure rolls back that artist alone
            await run.failure(f"artist {artist.id} {artist.name}", error)
        if progress:
            progress.advance(1)
    return await run.complete(artists=len(artists))


async def artists_due(settings: Settings, now: dt.datetime) -> list[Artist]:
    """Headliners of upcoming shows, soonest show first, whose history is missing or older than the max age."""
    fresh_after = now - dt.timedelta(hours=settings.tour_history_max_age_hours)
    fresh = Artist.filter(tour_history_synced_at__gt=fresh_after).values_list("id", flat=True)
    upcoming = Q(starts_at__gte=now) | Q(starts_at__isnull=True, local_date__gte=now.date())
    found = (
        await Show.filter(upcoming)
        .exclude(status=ShowStatus.CANCELLED)
        .exclude(headliner_id__in=await fresh)
        .group_by("headliner_id")
        .annotate(first=Min("local_date"))
        .order_by("first", "headliner_id")
        .limit(settings.tour_history_artists_per_run)
        .values("headliner_id", "first")
    )
    rows: list[int] = [row["headliner_id"] for row in found]
    by_id = {artist.id: artist for artist in await Artist.filter(id__in=list(rows))}
    return [by_id[artist_id] for artist_id in rows if artist_id in by_id]


async def _one_artist(client: SetlistFmClient, artist: Artist, settings: Settings, now: dt.datetime) -> Tally:
    tally = Tally()
    mbid = await musicbrainz_id(client, artist, now, tally)
    if mbid is None:
        # Unknown to setlist.fm by name (or a namesake): nothing to fetch until the next search is due.
        await Artist.filter(id=artist.id).update(tour_history_synced_at=now, updated_at=now)
        tally.add("artist", "skipped")
        return tally
    setlists: list[Setlist] = []
    for number in range(1, settings.tour_history_pages + 1):
        page = await client.artist_setlists(mbid, number)
        setlists.extend(page.setlists)
        if number >= page.pages:
            break
    async with in_transaction() as conn:
        tally.merge(await service.store_history(artist.id, setlists, conn, now=now))
    tally.add("artist", "synced")
    return tally
