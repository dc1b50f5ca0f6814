"""voteCounts with Apollo Client's HTTP link (multipart subscriptions over HTTP) against a real uvicorn.

`scripts/client-tools.sh` (run by `make pytest`) installs Apollo Client from this folder's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from factories import make_setlist, make_show, make_song, make_users_with_tokens
from graphql_client import document
from starlette.applications import Starlette

from app.api.ids import encode_id
from app.emulators.server import running_server

pytestmark = pytest.mark.usefixtures("db")

HERE = Path(__file__).resolve().parent
DOCUMENTS = HERE.parents[1] / "graphql"
EVENT_TIMEOUT = 20.0


def require_client_tools() -> None:
    """Fail, saying how to install them, unless Node and Apollo Client are there (never skip)."""
    if shutil.which("node") is None:
        pytest.fail("Node.js 20+ is needed: apt-get install -y nodejs npm", pytrace=False)
    if not (HERE / "node_modules" / "@apollo" / "client" / "package.json").is_file():
        pytest.fail("Apollo Client is not installed: run scripts/client-tools.sh", pytrace=False)


class Subscriber:
    """`apollo_http_link.mjs`: one subscription, its events as JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def next_event(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), EVENT_TIMEOUT)
        if not line:
            await self.process.wait()
            stderr = await self.process.stderr.read() if self.process.stderr else b""
            raise AssertionError(f"the Apollo script exited ({self.process.returncode}): {stderr.decode()[-4000:]}")
        event: dict[str, Any] = json.loads(line)
        return event


@contextlib.asynccontextmanager
async def apollo_subscription(
    url: str, variables: dict[str, Any], token: str | None = None
) -> AsyncIterator[Subscriber]:
    require_client_tools()
    args = [str(HERE / "apollo_http_link.mjs"), url, str(DOCUMENTS / "VoteCounts.graphql"), json.dumps(variables)]
    process = await asyncio.create_subprocess_exec(
        "node",
        *args,
        *([token] if token else []),
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield Subscriber(process)
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with running_server(app) as url:
        yield url


async def a_setlist() -> tuple[str, list[str]]:
    show = await make_show()
    setlist = await make_setlist(show, [await make_song(artist=await show.headliner) for _ in range(2)])
    songs = [encode_id("SetlistSong", row.id) for row in await setlist.songs.all().order_by("position")]
    return encode_id("Setlist", setlist.id), songs


async def test_apollo_receives_the_snapshot_then_a_vote_cast_over_http(server: str) -> None:
    setlist_id, songs = await a_setlist()
    [(_, token)] = await make_users_with_tokens(1)

    async with apollo_subscription(f"{server}/graphql", {"setlistId": setlist_id}, token) as subscriber:
        snapshot = await subscriber.next_event()
        async with httpx.AsyncClient(base_url=server) as http:
            voted = await http.post(
                "/graphql",
                json={"query": document("Vote"), "variables": {"setlistSongId": songs[1]}},
                headers={"authorization": f"Bearer {token}"},
            )
        assert "errors" not in voted.json()
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

    async with apollo_subscription(f"{server}/graphql", {"setlistId": setlist_id}, "forged") as subscriber:
        refused = await subscriber.next_event()

    # Apollo reads the 401's GraphQL error body as the subscription's errors.
    assert refused["data"] is None, refused
    assert refused["error"]["codes"] == ["UNAUTHENTICATED"], refused
