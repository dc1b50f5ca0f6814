"""The production shape at once: two API processes and two arq workers on one PostgreSQL and one Redis.

Everything runs together in one scenario, with the settings deploy/compose.yaml sets: the workers
sync the catalog from the emulators (each worker running one of two concurrent runs), both API
processes serve the first visits of one show's page and take votes, and a subscriber on each process
watches the counts. Syncs, setlists, votes and live counts must behave as with one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from catalog_testing import assert_one_shared_ticketmaster_pace
from factories import make_users_with_tokens
from redis_server import RedisServer
from scale_out_testing import (
    Emulator,
    catalog_is_whole,
    music_events_between,
    production_env,
    run_document,
    running_workers,
    take,
    vote_counts,
)
from servers import api_process
from tortoise import connections

from app.api.ids import encode_id
from app.catalog.models import Artist, Show, ShowArtist, ShowStatus, Song, SyncEvent, SyncLevel
from app.catalog.tasks import SONGS_JOB, TOURS_JOB
from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import World
from app.setlists.models import Setlist, SetlistSong
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# What every process of the production shape must be given (README, "Running on PostgreSQL and Redis").
# ENVIRONMENT=production too, checked on its own.
SETTINGS_THAT_MATTER = {"DATABASE_URL", "DATABASE_POOL_SIZE", "REDIS_URL", "ALLOWED_ORIGINS"}
# Read by uvicorn itself, not by app.settings.
UVICORN_SETTINGS = {"FORWARDED_ALLOW_IPS", "WEB_CONCURRENCY"}

SPOTIFY_SECRET = "scale-out-secret"
JOB_TIMEOUT = 60.0
VOTERS = 60


@contextlib.asynccontextmanager
async def emulators(world: World, client_id: str) -> AsyncIterator[tuple[Emulator, Emulator]]:
    ticketmaster = create_ticketmaster_app(world)  # spike arrest on: 5 requests/s, no burst
    spotify = create_spotify_app(
        world, mode="dev", requests_per_30s=10_000, client_id=client_id, client_secret=SPOTIFY_SECRET
    )
    async with running_server(ticketmaster) as tm_url, running_server(spotify) as spotify_url:
        yield Emulator(ticketmaster, tm_url), Emulator(spotify, spotify_url)


def test_procfile_and_compose_name_real_settings_and_every_one_that_matters() -> None:
    known = {name.upper() for name in Settings.model_fields} | UVICORN_SETTINGS
    compose = (ROOT / "deploy" / "compose.yaml").read_text().split("\nservices:")[0]  # the shared x-theset block
    procfile = (ROOT / "Procfile").read_text()
    in_compose = dict(re.findall(r"^    ([A-Z][A-Z0-9_]*): *(\S*)", compose, re.MULTILINE))
    in_procfile = {name for name in re.findall(r"\b[A-Z][A-Z0-9_]+\b", procfile) if "_" in name} - {"WEB_CONCURRENCY"}

    assert in_compose["ENVIRONMENT"] == "production"
    assert "ENVIRONMENT=production" in procfile
    assert set(in_compose) >= SETTINGS_THAT_MATTER
    assert in_procfile >= SETTINGS_THAT_MATTER
    assert set(in_compose) <= known, "compose.yaml sets a variable nothing reads"
    assert in_procfile <= known, "the Procfile names a variable nothing reads"


@pytest.mark.slow
@pytest.mark.usefixtures("db")
async def test_two_api_processes_and_two_workers_behave_as_one(world: World, postgres_url: str, tmp_path: Path) -> None:
    client_id = f"client-{uuid.uuid4().hex}"
    async with contextlib.AsyncExitStack() as stack:
        ticketmaster, spotify = await stack.enter_async_context(emulators(world, client_id))
        redis = stack.enter_context(RedisServer())  # one Redis for everything; queue and limits start empty
        env = production_env(
            ticketmaster_url=ticketmaster.url,
            spotify_url=spotify.url,
            spotify_client_id=client_id,
            spotify_secret=SPOTIFY_SECRET,
        )
        # The API processes first: servers.api_process gives each 10 s to start on a busy machine.
        api_a = await stack.enter_async_context(api_process(postgres_url, redis.url, **env))
        api_b = await stack.enter_async_context(api_process(postgres_url, redis.url, **env))
        workers = await stack.enter_async_context(
            running_workers(2, {**os.environ, **env, "DATABASE_URL": postgres_url, "REDIS_URL": redis.url}, tmp_path)
        )
        queue = await create_pool(RedisSettings.from_dsn(redis.url))
        stack.push_async_callback(queue.aclose)
        http_a = await stack.enter_async_context(httpx.AsyncClient(base_url=api_a, timeout=30))
        http_b = await stack.enter_async_context(httpx.AsyncClient(base_url=api_b, timeout=30))

        # 1. Syncs: two runs of each job at once, one taken by each worker, sharing the rate limits.
        tours = [await job.result(timeout=JOB_TIMEOUT) for job in await workers.enqueue_one_each(queue, TOURS_JOB)]
        songs = [await job.result(timeout=JOB_TIMEOUT) for job in await workers.enqueue_one_each(queue, SONGS_JOB)]
        tm_stats, spotify_stats = await ticketmaster.stats(), await spotify.stats()

        failures = await SyncEvent.filter(level=SyncLevel.ERROR).values_list("job", "entity", "message")
        # Finished without a failed page or artist: two runs at once must not trip over each other.
        assert [(run["outcome"], run["failed"]) for run in tours + songs] == [("finished", 0)] * 4, failures
        assert_one_shared_ticketmaster_pace(tm_stats)
        assert tm_stats["requests"] == sum(run["api_calls"] for run in tours)  # both runs paged through
        assert min(run["api_calls"] for run in tours) >= len(music_events_between(world, 1, 170)) // 25
        assert spotify_stats["limit_violations"] == 0
        await _assert_catalog_complete_without_duplicates(world)

        # 2. First visits of one synced show's page, through both processes at once: one setlist.
        show = await _a_votable_show_with_songs()
        show_id = encode_id("Show", show.id)
        visits = await asyncio.gather(
            *(run_document(http, "ShowPageWithSetlist", id=show_id) for http in (http_a, http_b) * 3)
        )

        assert all("errors" not in visit for visit in visits), visits
        setlists = {visit["data"]["show"]["setlist"]["id"] for visit in visits}
        song_lists = {tuple(s["id"] for s in visit["data"]["show"]["setlist"]["songs"]) for visit in visits}
        assert len(setlists) == 1
        assert len(song_lists) == 1
        assert await Setlist.filter(show_id=show.id).count() == 1
        setlist = await Setlist.get(show_id=show.id)
        song_ids: list[str] = [encode_id("SetlistSong", row.id) for row in await SetlistSong.filter(setlist=setlist)]
        assert len(song_ids) == 10  # the headliner's 10 best-ranked songs, each once
        assert set(song_ids) == set(next(iter(song_lists)))

        # 3. Votes spread over both processes, watched by a subscriber on each.
        voters = await make_users_with_tokens(VOTERS)
        plans = [_plan(i, song_ids) for i in range(VOTERS)]
        changes = sum(len(plan) for plan in plans)
        setlist_id = next(iter(setlists))
        async with vote_counts(api_a, setlist_id) as on_a, vote_counts(api_b, setlist_id) as on_b:
            snapshots = [(await take(stream, 1))[0] for stream in (on_a, on_b)]
            watching = [asyncio.create_task(take(stream, changes)) for stream in (on_a, on_b)]
            try:
                outcomes = await asyncio.gather(
                    *(
                        _cast(plan, token, (http_a, http_b), offset=i)
                        for i, ((_, token), plan) in enumerate(zip(voters, plans, strict=True))
                    )
                )
                # A refused vote is one change fewer: say so, rather than wait for it in vain.
                assert [body for bodies in outcomes for body in bodies if "errors" in body] == []
                received = await asyncio.gather(*watching)
            finally:
                for task in watching:
                    task.cancel()
    expected = Counter[str]()
    for plan in plans:
        for document, song_id in plan:
            expected[song_id] += 1 if document == "Vote" else -1
    stored = {encode_id("SetlistSong", row.id): row.votes for row in await SetlistSong.filter(setlist=setlist)}
    assert stored == {song_id: expected[song_id] for song_id in song_ids}
    kinds = Counter(document.upper() for plan in plans for document, _ in plan)
    for snapshot, events in zip(snapshots, received, strict=True):
        assert snapshot["kind"] == "SNAPSHOT"
        assert [song["votes"] for song in snapshot["songs"]] == [0] * 10
        # Contiguous: every change on either process reaches both subscribers, once and in order.
        assert [event["sequence"] for event in events] == list(
            range(snapshot["sequence"] + 1, snapshot["sequence"] + 1 + changes)
        )
        assert Counter(event["kind"] for event in events) == kinds
        final = {song["setlistSongId"]: song["votes"] for song in snapshot["songs"]}
        for event in events:
            final.update({song["setlistSongId"]: song["votes"] for song in event["songs"]})
        assert final == stored
    assert await _songs_whose_votes_differ_from_user_votes() == 0


def _plan(voter: int, song_ids: list[str]) -> list[tuple[str, str]]:
    """Voter `voter` votes for three songs; every third voter then takes the first vote back."""
    songs = [song_ids[(voter + step) % len(song_ids)] for step in (0, 1, 3)]
    plan = [("Vote", song_id) for song_id in songs]
    if voter % 3 == 0:
        plan.append(("Unvote", songs[0]))
    return plan


async def _cast(
    plan: list[tuple[str, str]], token: str, processes: tuple[httpx.AsyncClient, httpx.AsyncClient], *, offset: int
) -> list[dict[str, Any]]:
    """One voter's changes in order, alternating between the two API processes."""
    return [
        await run_document(processes[(offset + step) % 2], document, token, setlistSongId=song_id)
        for step, (document, song_id) in enumerate(plan)
    ]


