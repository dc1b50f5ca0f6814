"""sync_popular_tours: the real Ticketmaster client and job against the emulator over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from catalog_testing import Emulator, ProgressRecorder, add_sports_event, catalog_is_whole, music_events_between
from pydantic import SecretStr

from app.catalog.models import (
    Artist,
    MusicBrainzMatch,
    Show,
    ShowArtist,
    ShowStatus,
    SpotifyMatch,
    SyncEvent,
    SyncLevel,
    Venue,
)
from app.catalog.tasks import TOURS_JOB, SyncDeferred, sync_tours
from app.clients.factory import build_ticketmaster_client
from app.emulators.server import running_server
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import World, build_world
from app.settings import Settings

pytestmark = pytest.mark.usefixtures("db")


async def run_tours(settings: Settings) -> dict[str, Any]:
    async with build_ticketmaster_client(settings, None) as client:
        return await sync_tours(client, settings)


async def test_tours_sync_creates_every_upcoming_music_event_with_its_bill(
    world: World, sync_settings: Settings
) -> None:
    await run_tours(sync_settings)

    expected = music_events_between(world, 1, sync_settings.sync_days_ahead - 10)
    shows = {show.ticketmaster_id: show for show in await Show.all()}
    assert expected, "the world has upcoming music events"
    assert set(expected) <= set(shows)
    assert all(world.events[tm_id].classification.segment[1] == "Music" for tm_id in shows)
    for tm_id in expected:
        bill = [
            row.artist.ticketmaster_id
            for row in await ShowArtist.filter(show=shows[tm_id]).order_by("billing_order").prefetch_related("artist")
        ]
        assert bill == list(dict.fromkeys(world.events[tm_id].attraction_ids))
    assert await catalog_is_whole()


async def test_two_tours_syncs_at_once_both_finish_without_duplicates(world: World, sync_settings: Settings) -> None:
    # Both runs upsert the same pages: without taking turns their inserts collide on the unique keys.
    first, second = await asyncio.gather(run_tours(sync_settings), run_tours(sync_settings))

    assert [(run["outcome"], run["failed"]) for run in (first, second)] == [("finished", 0)] * 2
    assert not await SyncEvent.filter(job=TOURS_JOB, level=SyncLevel.ERROR).exists()
    assert set(music_events_between(world, 1, sync_settings.sync_days_ahead - 10)) <= set(
        await Show.all().values_list("ticketmaster_id", flat=True)
    )
    assert await catalog_is_whole()


async def test_tours_sync_takes_spotify_ids_from_ticketmaster_links(world: World, sync_settings: Settings) -> None:
    await run_tours(sync_settings)

    linked = [a for a in world.attractions.values() if a.spotify_link_id]
    artists = {a.ticketmaster_id: a for a in await Artist.filter(ticketmaster_id__in=[a.id for a in linked])}
    assert artists
    for attraction in linked:
        if attraction.id in artists:
            assert artists[attraction.id].spotify_id == attraction.spotify_link_id
            assert artists[attraction.id].spotify_match == SpotifyMatch.TICKETMASTER_LINK
    unlinked = await Artist.filter(
        ticketmaster_id__in=[a.id for a in world.attractions.values() if not a.spotify_link_id]
    )
    assert all(artist.spotify_id is None for artist in unlinked)


async def test_tours_sync_takes_musicbrainz_ids_from_ticketmaster_links(world: World, sync_settings: Settings) -> None:
    await run_tours(sync_settings)

    artists = {a.ticketmaster_id: a for a in await Artist.all()}
    linked = [a for a in world.attractions.values() if a.musicbrainz_link_id and a.id in artists]
    assert linked
    for attraction in linked:
        assert artists[attraction.id].musicbrainz_id == attraction.musicbrainz_link_id
        assert artists[attraction.id].musicbrainz_match == MusicBrainzMatch.TICKETMASTER_LINK
    unlinked = [artists[a.id] for a in world.attractions.values() if not a.musicbrainz_link_id and a.id in artists]
    assert all(a.musicbrainz_id is None and a.musicbrainz_match == MusicBrainzMatch.NONE for a in unlinked)


async def test_rerunning_the_tours_sync_changes_nothing(sync_settings: Settings) -> None:
    await run_tours(sync_settings)
    before = (
        await Artist.all().count(),
        await Venue.all().count(),
        await Show.all().count(),
        await ShowArtist.all().count(),
    )

    second = await run_tours(sync_settings)

    counts = second["counts"]
    assert isinstance(counts, dict)
    assert {key: value for key, value in counts.items() if key.endswith(("_created", "_updated"))} == {}
    assert counts["show_unchanged"] > 0
    after = (
        await Artist.all().count(),
        await Venue.all().count(),
        await Show.all().count(),
        await ShowArtist.all().count(),
    )
    assert after == before


async def test_a_resync_applies_cancellations_and_new_dates(sync_settings: Settings) -> None:
    original = build_world(seed=5, n_artists=15, n_venues=8, n_events=40)
    changed = build_world(seed=5, n_artists=15, n_venues=8, n_events=40)
    event_id = next(iter(music_events_between(changed, 5, 150)))
    event = changed.events[event_id]
    event.status = "cancelled"
    moved_event_id = next(
        e for e in music_events_between(changed, 5, 150) if e != event_id and changed.events[e].start_utc is not None
    )
    moved = changed.events[moved_event_id]
    assert moved.local_date is not None
    assert moved.start_utc is not None
    moved.local_date += dt.timedelta(days=7)
    moved.start_utc += dt.timedelta(days=7)
    moved.status = "rescheduled"

    for version in (original, changed):
        async with running_server(create_ticketmaster_app(version)) as url:
            summary = await run_tours(sync_settings.model_copy(update={"ticketmaster_base_url": url}))

    assert summary["counts"]["show_updated"] == 2  # type: ignore[index]
    assert (await Show.get(ticketmaster_id=event_id)).status == ShowStatus.CANCELLED
    rescheduled = await Show.get(ticketmaster_id=moved_event_id)
    assert rescheduled.status == ShowStatus.RESCHEDULED
    assert rescheduled.local_date == moved.local_date


async def test_tours_sync_stays_within_the_spike_arrest_limit(ticketmaster: Emulator, sync_settings: Settings) -> None:
    summary = await run_tours(sync_settings.model_copy(update={"sync_page_size": 50}))

    stats = await ticketmaster.stats()
    assert summary["api_calls"] == stats["requests"] >= 4  # type: ignore[operator]
    assert stats["spike_arrest_violations"] == 0
    assert stats["min_accepted_gap_seconds"] >= 0.2


async def test_a_spike_arrest_storm_is_retried_and_the_run_completes(
    world: World, ticketmaster: Emulator, sync_settings: Settings
) -> None:
    await ticketmaster.faults(rate_limit_next_n=2, rate_limit_kind="spike")

    summary = await run_tours(sync_settings)

    assert summary["outcome"] == "finished"
    assert set(music_events_between(world, 1, 170)) <= set(await Show.all().values_list("ticketmaster_id", flat=True))
    assert (await ticketmaster.stats())["spike_arrest_violations"] == 0


async def test_quota_exhaustion_defers_the_run_and_leaves_only_whole_pages(
    world: World, ticketmaster: Emulator, sync_settings: Settings
) -> None:
    settings = sync_settings.model_copy(update={"sync_page_size": 40})
    ticketmaster.app.state.emulator.daily_quota = 2

    with pytest.raises(SyncDeferred) as deferred:
        await run_tours(settings)

    assert deferred.value.seconds > 60  # waits for Rate-Limit-Reset, not a blind retry
    assert deferred.value.summary["outcome"] == "deferred"
    assert await Show.all().count() > 0  # the pages before the quota ran out are kept...
    assert await catalog_is_whole()  # ...and each is whole
    finish = await SyncEvent.filter(job=TOURS_JOB, message="deferred").get()
    assert finish.level == SyncLevel.WARNING
    assert await SyncEvent.filter(run_id=finish.run_id, level=SyncLevel.ERROR).exists()
    assert settings.ticketmaster_api_key.get_secret_value() not in str(
        await SyncEvent.all().values_list("message", "details")
    )

    ticketmaster.app.state.emulator.daily_quota = 5000
    fresh_key = SecretStr(
        settings.ticketmaster_api_key.get_secret_value() + "-2"
    )  # the breaker stays open for the old key
    await run_tours(settings.model_copy(update={"ticketmaster_api_key": fresh_key}))
    assert set(music_events_between(world, 1, 170)) <= set(await Show.all().values_list("ticketmaster_id", flat=True))


async def test_each_run_is_journaled_with_counts_and_api_calls(sync_settings: Settings) -> None:
    summary = await run_tours(sync_settings)

    events = await SyncEvent.filter(job=TOURS_JOB).order_by("id")
    assert [event.message for event in events] == ["started", "finished"]
    assert events[1].api_calls == summary["api_calls"] > 0  # type: ignore[operator]
    assert events[1].details["counts"] == summary["counts"]
    assert events[1].duration_ms is not None


async def test_a_page_mixing_sports_and_music_events_imports_only_the_music(sync_settings: Settings) -> None:
    world = build_world(seed=5, n_artists=15, n_venues=8, n_events=40)
    game = add_sports_event(world)

    async with running_server(create_ticketmaster_app(world)) as url:
        settings = sync_settings.model_copy(update={"ticketmaster_base_url": url, "sync_days_ahead": 200})
        summary = await run_tours(settings)

    assert summary["counts"]["event_skipped_not_music"] == 1  # type: ignore[index]
    assert not await Show.filter(ticketmaster_id=game.id).exists()
    assert not await Venue.filter(ticketmaster_id=game.venue_id).exists()
    assert not await Artist.filter(ticketmaster_id=game.attraction_ids[0]).exists()  # the team
    half_time_act = await Artist.get(ticketmaster_id=game.attraction_ids[1])
    assert [row.show_id for row in await ShowArtist.filter(artist=half_time_act)]  # its own music shows only
    assert set(music_events_between(world, 1, 180)) <= set(await Show.all().values_list("ticketmaster_id", flat=True))


async def test_events_naming_no_act_are_skipped_and_counted(sync_settings: Settings) -> None:
    world = build_world(seed=5, n_artists=15, n_venues=8, n_events=40)
    no_act = music_events_between(world, 5, 150)[:2]
    for event_id in no_act:
        world.events[event_id].attraction_ids = []  # as some real events come: no `_embedded.attractions`

    async with running_server(create_ticketmaster_app(world)) as url:
        settings = sync_settings.model_copy(update={"ticketmaster_base_url": url, "sync_days_ahead": 200})
        summary = await run_tours(settings)

    assert summary["counts"]["event_skipped_no_attractions"] == len(no_act)  # type: ignore[index]
    assert not await Show.filter(ticketmaster_id__in=no_act).exists()


async def test_the_summary_counts_each_row_once_on_a_first_run_and_a_rerun(sync_settings: Settings) -> None:
    settings = sync_settings.model_copy(update={"sync_page_size": 20})  # acts and venues on many pages
    first = await run_tours(settings)
    rows = {"artist": await Artist.all().count(), "venue": await Venue.all().count(), "show": await Show.all().count()}
    second = await run_tours(settings)

    def outcomes(summary: dict[str, Any], kind: str) -> dict[str, int]:
        counts: dict[str, int] = summary["counts"]
        return {key.removeprefix(f"{kind}_"): n for key, n in counts.items() if key.startswith(f"{kind}_")}

    assert all(rows.values())
    for kind, stored in rows.items():
        # An act on many events is one row: created once, not "unchanged" on every later page.
        assert outcomes(first, kind) == {"created": stored}, kind
        assert outcomes(second, kind) == {"unchanged": stored}, kind
    assert "each counted once" in first["counts_meaning"]


async def test_progress_counts_events_against_the_total_ticketmaster_gave(sync_settings: Settings) -> None:
    progress = ProgressRecorder()
    settings = sync_settings.model_copy(update={"sync_page_size": 20})
    async with build_ticketmaster_client(settings, None) as client:
        summary = await sync_tours(client, settings, progress=progress)

    assert summary["pages"] > 1
    assert progress.totals == [(progress.done, "events")]
    assert progress.done > 0
