"""sync_artist_songs: the real Spotify client and job against the emulator over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from catalog_testing import Emulator

from app.catalog.models import Artist, Song, SpotifyMatch, SyncEvent, SyncLevel
from app.catalog.tasks import SONGS_CONCURRENCY, SONGS_JOB, SyncDeferred, sync_songs, sync_tours
from app.clients.factory import build_spotify_client, build_ticketmaster_client
from app.emulators.world import World
from app.settings import Settings

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def toured(db: None, sync_settings: Settings) -> None:
    """The catalog of artists the tours sync creates."""
    async with build_ticketmaster_client(sync_settings, None) as client:
        await sync_tours(client, sync_settings)


async def run_songs(settings: Settings) -> dict[str, Any]:
    async with build_spotify_client(settings, None) as client:
        return await sync_songs(client, settings)


@pytest.mark.usefixtures("toured")
async def test_dev_mode_builds_catalogs_without_top_tracks(spotify: Emulator, sync_settings: Settings) -> None:
    summary = await run_songs(sync_settings)

    assert summary["outcome"] == "finished"
    linked = await Artist.filter(spotify_match=SpotifyMatch.TICKETMASTER_LINK)
    assert linked
    for artist in linked:
        songs = await Song.filter(artist=artist).order_by("rank")
        assert 0 < len(songs) <= sync_settings.sync_songs_per_artist
        assert [song.rank for song in songs] == list(range(1, len(songs) + 1))
        assert all(song.popularity is None for song in songs)  # dev-mode apps get no popularity
        assert artist.songs_synced_at is not None
    stats = await spotify.stats()
    top_tracks_calls = sum(n for path, n in stats["requests_by_path"].items() if "top-tracks" in path)
    # Tried by the first artists in flight only: then the client knows it is in development mode.
    assert top_tracks_calls <= SONGS_CONCURRENCY
    assert stats["requests"] > top_tracks_calls * 10


@pytest.mark.usefixtures("toured")
async def test_a_near_name_search_result_is_not_accepted_as_the_artist(world: World, sync_settings: Settings) -> None:
    await run_songs(sync_settings)

    near = [a.id for a in world.attractions_by_case("near_name_only")]
    artists = await Artist.filter(ticketmaster_id__in=near)
    assert artists, "the world has near-name traps on the bill"
    for artist in artists:
        assert artist.spotify_id is None
        assert artist.spotify_match == SpotifyMatch.NONE
        assert not await Song.filter(artist=artist).exists()


@pytest.mark.usefixtures("toured")
async def test_an_unlinked_artist_with_an_exact_name_match_is_found_by_search(
    world: World, sync_settings: Settings
) -> None:
    await run_songs(sync_settings)

    exact = {a.id: a for a in world.attractions_by_case("exact_name") + world.attractions_by_case("normalized_name")}
    artists = await Artist.filter(ticketmaster_id__in=list(exact))
    assert artists
    for artist in artists:
        assert artist.ticketmaster_id is not None
        assert artist.spotify_id == exact[artist.ticketmaster_id].spotify_id
        assert artist.spotify_match == SpotifyMatch.SEARCH
        assert await Song.filter(artist=artist).exists()


@pytest.mark.usefixtures("toured")
async def test_rerunning_the_songs_sync_skips_fresh_artists(spotify: Emulator, sync_settings: Settings) -> None:
    await run_songs(sync_settings)
    songs_before = await Song.all().count()
    requests_before = (await spotify.stats())["requests"]

    second = await run_songs(sync_settings)

    assert second["artists"] == 0
    assert await Song.all().count() == songs_before
    assert (await spotify.stats())["requests"] == requests_before


@pytest.mark.usefixtures("toured")
async def test_two_song_syncs_of_the_same_artists_at_once_both_finish_without_duplicates(
    sync_settings: Settings,
) -> None:
    # Both runs pick the same due artists and write each one's new songs: the second must wait for the
    # first's commit (the artist row lock) instead of inserting the same songs and failing the artist.
    first, second = await asyncio.gather(run_songs(sync_settings), run_songs(sync_settings))

    assert [(run["outcome"], run["failed"]) for run in (first, second)] == [("finished", 0)] * 2
    assert not await SyncEvent.filter(job=SONGS_JOB, level=SyncLevel.ERROR).exists()
    spotify_ids = await Song.all().values_list("spotify_id", flat=True)
    assert spotify_ids
    assert len(spotify_ids) == len(set(spotify_ids))
    for artist in await Artist.filter(spotify_match=SpotifyMatch.TICKETMASTER_LINK):
        ranks = await Song.filter(artist=artist, rank__not_isnull=True).order_by("rank").values_list("rank", flat=True)
        assert list(ranks) == list(range(1, len(ranks) + 1)), artist.name


@pytest.mark.usefixtures("toured")
async def test_a_failing_artist_rolls_back_alone(spotify: Emulator, sync_settings: Settings) -> None:
    victim = await Artist.filter(spotify_match=SpotifyMatch.TICKETMASTER_LINK).order_by("id").first()
    assert victim is not None
    await spotify.faults(path_contains=f"/artists/{victim.spotify_id}/albums", malformed_json_next_n=100)

    summary = await run_songs(sync_settings)

    assert summary["failed"] == 1
    await victim.refresh_from_db()
    assert victim.songs_synced_at is None
    assert not await Song.filter(artist=victim).exists()
    failure = await SyncEvent.get(job=SONGS_JOB, level=SyncLevel.ERROR)
    assert failure.entity is not None
    assert victim.name in failure.entity
    others = await Artist.filter(spotify_match=SpotifyMatch.TICKETMASTER_LINK).exclude(id=victim.id)
    assert all(artist.songs_synced_at is not None for artist in others)


@pytest.mark.usefixtures("toured")
async def test_a_multi_hour_retry_after_defers_the_run_and_opens_the_breaker(
    spotify: Emulator, sync_settings: Settings
) -> None:
    await spotify.faults(rate_limit_next_n=1, retry_after_seconds=14_000)

    async with build_spotify_client(sync_settings, None) as client:  # the process's one client
        with pytest.raises(SyncDeferred) as deferred:
            await sync_songs(client, sync_settings)

        assert deferred.value.seconds >= 13_000
        requests = (await spotify.stats())["requests"]
        with pytest.raises(SyncDeferred):
            await sync_songs(client, sync_settings)  # the open breaker answers: no request leaves
    assert (await spotify.stats())["requests"] == requests
