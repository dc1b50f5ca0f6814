"""Vote throughput: end to end over HTTP against the same transaction sent straight to PostgreSQL.

In one run, interleaved (these machines are noisy, so only same-run ratios mean much: docs/benchmarks.md):
- end to end: Vote mutations over real HTTP/1.1 keep-alive connections to a uvicorn subprocess
  (one worker, or BENCH_WORKERS; the app as deployed: bearer token lookup, per-user rate limit, the
  vote transaction, the publish; Redis when reachable), many signed-in voters (tokens made beforehand);
- direct: the same vote transaction (the service's own SQL) from 8 asyncpg connections;
each with votes spread over 200 songs and piled on 10 hot songs. Prints votes/s, the ratios and the
p50/p99 latencies, and the stack's ceiling: `{ __typename }` requests/s through the same server.
A throwaway database is created and dropped.

Run: `.venv/bin/python -m tests.benchmarks bench_votes`, `.venv/bin/python -m tests.benchmarks.bench_votes`
or `.venv/bin/python tests/benchmarks/bench_votes.py`. About a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's `tests` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import asyncpg

from app.api.ids import encode_id
from app.platform.db import migrate
from app.setlists.service import ADD_VOTE_ROW_SQL, COUNT_SQL, VOTE_SQL
from app.settings import Settings
from tests.benchmarks.report import Row, print_table
from tests.benchmarks.seeding import seed_setlist
from tests.support.databases import create_database, drop_database
from tests.support.redis_server import free_port

VOTES_PER_SHOW = Settings.model_fields["votes_per_show"].default  # the vote statement's $5
SONGS = 200
HOT_SONGS = 10
VOTES_PER_USER = 10  # under the API's 30 votes/min per user, so no vote is rate limited
PHASE_SECONDS = 3.5
ROUNDS = 3
DIRECT_CLIENTS = 8  # PostgreSQL is no faster past ~8 connections on 2 cores (docs/decisions/0006-performance-facts.md)
# Voters in flight at once (a closed loop: latency ≈ connections / throughput).
HTTP_CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
# uvicorn worker processes (`theset serve --workers`); each one is a Python process of its own.
SERVER_WORKERS = os.environ.get("BENCH_WORKERS", "1")
E2E_USERS = 6_000
DIRECT_USERS = 30_000
VOTE_QUERY = "mutation Vote($id: ID!) { vote(setlistSongId: $id) { id votes } }"
# The stack's ceiling: the cheapest GraphQL request there is, through the same server and connections.
TRIVIAL_BODY = json.dumps({"query": "{ __typename }"}).encode()
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


class OutOfVoters(Exception):
    """Every (user, song) pair of this phase was used: the phase ends early."""


def _next(pairs: Iterator[tuple[int, int]]) -> tuple[int, int]:
    pair = next(pairs, None)
    if pair is None:
        raise OutOfVoters
    return pair


@dataclass
class Phase:
    """One timed run: how many votes succeeded, their latencies, and the failures."""

    votes: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.votes / self.seconds if self.seconds else 0.0


@dataclass
class Totals:
    phases: list[Phase] = field(default_factory=list)

    @property
    def rate(self) -> float:
        seconds = sum(p.seconds for p in self.phases)
        return sum(p.votes for p in self.phases) / seconds if seconds else 0.0

    def percentile(self, q: float) -> float:
        latencies = sorted(latency for p in self.phases for latency in p.latencies)
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

    @property
    def errors(self) -> int:
        return sum(p.errors for p in self.phases)


def _pairs(users: Iterator[int], songs: list[int]) -> Iterator[tuple[int, int]]:
    """(user, song) pairs never used before: each user votes for VOTES_PER_USER songs, spread round-robin."""
    for n, user in enumerate(users):
        start = (n * VOTES_PER_USER) % len(songs)
        for k in range(min(VOTES_PER_USER, len(songs))):
            yield user, songs[(start + k) % len(songs)]


# --- seeding -------------------------------------------------------------------------------------


# --- the two ways to vote ------------------------------------------------------------------------


async def run_phase(workers: list[Callable[[], Awaitable[float | None]]], seconds: float) -> Phase:
    """Run every worker in a loop for `seconds`; each call returns its latency, or None for a failure."""
    phase = Phase()
    deadline = time.perf_counter() + seconds

    async def loop(work: Callable[[], Awaitable[float | None]]) -> None:
        while time.perf_counter() < deadline:
            try:
                latency = await work()
            except OutOfVoters:
                return
            if latency is None:
                phase.errors += 1
            else:
                phase.votes += 1
                phase.latencies.append(latency)

    started = time.perf_counter()
    await asyncio.gather(*(loop(work) for work in workers))
    phase.seconds = time.perf_counter() - started
    return phase


def direct_workers(
    pool: list[asyncpg.Connection], pairs: Iterator[tuple[int, int]], *, two_statements: bool = False
) -> list[Callable[[], Awaitable[float | None]]]:
    """The vote transaction alone, as the service sends it (or as two statements), one connection per client."""
    # The service's vote transaction: the vote row, then the count.
    change, count = ADD_VOTE_ROW_SQL, COUNT_SQL.format(op="+", id="$2")

    def worker(conn: asyncpg.Connection) -> Callable[[], Awaitable[float | None]]:
        async def vote() -> float | None:
            user, entry = _next(pairs)
            now = dt.datetime.now(dt.UTC)
            started = time.perf_counter()
            if two_statements:
                async with conn.transaction():
                    if not await conn.fetch(change, now, user, entry, now.date(), VOTES_PER_SHOW):
                        return None
                    await conn.fetch(count, now, entry)
            elif not await conn.fetch(VOTE_SQL, now, user, entry, now.date(), VOTES_PER_SHOW):
                return None
            return time.perf_counter() - started

        return vote

    return [worker(conn) for conn in pool]


class HttpConnection:
    """A minimal HTTP/1.1 keep-alive client: the load generator must cost far less than the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int) -> None:
        self.reader, self.writer, self.port = reader, writer, port

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, port)

    async def post_json(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{self.port}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n{head}\r\n".encode()
            + body
        )
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def e2e_workers(
    connections: list[HttpConnection], pairs: Iterator[tuple[int, int]], tokens: dict[int, str]
) -> list[Callable[[], Awaitable[float | None]]]:
    """Vote mutations over HTTP, one keep-alive connection per voter in flight."""

    def worker(http: HttpConnection) -> Callable[[], Awaitable[float | None]]:
        async def vote() -> float | None:
            user, entry = _next(pairs)
            body = json.dumps({"query": VOTE_QUERY, "variables": {"id": encode_id("SetlistSong", entry)}}).encode()
            started = time.perf_counter()
            status, answer = await http.post_json("/graphql", body, {"authorization": f"Bearer {tokens[user]}"})
            latency = time.perf_counter() - started
            return latency if status == 200 and b'"errors"' not in answer else None

        return vote

    return [worker(http) for http in connections]


