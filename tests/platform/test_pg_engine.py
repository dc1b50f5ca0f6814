"""The pool behind Tortoise: waits for a connection give up, and a free connection costs no timer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from app.platform.pg_engine import _WaitingPool

WAIT_SECONDS = 0.3


@pytest.fixture
async def pool(postgres_url: str) -> AsyncIterator[Any]:
    # asyncpg.create_pool's defaults, as TimedAsyncpgDBClient.create_pool passes them.
    opened = await _WaitingPool(
        postgres_url,
        wait_timeout=WAIT_SECONDS,
        min_size=1,
        max_size=1,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
    )
    try:
        yield opened
    finally:
        await opened.close()


class _Timers:
    """Counts the timers the running loop arms."""

    def __init__(self, loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch) -> None:
        self.armed = 0
        call_at = loop.call_at

        def counting(*args: Any, **kwargs: Any) -> asyncio.TimerHandle:
            self.armed += 1
            return call_at(*args, **kwargs)

        monkeypatch.setattr(loop, "call_at", counting)


async def test_a_free_connection_is_taken_without_arming_a_timer(pool: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    timers = _Timers(asyncio.get_running_loop(), monkeypatch)
    async with pool.acquire() as connection:
        assert timers.armed == 0
        assert await connection.fetchval("SELECT 1") == 1


async def test_a_connection_taken_free_is_still_released_within_the_wait_timeout(pool: Any) -> None:
    async with pool.acquire() as connection:
        # What asyncpg's release() bounds its clean-up with (a cancelled statement's wait, a rollback).
        assert connection._holder._timeout == WAIT_SECONDS


async def test_waiting_for_a_busy_pool_gives_up_after_the_wait_timeout(pool: Any) -> None:
    async with pool.acquire():
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimeoutError):
            async with pool.acquire():
                pass
        assert asyncio.get_running_loop().time() - started == pytest.approx(WAIT_SECONDS, abs=0.2)
    async with pool.acquire() as connection:  # handed back: free again
        assert await connection.fetchval("SELECT 1") == 1
