"""The show page, the vote and `{ __typename }` over HTTP, against stock Strawberry peers in the same run.

Two uvicorn processes (one worker each, the same flags): TheSet with production settings
(PostgreSQL in a throwaway database, a private redis-server) and the stock peer
(tests/benchmarks/peers/stock.py, over the same seeded rows). Load: Debian's wrk, one thread and
BENCH_CONNECTIONS (8) connections for BENCH_SECONDS (8) s per figure, driven by wrk/requests.lua
from request files written here (bearer tokens and ids rotate per request); the vote SQL alone
by pgbench with 8 clients. Every figure runs once per round, TheSet and its peer one after the
other, in BENCH_ROUNDS (2) rounds; rows give both absolute figures and the ratio per round as
min-max. Beside each vote figure, the CPU time each vote cost the server process, PostgreSQL and
Redis (from /proc, over the figure's 8 s). docs/benchmarks.md explains the method and how to read the rows.

Run: `.venv/bin/python -m tests.benchmarks bench_http` (or `make bench` for every benchmark).
About 3-4 minutes. Installs wrk and pgbench first when missing (scripts/bench-tools.sh).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):  # run as a script: make the repository's `tests` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import asyncpg
import httpx

from app.api.ids import encode_id
from app.platform.db import migrate
from app.setlists.service import VOTE_SQL
from tests.benchmarks.processes import Server, cpu_seconds, postgres_pids
from tests.benchmarks.report import Row, print_table
from tests.benchmarks.seeding import seed_shows, seed_users
from tests.support.databases import create_database, drop_database
from tests.support.redis_server import RedisServer, free_port

REPO = Path(__file__).resolve().parents[2]
LUA_SCRIPT = Path(__file__).parent / "wrk" / "requests.lua"

SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
WARM_UP_SECONDS = 1
ACTS = 4
SONGS = 25
HOT_SONGS = 3
PGBENCH_CLIENTS = 8
VOTE_BUDGET = 100  # VOTES_PER_SHOW's largest value: a voter's file votes for all SONGS
# No pgbench vote repeats a (voter, song) pair, with five times fewer voters to seed than one vote each.
PGBENCH_VOTES_PER_VOTER = 5
# Signed-in readers of the show page: their tokens rotate, so every request looks its viewer up.
READERS = 1_000
# Sizes of the request files. A figure that sends more requests than its file holds starts over
# (votes then fail as repeats, cold show pages hit shows already read); the rows say so.
COLD_SHOWS_PER_ROUND = int(os.environ.get("BENCH_COLD_SHOWS", "6000"))
MAX_VOTES_PER_SECOND = int(os.environ.get("BENCH_MAX_VOTE_RATE", "2500"))
MAX_PGBENCH_TPS = int(os.environ.get("BENCH_MAX_PGBENCH_TPS", "12000"))

GRAPHQL = REPO / "graphql"
SHOW_PAGE = (GRAPHQL / "ShowPageWithSetlist.graphql").read_text()
VOTE = (GRAPHQL / "Vote.graphql").read_text()
ME = (GRAPHQL / "Me.graphql").read_text()
_BEARER = re.compile(r"Authorization: Bearer (\S+)")  # a request line's token
THESET, PEER, PGBENCH = "TheSet", "stock peer", "pgbench"


# --- requests: one line each of a file wrk/requests.lua reads --------------------------------------


def post(document: str, variables: dict[str, str] | None = None, token: str | None = None) -> str:
    body: dict[str, object] = {"query": document}
    if variables is not None:
        body["variables"] = variables
    headers = ["Content-Type: application/json", *([f"Authorization: Bearer {token}"] if token else [])]
    return "\t".join(["POST", "/graphql", json.dumps(body, separators=(",", ":")), *headers])


def get(document: str, variables: dict[str, str], headers: list[str]) -> str:
    query = urlencode({"query": document, "variables": json.dumps(variables, separators=(",", ":"))})
    return "\t".join(["GET", f"/graphql?{query}", "", "Accept: application/json", *headers])


def show_page(show: int, token: str | None = None) -> str:
    return post(SHOW_PAGE, {"id": encode_id("Show", show)}, token)


def vote(entry: int, token: str) -> str:
    return post(VOTE, {"setlistSongId": encode_id("SetlistSong", entry)}, token)


# --- what is measured --------------------------------------------------------------------------------


@dataclass
class Figure:
    """One load run, repeated once per round: the requests of round `r` are `lines(r)` (pgbench: none)."""

    key: str
    server: str  # THESET, PEER or PGBENCH
    lines: Callable[[int], list[str]] = lambda _: []
    expected_status: int = 200
    enabled: bool = True  # False: shown as n/a (what it measures does not exist yet)
    once: bool = False  # each request is meant to be sent once: the row says when the file started over


@dataclass
class Measure:
    """One figure of one round, from wrk's (or pgbench's) summary."""

    rate: float
    p99_ms: float
    requests: int = 0
    failed: int = 0  # unexpected status, GraphQL errors, socket errors
    wrapped: int = 0  # times the request file started over
    # CPU microseconds per request, by process: the server under load ("app"), "postgres", "redis".
    cpu_us: dict[str, float] = field(default_factory=dict)


@dataclass
class Comparison:
    """A row: figure `value` of each round against figure `baseline` of the same round."""

    label: str
    value: str
    baseline: str
    baseline_label: str
    target: str = ""


@dataclass
class Plan:
    """The seeded rows and tokens the request files are made of."""

    shows: list[int]
    entries: list[int]
    readers: list[str]
    voters: list[tuple[int, str]]  # (user, token) for the vote files, each used by one file only
    pgbench_users: list[int]
    caching: bool = False  # the server answered the show page with an ETag
    etag: str = ""
    _next_voter: int = 0

    def take_voters(self, count: int) -> list[tuple[int, str]]:
        taken = self.voters[self._next_voter : self._next_voter + count]
        if len(taken) < count:
            raise RuntimeError("not enough seeded voters: raise VOTERS")
        self._next_voter += count
        return taken

    def cold_shows(self, round_: int) -> list[int]:
        """A slice of shows no earlier round read (the first show is the one read warm and voted on)."""
        start = 1 + round_ * COLD_SHOWS_PER_ROUND
        return self.shows[start : start + COLD_SHOWS_PER_ROUND]

    def vote_lines(self, songs: list[int], seconds: int = SECONDS) -> Callable[[int], list[str]]:
        """Votes by voters of their own (one file each), every (voter, song) pair once."""

        def lines(_: int) -> list[str]:
            votes = MAX_VOTES_PER_SECOND * seconds
            voters = [token for _, token in self.take_voters(math.ceil(votes / len(songs)))]
            rng = random.Random(votes)
            orders = [rng.sample(songs, len(songs)) for _ in voters]
            # Voter after voter, each through their own order of the songs: no voter has two votes in
            # flight at once (the stock vote would refuse the second as a taken slot), songs come at random.
            return [
                vote(order[n], token) for n in range(len(songs)) for token, order in zip(voters, orders, strict=True)
            ]

        return lines


def figures(plan: Plan) -> list[Figure]:
    """Every figure of a round, in the order a round runs them: each TheSet figure next to its peer's."""
    main_show, hot = plan.shows[0], plan.entries[:HOT_SONGS]

    def signed_in(shows: Callable[[int], list[int]]) -> Callable[[int], list[str]]:
        def lines(round_: int) -> list[str]:
            return [show_page(show, plan.readers[n % READERS]) for n, show in enumerate(shows(round_))]

        return lines

    # Shows read once per round, so that a response cache (once there is one) misses every time.
    cold = signed_in(plan.cold_shows)
    return [
        Figure("show signed in cold", THESET, cold, once=True),
        Figure("show", PEER, cold, once=True),
        Figure("show anonymous", THESET, lambda _: [show_page(main_show)]),
        Figure("show signed in warm", THESET, signed_in(lambda _: [main_show]), enabled=plan.caching),
        Figure("vote spread", THESET, plan.vote_lines(plan.entries), once=True),
        Figure("vote spread", PEER, plan.vote_lines(plan.entries), once=True),
        Figure("vote hot", THESET, plan.vote_lines(hot), once=True),
        Figure("vote hot", PEER, plan.vote_lines(hot), once=True),
        Figure("typename", THESET, lambda _: [post("{ __typename }")]),
        Figure("hello", PEER, lambda _: [post("{ hello }")]),
        Figure(
            "revalidate 304",
            THESET,
            lambda _: [get(SHOW_PAGE, {"id": encode_id("Show", main_show)}, [f"If-None-Match: {plan.etag}"])],
            expected_status=304,
            enabled=plan.caching,
        ),
        Figure("vote sql", PGBENCH),
    ]


