"""voteCounts over graphql-transport-ws with a real third-party client (gql), across API processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from factories import make_setlist, make_show, make_song, make_users_with_tokens
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from graphql_client import document
from redis.asyncio import Redis
from redis_server import RedisServer
from servers import api_process
from tortoise import connections
from websockets.typing import Subprotocol

from app.api.ids import encode_id
from app.setlists.models import Setlist

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.slow]

EVENT_TIMEOUT = 10.0


def ws_client(base_url: str, token: str | None = None) -> Client:
    transport = WebsocketsTransport(
        url=base_url.replace("http://", "ws://") + "/graphql",
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"authorization": f"Bearer {token}"} if token else {},
        close_timeout=0.5,  # how long gql waits for the closing handshake (default 10 s)
    )
    return Client(transport=transport)


def subscribe(session: Any, setlist: Setlist) -> AsyncIterator[dict[str, Any]]:
    request = GraphQLRequest(document("VoteCounts"), variable_values={"setlistId": encode_id("Setlist", setlist.id)})
    stream: AsyncIterator[dict[str, Any]] = session.subscribe(request)
    return stream


async def vote(http: httpx.AsyncClient, token: str, setlist_song_id: str, name: str = "Vote") -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": document(name), "variables": {"setlistSongId": setlist_song_id}},
        headers={"authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def a_setlist(songs: int = 3) -> tuple[Setlist, list[str]]:
    show = await make_show()
    catalog = [await make_song(artist=await show.headliner) for _ in range(songs)]
    setlist = await make_setlist(show, catalog)
    ids = [encode_id("SetlistSong", row.id) for row in await setlist.songs.all().order_by("position")]
    return setlist, ids


@pytest.fixture
async def two_processes(postgres_url: str, redis_url: str) -> AsyncIterator[tuple[str, str]]:
    async with api_process(postgres_url, redis_url) as a, api_process(postgres_url, redis_url) as b:
        yield a, b


async def test_a_vote_through_process_a_reaches_a_subscriber_on_process_b(two_processes: tuple[str, str]) -> None:
    process_a, process_b = two_processes
    setlist, song_ids = await a_setlist()
    [(_, token)] = await make_users_with_tokens(1)
    events: list[dict[str, Any]] = []

    async with ws_client(process_b) as session, httpx.AsyncClient(base_url=process_a) as http:
        stream = subscribe(session, setlist)
        events.append(await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))
        assert "errors" not in await vote(http, token, song_ids[1])
        events.append(await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))

    snapshot, change = (event["voteCounts"] for event in events)
    assert snapshot["kind"] == "SNAPSHOT"
    assert [song["votes"] for song in snapshot["songs"]] == [0, 0, 0]
    assert change["kind"] == "VOTE"
    assert change["songs"] == [{"setlistSongId": song_ids[1], "votes": 1}]
    assert change["sequence"] == snapshot["sequence"] + 1


async def test_snapshot_then_deltas_in_sequence_under_50_concurrent_voters(two_processes: tuple[str, str]) -> None:
    process_a, process_b = two_processes
    setlist, song_ids = await a_setlist(songs=5)
    voters = await make_users_with_tokens(50)
    received: list[dict[str, Any]] = []

    async with ws_client(process_b) as session:
        stream = subscribe(session, setlist)
        received.append((await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"])
        async with httpx.AsyncClient(base_url=process_a) as a, httpx.AsyncClient(base_url=process_b) as b:
            results = await asyncio.gather(
                *(vote((a, b)[i % 2], token, song_ids[i % 5]) for i, (_, token) in enumerate(voters))
            )
        assert all("errors" not in result for result in results)
        while len(received) < 51:  # the snapshot and one event per vote
            received.append((await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"])

    snapshot, deltas = received[0], received[1:]
    sequences = [event["sequence"] for event in deltas]
    assert sequences == list(range(snapshot["sequence"] + 1, snapshot["sequence"] + 51))  # no gap, in order
    final = {song["setlistSongId"]: song["votes"] for song in snapshot["songs"]}
    for event in deltas:
        final.update({song["setlistSongId"]: song["votes"] for song in event["songs"]})
    assert final == dict.fromkeys(song_ids, 10)


async def test_subscribers_recover_with_a_correct_snapshot_after_redis_restarts(postgres_url: str) -> None:
    setlist, song_ids = await a_setlist()
    voters = await make_users_with_tokens(2)
    with RedisServer() as redis_server:
        async with (
            api_process(postgres_url, redis_server.url) as api,
            ws_client(api) as session,
            httpx.AsyncClient(base_url=api) as http,
        ):
            stream = subscribe(session, setlist)
            first = (await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"]
            redis_server.kill()
            during = await vote(http, voters[0][1], song_ids[0])  # commits without Redis
            redis_server.restart()
            resync = (await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"]
            await vote(http, voters[1][1], song_ids[2])
            after = (await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"]

    assert first["kind"] == "SNAPSHOT"
    assert "errors" not in during
    assert resync["kind"] == "SNAPSHOT"
    assert {s["setlistSongId"]: s["votes"] for s in resync["songs"]} == {song_ids[0]: 1, song_ids[1]: 0, song_ids[2]: 0}
    assert after["kind"] == "VOTE"
    assert after["songs"] == [{"setlistSongId": song_ids[2], "votes": 1}]


async def test_subscribers_of_a_feed_that_fails_go_on_alone_with_a_fresh_snapshot(postgres_url: str) -> None:
    setlist, song_ids = await a_setlist()
    voters = await make_users_with_tokens(2)
    with RedisServer() as redis_server:  # private: nobody else publishes on its channels
        async with (
            api_process(postgres_url, redis_server.url) as api,
            ws_client(api) as first_session,
            ws_client(api) as second_session,
            httpx.AsyncClient(base_url=api) as http,
        ):
            # One feed: the second subscribe joins the first's.
            streams = [subscribe(first_session, setlist), subscribe(second_session, setlist)]
            snapshots = [(await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"] for stream in streams]
            assert "errors" not in await vote(http, voters[0][1], song_ids[0])
            changes = [(await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"] for stream in streams]
            # A message the feed cannot read (a foreign publisher's) stops it mid-stream.
            redis = Redis.from_url(redis_server.url)
            try:
                await redis.publish(f"theset:setlist:{setlist.id}", b"not a change")
            finally:
                await redis.aclose()
            fresh = [(await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"] for stream in streams]
            assert "errors" not in await vote(http, voters[1][1], song_ids[2])
            after = [(await asyncio.wait_for(anext(stream), EVENT_TIMEOUT))["voteCounts"] for stream in streams]

    assert [snapshot["kind"] for snapshot in snapshots] == ["SNAPSHOT", "SNAPSHOT"]
    assert [(change["kind"], change["sequence"]) for change in changes] == [("VOTE", snapshots[0]["sequence"] + 1)] * 2
    for snapshot in fresh:  # each subscriber's own snapshot, from the database
        assert snapshot["kind"] == "SNAPSHOT"
        assert snapshot["sequence"] == changes[0]["sequence"]
        assert {song["setlistSongId"]: song["votes"] for song in snapshot["songs"]} == {
            song_ids[0]: 1,
            song_ids[1]: 0,
            song_ids[2]: 0,
        }
    for change in after:
        assert (change["kind"], change["sequence"]) == ("VOTE", fresh[0]["sequence"] + 1)
        assert change["songs"] == [{"setlistSongId": song_ids[2], "votes": 1}]


async def test_votes_always_equal_the_count_of_user_votes(two_processes: tuple[str, str]) -> None:
    _, song_ids = await a_setlist()
    voters = await make_users_with_tokens(20)
    async with httpx.AsyncClient(base_url=two_processes[0]) as http:
        await asyncio.gather(*(vote(http, token, song_ids[0]) for _, token in voters))
        await asyncio.gather(*(vote(http, token, song_ids[0], "Unvote") for _, token in voters[:7]))

    _, rows = await connections.get("default").execute_query(
        "SELECT count(*) AS broken FROM setlist_songs s"
        " WHERE s.votes <> (SELECT count(*) FROM user_votes v WHERE v.setlist_song_id = s.id)"
    )
    assert rows[0]["broken"] == 0


@pytest.fixture
async def one_process(postgres_url: str, redis_url: str) -> AsyncIterator[str]:
    async with api_process(postgres_url, redis_url) as url:
        yield url


async def test_a_forged_token_in_connection_init_is_refused(one_process: str) -> None:
    url = one_process.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer forged"}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), EVENT_TIMEOUT)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_the_legacy_graphql_ws_protocol_is_not_spoken(one_process: str) -> None:
    url = one_process.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[Subprotocol("graphql-ws")]) as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), EVENT_TIMEOUT)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406
