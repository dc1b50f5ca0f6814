"""A PLAYED event, with the community's score, reaches voteCounts subscribers on other processes."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from factories import make_played_setlist, make_setlist, make_show, make_song, make_user
from redis.asyncio import Redis
from servers import api_process
from test_live_counts import EVENT_TIMEOUT, subscribe, ws_client

from app.platform.broker import RedisBroker
from app.played.models import PlayedSetlist
from app.played.tasks import announcer
from app.setlists.models import SetlistSong, UserVote

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.slow]


async def test_an_import_announces_played_with_the_score_to_subscribers_of_two_processes(
    postgres_url: str, redis_url: str
) -> None:
    starts = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    show = await make_show(starts_at=starts, local_date=starts.date())
    songs = [await make_song(artist=await show.headliner, name=name) for name in ("One", "Two")]
    setlist = await make_setlist(show, songs)
    first = await SetlistSong.get(setlist=setlist, song_id=songs[0].id)
    await UserVote.create(user=await make_user(), setlist_song=first, setlist=setlist, slot=1)
    await SetlistSong.filter(id=first.id).update(votes=1)
    events: list[dict[str, Any]] = []

    redis = Redis.from_url(redis_url)
    broker = RedisBroker(redis)
    await broker.start()
    try:
        async with (
            api_process(postgres_url, redis_url) as a,
            api_process(postgres_url, redis_url) as b,
            ws_client(a) as on_a,
            ws_client(b) as on_b,
        ):
            streams = [subscribe(on_a, setlist), subscribe(on_b, setlist)]
            for stream in streams:
                assert (await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"]["kind"] == "SNAPSHOT"
            # As the import job does once the show's setlist is committed (here: in the test's process).
            await make_played_setlist(show, [songs[1], songs[0], "New Song"])
            await announcer(broker)(show.id)
            for stream in streams:
                events.append((await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"])
    finally:
        await broker.stop()
        await redis.aclose()

    assert await PlayedSetlist.filter(show_id=show.id).exists()
    for event in events:
        assert event["kind"] == "PLAYED"
        assert event["songs"] == []
        # Top 3 by votes has only One (1 vote): a hit of 3 played.
        assert event["score"] == {
            "predicted": 1,
            "played": 3,
            "hits": 1,
            "precision": 1.0,
            "recall": 0.3333,
            "f1": 0.5,
            "rankCorrelation": None,
        }