async def _assert_catalog_complete_without_duplicates(world: World) -> None:
    shows = {show.ticketmaster_id: show for show in await Show.all()}
    assert set(music_events_between(world, 1, 170)) <= set(shows)
    bills: dict[int, list[tuple[int, int]]] = {}
    for row in await ShowArtist.all().order_by("billing_order"):
        bills.setdefault(row.show_id, []).append((row.billing_order, row.artist_id))
    artists = {artist.id: artist for artist in await Artist.all()}
    for tm_id, show in shows.items():
        bill = bills.get(show.id, [])
        assert [order for order, _ in bill] == list(range(len(bill)))  # no billing order twice
        assert [artists[artist_id].ticketmaster_id for _, artist_id in bill] == list(
            dict.fromkeys(world.events[tm_id].attraction_ids)
        )
    assert await catalog_is_whole()
    assert [artist.name for artist in artists.values() if artist.songs_synced_at is None] == []  # all seen
    for artist in artists.values():
        if artist.spotify_id is not None:
            ranks = [
                song.rank for song in await Song.filter(artist_id=artist.id, rank__not_isnull=True).order_by("rank")
            ]
            assert ranks == list(range(1, len(ranks) + 1)), artist.name  # each song once in the ranking


async def _a_votable_show_with_songs() -> Show:
    """An upcoming, not cancelled synced show whose headliner has at least 10 ranked songs."""
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    for show in await Show.filter(starts_at__gt=soon).exclude(status=ShowStatus.CANCELLED).order_by("id"):
        if await Song.filter(artist_id=show.headliner_id, rank__not_isnull=True).count() >= 10:
            return show
    raise AssertionError("the synced catalog has no votable show with 10 songs")


async def _songs_whose_votes_differ_from_user_votes() -> int:
    _, rows = await connections.get("default").execute_query(
        "SELECT count(*) AS broken FROM setlist_songs s"
        " WHERE s.votes <> (SELECT count(*) FROM user_votes v WHERE v.setlist_song_id = s.id)"
    )
    return int(rows[0]["broken"])
