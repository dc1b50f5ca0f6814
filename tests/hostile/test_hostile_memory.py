"""The whole hostile battery against one `theset serve` process leaves its memory where it was.

A refused request must cost nothing that stays: the cost bomb once kept 300 MB over HTTP and added
740 MB over a websocket. The server's resident memory (VmRSS of the uvicorn process) is read after
a warm-up of ordinary requests and again after every HTTP and websocket case of the battery (the
bombs several times over), and may not grow by more than 20 %.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from factories import add_support, make_artist, make_show
from graphql_client import DOCUMENTS_DIR
from hostile_testing import assert_clean
from servers import ApiServer, api_server
from test_hostile_http import CASES, COST_BOMB, Case, World, _resolve, doubling_fragments, list_fragment_chain
from test_hostile_http import world as world  # the fixture, shared with the HTTP battery
from test_hostile_sockets import ACK, PROTOCOL, TIMEOUT, WS_CASES, Targets, init, subscribe
from test_hostile_sockets import targets as targets  # the fixture, shared with the websocket battery

pytestmark = pytest.mark.slow

GROWTH_ALLOWED = 0.20
# The bombs, again and again: anything a refusal kept would add up.
REPEATS = 20
BOMBS = [
    COST_BOMB,
    doubling_fragments(40),
    list_fragment_chain(4),
    "{ shows(first: 1000000) { nodes { id lineup { name } } } }",
    "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
]


@pytest.fixture(scope="module")
async def fan_out(orm: None) -> None:
    """A few acts all on each other's bills: what the cost bomb multiplies (4 x 16**4 shows if run)."""
    artists = [await make_artist() for _ in range(4)]
    for _ in range(4):
        show = await make_show(headliner=artists[0])
        await add_support(show, *artists[1:])


@pytest.fixture(scope="module")
async def server(postgres_url: str, redis_url: str) -> AsyncIterator[ApiServer]:
    async with api_server(postgres_url, redis_url, WS_CONNECTION_INIT_TIMEOUT_SECONDS="1") as running:
        yield running


def resident_bytes(pid: int) -> int:
    """VmRSS of process `pid`."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


async def http_case(http: httpx.AsyncClient, case: Case, world: World) -> None:
    headers = dict(_resolve(case.headers, world) or {})
    if case.content is not None:
        headers.setdefault("content-type", "application/json")
        content: Any = case.content() if callable(case.content) else case.content
    elif case.json is not None:
        headers.setdefault("content-type", "application/json")
        content = json.dumps(_resolve(case.json, world)).encode()
    else:
        content = None
    if headers.get("content-type") == "":
        del headers["content-type"]
    try:
        response = await http.request(
            case.method, "/graphql", content=content, params=_resolve(case.params, world), headers=headers
        )
    except httpx.LocalProtocolError:
        return  # a header httpx will not put on the wire (the in-process battery sends it)
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
        assert case.status == 413  # a streamed body: answered 413 and closed while still sending
        return
    assert_clean(response, status=case.status)


async def ws_case(url: str, frames: list[Any]) -> None:
    """Send the frames, then read until the server closes or answers the operation."""
    async with websockets.connect(url, subprotocols=[PROTOCOL], max_size=None) as socket:
        with contextlib.suppress(websockets.ConnectionClosed):
            for frame in frames:
                if frame == ACK:
                    assert json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))["type"] == "connection_ack"
                else:
                    await socket.send(frame)
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
                if message.get("type") in {"error", "complete"}:
                    return


async def warm_up(http: httpx.AsyncClient, world: World) -> None:
    """Ordinary traffic: every client document, so what serving them allocates is in the baseline."""
    variables = {"id": world.show, "artistId": world.artist, "setlistSongId": world.setlist_song}
    for path in sorted(DOCUMENTS_DIR.glob("*.graphql")):
        if path.stem in {"VoteCounts", "SignUp", "SignIn", "SignOut", "Vote", "Unvote", "SuggestSong"}:
            continue  # a subscription, and writes the battery's own checks forbid
        await http.post("/graphql", json={"query": path.read_text(), "variables": variables})
    for _ in range(REPEATS):
        await http.post("/graphql", json={"query": "{ shows(first: 5) { nodes { id name lineup { name } } } }"})


@pytest.mark.usefixtures("fan_out")
async def test_the_hostile_battery_leaves_the_servers_memory_within_20_percent(
    server: ApiServer, world: World, targets: Targets
) -> None:
    ws_url = server.url.replace("http://", "ws://") + "/graphql"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await warm_up(http, world)
        before = resident_bytes(server.pid)

        for case in CASES.values():
            await http_case(http, case, world)
        for frames, _, _ in WS_CASES.values():
            await ws_case(ws_url, frames(targets))
        for _ in range(REPEATS):
            for bomb in BOMBS:
                await http_case(http, Case(json={"query": bomb}, code="BAD_USER_INPUT"), world)
                await ws_case(ws_url, [init(), ACK, subscribe(bomb)])
        after = resident_bytes(server.pid)

    assert after <= before * (1 + GROWTH_ALLOWED), f"RSS {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB"
