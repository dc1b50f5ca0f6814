"""Helpers for the fault tests: a TCP proxy that can cut a service off, and the data invariants.

async with TcpProxy("127.0.0.1", 5432) as proxy:   # clients connect to proxy.port
    await proxy.cut()                                # listener closed, live connections reset
    await proxy.restore()                            # listening again on the same port
    proxy.stall()                                    # connections accepted, nothing forwarded: a hung server
    proxy.resume()                                   # forwarding again, what was held included
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.jobs import Job, JobResult
from servers import TEST_WORKER_ENV, THESET, stop
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from app.catalog.models import Artist, Show, Song, Venue
from app.setlists.models import Setlist, SetlistSong, UserVote

CHUNK = 64 * 1024


class TcpProxy:
    """A TCP forwarder in the test's event loop, on a fixed local port kept across cut() and restore().

    cut() closes the listener and resets every live connection, so clients see what they would see
    when the server's host goes away: connections reset, new ones refused at once.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    @property
    def connections(self) -> int:
        """Client connections open through the proxy right now."""
        return len(self._pipes)

    async def start(self) -> None:
        # SO_REUSEADDR (asyncio's default on Unix) lets restore() bind the port again at once.
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            _reset(writer)
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def restore(self) -> None:
        if self._server is None:
            await self.start()

    def stall(self) -> None:
        """Keep every connection open, accept new ones, and forward nothing: the peer hangs, not dies."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        self._writers.add(client_writer)
        try:
            await self._flowing.wait()  # a stalled server accepts, and nothing more
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(client_writer)
            self._pipes.discard(task)
            self._writers.discard(client_writer)
            return
        except asyncio.CancelledError:
            self._pipes.discard(task)
            self._writers.discard(client_writer)
            raise
        self._writers.add(upstream_writer)
        flowing = self._flowing
        try:
            await asyncio.gather(
                _pump(client_reader, upstream_writer, flowing), _pump(upstream_reader, client_writer, flowing)
            )
        finally:
            for writer in (client_writer, upstream_writer):
                self._writers.discard(writer)
                writer.close()
            self._pipes.discard(task)

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.cut()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(CHUNK):
            await flowing.wait()
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN (SO_LINGER 0), as a crashed or unplugged peer looks."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# --- invariants ---------------------------------------------------------------------------------

# Every natural key of the data: one row per key, whatever crashed or raced.
NATURAL_KEYS: list[tuple[str, tuple[str, ...]]] = [
    (Artist._meta.db_table, ("ticketmaster_id",)),
    (Artist._meta.db_table, ("spotify_id",)),
    (Artist._meta.db_table, ("slug",)),
    (Venue._meta.db_table, ("ticketmaster_id",)),
    (Show._meta.db_table, ("ticketmaster_id",)),
    (Song._meta.db_table, ("spotify_id",)),
    (Setlist._meta.db_table, ("show_id",)),
    (SetlistSong._meta.db_table, ("setlist_id", "song_id")),
    (UserVote._meta.db_table, ("user_id", "setlist_song_id")),
]


async def invariant_violations(conn: BaseDBAsyncClient | None = None) -> list[str]:
    """What is wrong with the data: votes that differ from their user_votes, half-written bills, duplicate keys."""
    conn = conn or connections.get("default")
    problems: list[str] = []
    _, rows = await conn.execute_query(
        "SELECT s.id, s.votes, (SELECT count(*) FROM user_votes v WHERE v.setlist_song_id = s.id) AS counted"
        " FROM setlist_songs s"
    )
    problems += [
        f"setlist_songs {row['id']}: votes {row['votes']} but {row['counted']} user_votes"
        for row in rows
        if row["votes"] != row["counted"]
    ]
    # Written with its page or not at all, which no constraint enforces: each show's bill runs
    # 0, 1, 2… with its headliner first.
    _, rows = await conn.execute_query(
        "SELECT s.id, array_agg(sa.billing_order ORDER BY sa.billing_order) AS orders,"
        " bool_or(sa.billing_order = 0 AND sa.artist_id = s.headliner_id) AS headlined"
        " FROM shows s LEFT JOIN show_artists sa ON sa.show_id = s.id GROUP BY s.id"
    )
    problems += [
        f"shows {row['id']}: bill {list(row['orders'])}{'' if row['headlined'] else ', headliner not first'}"
        for row in rows
        if list(row["orders"]) != list(range(len(row["orders"]))) or not row["headlined"]
    ]
    for table, key in NATURAL_KEYS:
        columns = ", ".join(key)
        _, rows = await conn.execute_query(
            f"SELECT {columns}, count(*) AS copies FROM {table}"  # names from the models, not input
            f" WHERE {' AND '.join(f'{column} IS NOT NULL' for column in key)}"
            f" GROUP BY {columns} HAVING count(*) > 1"
        )
        problems += [f"{table} ({columns}) = {tuple(row[c] for c in key)}: {row['copies']} rows" for row in rows]
    return problems


async def invariants_hold() -> bool:
    """votes == count(user_votes) for every setlist song, every bill whole, and no natural key names two rows.

    True, or an AssertionError naming every violation: `assert await invariants_hold()`.
    """
    problems = await invariant_violations()
    assert not problems, problems  # the message names every violation
    return True


# --- worker processes ---------------------------------------------------------------------------


def worker_env(
    *, database_url: str, redis_url: str, queue_name: str, ticketmaster_url: str, api_key: str
) -> dict[str, str]:
    """The environment of a `theset worker` syncing from the Ticketmaster emulator."""
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "WORKER_QUEUE_NAME": queue_name,
        "TICKETMASTER_BASE_URL": ticketmaster_url,
        "TICKETMASTER_API_KEY": api_key,
        "SYNC_MIN_UPCOMING_EVENTS": "0",
        "SYNC_PAGE_SIZE": "20",
        **TEST_WORKER_ENV,
    }


@contextlib.asynccontextmanager
async def worker_process(env: dict[str, str], log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`theset worker` in its own process, its log in `log` (read it when a test fails)."""
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(str(THESET), "worker", env=env, stdout=output, stderr=output)
    try:
        yield process
    finally:
        await stop(process)


async def job_outcome(job: Job, worker: asyncio.subprocess.Process, log: Path, timeout: float = 60) -> JobResult:
    """The result the worker records for `job`; fails at once, with the worker's log, if the worker dies.

    Polls the result key rather than Job.result(), which gives up on a job missing from the queue (as
    after Redis restarts empty while the job runs).
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while (info := await job.result_info()) is None:
        if worker.returncode is not None:
            raise AssertionError(f"the worker exited ({worker.returncode}):\n{log.read_text()[-3000:]}")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no result for {job.job_id} within {timeout} s:\n{log.read_text()[-3000:]}")
        await asyncio.sleep(0.2)
    return info


@contextlib.asynccontextmanager
async def arq_queue(redis_url: str, queue_name: str) -> AsyncIterator[ArqRedis]:
    """An arq pool for enqueueing onto `queue_name` (no retries of its own: the test's view of Redis)."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    try:
        yield pool
    finally:
        await pool.aclose()


async def enqueue(pool: ArqRedis, function: str, queue_name: str) -> Job:
    job = await pool.enqueue_job(function, _queue_name=queue_name)
    assert job is not None, "a job of that id is already queued"
    return job


async def until_shows_exist(timeout: float = 30) -> int:
    """Wait until a sync has written its first page of shows; how many there are then."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (count := await Show.all().count()) == 0:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no show written within {timeout} s")
        await asyncio.sleep(0.05)
    return count
