"""Live fan-out: `voteCounts` subscribers on one API process against a bare Starlette websocket broadcast.

In one run, interleaved (these machines are noisy, so only same-run ratios mean much: docs/benchmarks.md):
- the project: one uvicorn process serving the app (PostgreSQL in a throwaway database, a private
  Redis), N subscribers to `voteCounts` over graphql-transport-ws (connection_init, subscribe, the
  snapshot), events fired as Vote mutations over HTTP;
- the baseline: one uvicorn process serving `bare_app` below (accept, keep a set of sockets, a POST
  that sends the same text to every socket), the same N subscribers, events fired as that POST.
Subscribers are raw `websockets` connections spread over CLIENTS client processes (this module run
with `--client`, driven over stdin/stdout). Sizes 1,000 then 5,000 (the 5,000 are the 1,000 plus
4,000 more), opened in interleaved chunks.

Figures, per size and server:
- delivery latency p50/p99, over every (subscriber, event) pair: the project's from the vote's
  commit (when its change, published right after the COMMIT, reached Redis's subscribers, seen by
  this process subscribed to the same channel) to each subscriber's receipt; the baseline's from
  the moment its POST is sent (it broadcasts on receipt). Also printed, the project's from the
  moment the vote request is sent (its own round trip beside it);
- subscriptions opened per second: N / the time to open them (the project: connect, connection_init,
  ack, subscribe, snapshot received; the bare: connect, one text sent, one answer received). Also
  measured, as the ceiling of any server speaking the protocol: `protocol_app`, the same exchange
  as the project's with a snapshot made in place and no GraphQL (three messages each way against
  the bare two);
- memory per subscriber: (server VmRSS after opening - VmRSS before any subscriber) / N.
Client websockets do not offer per-message deflate (BENCH_WS_DEFLATE=1 to offer it).

Run: `.venv/bin/python -m tests.benchmarks bench_live` or `.venv/bin/python -m tests.benchmarks.bench_live`.
About 30-60 s on 2 cores. BENCH_LIVE_SIZES (1000,5000), BENCH_LIVE_EVENTS (8), BENCH_LIVE_CLIENTS (4);
BENCH_LIVE_PROFILE=FILE runs the app's server under cProfile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository's `tests` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.benchmarks.processes import Server
from tests.benchmarks.report import Row, print_table
from tests.support.redis_server import free_port

REPO = Path(__file__).resolve().parents[2]
SIZES = [int(n) for n in os.environ.get("BENCH_LIVE_SIZES", "1000,5000").split(",")]
EVENTS = int(os.environ.get("BENCH_LIVE_EVENTS", "8"))  # per size and server
CLIENTS = int(os.environ.get("BENCH_LIVE_CLIENTS", "4"))  # client processes
CHUNK = 250  # subscribers opened per server before switching to the other (interleaving)
OPENING = 64  # handshakes in flight per client process
EVENT_TIMEOUT = 30.0
SONGS = 20
VOTE_QUERY = "mutation Vote($id: ID!) { vote(setlistSongId: $id) { id votes } }"
SUBSCRIPTION = (REPO / "graphql" / "VoteCounts.graphql").read_text()
DEFLATE = os.environ.get("BENCH_WS_DEFLATE") == "1"


# --- the baseline: a bare Starlette broadcast ----------------------------------------------------

_sockets: set[WebSocket] = set()


async def _bare_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.receive_text()  # the client's "subscribe"
    _sockets.add(websocket)
    await websocket.send_text("ok")
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        _sockets.discard(websocket)


async def _bare_broadcast(request: Request) -> PlainTextResponse:
    text = (await request.body()).decode()
    for websocket in list(_sockets):
        with contextlib.suppress(Exception):
            await websocket.send_text(text)
    return PlainTextResponse(str(len(_sockets)))


async def _bare_health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


bare_app = Starlette(
    routes=[
        WebSocketRoute("/ws", _bare_socket),
        Route("/broadcast", _bare_broadcast, methods=["POST"]),
        Route("/healthz", _bare_health),
    ]
)


# --- the protocol's own cost: graphql-transport-ws without GraphQL ---------------------------------


async def _protocol_socket(websocket: WebSocket) -> None:
    """The subscriber's side of graphql-transport-ws as the project speaks it, with no GraphQL behind it.

    Ack the connection_init, answer the subscribe with a snapshot of SONGS songs made here (its
    JSON encoded per subscriber, as the project's framing is), then hold the socket.
    """
    await websocket.accept(subprotocol="graphql-transport-ws")
    json.loads(await websocket.receive_text())  # connection_init
    await websocket.send_text('{"type":"connection_ack"}')
    subscribe = json.loads(await websocket.receive_text())
    songs = [{"setlistSongId": f"U2V0bGlzdFNvbmc6{n}", "votes": 0} for n in range(SONGS)]
    counts = {"setlistId": subscribe["payload"]["variables"]["setlistId"], "sequence": 0, "kind": "SNAPSHOT"}
    payload = {"data": {"voteCounts": {**counts, "songs": songs}}}
    await websocket.send_text(json.dumps({"id": subscribe["id"], "type": "next", "payload": payload}))
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


protocol_app = Starlette(routes=[WebSocketRoute("/graphql", _protocol_socket), Route("/healthz", _bare_health)])


# --- client processes ----------------------------------------------------------------------------


@dataclass
class _Group:
    """One server's subscribers in this client process."""

    sockets: list[Any] = field(default_factory=list)
    # Per socket: arrival times of the messages after its subscription, and the events fired before it.
    times: list[list[float]] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    fired: int = 0
    bad: int = 0


async def _open_one(kind: str, url: str, setlist_id: str) -> Any:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    compression = "deflate" if DEFLATE else None
    if kind == "bare":
        ws = await connect(url, compression=compression, open_timeout=60, max_queue=None)
        await ws.send("subscribe")
        assert await ws.recv() == "ok"
        return ws
    ws = await connect(
        url,
        subprotocols=[Subprotocol("graphql-transport-ws")],
        compression=compression,
        open_timeout=60,
        max_queue=None,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = json.loads(await ws.recv())
    assert ack["type"] == "connection_ack", ack
    subscribe = {"query": SUBSCRIPTION, "variables": {"setlistId": setlist_id}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
    snapshot = json.loads(await ws.recv())
    assert snapshot["type"] == "next", snapshot
    assert snapshot["payload"]["data"]["voteCounts"]["kind"] == "SNAPSHOT", snapshot
    return ws


async def _read(ws: Any, times: list[float], group: _Group, kind: str) -> None:
    with contextlib.suppress(Exception):
        async for message in ws:
            times.append(time.monotonic())
            if kind == "gql" and '"type":"next"' not in message:
                group.bad += 1


async def _client() -> None:
    """A client process: commands on stdin, one JSON answer per command on stdout."""
    groups = {"bare": _Group(), "gql": _Group(), "protocol": _Group()}
    readers: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    while line := await stdin.readline():
        command = json.loads(line)
        answer: dict[str, Any] = {}
        group = groups.get(command.get("kind", ""), _Group())
        if command["op"] == "open":
            gate = asyncio.Semaphore(OPENING)
            failures: dict[str, int] = {}

            async def open_one(
                gate: asyncio.Semaphore, command: dict[str, Any], group: _Group, failures: dict[str, int]
            ) -> bool:
                async with gate:
                    try:
                        speaks = "bare" if command["kind"] == "bare" else "gql"  # protocol: as gql
                        ws = await _open_one(speaks, command["url"], command["setlist"])
                    except Exception as error:
                        why = f"{type(error).__name__}: {str(error)[:80]}"
                        failures[why] = failures.get(why, 0) + 1
                        return False
                times: list[float] = []
                group.sockets.append(ws)
                group.times.append(times)
                group.offsets.append(group.fired)
                task = asyncio.create_task(_read(ws, times, group, command["kind"]))
                readers.add(task)
                return True

            results = await asyncio.gather(*(open_one(gate, command, group, failures) for _ in range(command["count"])))
            answer = {"opened": sum(results), "failed": len(results) - sum(results), "why": failures}
        elif command["op"] == "wait":
            # Every socket's message number (event - offset); answer with the arrival times.
            group.fired += 1
            event = group.fired
            deadline = time.monotonic() + command["timeout"]
            while time.monotonic() < deadline:
                if all(len(t) >= event - o for t, o in zip(group.times, group.offsets, strict=True)):
                    break
                await asyncio.sleep(0.002)
            arrived = [t[event - o - 1] for t, o in zip(group.times, group.offsets, strict=True) if len(t) >= event - o]
            answer = {"times": arrived, "missing": len(group.times) - len(arrived), "bad": group.bad}
        elif command["op"] == "close":
            for g in groups.values():
                await asyncio.gather(*(ws.close() for ws in g.sockets), return_exceptions=True)
            answer = {"closed": True}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if command["op"] == "close":
            break
    for task in readers:
        task.cancel()


class Client:
    """A client process, driven line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> Client:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.benchmarks.bench_live",
            "--client",
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        return cls(process)

    async def send(self, **command: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()

    async def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("a client process died")
        result: dict[str, Any] = json.loads(line)
        return result

    async def ask(self, **command: Any) -> dict[str, Any]:
        await self.send(**command)
        return await self.answer()

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask(op="close"), 30)
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        await self.process.wait()


# --- servers and data ----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def uvicorn_server(target: str, env: dict[str, str], factory: bool = False) -> AsyncIterator[Server]:
    """One uvicorn process (one worker, uvicorn's defaults: the same for both servers, no access log)."""
    import httpx

    port = free_port()
    args = [target, *(["--factory"] if factory else []), "--port", str(port), "--no-access-log"]
    # BENCH_LIVE_PROFILE=FILE: the app's server runs under cProfile, written to FILE when it stops.
    profile = (
        ["-m", "cProfile", "-o", os.environ["BENCH_LIVE_PROFILE"]]
        if factory and "BENCH_LIVE_PROFILE" in os.environ
        else []
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *profile,
        "-m",
        "uvicorn",
        *args,
        "--log-level",
        "warning",
        cwd=REPO,
        env={**os.environ, **env},
    )
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            else:
                raise TimeoutError(f"{target} did not start")
        yield Server(process.pid, port)
    finally:
        if profile:
            process.send_signal(signal.SIGINT)  # a clean exit, so that cProfile writes its file
        else:
            process.terminate()
        await process.wait()


async def seed(url: str, voters: int) -> tuple[int, list[int], list[str]]:
    """One upcoming show with a setlist of SONGS songs; `voters` users with a token each."""
    import asyncpg

    from tests.benchmarks.seeding import seed_setlist

    db = await asyncpg.connect(url)
    try:
        seeded = await seed_setlist(db, songs=SONGS, users=voters, with_tokens=voters)
    finally:
        await db.close()
    return seeded.setlist, seeded.entries, [token for _, token in seeded.tokens]


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Figures:
    opened: int = 0
    open_seconds: float = 0.0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)  # from the event's request
    from_commit: list[float] = field(default_factory=list)  # the project: from the vote's publish
    missing: int = 0
    bad: int = 0
    rss_kb: int = 0
    trigger: list[float] = field(default_factory=list)  # the event request's own round trip

    @property
    def rate(self) -> float:
        return self.opened / self.open_seconds if self.open_seconds else 0.0

    def percentile(self, values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * max(SIZES) + 1024
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(wanted, soft)), hard))


async def main() -> list[Row]:
    import httpx
    from redis.asyncio import Redis

    from app.api.ids import encode_id
    from app.platform.db import migrate
    from app.setlists.events import channel_for
    from tests.support.databases import create_database, drop_database
    from tests.support.redis_server import RedisServer

    raise_fd_limit()
    name = f"theset_bench_live_{uuid.uuid4().hex[:10]}"
    url = await create_database(name)
    figures: dict[tuple[int, str], Figures] = {}
    try:
        await migrate(url)
        setlist, entries, tokens = await seed(url, voters=len(SIZES) * EVENTS + 1)
        setlist_gid = encode_id("Setlist", setlist)
        votes = iter(zip(tokens, [encode_id("SetlistSong", e) for e in entries] * len(tokens), strict=False))
        with RedisServer() as redis:
            env = {"DATABASE_URL": url, "REDIS_URL": redis.url, "LOG_LEVEL": "WARNING", "ENVIRONMENT": "development"}
            async with (
                uvicorn_server("app.main:server_app", env, factory=True) as api,
                uvicorn_server("tests.benchmarks.bench_live:bare_app", {}) as bare,
                uvicorn_server("tests.benchmarks.bench_live:protocol_app", {}) as protocol,
                httpx.AsyncClient(timeout=60) as http,
            ):
                servers = {"gql": api, "bare": bare, "protocol": protocol}
                ws_urls = {
                    "gql": f"ws://127.0.0.1:{api.port}/graphql",
                    "bare": f"ws://127.0.0.1:{bare.port}/ws",
                    "protocol": f"ws://127.0.0.1:{protocol.port}/graphql",
                }
                clients = [await Client.start() for _ in range(CLIENTS)]
                # Watches the setlist's channel: when each vote's change was published (commit time).
                published: list[float] = []
                observer = Redis.from_url(redis.url)
                pubsub = observer.pubsub()
                await pubsub.subscribe(f"theset:{channel_for(setlist)}")

                async def watch() -> None:
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            published.append(time.monotonic())

                watcher = asyncio.create_task(watch())
                try:
                    fired = {"gql": 0, "bare": 0}

                    async def fire(kind: str, n: int) -> tuple[float, float]:
                        """Send the event's request; (sent at, round trip)."""
                        started = time.monotonic()
                        if kind == "bare":
                            body = json.dumps(
                                {
                                    "id": "1",
                                    "type": "next",
                                    "payload": {
                                        "data": {
                                            "voteCounts": {
                                                "setlistId": setlist_gid,
                                                "sequence": n,
                                                "kind": "VOTE",
                                                "songs": [{"setlistSongId": "U2V0bGlzdFNvbmc6MTI=", "votes": 1}],
                                            }
                                        }
                                    },
                                },
                                separators=(",", ":"),
                            )
                            response = await http.post(f"http://127.0.0.1:{bare.port}/broadcast", content=body)
                        else:
                            token, song = next(votes)
                            response = await http.post(
                                f"http://127.0.0.1:{api.port}/graphql",
                                json={"query": VOTE_QUERY, "variables": {"id": song}},
                                headers={"authorization": f"Bearer {token}"},
                            )
                            assert "errors" not in response.json(), response.text
                        return started, time.monotonic() - started

                    async def event(kind: str, into: Figures | None) -> None:
                        for client in clients:
                            await client.send(op="wait", kind=kind, timeout=EVENT_TIMEOUT)
                        fired[kind] += 1
                        published_before = len(published)
                        sent, round_trip = await fire(kind, fired[kind])
                        answers = [await client.answer() for client in clients]
                        # The project's commit: when its change (published right after the COMMIT)
                        # reached Redis's subscribers. The bare broadcast starts on its request.
                        while kind == "gql" and len(published) == published_before:
                            await asyncio.sleep(0.001)
                        committed = published[published_before] if kind == "gql" else sent
                        if into is not None:
                            into.trigger.append(round_trip)
                            for answer in answers:
                                into.latencies += [t - sent for t in answer["times"]]
                                into.from_commit += [t - committed for t in answer["times"]]
                                into.missing += answer["missing"]
                                into.bad = max(into.bad, answer["bad"])
                        await asyncio.sleep(0.1)

                    async def open_chunk(kind: str, count: int, into: Figures) -> None:
                        shares = [count // CLIENTS + (i < count % CLIENTS) for i in range(CLIENTS)]
                        started = time.monotonic()
                        for client, share in zip(clients, shares, strict=True):
                            await client.send(op="open", kind=kind, url=ws_urls[kind], count=share, setlist=setlist_gid)
                        answers = [await client.answer() for client in clients]
                        into.open_seconds += time.monotonic() - started
                        into.opened += sum(a["opened"] for a in answers)
                        into.failed += sum(a["failed"] for a in answers)
                        for a in answers:
                            if a["why"]:
                                print(f"  {kind}: failed opens {a['why']}", flush=True)

                    # Warm up both servers (imports, caches, the first connections), then the baselines.
                    warm = {kind: Figures() for kind in servers}
                    for kind in servers:
                        await open_chunk(kind, CLIENTS, warm[kind])
                        if kind != "protocol":  # it only opens: no events
                            await event(kind, None)
                    await asyncio.sleep(0.5)
                    rss0 = {kind: server.rss_kb() for kind, server in servers.items()}
                    opened = CLIENTS
                    for size in SIZES:
                        current = {kind: Figures() for kind in servers}
                        while opened < size:
                            count = min(CHUNK, size - opened)
                            for kind in ("bare", "gql", "protocol"):
                                await open_chunk(kind, count, current[kind])
                            opened += count
                        await asyncio.sleep(0.5)
                        for kind, server in servers.items():
                            current[kind].rss_kb = server.rss_kb() - rss0[kind]
                        for _ in range(EVENTS):
                            for kind in ("bare", "gql"):
                                await event(kind, current[kind])
                        for kind in servers:
                            figures[size, kind] = current[kind]
                        print(
                            f"  {size}: "
                            + "; ".join(
                                f"{kind}"
                                + (f" p99 {f.percentile(f.from_commit, 0.99):.0f} ms," if f.latencies else "")
                                + f" {f.rate:.0f} subs/s, {f.rss_kb / size:.1f} KB/sub"
                                for kind, f in current.items()
                            ),
                            flush=True,
                        )
                finally:
                    watcher.cancel()
                    await pubsub.aclose()
                    await observer.aclose()
                    await asyncio.gather(*(client.stop() for client in clients))
    finally:
        await drop_database(name)
    return _rows(figures)


def _rows(figures: dict[tuple[int, str], Figures]) -> list[Row]:
    rows: list[Row] = []
    for size in SIZES:
        gql, bare, protocol = figures[size, "gql"], figures[size, "bare"], figures[size, "protocol"]
        # Subscribers opened in this size's step, for the rate; all `size` of them hold the memory.
        rows += [
            Row(
                f"live {size}",
                "delivery p50 / p99 (ms, from commit / from the bare POST)",
                f"{gql.percentile(gql.from_commit, 0.5):.0f} / {gql.percentile(gql.from_commit, 0.99):.0f}",
                f"{bare.percentile(bare.latencies, 0.5):.0f} / {bare.percentile(bare.latencies, 0.99):.0f}",
                _ratio(gql.percentile(gql.from_commit, 0.99), bare.percentile(bare.latencies, 0.99)),
                "p99 <= 1.5x bare",
            ),
            Row(
                f"live {size}",
                "delivery p50 / p99 (ms, from the vote request / the bare POST)",
                f"{gql.percentile(gql.latencies, 0.5):.0f} / {gql.percentile(gql.latencies, 0.99):.0f}",
                f"{bare.percentile(bare.latencies, 0.5):.0f} / {bare.percentile(bare.latencies, 0.99):.0f}",
                _ratio(gql.percentile(gql.latencies, 0.99), bare.percentile(bare.latencies, 0.99)),
            ),
            Row(
                f"live {size}",
                "event request round trip p50 (ms: vote / POST)",
                f"{gql.percentile(gql.trigger, 0.5):.1f}",
                f"{bare.percentile(bare.trigger, 0.5):.1f}",
            ),
            Row(
                f"live {size}",
                "subscriptions opened per second",
                f"{gql.rate:.0f}",
                f"{bare.rate:.0f}",
                _ratio(gql.rate, bare.rate),
                ">= 0.5x bare",
            ),
            Row(
                f"live {size}",
                "subscriptions opened per second: graphql-transport-ws alone, no GraphQL (ceiling)",
                f"{protocol.rate:.0f}",
                f"{bare.rate:.0f}",
                _ratio(protocol.rate, bare.rate),
            ),
            Row(
                f"live {size}",
                "subscriptions opened per second: the project against that ceiling",
                f"{gql.rate:.0f}",
                f"{protocol.rate:.0f}",
                _ratio(gql.rate, protocol.rate),
            ),
            Row(
                f"live {size}",
                "server RSS per subscriber (KB)",
                f"{gql.rss_kb / size:.1f}",
                f"{bare.rss_kb / size:.1f}",
                _ratio(gql.rss_kb, bare.rss_kb),
                "<= 50 KB",
            ),
            Row(
                f"live {size}",
                "failed opens; missing deliveries; non-next messages",
                f"{gql.failed}; {gql.missing}; {gql.bad}",
                f"{bare.failed}; {bare.missing}",
                "",
                "0; 0; 0",
            ),
        ]
    return rows


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}" if baseline else "-"


if __name__ == "__main__":
    if "--client" in sys.argv:
        asyncio.run(_client())
    else:
        started = time.monotonic()
        print_table(asyncio.run(main()))
        print(f"({time.monotonic() - started:.0f} s)")
