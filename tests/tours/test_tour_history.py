"""sync_tour_history against the setlist.fm emulator over HTTP: pages, flags, the daily refresh, the quota."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from catalog_testing import Emulator
from tours_testing import on_setlistfm

from app.catalog.models import Artist, MusicBrainzMatch, Show, SyncEvent
from app.catalog.musicbrainz import pick_artist
from app.catalog.tasks import SyncDeferred
from app.clients.factory import build_setlistfm_client
from app.clients.setlistfm import SETLISTS_PER_PAGE, SetlistArtist
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.setlistfm_world import SetlistFmWorld
from app.emulators.world import World
from app.platform.clock import utcnow
from app.settings import Settings
from app.tours.models import TourSetlist, TourSong
from app.tours.tasks import HISTORY_JOB, artists_due, sync_tour_history

pytestmark = pytest.mark.usefixtures("catalog")


async def run_history(settings: Settings) -> dict[str, Any]:
    async with build_setlistfm_client(settings, None) as client:
        return await sync_tour_history(client, settings)


async def searches(setlistfm: Emulator) -> int:
    """setlist.fm artist searches the emulator has answered so far."""
    stats = await setlistfm.stats()
    return sum(n for path, n in stats["requests_by_path"].items() if "search/artists" in path)


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
        await artist.refresh_from_db()
        if artist.musicbrainz_match == MusicBrainzMatch.SETLISTFM_SEARCH:
            assert artist.musicbrainz_id == mbid_of(world, artist)  # never a namesake's
        if artist.musicbrainz_id is None:
            continue
        newest = [s.id for s in history.setlists_of(artist.musicbrainz_id)][: 3 * SETLISTS_PER_PAGE]
        stored = await TourSetlist.filter(artist_id=artist.id).order_by("-event_date", "-setlistfm_id")
        assert {row.setlistfm_id for row in stored} == set(newest)
        assert artist.tour_history_synced_at is not None
        checked += 1
    assert checked >= 5
    assert await SyncEvent.filter(job=HISTORY_JOB, message="finished").count() == 1
    # A search only for an artist without an MBID, then at most three pages.
    assert summary["api_calls"] <= 4 * len(due)


async def test_the_artists_one_mbid_is_used_and_an_artist_without_one_is_searched_once(
    world: World, history: SetlistFmWorld, setlistfm: Emulator, tour_settings: Settings
) -> None:
    due = await artists_due(tour_settings, utcnow())
    linked = [artist for artist in due if artist.musicbrainz_id is not None]
    assert linked  # the tours sync stored Ticketmaster's links
    # One artist as if Ticketmaster had no link (a name setlist.fm knows once), another as if the played
    # job had found its MBID.
    known = [SetlistArtist(mbid=a.mbid, name=a.name, disambiguation=a.disambiguation) for a in history.artists.values()]
    unique = [artist for artist in linked if pick_artist(artist.name, known) is not None]
    unlinked = unique[0]
    found_by_played = next(artist for artist in linked if artist.id != unlinked.id)
    await Artist.filter(id=unlinked.id).update(musicbrainz_id=None, musicbrainz_match=MusicBrainzMatch.NONE)
    played_mbid = found_by_played.musicbrainz_id
    await Artist.filter(id=found_by_played.id).update(musicbrainz_match=MusicBrainzMatch.SETLISTFM_SEARCH)

    await run_history(tour_settings)

    assert await searches(setlistfm) == sum(1 for artist in due if artist.musicbrainz_id is None) + 1
    await unlinked.refresh_from_db()
    assert unlinked.musicbrainz_id == mbid_of(world, unlinked)  # found by name, stored on the artist
    assert unlinked.musicbrainz_match == MusicBrainzMatch.SETLISTFM_SEARCH
    assert unlinked.musicbrainz_searched_at is not None
    for artist, mbid in ((unlinked, unlinked.musicbrainz_id), (found_by_played, played_mbid)):
        assert mbid is not None
        stored = await TourSetlist.filter(artist_id=artist.id).values_list("setlistfm_id", flat=True)
        assert set(stored) == {s.id for s in history.setlists_of(mbid)[: 3 * SETLISTS_PER_PAGE]}


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
    searched = await searches(setlistfm)
    # A day later: every history is fetched again, but nobody's MusicBrainz id is searched for again.
    synced = Artist.filter(tour_history_synced_at__isnull=False)
    await synced.update(tour_history_synced_at=utcnow() - dt.timedelta(hours=25))
    later = await run_history(tour_settings)
    assert later["artists"] == await synced.count()
    assert await searches(setlistfm) == searched


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
    first_day = set(await Artist.filter(tour_history_synced_at__isnull=False).values_list("id", flat=True))
    assert 0 < len(first_day) < len(due)
    assert await SyncEvent.filter(job=HISTORY_JOB, message="deferred").exists()

    # The next day (a fresh budget): the artists done yesterday are not fetched again.
    resumed = await run_history(on_setlistfm(tour_settings, setlistfm))

    assert resumed["outcome"] == "finished"
    assert resumed["artists"] == len(due) - len(first_day)
    assert await Artist.filter(tour_history_synced_at__isnull=False).count() == len(due)


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
