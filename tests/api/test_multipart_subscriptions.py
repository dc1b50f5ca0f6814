"""voteCounts over HTTP with the multipart subscription protocol, on a real socket (uvicorn in this process).

The same contract as over websockets (a snapshot, then the changes), through the same state machine,
with auth from the `Authorization` header and the same limits. Apollo's own client: tests/clients_js.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from factories import make_setlist, make_setlist_song, make_show, make_users_with_tokens
from graphql_client import document
from prometheus_client import REGISTRY
from starlette.applications import Starlette

from app.api.ids import encode_id
from app.emulators.server import running_server
from app.setlists.events import SongVotes, VoteCountsChanged, publish_change

pytestmark = pytest.mark.usefixtures("db")

MULTIPART = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json'  # as Apollo asks
TIMEOUT = httpx.Timeout(10.0)
_CONTENT_LENGTH = re.compile(rb"Content-Length: (\d+)", re.IGNORECASE)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with running_server(app) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        yield client


async def payloads(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The `payload` of each part of a multipart subscription response, heartbeats (`{}`) skipped."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while (headers_end := buffer.find(b"\r\n\r\n")) >= 0:
            length = _CONTENT_LENGTH.search(buffer[:headers_end])
            assert length is not None, buffer[:headers_end]
            body_start = headers_end + 4
            body_end = body_start + int(length.group(1))
            if len(buffer) < body_end:
                break
            part = json.loads(buffer[body_start:body_end])
            buffer = buffer[body_end:]
            if part:
                yield part["payload"]


def subscribe(http: httpx.AsyncClient, query: str, variables: dict[str, Any], **headers: str) -> Any:
    return http.stream(
        "POST", "/graphql", json={"query": query, "variables": variables}, headers={"accept": MULTIPART, **headers}
    )


async def test_a_multipart_subscription_gets_the_snapshot_then_the_changes(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    setlist = await make_setlist(await make_show())
    songs = [await make_setlist_song(setlist, position=n) for n in (1, 2)]
    [(_, token)] = await make_users_with_tokens(1)
    before = REGISTRY.get_sample_value("theset_active_subscribers") or 0.0
    variables = {"setlistId": encode_id("Setlist", setlist.id)}

    async with subscribe(http, document("VoteCounts"), variables, authorization=f"Bearer {token}") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/mixed")
        parts = payloads(response)
        snapshot = (await anext(parts))["data"]["voteCounts"]
        assert REGISTRY.get_sample_value("theset_active_subscribers") == before + 1
        change = VoteCountsChanged(
            setlist_id=setlist.id, kind="vote", songs=[SongVotes(setlist_song_id=songs[1].id, votes=1, version=1)]
        )
        await publish_change(app.state.resources.broker, change)
        delta = (await anext(parts))["data"]["voteCounts"]
        await parts.aclose()

    assert snapshot["kind"] == "SNAPSHOT"
    assert [song["votes"] for song in snapshot["songs"]] == [0, 0]
    assert (delta["kind"], delta["sequence"]) == ("VOTE", snapshot["sequence"] + 1)
    assert delta["songs"] == [{"setlistSongId": encode_id("SetlistSong", songs[1].id), "votes": 1}]


async def test_a_multipart_subscription_with_a_bad_token_is_refused_before_it_starts(http: httpx.AsyncClient) -> None:
    setlist = await make_setlist(await make_show())
    variables = {"setlistId": encode_id("Setlist", setlist.id)}

    async with subscribe(http, document("VoteCounts"), variables, authorization="Bearer forged") as response:
        body = json.loads(await response.aread())

    assert response.status_code == 401
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]


# Each refused document and the code it gets (Apollo's names for parse and validation failures).
REFUSED = {
    "syntax-error": ("subscription { voteCounts(", "GRAPHQL_PARSE_FAILED"),
    "a-query": ("{ __typename }", "BAD_USER_INPUT"),
    # The alias limit (GRAPHQL_MAX_ALIASES, 15), as over websockets.
    "too-many-aliases": (
        'subscription { voteCounts(setlistId: "x") { ' + " ".join(f"a{n}: sequence" for n in range(20)) + " } }",
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "unknown-field": ("subscription { nope }", "GRAPHQL_VALIDATION_FAILED"),
    "empty": ("", "BAD_USER_INPUT"),
}


@pytest.mark.parametrize(("query", "code"), list(REFUSED.values()), ids=list(REFUSED))
async def test_a_refused_multipart_subscription_answers_one_coded_error(
    http: httpx.AsyncClient, query: str, code: str
) -> None:
    async with subscribe(http, query, {}) as response:
        results = [payload async for payload in payloads(response)]

    assert response.status_code == 200
    [result] = results  # then the stream ends
    assert result["data"] is None
    assert {error["extensions"]["code"] for error in result["errors"]} == {code}


async def test_a_multipart_body_over_the_limit_is_refused(http: httpx.AsyncClient) -> None:
    async with subscribe(http, "subscription { voteCounts }" + " " * 300_000, {}) as response:
        await response.aread()

    assert response.status_code == 413
