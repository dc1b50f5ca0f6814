"""The played-setlists job: for shows of the last days, find what was played on setlist.fm and store it.

Shows that started at least 2 hours ago and at most 7 days ago are due unless their next poll is later.
Every call comes from the daily budget, so the run takes the shows nearest to now first (their pages are
the ones being looked at); when the budget or the vendor's quota is spent, the run stops and defers
itself, and the next run (the next day's budget) resumes with whatever is still due.
Each show is one transaction, after its HTTP calls; the run is journaled in sync_events.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.expressions import Q

from app.catalog.journal import SyncRun
from app.catalog.models import Artist, Show, ShowStatus
from app.catalog.musicbrainz import musicbrainz_id
from app.catalog.schedules import PLAYED_JOB
from app.catalog.tasks import Progress
from app.clients import setlistfm as sfm
from app.clients.errors import CircuitOpen, UpstreamAuthError, UpstreamError, UpstreamRateLimited
from app.clients.retry import CallStats, counting_calls
from app.clients.spotify import SpotifyClient
from app.platform.broker import Broker
from app.platform.clock import utcnow
from app.played import service
from app.played.matching import CatalogIndex, find_on_spotify, medley_parts, unmatched_names
from app.played.models import PlayedSetlist
from app.setlists.events import PlayedScore, VoteCountsChanged, publish_change
from app.settings import Settings

logger = logging.getLogger(__name__)

JOB = PLAYED_JOB  # named, and scheduled, in app.catalog.schedules
# A setlist is rarely posted before the show is over; searching earlier only spends the budget.
FIRST_LOOK_AFTER = dt.timedelta(hours=2)
WINDOW = dt.timedelta(days=7)
# Spotify searches for played songs the cached catalog lacks, per show: the look-ups' budget comes first.
SPOTIFY_SEARCHES_PER_SHOW = 5

# Called after a show's setlist was committed (new or changed): the live PLAYED event goes out from it.
OnImported = Callable[[int], Awaitable[None]]


def announcer(broker: Broker) -> OnImported:
    """Publish a PLAYED event, with the community's score, to the live viewers of the show's setlist."""

    async def announce(show_id: int) -> None:
        setlist_id = await service.setlist_id_of_show(show_id)
        if setlist_id is None:
            return  # nobody has opened the show's setlist: nobody is watching it
        inputs = (await service.score_inputs_by_setlist_ids([setlist_id])).get(setlist_id)
        score = inputs.community() if inputs is not None else None
        change = VoteCountsChanged(
            setlist_id=setlist_id,
            kind="played",
            songs=[],
            score=PlayedScore.model_validate(score, from_attributes=True) if score is not None else None,
        )
        try:
            await publish_change(broker, change)
        except Exception:  # committed: live viewers see it on their next snapshot
            logger.warning("Could not announce the played setlist of show %s", show_id, exc_info=True)

    return announce


async def sync_played(
    client: sfm.SetlistFmClient,
    settings: Settings,
    *,
    on_imported: OnImported | None = None,
    progress: Progress | None = None,
    spotify: SpotifyClient | None = None,
    calls: CallStats | None = None,
) -> dict[str, Any]:
    """Import the played setlists of due shows, nearest to now first; journaled as `sync_played_setlists`.

    With `spotify`, played songs the cached catalog lacks are looked up on Spotify first (a few per show).
    `calls`: where the run counts its vendor calls and waits; default a fresh one.
    """
    with counting_calls(calls):
        return await _sync_played(client, on_imported, progress, spotify)


async def due_shows(now: dt.datetime) -> list[Show]:
    """Shows in the window whose setlist is not known or is due a new look, nearest to now first."""
    today = now.date()
    in_window = Q(starts_at__lte=now - FIRST_LOOK_AFTER, starts_at__gte=now - WINDOW) | Q(
        starts_at__isnull=True, local_date__lt=today, local_date__gte=(now - WINDOW).date()
    )
    shows = (
        await Show.filter(in_window)
        .exclude(status=ShowStatus.CANCELLED)
        .select_related("headliner", "venue")
        .order_by("-local_date", "-starts_at", "id")
    )
    rows = await PlayedSetlist.filter(show_id__in=[s.id for s in shows], next_poll_at__gt=now).values("show_id")
    later = {row["show_id"] for row in rows}
    return [show for show in shows if show.id not in later]


async def _sync_played(
    client: sfm.SetlistFmClient,
    on_imported: OnImported | None,
    progress: Progress | None,
    spotify: SpotifyClient | None,
) -> dict[str, Any]:
    run = SyncRun(JOB)
    now = utcnow()
    shows = await due_shows(now)
    if progress:
        progress.total(len(shows), "shows")
    await run.start(shows=len(shows))
    done = 0
    try:
        for show in shows:
            try:
                outcome = await _one_show(client, show, now, run, spotify)
            except (UpstreamRateLimited, CircuitOpen, UpstreamAuthError):
                raise  # the API as a whole said no: stop rather than fail every show
            except Exception as error:  # one show's failure rolls back that show alone
                await run.failure(f"show {show.id} {show.name}"[:255], error)
                continue
            done += 1
            run.tally.add("show", outcome)
            if outcome in ("imported", "reimported") and on_imported is not None:
                await on_imported(show.id)
            if progress:
                progress.advance(1)
    except (UpstreamRateLimited, CircuitOpen, UpstreamAuthError) as error:
        return await run.stop(error, shows=len(shows), remaining=len(shows) - done)
    return await run.complete(shows=len(shows))


async def _one_show(
    client: sfm.SetlistFmClient, show: Show, now: dt.datetime, run: SyncRun, spotify: SpotifyClient | None
) -> str:
    artist = show.headliner
    mbid = await musicbrainz_id(client, artist, now, run.tally)
    if mbid is None:
        return "no_artist"
    played = await PlayedSetlist.get_or_none(show_id=show.id)
    found: sfm.Setlist | None = None
    if played is not None and played.setlistfm_id:
        found = await client.get_setlist(played.setlistfm_id)  # one call to see whether it changed
    if found is None or found.is_stub:  # a stub followed so far may have been replaced by a full entry
        page = await client.search_setlists(mbid, on=show.local_date)
        found = service.choose_setlist(page.setlists, mbid, show.venue)
    if found is None or found.is_stub:
        return (await service.record_miss(show.id, found, now)).outcome
    index = await service.catalog_index(artist.id)
    changed = played is None or played.imported_at is None or played.version_id != found.version_id
    # Only a new version is worth Spotify calls: a daily re-check of an unchanged setlist changes nothing.
    lookups = changed and spotify is not None and artist.spotify_id
    if lookups and spotify is not None and await _add_from_spotify(spotify, artist, found, index, run):
        index = await service.catalog_index(artist.id)
    return (await service.store_setlist(show.id, found, index, now)).outcome


async def _add_from_spotify(
    spotify: SpotifyClient, artist: Artist, found: sfm.Setlist, index: CatalogIndex, run: SyncRun
) -> bool:
    """Store the artist's Spotify tracks of played songs the catalog lacks; True when any was added.

    Never fails the show: a Spotify error or limit only leaves those songs name-only.
    """
    assert artist.spotify_id is not None
    names = [
        part for one_set in found.sets for song in one_set.songs if not song.tape for part in medley_parts(song.name)
    ]
    added = False
    for name in unmatched_names(names, index)[:SPOTIFY_SEARCHES_PER_SHOW]:
        try:
            track = await find_on_spotify(spotify, name, artist.name, artist.spotify_id)
        except UpstreamError as error:
            logger.info("%s: Spotify look-ups stopped for %s: %s", JOB, artist.name, error)
            break
        if track is None:
            run.tally.add("song", "not_on_spotify")
            continue
        added = await service.add_catalog_song(artist.id, track) or added
        run.tally.add("song", "found_on_spotify")
    return added