# The rows `make bench` prints: add a figure above and a comparison here for a new one.
COMPARISONS = [
    Comparison(
        f"ShowPageWithSetlist ({SONGS} songs, {ACTS} acts), signed in, cold cache",
        f"{THESET}: show signed in cold",
        f"{PEER}: show",
        "stock, same document from memory",
        ">= 0.6",
    ),
    Comparison(
        "ShowPageWithSetlist, signed in, warm cache (n/a until responses carry an ETag)",
        f"{THESET}: show signed in warm",
        f"{PEER}: show",
        "stock, same document from memory",
        ">= 1.5",
    ),
    Comparison(
        "ShowPageWithSetlist, anonymous",
        f"{THESET}: show anonymous",
        f"{PEER}: show",
        "stock, same document from memory",
    ),
    Comparison(
        "ShowPageWithSetlist, anonymous, vs { hello }",
        f"{THESET}: show anonymous",
        f"{PEER}: hello",
        "stock { hello }",
        ">= 0.5 once cached",
    ),
    Comparison(
        f"Vote, spread over {SONGS} songs",
        f"{THESET}: vote spread",
        f"{PEER}: vote spread",
        "stock vote (token by hash, VOTE_SQL)",
        ">= 1.0",
    ),
    Comparison(
        f"Vote, {HOT_SONGS} hot songs",
        f"{THESET}: vote hot",
        f"{PEER}: vote hot",
        "stock vote (token by hash, VOTE_SQL)",
        ">= 1.0",
    ),
    Comparison("Vote, hot / spread", f"{THESET}: vote hot", f"{THESET}: vote spread", "TheSet spread", ">= 0.85"),
    Comparison("{ __typename }", f"{THESET}: typename", f"{PEER}: hello", "stock { hello }", ">= 0.9"),
    Comparison(
        "304 revalidation, GET + If-None-Match (n/a until responses carry an ETag)",
        f"{THESET}: revalidate 304",
        f"{PEER}: hello",
        "stock { hello }",
        ">= 0.8",
    ),
    Comparison(
        "the limit: Vote spread vs VOTE_SQL alone",
        f"{THESET}: vote spread",
        f"{PGBENCH}: vote sql",
        f"pgbench, {PGBENCH_CLIENTS} clients",
    ),
]


