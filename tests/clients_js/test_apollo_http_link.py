"""voteCounts with Apollo Client's HTTP link (multipart subscriptions over HTTP) against a real uvicorn.

The script: `apollo_http_link.mjs`; how it is run and installed: tests/support/clients_js_testing.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from clients_js_testing import a_setlist, client_script, vote_over_http
from factories import make_users_with_tokens
from starlette.applications import Starlette

from app.emulators.server import running_server

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with running_server(app) as url:
        yield url


async def test_apollo_receives_the_snapshot_then_a_vote_cast_over_http(server: str) -> None:
    setlist_id, songs = await a_setlist()
    [(_, token)] = await make_users_with_tokens(1)

    async with client_script(
        "apollo_http_link.mjs", f"{server}/graphql", "VoteCounts", {"setlistId": setlist_id}, token
    ) as subscriber:
        snapshot = await subscriber.next_event()
        await vote_over_http(server, token, songs[1])
        change = await subscriber.next_event()

    assert snapshot["event"] == "next", snapshot
    counts = snapshot["data"]["voteCounts"]
    assert counts["kind"] == "SNAPSHOT"
    assert [song["votes"] for song in counts["songs"]] == [0, 0]
    assert change["event"] == "next", change
    delta = change["data"]["voteCounts"]
    assert (delta["kind"], delta["sequence"]) == ("VOTE", counts["sequence"] + 1)
    # Apollo adds __typename to every selection.
    assert delta["songs"] == [{"setlistSongId": songs[1], "votes": 1, "__typename": "SongVoteCount"}]


async def test_apollo_with_a_forged_token_is_refused_unauthenticated(server: str) -> None:
    setlist_id, _ = await a_setlist()

    async with client_script(
        "apollo_http_link.mjs", f"{server}/graphql", "VoteCounts", {"setlistId": setlist_id}, "forged"
    ) as subscriber:
        refused = await subscriber.next_event()

    # Apollo reads the 401's GraphQL error body as the subscription's errors.
    assert refused["data"] is None, refused
    assert refused["error"]["codes"] == ["UNAUTHENTICATED"], refused
