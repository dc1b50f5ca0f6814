"""Apollo Client's websocket link (`GraphQLWsLink` with graphql-ws's `createClient` on the `ws` package)
against `theset serve`: a voteCounts subscription and a query, both over graphql-transport-ws.

The script: `apollo_ws_link.mjs`; how it is run and installed: tests/support/clients_js_testing.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from clients_js_testing import a_setlist, client_script, vote_over_http
from factories import make_show, make_users_with_tokens
from servers import api_process

from app.api.ids import encode_id

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.slow]


@pytest.fixture
async def server(postgres_url: str, redis_url: str) -> AsyncIterator[str]:
    # A real `theset serve` (uvicorn with websockets); votes reach its subscribers through Redis.
    async with api_process(postgres_url, redis_url) as url:
        yield url


def ws_url(server: str) -> str:
    return server.replace("http://", "ws://") + "/graphql"


async def test_apollo_ws_link_receives_the_snapshot_then_a_vote_cast_over_http(server: str) -> None:
    setlist_id, songs = await a_setlist()
    [(_, token)] = await make_users_with_tokens(1)

    async with client_script(
        "apollo_ws_link.mjs", ws_url(server), "VoteCounts", {"setlistId": setlist_id}, token
    ) as subscriber:
        snapshot = await subscriber.next_event()
        await vote_over_http(server, token, songs[1])
        change = await subscriber.next_event()

    assert snapshot["event"] == "next", snapshot
    counts = snapshot["data"]["voteCounts"]
    assert (counts["setlistId"], counts["kind"]) == (setlist_id, "SNAPSHOT")
    assert [song["votes"] for song in counts["songs"]] == [0, 0]
    assert change["event"] == "next", change
    delta = change["data"]["voteCounts"]
    assert (delta["kind"], delta["sequence"]) == ("VOTE", counts["sequence"] + 1)
    # Apollo adds __typename to every selection.
    assert delta["songs"] == [{"setlistSongId": songs[1], "votes": 1, "__typename": "SongVoteCount"}]


async def test_apollo_ws_link_runs_a_query_over_the_socket(server: str) -> None:
    show = await make_show()
    show_id = encode_id("Show", show.id)

    async with client_script("apollo_ws_link.mjs", ws_url(server), "ShowPage", {"id": show_id}) as client:
        result = await client.next_event()
        done = await client.next_event()

    assert result["event"] == "next", result
    assert result["error"] is None, result
    page = result["data"]["show"]
    assert (page["__typename"], page["id"], page["name"]) == ("Show", show_id, show.name)
    assert page["venue"]["name"] == (await show.venue).name
    assert done == {"event": "complete"}


async def test_apollo_ws_link_with_a_forged_token_is_refused(server: str) -> None:
    setlist_id, _ = await a_setlist()

    async with client_script(
        "apollo_ws_link.mjs", ws_url(server), "VoteCounts", {"setlistId": setlist_id}, "forged"
    ) as subscriber:
        refused = await subscriber.next_event()

    # connection_init with a bad token: the server closes the socket with 4403; Apollo reports the
    # link's error as the subscription's result.
    assert refused["event"] == "next", refused
    assert refused["data"] is None, refused
    assert refused["error"]["message"] == "Socket closed with event 4403 Forbidden", refused
