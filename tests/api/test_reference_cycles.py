"""The requests fans make most leave no reference cycles: their garbage is freed as they end, so the
collector's passes, which pause every request in flight, stay rare and short (docs/decisions/0005-gc-tuning.md)."""

from __future__ import annotations

import asyncio
import collections
import gc
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from factories import make_artist, make_setlist, make_show, make_song, make_token, make_user
from graphql_client import document
from redis_server import RedisServer
from starlette.applications import Starlette

from app.api.ids import encode_id
from app.main import create_app
from app.settings import Settings

REQUESTS = 20


@pytest.fixture
def server() -> Iterator[RedisServer]:
    with RedisServer() as running:
        yield running


@pytest.fixture
async def redis_app(server: RedisServer, postgres_url: str, db: None) -> AsyncIterator[Starlette]:
    """The app as production runs it, with Redis: the broker, the limits and the caches shared."""
    application = create_app(Settings(environment="test", database_url=postgres_url, redis_url=server.url))
    async with application.router.lifespan_context(application):
        yield application


async def _call(app: Starlette, method: str, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """One request straight into the ASGI app (no client library, whose own cycles would count)."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-length", str(len(body)).encode()), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


def _post(query: str, variables: dict[str, Any], token: str | None = None) -> tuple[str, str, bytes, list[Any]]:
    headers = [(b"content-type", b"application/json")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return "POST", "/graphql", json.dumps({"query": query, "variables": variables}).encode(), headers


def _get(query: str, variables: dict[str, Any]) -> tuple[str, str, bytes, list[Any]]:
    query_string = urlencode({"query": query, "variables": json.dumps(variables)})
    return "GET", f"/graphql?{query_string}", b"", [(b"accept", b"application/json")]


async def _cyclic_garbage(app: Starlette, requests: list[tuple[str, str, bytes, list[Any]]]) -> list[object]:
    """What the collector finds unreachable (kept, not freed) after `requests`, sent 4 at a time."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for start in range(0, len(requests), 4):
            answers = await asyncio.gather(*(_call(app, *request) for request in requests[start : start + 4]))
            assert all(b'"errors"' not in answer for answer in answers), answers
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
        for request in (_post(page, {"id": show}, token), _get(page, {"id": show}), _post(page, {"id": show}))
    ]
    await _cyclic_garbage(redis_app, requests[:3])  # first calls: caches, prepared documents, pools

    garbage = await _cyclic_garbage(redis_app, requests[3:])

    assert len(garbage) < REQUESTS, _described(garbage)  # stray objects of the loop's own tasks at most


async def test_votes_leave_no_cycles(redis_app: Starlette) -> None:
    _, entries = await _show(songs=REQUESTS + 2)
    vote = document("Vote")
    fans = [await make_token(await make_user()) for _ in range(REQUESTS + 2)]
    requests = [
        _post(vote, {"setlistSongId": encode_id("SetlistSong", entries[n])}, fans[n]) for n in range(REQUESTS + 2)
    ]
    await _cyclic_garbage(redis_app, requests[:2])

    garbage = await _cyclic_garbage(redis_app, requests[2:])

    assert len(garbage) < REQUESTS, _described(garbage)


async def test_typename_leaves_no_cycles(redis_app: Starlette) -> None:
    requests = [_post("{ __typename }", {})] * REQUESTS
    await _cyclic_garbage(redis_app, requests[:2])

    garbage = await _cyclic_garbage(redis_app, requests)

    assert len(garbage) < REQUESTS, _described(garbage)
