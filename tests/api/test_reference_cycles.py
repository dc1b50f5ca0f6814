"""The requests fans make most leave no reference cycles: their garbage is freed as they end, so the
collector's passes, which pause every request in flight, stay rare and short (docs/decisions/0005-gc-tuning.md)."""

from __future__ import annotations

import asyncio
import collections
import gc
from collections.abc import AsyncIterator

import pytest
from asgi_calls import Call, call, get, post
from factories import make_artist, make_setlist, make_show, make_song, make_token, make_user
from graphql_client import document
from redis_server import RedisServer
from starlette.applications import Starlette

from app.api.ids import encode_id
from app.main import create_app
from app.settings import Settings

REQUESTS = 20


@pytest.fixture
async def redis_app(redis_server: RedisServer, postgres_url: str, db: None) -> AsyncIterator[Starlette]:
    """The app as production runs it, with Redis: the broker, the limits and the caches shared."""
    application = create_app(Settings(environment="test", database_url=postgres_url, redis_url=redis_server.url))
    async with application.router.lifespan_context(application):
        yield application


async def _cyclic_garbage(app: Starlette, requests: list[Call]) -> list[object]:
    """What the collector finds unreachable (kept, not freed) after `requests`, sent 4 at a time."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for start in range(0, len(requests), 4):
            answers = await asyncio.gather(*(call(app, request) for request in requests[start : start + 4]))
            assert all(status == 200 and b'"errors"' not in body for status, _, body in answers), answers
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()


def _described(garbage: list[object]) -> str:
    return str(collections.Counter(type(item).__qualname__ for item in garbage).most_common(12))


async def _show(songs: int) -> tuple[str, list[int]]:
    artist = await make_artist()
    show = await make_show(headliner=artist)
    setlist = await make_setlist(show, [await make_song(artist=artist) for _ in range(songs)])
    entries = [entry.id for entry in await setlist.songs.all().order_by("position")]
    return encode_id("Show", show.id), entries


async def test_show_pages_read_cold_and_from_the_cache_leave_no_cycles(redis_app: Starlette) -> None:
    shows = [(await _show(songs=5))[0] for _ in range(REQUESTS // 2 + 1)]
    token = await make_token(await make_user())
    page = document("ShowPageWithSetlist")
    # Each show read first signed in (a miss: executed), then anonymously over GET and POST (the cache).
    requests = [
        request
        for show in shows
        for request in (post(page, {"id": show}, token), get(page, {"id": show}, []), post(page, {"id": show}))
    ]
    await _cyclic_garbage(redis_app, requests[:3])  # first calls: caches, prepared documents, pools

    garbage = await _cyclic_garbage(redis_app, requests[3:])

    assert len(garbage) < REQUESTS, _described(garbage)  # stray objects of the loop's own tasks at most


async def test_votes_leave_no_cycles(redis_app: Starlette) -> None:
    _, entries = await _show(songs=REQUESTS + 2)
    vote = document("Vote")
    fans = [await make_token(await make_user()) for _ in range(REQUESTS + 2)]
    requests = [
        post(vote, {"setlistSongId": encode_id("SetlistSong", entries[n])}, fans[n]) for n in range(REQUESTS + 2)
    ]
    await _cyclic_garbage(redis_app, requests[:2])

    garbage = await _cyclic_garbage(redis_app, requests[2:])

    assert len(garbage) < REQUESTS, _described(garbage)


async def test_typename_leaves_no_cycles(redis_app: Starlette) -> None:
    requests = [post("{ __typename }", {})] * REQUESTS
    await _cyclic_garbage(redis_app, requests[:2])

    garbage = await _cyclic_garbage(redis_app, requests)

    assert len(garbage) < REQUESTS, _described(garbage)