# --- load tools --------------------------------------------------------------------------------------


def ensure_tools() -> None:
    if not (shutil.which("wrk") and shutil.which("pgbench")):
        subprocess.run([REPO / "scripts" / "bench-tools.sh"], check=True)


def cpu_per_request(processes: dict[str, list[int]], before: dict[str, float], requests: int) -> dict[str, float]:
    """Each process group's CPU microseconds per request since `before` (its cpu_seconds then)."""
    return {name: (cpu_seconds(pids) - before[name]) * 1e6 / max(requests, 1) for name, pids in processes.items()}


async def run_wrk(port: int, lines: list[str], expected_status: int, seconds: int, workdir: Path) -> Measure:
    requests = workdir / "requests.tsv"
    requests.write_text("\n".join(lines) + "\n")
    process = await asyncio.create_subprocess_exec(
        *("wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "-s", str(LUA_SCRIPT)),
        *(f"http://127.0.0.1:{port}/graphql", "--", str(requests), str(expected_status)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    summary = next((line for line in out.decode().splitlines() if line.startswith("BENCH_JSON ")), None)
    if process.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode()}{out.decode()}")
    data = json.loads(summary.removeprefix("BENCH_JSON "))
    failed = data["unexpected_status"] + data["graphql_errors"] + data["socket_errors"]
    return Measure(
        rate=data["requests"] / (data["duration_us"] / 1e6),
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        failed=failed,
        wrapped=data["wrapped"],
    )


def pgbench_script(entries: list[int], users: list[int]) -> str:
    """VOTE_SQL for the next (voter, song) of a per-client counter: each voter votes once in each
    of PGBENCH_VOTES_PER_VOTER equal parts of the setlist, for a random song of that part."""
    assert entries == list(range(entries[0], entries[0] + len(entries))), "the setlist's songs have consecutive ids"
    assert users == list(range(users[0], users[0] + len(users)))
    part = len(entries) // PGBENCH_VOTES_PER_VOTER
    params = {"1": "now()", "2": ":voter", "3": ":song", "4": "current_date", "5": str(VOTE_BUDGET)}
    sql = re.sub(r"\$(\d)", lambda m: params[m.group(1)], " ".join(VOTE_SQL.split()))
    return (
        f"\\set k :n * {PGBENCH_CLIENTS} + :client_id\n"
        "\\set n :n + 1\n"
        f"\\set voter {users[0]} + (:k / {PGBENCH_VOTES_PER_VOTER}) % {len(users)}\n"
        f"\\set song {entries[0]} + (:k % {PGBENCH_VOTES_PER_VOTER}) * {part} + random(0, {part - 1})\n"
        f"{sql};\n"
    )


async def run_pgbench(url: str, script: str, seconds: int, workdir: Path) -> Measure:
    path = workdir / "vote.sql"
    path.write_text(script)
    process = await asyncio.create_subprocess_exec(
        *("pgbench", "-n", "-M", "prepared", f"-c{PGBENCH_CLIENTS}", "-j1", f"-T{seconds}", "-D", "n=0"),
        *("-f", str(path), url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    text = out.decode()
    tps = re.search(r"^tps = ([\d.]+)", text, re.MULTILINE)
    processed = re.search(r"actually processed: (\d+)", text)
    latency = re.search(r"latency average = ([\d.]+) ms", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    if process.returncode != 0 or not (tps and processed and latency):
        raise RuntimeError(f"pgbench failed ({process.returncode}): {err.decode()}{text}")
    return Measure(
        rate=float(tps.group(1)),
        p99_ms=float(latency.group(1)),  # pgbench gives the average only
        requests=int(processed.group(1)),
        failed=int(failed.group(1)) if failed else 0,
    )


# --- the servers -------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def uvicorn_server(target: str, env: dict[str, str]) -> AsyncIterator[Server]:
    """One uvicorn process, one worker, the same flags for TheSet and the peer, once it listens."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "uvicorn", target, "--factory", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", "1", "--no-access-log", "--log-level", "warning"),
        cwd=REPO,
        env={**os.environ, **env},
    )
    try:
        # uvicorn listens only once the app's startup finished: an open port is a ready server.
        deadline = time.monotonic() + 60
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"{target} exited with {process.returncode}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{target} did not start") from None
                await asyncio.sleep(0.1)
                continue
            writer.close()
            break
        yield Server(process.pid, port)  # one worker: uvicorn serves in this process itself
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def send(http: httpx.AsyncClient, port: int, line: str) -> httpx.Response:
    """One request of a request file, sent with httpx (to check answers before measuring)."""
    method, path, body, *headers = line.split("\t")
    return await http.request(
        method,
        f"http://127.0.0.1:{port}{path}",
        content=body.encode() or None,
        headers=[tuple(part.strip() for part in header.split(":", 1)) for header in headers],
    )


async def check_answers(http: httpx.AsyncClient, port: int, server: str, lines: list[str], expected: int) -> None:
    """Fail before measuring when a request is answered with an error: a fast error is no figure."""
    for line in lines:
        response = await send(http, port, line)
        if response.status_code != expected or b'"errors"' in response.content:
            raise RuntimeError(f"{server} answered {response.status_code}: {response.text[:500]}")


# --- the run -----------------------------------------------------------------------------------------


async def main() -> list[Row]:
    ensure_tools()
    name = f"theset_bench_http_{uuid.uuid4().hex[:10]}"
    url = await create_database(name)
    results: dict[str, list[Measure]] = {}
    try:
        await migrate(url)
        started = time.monotonic()
        plan = await seed(url)
        print(f"seeded in {time.monotonic() - started:.1f} s", flush=True)
        with RedisServer() as redis, tempfile.TemporaryDirectory(prefix="bench_http_") as tmp:
            theset_env = {
                "ENVIRONMENT": "production",
                "DATABASE_URL": url,
                "REDIS_URL": redis.url,
                "LOG_LEVEL": "WARNING",
                # Each vote file's voter votes for every song of the setlist: a budget that holds them
                # (the budget check runs the same whatever its size; the stock vote passes the same).
                "VOTES_PER_SHOW": str(VOTE_BUDGET),
            }
            async with (
                uvicorn_server("app.main:server_app", theset_env) as theset,
                uvicorn_server("tests.benchmarks.peers.stock:create_app", {"DATABASE_URL": url}) as peer,
            ):
                results = await measure(plan, url, {THESET: theset, PEER: peer}, Path(tmp), redis_pid=redis.pid)
        drift = await count_drift(url, plan)
    finally:
        await drop_database(name)
    return rows(results, drift)


async def seed(url: str) -> Plan:
    db = await asyncpg.connect(url)
    try:
        seeded = await seed_shows(db, shows=1 + ROUNDS * COLD_SHOWS_PER_ROUND, acts=ACTS, songs=SONGS)
        # Per round and server, a spread file and a hot file of votes, each with voters of its own,
        # so that no (voter, song) pair comes twice and no voter nears the per-user rate limit.
        votes = MAX_VOTES_PER_SECOND * SECONDS
        per_round = 2 * (math.ceil(votes / SONGS) + math.ceil(votes / HOT_SONGS))
        warm_up = 2 * math.ceil(MAX_VOTES_PER_SECOND * WARM_UP_SECONDS / SONGS) + 2
        signed_in = READERS + ROUNDS * per_round + warm_up
        pgbench = ROUNDS * math.ceil(MAX_PGBENCH_TPS * SECONDS / PGBENCH_VOTES_PER_VOTER)
        users, tokens = await seed_users(db, users=signed_in + pgbench, with_tokens=signed_in)
        await db.execute("ANALYZE")  # plans for the seeded sizes, as a long-running database has them
    finally:
        await db.close()
    return Plan(
        shows=seeded.shows,
        entries=seeded.entries,
        readers=[token for _, token in tokens[:READERS]],
        voters=tokens[READERS:],
        pgbench_users=users[signed_in:],
    )


async def measure(
    plan: Plan, url: str, servers: dict[str, Server], workdir: Path, redis_pid: int | None
) -> dict[str, list[Measure]]:
    main_show = plan.shows[0]
    ports = {name: server.port for name, server in servers.items()}
    async with httpx.AsyncClient(timeout=30) as http:
        # An ETag on the anonymous show page over GET: caching has landed, its rows light up.
        probe = await send(http, ports[THESET], get(SHOW_PAGE, {"id": encode_id("Show", main_show)}, []))
        if probe.status_code != 200 or b'"errors"' in probe.content:
            raise RuntimeError(f"{THESET} answered the show page over GET with {probe.status_code}: {probe.text[:500]}")
        plan.etag = probe.headers.get("etag", "")
        plan.caching = bool(plan.etag)
        round_figures = figures(plan)
        # Warm-up, not measured: first-call costs, connection pools, PostgreSQL's buffers.
        for server, port in ports.items():
            warm_votes = plan.vote_lines(plan.entries, WARM_UP_SECONDS)(0)
            probe_vote, warm_votes = warm_votes[:1], warm_votes[1:]
            await check_answers(http, port, server, [show_page(main_show, plan.readers[0]), *probe_vote], 200)
            await run_wrk(port, [show_page(main_show, token) for token in plan.readers], 200, WARM_UP_SECONDS, workdir)
            await run_wrk(port, warm_votes, 200, WARM_UP_SECONDS, workdir)
        results: dict[str, list[Measure]] = {}
        pgbench_users = len(plan.pgbench_users) // ROUNDS
        for round_ in range(ROUNDS):
            for figure in round_figures:
                if not figure.enabled:
                    continue
                key = f"{figure.server}: {figure.key}"
                print(f"  round {round_ + 1}/{ROUNDS}: {key} ...", flush=True)
                await stand_in_for_autovacuum(url)
                if figure.server == PGBENCH:
                    users = plan.pgbench_users[round_ * pgbench_users : (round_ + 1) * pgbench_users]
                    measured = await run_pgbench(url, pgbench_script(plan.entries, users), SECONDS, workdir)
                else:
                    port = ports[figure.server]
                    if figure.expected_status == 304:  # the votes since the probe moved the ETag on
                        fresh = await send(http, port, get(SHOW_PAGE, {"id": encode_id("Show", main_show)}, []))
                        plan.etag = fresh.headers.get("etag", "")
                    lines = figure.lines(round_)
                    if figure.server == THESET and figure.key.startswith("vote"):
                        await open_the_app(http, port, lines)
                    await check_answers(http, port, figure.server, lines[:1], figure.expected_status)
                    processes = {
                        "app": [servers[figure.server].pid],
                        "postgres": postgres_pids(),  # the pools' backends: connected since the warm-up
                        "redis": [redis_pid] if redis_pid else [],
                    }
                    before = {name: cpu_seconds(pids) for name, pids in processes.items()}
                    measured = await run_wrk(port, lines[1:] or lines, figure.expected_status, SECONDS, workdir)
                    measured.cpu_us = cpu_per_request(processes, before, measured.requests)
                    if not figure.once:
                        measured.wrapped = 0  # one request sent over and over is the point
                results.setdefault(key, []).append(measured)
    return results


async def open_the_app(http: httpx.AsyncClient, port: int, lines: list[str]) -> None:
    """Each voter of a vote file asks `Me` once before the figure: fans are signed in and have opened the
    app before they vote, so their tokens are in TheSet's token cache as they would be.

    Without it the hot file (three votes per voter, so thousands of voters in 8 s) measured token
    look-ups, not contended rows: every one of its votes was its voter's first. The stock vote has
    no cache to warm.
    """
    tokens = sorted({match.group(1) for line in lines if (match := _BEARER.search(line))})
    gate = asyncio.Semaphore(CONNECTIONS)

    async def me(token: str) -> None:
        async with gate:
            response = await send(http, port, post(ME, None, token))
        if response.status_code != 200 or b'"errors"' in response.content:
            raise RuntimeError(f"Me answered {response.status_code}: {response.text[:300]}")

    await asyncio.gather(*(me(token) for token in tokens))


async def stand_in_for_autovacuum(url: str) -> None:
    """VACUUM ANALYZE the tables the votes write, when the server's autovacuum is off (as on the CI machines).

    Every figure then starts from the statistics and the cleaned pages a production server keeps: without
    them, the vote statement's plans are made for the empty `user_votes` of the seed and scan it whole
    once it holds thousands of rows, so each figure would run slower than the one before it.
    """
    db = await asyncpg.connect(url)
    try:
        if await db.fetchval("SHOW autovacuum") == "off":
            await db.execute("VACUUM ANALYZE user_votes, setlist_songs")
    finally:
        await db.close()


@dataclass
class Drift:
    songs_off: int  # songs of the voted setlist whose `votes` differs from their count of vote rows
    votes: int
    vote_rows: int


async def count_drift(url: str, plan: Plan) -> Drift:
    db = await asyncpg.connect(url)
    try:
        row = await db.fetchrow(
            "SELECT count(*) FILTER (WHERE ss.votes <> rows.n) AS off, coalesce(sum(ss.votes), 0) AS votes,"
            " coalesce(sum(rows.n), 0) AS vote_rows FROM setlist_songs ss,"
            " LATERAL (SELECT count(*) AS n FROM user_votes uv WHERE uv.setlist_song_id = ss.id) AS rows"
            " WHERE ss.id = ANY($1::int[])",
            plan.entries,
        )
    finally:
        await db.close()
    return Drift(songs_off=row["off"], votes=row["votes"], vote_rows=row["vote_rows"])


# --- the rows ----------------------------------------------------------------------------------------


def _span(values: list[float], fmt: str = "{:.0f}") -> str:
    low, high = fmt.format(min(values)), fmt.format(max(values))
    return low if low == high else f"{low}-{high}"


def _describe(key: str, measures: list[Measure]) -> str:
    if key.startswith(PGBENCH):
        return f"{_span([m.rate for m in measures])} tps, avg {_span([m.p99_ms for m in measures], '{:.1f}')} ms"
    text = f"{_span([m.rate for m in measures])} req/s, p99 {_span([m.p99_ms for m in measures], '{:.1f}')} ms"
    wrapped = sum(m.wrapped for m in measures)
    return f"{text} (request file started over {wrapped}x)" if wrapped else text


def _cpu(measures: list[Measure]) -> str:
    spans = [_span([m.cpu_us[name] for m in measures]) for name in ("app", "postgres", "redis")]
    return " + ".join(spans) + " us"


def rows(results: dict[str, list[Measure]], drift: Drift) -> list[Row]:
    setup = f"wrk -t1 -c{CONNECTIONS} -d{SECONDS}s, {ROUNDS} rounds"
    table: list[Row] = []
    for comparison in COMPARISONS:
        value, baseline = results.get(comparison.value), results.get(comparison.baseline)
        if not value or not baseline:
            table.append(Row("http", comparison.label, "n/a", comparison.baseline_label, "n/a", comparison.target))
            continue
        ratios = [v.rate / b.rate for v, b in zip(value, baseline, strict=True) if b.rate]
        table.append(
            Row(
                "http",
                comparison.label,
                _describe(comparison.value, value),
                f"{comparison.baseline_label}: {_describe(comparison.baseline, baseline)}",
                _span(ratios, "{:.2f}") if ratios else "-",
                comparison.target,
            )
        )
    for kind in ("spread", "hot"):
        theset, peer = results.get(f"{THESET}: vote {kind}", []), results.get(f"{PEER}: vote {kind}", [])
        if theset and peer:
            table.append(
                Row(
                    "http",
                    f"Vote p99 ({kind}, {CONNECTIONS} connections)",
                    f"{max(m.p99_ms for m in theset):.1f} ms",
                    f"stock vote: {max(m.p99_ms for m in peer):.1f} ms",
                    "",
                    "<= 25 ms",
                )
            )
            table.append(
                Row(
                    "http",
                    f"CPU per vote ({kind}): server + PostgreSQL + Redis (ratio: the servers')",
                    _cpu(theset),
                    f"stock vote: {_cpu(peer)}",
                    _span([t.cpu_us["app"] / p.cpu_us["app"] for t, p in zip(theset, peer, strict=True)], "{:.2f}"),
                    "",
                )
            )
    table.append(
        Row(
            "http",
            "votes == count(user_votes) on the voted setlist",
            f"{drift.songs_off} songs off",
            f"{drift.votes} votes, {drift.vote_rows} vote rows",
            "",
            "0 songs off",
        )
    )
    failures = "; ".join(
        f"{key} {sum(m.failed for m in measures)}"
        for key, measures in results.items()
        if any(m.failed for m in measures)
    )
    table.append(Row("http", f"failed requests ({setup})", failures or "none", "", "", "none"))
    return table


if __name__ == "__main__":
    started = time.monotonic()
    print_table(asyncio.run(main()))
    print(f"({time.monotonic() - started:.0f} s)")