def trivial_workers(connections: list[HttpConnection]) -> list[Callable[[], Awaitable[float | None]]]:
    """`{ __typename }` over the same connections: no resolver, no database, no Redis."""

    def worker(http: HttpConnection) -> Callable[[], Awaitable[float | None]]:
        async def request() -> float | None:
            started = time.perf_counter()
            status, answer = await http.post_json("/graphql", TRIVIAL_BODY, {})
            latency = time.perf_counter() - started
            return latency if status == 200 and b'"errors"' not in answer else None

        return request

    return [worker(http) for http in connections]


# --- the server ----------------------------------------------------------------------------------


async def redis_reachable() -> bool:
    host, _, rest = REDIS_URL.removeprefix("redis://").partition(":")
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(rest.split("/")[0])), 1)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


@contextlib.asynccontextmanager
async def api_server(database_url: str, redis_url: str | None) -> AsyncIterator[int]:
    """uvicorn with the app, one worker, as `theset serve` runs it (less the access log)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", "ENVIRONMENT": "development"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:server_app",
        "--factory",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--workers",
        SERVER_WORKERS,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            await asyncio.sleep(0.05)
        yield port
    finally:
        process.terminate()
        await process.wait()


# --- the run -------------------------------------------------------------------------------------


async def main() -> list[Row]:
    name = f"theset_bench_votes_{uuid.uuid4().hex[:10]}"
    url = await create_database(name)
    redis_url = REDIS_URL if await redis_reachable() else None
    results = {(way, spread): Totals() for way in ("e2e", "direct") for spread in ("spread", "hot")}
    results["direct 2 statements", "spread"] = Totals()
    results["e2e { __typename }", "-"] = Totals()
    try:
        await migrate(url)
        db = await asyncpg.connect(url)
        try:
            seeded = await seed_setlist(db, songs=SONGS, users=E2E_USERS + DIRECT_USERS, with_tokens=E2E_USERS)
            entries, tokens, direct_users = seeded.entries, seeded.tokens, seeded.users[E2E_USERS:]
        finally:
            await db.close()
        token_of = dict(tokens)
        songs = {"spread": entries, "hot": entries[:HOT_SONGS]}
        e2e_users = iter([user for user, _ in tokens])
        direct_iter = iter(direct_users)
        pool = [await asyncpg.connect(url) for _ in range(DIRECT_CLIENTS)]
        async with api_server(url, redis_url) as port:

            async def e2e_phase(pairs: Iterator[tuple[int, int]] | None, seconds: float) -> Phase:
                """Votes from `pairs`, or `{ __typename }` requests when None."""
                # Fresh connections each phase: uvicorn closes keep-alive connections idle for 5 s.
                connections = [await HttpConnection.open(port) for _ in range(HTTP_CONNECTIONS)]
                workers = trivial_workers(connections) if pairs is None else e2e_workers(connections, pairs, token_of)
                try:
                    return await run_phase(workers, seconds)
                finally:
                    for http in connections:
                        http.close()

            # Warm-up (connections, caches, first-call costs), not measured.
            await e2e_phase(_pairs(e2e_users, entries), 1.0)
            await run_phase(direct_workers(pool, _pairs(direct_iter, entries)), 1.0)
            for _ in range(ROUNDS):
                for spread in ("spread", "hot"):
                    direct = direct_workers(pool, _pairs(direct_iter, songs[spread]))
                    results["direct", spread].phases.append(await run_phase(direct, PHASE_SECONDS))
                    e2e = await e2e_phase(_pairs(e2e_users, songs[spread]), PHASE_SECONDS)
                    results["e2e", spread].phases.append(e2e)
                two = direct_workers(pool, _pairs(direct_iter, entries), two_statements=True)
                results["direct 2 statements", "spread"].phases.append(await run_phase(two, PHASE_SECONDS))
                results["e2e { __typename }", "-"].phases.append(await e2e_phase(None, PHASE_SECONDS))
        check = pool[0]
        drift = await check.fetchval(
            "SELECT count(*) FROM (SELECT ss.id FROM setlist_songs ss LEFT JOIN user_votes uv"
            " ON uv.setlist_song_id = ss.id GROUP BY ss.id HAVING ss.votes <> count(uv.id)) AS wrong"
        )
        for conn in pool:
            await conn.close()
    finally:
        await drop_database(name)
    return _rows(results, drift, redis_url is not None)


def _rows(results: dict[tuple[str, str], Totals], drift: int, redis: bool) -> list[Row]:
    setup = f"{SERVER_WORKERS} uvicorn worker(s), {HTTP_CONNECTIONS} connections, {'Redis' if redis else 'no Redis'}"
    rows: list[Row] = []
    for spread, songs in (("spread", SONGS), ("hot", HOT_SONGS)):
        e2e, direct = results["e2e", spread], results["direct", spread]
        rows.append(
            Row(
                "votes",
                f"votes/s end to end, {songs} songs ({setup})",
                f"{e2e.rate:.0f}",
                f"{direct.rate:.0f} direct, same SQL ({DIRECT_CLIENTS} asyncpg clients)",
                _ratio(e2e.rate, direct.rate),
                ">= 0.50",
            )
        )
    two = results["direct 2 statements", "spread"]
    rows.append(
        Row(
            "votes",
            f"votes/s end to end, {SONGS} songs, vs the same transaction sent directly",
            f"{results['e2e', 'spread'].rate:.0f}",
            f"{two.rate:.0f} direct, BEGIN/INSERT/UPDATE/COMMIT",
            _ratio(results["e2e", "spread"].rate, two.rate),
        )
    )
    trivial = results["e2e { __typename }", "-"]
    rows.append(
        Row(
            "votes",
            f"the stack's ceiling: `{{ __typename }}` requests/s ({setup})",
            f"{trivial.rate:.0f}",
            f"{results['direct', 'spread'].rate:.0f} direct votes/s",
            _ratio(trivial.rate, results["direct", "spread"].rate),
            "",
        )
    )
    for way in ("e2e", "direct"):
        hot, spread = results[way, "hot"], results[way, "spread"]
        rows.append(
            Row(
                "votes",
                f"{way}: hot ({HOT_SONGS} songs) / spread ({SONGS} songs)",
                f"{hot.rate:.0f}",
                f"{spread.rate:.0f}",
                _ratio(hot.rate, spread.rate),
                ">= 0.85" if way == "e2e" else "",
            )
        )
    for (way, spread), totals in results.items():
        if spread == "-":
            continue
        rows.append(
            Row(
                "votes",
                f"{way} {spread}: latency p50 / p99 (ms)",
                f"{totals.percentile(0.5):.1f} / {totals.percentile(0.99):.1f}",
                "",
                "",
                "p99 <= 50" if way == "e2e" else "",
            )
        )
    per_phase = "; ".join(
        f"{way} {spread} " + "/".join(f"{p.rate:.0f}" for p in t.phases) for (way, spread), t in results.items()
    )
    rows.append(Row("votes", "votes/s per phase (interleaved rounds)", per_phase))
    errors = sum(t.errors for t in results.values())
    rows.append(Row("votes", "failed votes; songs whose count != vote rows", f"{errors}; {drift}", "", "", "0; 0"))
    return rows


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}" if baseline else "-"


if __name__ == "__main__":
    started = time.monotonic()
    print_table(asyncio.run(main()))
    print(f"({time.monotonic() - started:.0f} s)")
