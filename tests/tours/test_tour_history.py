"""sync_tour_history against the setlist.fm emulator over HTTP: pages, flags, the daily refresh, the quota."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from catalog_testing import Emulator
from tours_testing import on_setlistfm

from app.catalog.models import Artist, Show, SyncEvent
from app.catalog.tasks import SyncDeferred
from app.clients.factory import build_setlistfm_client
from app.clients.setlistfm import SETLISTS_PER_PAGE
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.setlistfm_world import SetlistFmWorld
from app.emulators.world import World
from app.platform.clock import utcnow
from app.settings import Settings
from app.tours.models import MbidMatch, TourArtist, TourSetlist, TourSong
from app.tours.tasks import HISTORY_JOB, artists_due, sync_tour_history

pytestmark = pytest.mark.usefixtures("catalog")


async def run_history(settings: Settings) -> dict[str, Any]:
    async with build_setlistfm_client(settings, None) as client:
        return await sync_tour_history(client, settings)


def mbid_of(world: World, artist: Artist) -> str | None:
    assert artist.ticketmaster_id is not None
    return world.attractions[artist.ticketmaster_id].musicbrainz_id


async def test_headliners_of_upcoming_shows_get_their_newest_three_pages(
    world: World, history: SetlistFmWorld, setlistfm: Emulator, tour_settings: Settings
) -> None:
    due = await artists_due(tour_settings, utcnow())
    headliners = set(await Show.all().values_list("headliner_id", flat=True))
    assert due
    assert {artist.id for artist in due} <= headliners

    summary = await run_history(tour_settings)

    assert summary["outcome"] == "finished"
    checked = 0
    for artist in due:
        link = await TourArtist.get(artist_id=artist.id)
        expected = mbid_of(world, artist)
        if link.how == MbidMatch.SEARCH:
            assert link.musicbrainz_id == expected  # never a namesake's
        if link.musicbrainz_id is None:
            continue
        newest = [s.id for s in history.setlists_of(link.musicbrainz_id)][: 3 * SETLISTS_PER_PAGE]
        stored = await TourSetlist.filter(artist_id=artist.id).order_by("-event_date", "-setlistfm_id")
        assert {row.setlistfm_id for row in stored} == set(newest)
        assert link.history_synced_at is not None
        checked += 1
    assert checked >= 5
    assert await SyncEvent.filter(job=HISTORY_JOB, message="finished").count() == 1
    # One search per artist, then at most three pages.
    assert summary["api_calls"] <= 4 * len(due)


async def test_songs_keep_order_tape_cover_and_medley_parts(history: SetlistFmWorld, tour_settings: Settings) -> None:
    await run_history(tour_settings)

    stored = {row.setlistfm_id: row for row in await TourSetlist.all()}
    seen = {"tape": 0, "cover": 0, "medley": 0, "stub": 0, "unknown": 0}
    for setlist_id, row in stored.items():
        truth = history.setlists[setlist_id]
        songs = await TourSong.filter(setlist_id=row.id).order_by("position")
        expected_names = [part for song in truth.songs for part in song.name.split(" / ")]
        assert [song.name for song in songs] == [name.strip() for name in expected_names]
        assert row.event_date == truth.event_date
        assert row.tour_name == truth.tour
        flat = [(song, part) for song in truth.songs for part in song.name.split(" / ")]
        for (original, _), song in zip(flat, songs, strict=True):
            assert song.tape == original.tape
            assert song.cover == (original.cover is not None)
            assert (song.medley_part is not None) == (" / " in original.name)
            scored = not original.tape and song.name not in ("", "?")
            assert bool(song.title_key) == scored
            seen["tape"] += song.tape
            seen["cover"] += song.cover
            seen["medley"] += song.medley_part == 1
            seen["unknown"] += song.name in ("", "?")
        assert row.scored_songs == sum(1 for song in songs if song.title_key)
        seen["stub"] += not songs
    assert all(seen.values()), seen  # the history had every trap in it


async def test_a_second_run_the_same_day_calls_nothing_and_a_day_later_refetches(
    setlistfm: Emulator, tour_settings: Settings
) -> None:
    await run_history(tour_settings)
    calls = (await setlistfm.stats())["requests"]

    again = await run_history(tour_settings)

    assert again["outcome"] == "finished"
    assert again["artists"] == 0
    assert (await setlistfm.stats())["requests"] == calls
    # A day later: every history is fetched again, but nobody's MusicBrainz id is searched for again.
    await TourArtist.all().update(history_synced_at=utcnow() - dt.timedelta(hours=25))
    later = await run_history(tour_settings)
    stats = await setlistfm.stats()
    searches = sum(n for path, n in stats["requests_by_path"].items() if "search/artists" in path)
    assert later["artists"] == await TourArtist.all().count()
    assert searches == await TourArtist.all().count()


async def test_the_spent_budget_defers_the_run_and_the_next_days_run_resumes(
    setlistfm: Emulator, tour_settings: Settings
) -> None:
    due = await artists_due(tour_settings, utcnow())
    short = tour_settings.model_copy(update={"setlistfm_daily_budget": 9})

    with pytest.raises(SyncDeferred) as deferred:
        await run_history(short)

    assert deferred.value.summary["outcome"] == "deferred"
    assert deferred.value.seconds > 60  # until tomorrow, not a retry in a minute
    assert (await setlistfm.stats())["requests"] == 9  # the budget sent nothing past itself
    first_day = set(await TourArtist.filter(history_synced_at__isnull=False).values_list("artist_id", flat=True))
    assert 0 < len(first_day) < len(due)
    assert await SyncEvent.filter(job=HISTORY_JOB, message="deferred").exists()

    # The next day (a fresh budget): the artists done yesterday are not fetched again.
    resumed = await run_history(on_setlistfm(tour_settings, setlistfm))

    assert resumed["outcome"] == "finished"
    assert resumed["artists"] == len(due) - len(first_day)
    assert await TourArtist.filter(history_synced_at__isnull=False).count() == len(due)


async def test_the_vendors_quota_answer_stops_the_run(world: World, tour_settings: Settings) -> None:
    app = create_setlistfm_app(world, daily_quota=5, rate_per_second=None)
    async with running_server(app) as url:
        settings = on_setlistfm(tour_settings, Emulator(app, url))
        with pytest.raises(SyncDeferred) as deferred:
            await run_history(settings)
        stats = app.state.emulator.stats_snapshot()

    assert deferred.value.summary["outcome"] == "deferred"
    assert stats["quota_violations"] == 1  # one "Limit Exceeded", then nothing more
    assert stats["requests"] == 6
