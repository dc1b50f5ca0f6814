"""urql (`@urql/core`) against `theset serve`: queries with its fetchExchange (HTTP), voteCounts with
its subscriptionExchange on graphql-ws, and the server's error codes in urql's CombinedError.
A stock urql client sends queries as GET (within its URL limit), so the queries here take the GET path.

The script: `urql_client.mjs`; how it is run and installed: tests/support/clients_js_testing.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

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


async def test_urql_fetches_the_show_list_over_http(server: str) -> None:
    shows = [await make_show() for _ in range(2)]

    async with client_script("urql_client.mjs", f"{server}/graphql", "ShowList", {"first": 10}) as client:
        result = await client.next_event()
        done = await client.next_event()

    assert result["event"] == "next", result
    assert result["error"] is None, result
    nodes = [edge["node"] for edge in result["data"]["shows"]["edges"]]
    assert {(node["id"], node["name"]) for node in nodes} == {(encode_id("Show", s.id), s.name) for s in shows}
    assert result["data"]["shows"]["pageInfo"]["hasNextPage"] is False
    assert done == {"event": "complete"}


async def test_urql_subscription_receives_the_snapshot_then_a_vote(server: str) -> None:
    setlist_id, songs = await a_setlist()
    [(_, token)] = await make_users_with_tokens(1)

    async with client_script(
        "urql_client.mjs", f"{server}/graphql", "VoteCounts", {"setlistId": setlist_id}, token
    ) as subscriber:
        snapshot = await subscriber.next_event()
        await vote_over_http(server, token, songs[0])
        change = await subscriber.next_event()

    assert snapshot["event"] == "next", snapshot
    assert snapshot["error"] is None, snapshot
    counts = snapshot["data"]["voteCounts"]
    assert (counts["setlistId"], counts["kind"]) == (setlist_id, "SNAPSHOT")
    assert [song["votes"] for song in counts["songs"]] == [0, 0]
    assert change["event"] == "next", change
    delta = change["data"]["voteCounts"]
    assert (delta["kind"], delta["sequence"]) == ("VOTE", counts["sequence"] + 1)
    assert [(song["setlistSongId"], song["votes"]) for song in delta["songs"]] == [(songs[0], 1)]


async def test_urql_reports_the_servers_error_code_in_its_combined_error(server: str, tmp_path: Path) -> None:
    bad = tmp_path / "Bad.graphql"
    bad.write_text('query Bad { show(id: "U2hvdzox") { id noSuchField } }')  # parses, fails validation

    async with client_script("urql_client.mjs", f"{server}/graphql", bad, {}) as client:
        result = await client.next_event()

    assert result["event"] == "next", result
    assert result["data"] is None, result
    error = result["error"]
    assert error["name"] == "CombinedError", result
    assert error["network"] is None, result  # the server's GraphQL errors, not a failed request
    assert error["codes"] == ["GRAPHQL_VALIDATION_FAILED"], result
