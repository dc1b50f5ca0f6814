"""PostgreSQL goes away under a running API process, then comes back: clear errors, then recovery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from factories import make_setlist, make_show, make_song, make_users_with_tokens
from fault_testing import TcpProxy, invariants_hold
from graphql_client import document
from servers import api_process

from app.api.ids import encode_id
from app.setlists.models import SetlistSong

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.slow]

# An outage answer must come fast: a client waiting on a dead database is a hung client.
ANSWER_WITHIN_SECONDS = 5.0
RECOVERY_SECONDS = 15.0


def through(proxy: TcpProxy, url: str) -> str:
    """`url` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]  # user[:password], kept as written
    return parts._replace(
        netloc=f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    ).geturl()


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    parts = urlsplit(postgres_url)
    async with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as running:
        yield running


@pytest.fixture
async def api(proxy: TcpProxy, postgres_url: str) -> AsyncIterator[httpx.AsyncClient]:
    # No Redis: this test is about the database alone (rate limits and pub/sub stay in process).
    async with (
        api_process(through(proxy, postgres_url), None) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield http


async def timed(request: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response: httpx.Response = await request
    return response, time.monotonic() - started


async def vote(http: httpx.AsyncClient, token: str, setlist_song_id: str) -> httpx.Response:
    return await http.post(
        "/graphql",
        json={"query": document("Vote"), "variables": {"setlistSongId": setlist_song_id}},
        headers={"authorization": f"Bearer {token}"},
    )


async def show_list(http: httpx.AsyncClient, first: int = 5) -> httpx.Response:
    return await http.post("/graphql", json={"query": document("ShowList"), "variables": {"first": first}})


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


async def test_the_api_answers_upstream_unavailable_while_the_database_is_cut_and_recovers_after(
    proxy: TcpProxy, api: httpx.AsyncClient
) -> None:
    show = await make_show()
    songs = [await make_song(artist=await show.headliner) for _ in range(2)]
    setlist = await make_setlist(show, songs)
    entries = await SetlistSong.filter(setlist=setlist).order_by("position")
    song_ids = [encode_id("SetlistSong", entry.id) for entry in entries]
    (_, before), (_, during), (_, after) = await make_users_with_tokens(3)

    voted_before = await vote(api, before, song_ids[0])
    ready_before = await api.get("/readyz")
    assert proxy.connections > 0  # the API's pool really goes through the proxy

    await proxy.cut()
    ready_cut, ready_seconds = await timed(api.get("/readyz"))
    read_cut, read_seconds = await timed(show_list(api))
    vote_cut, vote_seconds = await timed(vote(api, during, song_ids[1]))

    await proxy.restore()
    deadline = time.monotonic() + RECOVERY_SECONDS
    while (ready_again := await api.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    voted_after = await vote(api, after, song_ids[1])
    read_after = await show_list(api)

    assert codes(voted_before) == []
    assert ready_before.json()["checks"] == {"database": True, "migrations": True}

    assert ready_cut.status_code == 503
    assert ready_cut.json()["checks"] == {"database": False}
    assert (read_cut.status_code, codes(read_cut)) == (200, ["UPSTREAM_UNAVAILABLE"])
    assert (vote_cut.status_code, codes(vote_cut)) == (200, ["UPSTREAM_UNAVAILABLE"])
    assert max(ready_seconds, read_seconds, vote_seconds) < ANSWER_WITHIN_SECONDS

    assert ready_again.status_code == 200  # the same process, not restarted
    assert codes(voted_after) == []
    assert voted_after.json()["data"]["vote"]["votes"] == 1
    assert codes(read_after) == []
    assert [entry.votes for entry in await SetlistSong.filter(setlist=setlist).order_by("position")] == [1, 1]
    assert await invariants_hold()


# The API's statement and connection timeouts in the hung-database test, and what an answer may take
# on top (the request's own work, a loaded machine).
HUNG_TIMEOUT_SECONDS = 1.0
HUNG_SLACK_SECONDS = 3.0


@pytest.fixture
async def api_with_timeouts(proxy: TcpProxy, postgres_url: str) -> AsyncIterator[httpx.AsyncClient]:
    timeout = str(HUNG_TIMEOUT_SECONDS)
    async with (
        api_process(
            through(proxy, postgres_url),
            None,
            DATABASE_TIMEOUT_SECONDS=timeout,
            DATABASE_CONNECT_TIMEOUT_SECONDS=timeout,
            DATABASE_POOL_SIZE="3",
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        yield http


async def test_a_hung_database_answers_upstream_unavailable_within_its_timeout_and_recovers(
    proxy: TcpProxy, api_with_timeouts: httpx.AsyncClient
) -> None:
    api = api_with_timeouts
    show = await make_show()
    songs = [await make_song(artist=await show.headliner) for _ in range(2)]
    setlist = await make_setlist(show, songs)
    entries = await SetlistSong.filter(setlist=setlist).order_by("position")
    song_ids = [encode_id("SetlistSong", entry.id) for entry in entries]
    users = await make_users_with_tokens(12)
    assert codes(await vote(api, users[0][1], song_ids[0])) == []
    assert codes(await show_list(api)) == []

    proxy.stall()  # PostgreSQL accepts and answers nothing: more requests than pool connections wait on it
    hung = await asyncio.gather(
        # Pages not read before: the response cache has none of them, so each waits on the database.
        *(timed(show_list(api, first)) for first in range(6, 10)),
        *(timed(vote(api, token, song_ids[1])) for _, token in users[1:9]),
        timed(api.get("/readyz")),
    )
    cached, _ = await timed(show_list(api))  # read before the stall: served from the response cache
    proxy.resume()
    deadline = time.monotonic() + RECOVERY_SECONDS
    while (ready_again := await api.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    voted_after = await vote(api, users[9][1], song_ids[0])

    *graphql, (ready, _) = hung
    assert [codes(response) for response, _ in graphql] == [["UPSTREAM_UNAVAILABLE"]] * len(graphql)
    assert ready.status_code == 503
    assert codes(cached) == []
    assert cached.json()["data"]["shows"] is not None
    # Each answer within the timeout (a statement, or connecting anew), plus slack: not a hang.
    slowest = max(seconds for _, seconds in hung)
    assert slowest < 2 * HUNG_TIMEOUT_SECONDS + HUNG_SLACK_SECONDS, [round(seconds, 2) for _, seconds in hung]
    assert ready_again.status_code == 200
    assert codes(voted_after) == []
    assert voted_after.json()["data"]["vote"]["votes"] == 2
    assert await invariants_hold()
