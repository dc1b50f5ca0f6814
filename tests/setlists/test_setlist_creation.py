"""A show's first visit makes its setlist from the headliner's catalog, fetched from Spotify when stale."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

import pytest
from arq.connections import ArqRedis
from factories import make_artist, make_setlist, make_show, make_song
from graphql_client import GraphQLClient
from redis.asyncio import Redis
from redis_server import RedisServer
from setlists_testing import Spotify

from app.api.ids import encode_id
from app.catalog.models import Artist, Song, SpotifyMatch
from app.catalog.refresh import refresh_artist_songs, songs_are_fresh
from app.platform.background import BackgroundTasks
from app.platform.redis_client import RedisGuard, create_redis
from app.resources import Resources
from app.setlists import service, tasks
from app.setlists.models import Setlist, SetlistSong
from app.settings import Settings


def _names(data: dict[str, Any]) -> list[str]:
    return [entry["song"]["name"] for entry in data["show"]["setlist"]["songs"]]


async def _visit(gql: GraphQLClient, show_id: int) -> dict[str, Any]:
    return await gql.data("ShowPageWithSetlist", id=encode_id("Show", show_id))


async def test_first_visit_of_a_stale_artist_fetches_the_catalog_from_spotify(
    spotify_gql: GraphQLClient, spotify: Spotify
) -> None:
    headliner = spotify.headliner()
    artist = await make_artist(name=headliner.name, spotify_id=headliner.id)
    show = await make_show(headliner=artist)

    data = await _visit(spotify_gql, show.id)

    top = await Song.filter(artist=artist, rank__lte=10).order_by("rank")
    assert _names(data) == [song.name for song in top]
    assert len(top) == 10
    await artist.refresh_from_db()
    assert artist.songs_synced_at is not None


async def test_an_artist_without_a_spotify_id_is_matched_by_exact_name_first(
    spotify_gql: GraphQLClient, spotify: Spotify
) -> None:
    headliner = spotify.headliner()
    artist = await make_artist(name=headliner.name, spotify_id=None)
    show = await make_show(headliner=artist)

    data = await _visit(spotify_gql, show.id)

    await artist.refresh_from_db()
    assert (artist.spotify_id, artist.spotify_match) == (headliner.id, SpotifyMatch.SEARCH)
    assert len(_names(data)) == 10


async def test_concurrent_first_visits_of_a_stale_artist_create_one_setlist(
    spotify_gql: GraphQLClient, spotify: Spotify
) -> None:
    headliner = spotify.headliner()
    show = await make_show(headliner=await make_artist(name=headliner.name, spotify_id=headliner.id))

    pages = await asyncio.gather(*(_visit(spotify_gql, show.id) for _ in range(5)))

    assert len({page["show"]["setlist"]["id"] for page in pages}) == 1
    assert await Setlist.filter(show_id=show.id).count() == 1
    assert await SetlistSong.filter(setlist__show_id=show.id).count() == 10


async def test_spotify_rate_limit_with_nothing_cached_gives_an_empty_setlist_to_fill_later(
    spotify_gql: GraphQLClient, spotify: Spotify, resources: Resources
) -> None:
    headliner = spotify.headliner()
    show = await make_show(headliner=await make_artist(name=headliner.name, spotify_id=headliner.id))
    spotify.faults(rate_limit_next_n=1, retry_after_seconds=3600)

    data = await _visit(spotify_gql, show.id)

    assert data["show"]["setlist"]["songs"] == []
    assert len(resources.background.running) == 1


async def test_an_empty_setlist_is_filled_in_the_background_once_spotify_answers(
    spotify_gql: GraphQLClient, spotify: Spotify, resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "FILL_RETRY_DELAYS", (0.0,))
    headliner = spotify.headliner()
    show = await make_show(headliner=await make_artist(name=headliner.name, spotify_id=headliner.id))
    spotify.faults(malformed_json_next_n=1)  # the first call fails; the fill's calls succeed

    empty = await _visit(spotify_gql, show.id)
    await asyncio.gather(*resources.background.running)
    filled = await _visit(spotify_gql, show.id)

    assert empty["show"]["setlist"]["songs"] == []
    assert [entry["position"] for entry in filled["show"]["setlist"]["songs"]] == list(range(1, 11))
    assert (empty["show"]["setlist"]["seededFrom"], filled["show"]["setlist"]["seededFrom"]) == (
        "EMPTY",
        "SPOTIFY_TOP_TRACKS",
    )


async def test_spotify_down_with_a_stale_cache_uses_the_cached_songs(
    spotify_gql: GraphQLClient, spotify: Spotify, resources: Resources
) -> None:
    artist = await make_artist(songs_synced_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    await make_song(artist=artist, name="Old favourite", rank=1)
    show = await make_show(headliner=artist)
    spotify.faults(rate_limit_next_n=1, retry_after_seconds=3600)

    data = await _visit(spotify_gql, show.id)

    assert _names(data) == ["Old favourite"]
    assert resources.background.running == frozenset()


async def test_a_fresh_catalog_is_used_without_calling_spotify(spotify_gql: GraphQLClient, spotify: Spotify) -> None:
    artist = await make_artist(songs_synced_at=dt.datetime.now(dt.UTC))
    await make_song(artist=artist, name="Cached", rank=1)
    show = await make_show(headliner=artist)

    data = await _visit(spotify_gql, show.id)

    assert _names(data) == ["Cached"]
    assert spotify.state.stats.requests == 0


async def test_several_new_setlists_in_one_request_never_wait_for_spotify(
    resources: Resources, spotify: Spotify, db: None
) -> None:
    scheduled: list[int] = []

    async def schedule(setlist_id: int) -> None:
        scheduled.append(setlist_id)

    source = service.SongSource(spotify=resources.spotify, settings=resources.settings, schedule_fill=schedule)
    headliner = spotify.headliner()
    artist = await make_artist(name=headliner.name, spotify_id=headliner.id)
    shows = [await make_show(headliner=artist) for _ in range(3)]

    setlists = await service.get_or_create_setlists([show.id for show in shows], source)

    assert spotify.state.stats.requests == 0
    assert sorted(scheduled) == sorted(setlist.id for setlist in setlists.values())


async def test_fill_setlist_is_safe_to_run_twice(resources: Resources, spotify: Spotify, db: None) -> None:
    headliner = spotify.headliner()
    setlist = await make_setlist(
        await make_show(headliner=await make_artist(name=headliner.name, spotify_id=headliner.id))
    )

    first = await service.fill_setlist(setlist.id, resources.spotify, resources.settings)
    second = await service.fill_setlist(setlist.id, resources.spotify, resources.settings)

    assert (first, second) == (10, 0)
    assert await SetlistSong.filter(setlist=setlist).count() == 10


async def test_with_redis_the_fill_is_an_arq_job_that_fills_the_setlist(
    resources: Resources, spotify: Spotify, spotify_settings: Settings, redis_url: str, db: None
) -> None:
    headliner = spotify.headliner()
    setlist = await make_setlist(
        await make_show(headliner=await make_artist(name=headliner.name, spotify_id=headliner.id))
    )
    redis = Redis.from_url(redis_url)
    job_key = f"arq:job:{tasks.FILL_JOB}:{setlist.id}"
    try:
        await redis.delete(job_key)
        with_redis = dataclasses.replace(resources, settings=spotify_settings, redis=redis)
        await tasks.schedule_fill(with_redis, setlist.id)
        queued = [job.job_id for job in await ArqRedis(connection_pool=redis.connection_pool).queued_jobs()]
        # What the worker does with the job (the function it runs, with the worker's ctx):
        added = await tasks.fill_setlist({"resources": with_redis}, setlist.id)
    finally:
        await redis.zrem("arq:queue", f"{tasks.FILL_JOB}:{setlist.id}")
        await redis.delete(job_key)
        await redis.aclose()

    assert f"{tasks.FILL_JOB}:{setlist.id}" in queued
    assert added == 10


async def test_refresh_writes_the_ranked_catalog_and_stamps_it(
    resources: Resources, spotify: Spotify, db: None
) -> None:
    headliner = spotify.headliner()
    artist = await make_artist(name=headliner.name, spotify_id=None)

    tally = await refresh_artist_songs(resources.spotify, artist, max_songs=20)

    stored = await Artist.get(id=artist.id)
    assert songs_are_fresh(stored, max_age_hours=1)
    assert tally.counts["artist_matched"] == 1
    assert await Song.filter(artist=artist, rank__isnull=False).count() == tally.counts["song_created"]


async def test_with_redis_frozen_the_fill_runs_in_this_process(
    resources: Resources, spotify_settings: Settings, db: None
) -> None:
    setlist = await make_setlist(await make_show())
    with RedisServer() as server:
        settings = spotify_settings.model_copy(update={"redis_url": server.url})
        redis = create_redis(settings)
        guard = RedisGuard.from_settings(settings)
        background = BackgroundTasks()
        frozen = dataclasses.replace(
            resources, settings=settings, redis=redis, redis_guard=guard, background=background
        )
        try:
            await redis.ping()
            server.pause()
            try:
                await tasks.schedule_fill(frozen, setlist.id)  # gives up on Redis instead of waiting
            finally:
                server.resume()
            queued = await ArqRedis(connection_pool=redis.connection_pool).queued_jobs()
            filling = background.running
        finally:
            await background.close()
            await redis.aclose()

    assert queued == []
    assert len(filling) == 1
    assert guard.failures == 1
