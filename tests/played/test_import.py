"""sync_played_setlists against the setlist.fm emulator over HTTP: import, edits, backoff, budget, quota."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from catalog_testing import on_spotify_emulator
from played_testing import Day, control, headliner_setlist, make_due, setlistfm_client
from pydantic import SecretStr

from app.catalog.models import Artist, MusicBrainzMatch, Show, Song, SyncEvent, SyncLevel
from app.catalog.tasks import SyncDeferred
from app.clients.factory import build_spotify_client
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.setlistfm_world import SetlistFmWorld
from app.emulators.spotify import create_spotify_app
from app.emulators.world import World
from app.played.matching import title_key
from app.played.models import PlayedSetlist, PlayedSong
from app.played.tasks import JOB, SPOTIFY_SEARCHES_PER_SHOW, due_shows, sync_played
from app.resources import open_resources
from app.settings import Settings
from app.sync_cli import run_job


def due_now(shows: list[Show]) -> list[Show]:
    now = dt.datetime.now(dt.UTC)
    return [
        s for s in shows if s.starts_at and now - dt.timedelta(days=7) <= s.starts_at <= now - dt.timedelta(hours=2)
    ]


async def test_the_job_imports_each_posted_setlist_with_its_songs_in_order(
    past_world: World, past_history: SetlistFmWorld, past_shows: list[Show], setlistfm_url: str, settings: Settings
) -> None:
    async with setlistfm_client(setlistfm_url) as client:
        summary = await sync_played(client, settings)

    assert summary["outcome"] == "finished"
    due = due_now(past_shows)
    assert len(due) >= 5
    imported = 0
    for show in due:
        truth = headliner_setlist(past_world, past_history, show)
        played = await PlayedSetlist.get_or_none(show_id=show.id)
        assert played is not None, show.name
        if truth is None or truth.id not in past_history.setlists or not truth.songs:
            assert played.imported_at is None
            assert played.attempts == 1
            continue
        imported += 1
        assert (played.setlistfm_id, played.version_id, played.url) == (truth.id, truth.version_id, truth.url)
        rows = await PlayedSong.filter(played_setlist_id=played.id).order_by("position", "medley_part")
        names = [
            part for song in truth.songs for part in (song.name.split(" / ") if " / " in song.name else [song.name])
        ]
        assert [row.name for row in rows] == [name.strip() for name in names]
        assert [row.tape for row in rows if row.medley_part in (None, 1)] == [song.tape for song in truth.songs]
        assert max(row.position for row in rows) == len(truth.songs)
    assert imported >= 3
    assert summary["counts"]["show_imported"] == imported
    journal = await SyncEvent.filter(job=JOB).order_by("id").values_list("message", flat=True)
    assert journal == ["started", "finished"]


async def test_a_second_run_spends_nothing_and_a_recheck_changes_nothing(
    past_shows: list[Show], setlistfm_url: str, settings: Settings
) -> None:
    async with setlistfm_client(setlistfm_url) as client:
        await sync_played(client, settings)
        rows_before = await PlayedSong.all().order_by("id").values_list("id", "name")

        again = await sync_played(client, settings)
        assert again["api_calls"] == 0  # nothing is due before its next poll
        await make_due()
        recheck = await sync_played(client, settings)

    assert recheck["counts"].get("show_imported", 0) == 0
    assert recheck["counts"].get("show_reimported", 0) == 0
    assert recheck["counts"]["show_unchanged"] >= 3
    assert await PlayedSong.all().order_by("id").values_list("id", "name") == rows_before


async def test_an_edit_with_a_new_version_id_is_reimported(
    past_world: World, past_history: SetlistFmWorld, past_shows: list[Show], setlistfm_url: str, settings: Settings
) -> None:
    async with setlistfm_client(setlistfm_url) as client:
        await sync_played(client, settings)
        played = await PlayedSetlist.filter(imported_at__isnull=False).order_by("id").first()
        assert played is not None
        assert played.setlistfm_id is not None
        edited = await control(
            setlistfm_url, f"/_emulator/setlists/{played.setlistfm_id}/edit", {"append": "Encore Song X"}
        )
        await make_due(played.show_id)
        summary = await sync_played(client, settings)

    assert summary["counts"]["show_reimported"] == 1
    after = await PlayedSetlist.get(id=played.id)
    assert after.version_id == edited["versionId"] != played.version_id
    last = await PlayedSong.filter(played_setlist_id=played.id).order_by("-position").first()
    assert last is not None
    assert last.name == "Encore Song X"
    assert last.song_id is None  # not in the catalog: kept as a name-only row


async def test_while_nothing_is_posted_the_search_backs_off_then_finds_it(
    past_world: World, past_history: SetlistFmWorld, past_shows: list[Show], setlistfm_url: str, settings: Settings
) -> None:
    show, truth = next(
        (s, t)
        for s in past_shows
        if (t := headliner_setlist(past_world, past_history, s)) is not None and t.id in past_history.unpublished
    )
    # The world's most recent show carries the unposted setlist: make sure it started over 2 hours ago.
    await Show.filter(id=show.id).update(starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    waits = []
    async with setlistfm_client(setlistfm_url) as client:
        for _ in range(5):
            before = dt.datetime.now(dt.UTC)
            await make_due(show.id)
            await sync_played(client, settings)
            played = await PlayedSetlist.get(show_id=show.id)
            assert played.imported_at is None
            assert played.next_poll_at is not None
            waits.append(round((played.next_poll_at - before).total_seconds() / 3600))
        assert [s.id for s in await due_shows(dt.datetime.now(dt.UTC))].count(show.id) == 0

        await control(setlistfm_url, f"/_emulator/setlists/{truth.id}/publish")
        await make_due(show.id)
        summary = await sync_played(client, settings)

    assert waits == [2, 12, 24, 72, 72]
    played = await PlayedSetlist.get(show_id=show.id)
    assert played.imported_at is not None
    assert played.setlistfm_id == truth.id
    assert summary["counts"]["show_imported"] == 1


async def test_a_spent_daily_budget_stops_the_run_and_the_next_days_run_resumes(
    past_shows: list[Show], setlistfm_url: str, settings: Settings
) -> None:
    day = Day(dt.datetime.now(dt.UTC).date())
    async with setlistfm_client(setlistfm_url, budget=2, day=day) as client:
        with pytest.raises(SyncDeferred) as deferred:
            await sync_played(client, settings)
        assert deferred.value.summary["outcome"] == "deferred"
        assert deferred.value.summary["api_calls"] == 2
        first_day = await PlayedSetlist.all().count()
        assert first_day == 2
        nearest = sorted(due_now(past_shows), key=lambda s: s.starts_at or s.synced_at, reverse=True)[:2]
        assert set(await PlayedSetlist.all().values_list("show_id", flat=True)) == {s.id for s in nearest}
        assert await SyncEvent.filter(job=JOB, level=SyncLevel.ERROR, message__contains="daily budget").exists()

        day.today += dt.timedelta(days=1)
        client.budget.limit = 1000
        summary = await sync_played(client, settings)

    assert summary["outcome"] == "finished"
    assert await PlayedSetlist.all().count() == len(due_now(past_shows))
    # The first day's shows were not searched again: the second run took only what was still due.
    assert summary["shows"] == len(due_now(past_shows)) - first_day


async def test_the_vendors_limit_exceeded_stops_the_run_and_spends_the_budget_for_the_day(
    past_world: World, past_history: SetlistFmWorld, past_shows: list[Show], settings: Settings
) -> None:
    app = create_setlistfm_app(past_world, history=past_history, rate_per_second=None, daily_quota=1)
    async with running_server(app) as url, setlistfm_client(url) as client:
        with pytest.raises(SyncDeferred) as deferred:
            await sync_played(client, settings)
        assert deferred.value.seconds > 0
        assert await client.budget.used() >= client.budget.limit  # no process sends another call today
        sent = (await control_stats(url))["requests"]
        with pytest.raises(SyncDeferred):
            await sync_played(client, settings)
        assert (await control_stats(url))["requests"] == sent


async def control_stats(url: str) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=url) as http:
        stats = (await http.get("/_emulator/stats")).json()
    return {"requests": int(stats["requests"])}


async def test_theset_sync_played_runs_the_job_with_the_configured_client(
    past_shows: list[Show], setlistfm_url: str, settings: Settings
) -> None:
    configured = settings.model_copy(
        update={
            "setlistfm_base_url": f"{setlistfm_url}/rest",
            "setlistfm_api_key": SecretStr(f"sfm-{uuid.uuid4().hex}"),
            "setlistfm_requests_per_second": 1000,
        }
    )
    async with open_resources(configured) as resources:
        summary = await run_job("played", resources)

    assert summary["outcome"] == "finished"
    assert summary["counts"]["show_imported"] >= 3


async def test_played_songs_the_catalog_lacks_are_found_on_spotify_a_few_per_show(
    past_world: World, past_shows: list[Show], setlistfm_url: str, settings: Settings
) -> None:
    await Song.all().delete()  # nothing cached: every played song needs a look-up
    app = create_spotify_app(past_world, mode="dev", requests_per_30s=10_000, client_id="c", client_secret="s")
    async with running_server(app) as spotify_url:
        spotify_settings = on_spotify_emulator(settings, spotify_url, secret="s").model_copy(
            update={"spotify_client_id": "c"}
        )
        async with build_spotify_client(spotify_settings, None) as spotify, setlistfm_client(setlistfm_url) as client:
            summary = await sync_played(client, settings, spotify=spotify)
        searches = app.state.emulator.stats.requests_by_path["/v1/search"]

    imported = summary["counts"]["show_imported"]
    assert 0 < searches <= SPOTIFY_SEARCHES_PER_SHOW * imported
    found = await Song.all()
    assert found
    assert summary["counts"]["song_found_on_spotify"] == len(found)
    assert all(song.rank is None for song in found)  # outside the ranked catalog
    matched = await PlayedSong.filter(song_id__isnull=False).prefetch_related("song")
    assert matched
    assert all(title_key(row.name) == title_key(row.song.name) for row in matched)


async def test_a_headliner_without_a_ticketmaster_link_is_found_by_name_once(
    past_world: World, past_history: SetlistFmWorld, past_shows: list[Show], setlistfm_url: str, settings: Settings
) -> None:
    show = next(
        s
        for s in due_now(past_shows)
        if (t := headliner_setlist(past_world, past_history, s)) is not None
        and t.id in past_history.setlists
        and t.songs
    )
    truth = past_history.artists[show.headliner.musicbrainz_id or ""]
    await Artist.filter(id=show.headliner_id).update(musicbrainz_id=None, musicbrainz_match=MusicBrainzMatch.NONE)

    async with setlistfm_client(setlistfm_url) as client:
        summary = await sync_played(client, settings)
        artist = await Artist.get(id=show.headliner_id)
        assert artist.musicbrainz_searched_at is not None
        if truth.disambiguation:  # one of several namesakes: never guessed
            assert artist.musicbrainz_id is None
            assert summary["counts"]["artist_unmatched"] >= 1
        else:
            assert (artist.musicbrainz_id, artist.musicbrainz_match) == (truth.mbid, MusicBrainzMatch.SETLISTFM_SEARCH)
            assert (await PlayedSetlist.get(show_id=show.id)).imported_at is not None
        await Artist.filter(id=show.headliner_id).update(musicbrainz_id=None, musicbrainz_match=MusicBrainzMatch.NONE)
        await make_due()
        again = await sync_played(client, settings)

    assert "artist_matched" not in again["counts"]  # searched at most every 30 days
    assert "artist_unmatched" not in again["counts"]
