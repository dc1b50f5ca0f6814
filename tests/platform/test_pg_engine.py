"""The pool behind Tortoise: waits give up; taking a free connection or handing back a clean one arms nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from app.platform.db import NoResetConnection
from app.platform.pg_engine import _WaitingPool

WAIT_SECONDS = 0.3


@pytest.fixture
async def pool(postgres_url: str) -> AsyncIterator[Any]:
    # As TimedAsyncpgDBClient.create_pool makes it for app.platform.db.
    opened = await _WaitingPool(
        postgres_url,
        wait_timeout=WAIT_SECONDS,
        min_size=1,
        max_size=1,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=NoResetConnection,
        record_class=asyncpg.Record,
    )
    try:
        yield opened
    finally:
        await opened.close()


class _Calls:
    """Counts the calls of one of the running loop's methods (`call_at`: timers; `create_task`: tasks)."""

    def __init__(self, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        loop = asyncio.get_running_loop()
        method = getattr(loop, name)

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return method(*args, **kwargs)

        monkeypatch.setattr(loop, name, counting)


async def test_a_free_connection_is_taken_without_arming_a_timer(pool: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    timers = _Calls("call_at", monkeypatch)
    async with pool.acquire() as connection:
        assert timers.count == 0
        assert await connection.fetchval("SELECT 1") == 1


async def test_a_connection_taken_free_keeps_the_wait_timeout_for_its_release(pool: Any) -> None:
    async with pool.acquire() as connection:
        # What asyncpg's release() bounds its clean-up with (a cancelled statement's wait, a rollback).
        assert connection._holder._timeout == WAIT_SECONDS


async def test_waiting_for_a_busy_pool_gives_up_after_the_wait_timeout(pool: Any) -> None:
    async with pool.acquire():
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimeoutError):
            async with pool.acquire():
                pass
        waited = asyncio.get_running_loop().time() - started
        assert WAIT_SECONDS - 0.05 <= waited < WAIT_SECONDS + 2  # gave up, neither at once nor never
    async with pool.acquire() as connection:  # handed back: free again
        assert await connection.fetchval("SELECT 1") == 1


async def test_a_clean_connection_is_handed_back_without_a_task_or_a_timeout(
    pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with pool.acquire() as connection:
        await connection.fetchval("SELECT 1")
        tasks, timers = _Calls("create_task", monkeypatch), _Calls("call_at", monkeypatch)
    assert (tasks.count, timers.count) == (0, 1)  # the one timer: asyncpg's close of a connection left idle
    async with pool.acquire() as connection:  # handed back: the one connection is free again
        assert await connection.fetchval("SELECT 2") == 2


async def test_a_release_that_must_roll_back_survives_its_callers_cancellation(pool: Any) -> None:
    connection = await pool.acquire()
    backend = await connection.fetchval("SELECT pg_backend_pid()")
    await connection.execute("BEGIN")

    release = asyncio.ensure_future(pool.release(connection))
    await asyncio.sleep(0)  # the release runs up to its first wait: the ROLLBACK on the wire
    release.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await release

    async with pool.acquire() as again:  # rolled back and kept, not terminated half-way
        assert not again.is_in_transaction()
        assert await again.fetchval("SELECT pg_backend_pid()") == backend
