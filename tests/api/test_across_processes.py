"""Two API processes on one PostgreSQL and one Redis: what one process changes, the other answers at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from factories import make_setlist, make_show, make_song, make_users_with_tokens
from graphql_client import document
from servers import api_process

from app.api.ids import encode_id
from app.setlists.models import SetlistSong

# A sign-out must be refused on every other process within this long (the broadcast, not the TTL).
REVOCATION_SECONDS = 1.0


@pytest.fixture
async def two_processes(postgres_url: str, redis_url: str, db: None) -> AsyncIterator[tuple[str, str]]:
    # The token cache's TTL is far longer than the revocation deadline: only the broadcast can pass.
    env = {"TOKEN_CACHE_SECONDS": "600"}
    async with api_process(postgres_url, redis_url, **env) as a, api_process(postgres_url, redis_url, **env) as b:
        yield a, b


async def run(http: httpx.AsyncClient, name: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": document(name), "variables": variables}, headers=headers)
    body: dict[str, Any] = response.json()
    return body


async def test_a_sign_out_on_process_a_is_refused_on_process_b_within_a_second(
    two_processes: tuple[str, str],
) -> None:
    process_a, process_b = two_processes
    [(_, token)] = await make_users_with_tokens(1)
    async with httpx.AsyncClient(base_url=process_a) as a, httpx.AsyncClient(base_url=process_b) as b:
        assert (await run(b, "Me", token))["data"]["me"] is not None  # B now holds the token in its cache
        assert (await run(a, "SignOut", token))["data"] == {"signOut": True}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REVOCATION_SECONDS
        while True:
            body = await run(b, "Me", token)
            if body.get("errors"):
                break
            assert loop.time() < deadline, "process B still accepts the revoked token"
            await asyncio.sleep(0.02)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_vote_on_process_a_shows_in_the_next_read_on_process_b(two_processes: tuple[str, str]) -> None:
    process_a, process_b = two_processes
    show = await make_show()
    setlist = await make_setlist(show, [await make_song(artist=await show.headliner) for _ in range(3)])
    song = encode_id("SetlistSong", (await SetlistSong.filter(setlist=setlist).order_by("position").first()).id)
    [(_, token)] = await make_users_with_tokens(1)

    async with httpx.AsyncClient(base_url=process_a) as a, httpx.AsyncClient(base_url=process_b) as b:
        show_id = encode_id("Show", show.id)
        before = await run(b, "ShowPageWithSetlist", id=show_id)
        cached = await run(b, "ShowPageWithSetlist", id=show_id)  # served from B's cache
        assert "errors" not in await run(a, "Vote", token, setlistSongId=song)
        after = await run(b, "ShowPageWithSetlist", id=show_id)

    assert cached == before
    assert _votes(before)[song] == 0
    assert _votes(after)[song] == 1


def _votes(body: dict[str, Any]) -> dict[str, int]:
    return {entry["id"]: entry["votes"] for entry in body["data"]["show"]["setlist"]["songs"]}
