"""Tortoise's asyncpg engine with a pool whose waits give up: `"engine": "app.platform.pg_engine"`.

asyncpg's pool waits for a free connection for as long as it takes. With PostgreSQL hung, every
pooled connection sits in a statement until its command_timeout, and the requests queued behind them
waited one timeout after another (12 requests on 3 connections: 5 s with a 1 s timeout). Here taking
a connection from the pool, and handing it back, give up after `pool_timeout` seconds too.

Both also skip asyncpg's machinery when there is nothing to wait for: a free connection is taken,
and a clean one handed back, without a timer or a task (docs/decisions/0006-performance-facts.md).
These overrides read asyncpg's private pool state; the lock file pins the asyncpg they were written for.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.pool import Pool, PoolAcquireContext
from tortoise.backends.asyncpg.client import AsyncpgDBClient


class _WaitingPool(Pool):  # type: ignore[misc]  # asyncpg is untyped
    def __init__(self, *args: Any, wait_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wait_timeout = wait_timeout

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        # The acquire timeout is also release()'s default (asyncpg records it with the connection).
        return super().acquire(timeout=self.wait_timeout if timeout is None else timeout)

    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109  # asyncpg's own signature
        if timeout is None or self._queue.empty():
            return await super()._acquire(timeout)
        # A connection is free, so there is no wait to bound (opening one has its own connect
        # timeout): taken without arming a timer. Its release still gives up after `timeout`.
        proxy = await super()._acquire(None)
        proxy._holder._timeout = timeout
        return proxy

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109  # asyncpg's
        holder = getattr(connection, "_holder", None)
        if holder is not None and holder._pool is self and self._clean(connection._con, holder):
            self._check_init()
            # Nothing to roll back, cancel, close or reset: the hand-back cannot suspend, so it needs
            # neither asyncpg's shielded task (one more task and loop turn per query) nor a timer.
            connection._con._on_release()
            await holder.release(None)
            return
        await super().release(connection, timeout=timeout)

    def _clean(self, con: Any, holder: Any) -> bool:
        """Whether asyncpg's release of `con` would only put it back (the checks its release makes)."""
        if con is None or con.is_closed() or self._reset is not None or con.get_reset_query():
            return False
        protocol = con._protocol
        return bool(
            not protocol.is_in_transaction()
            and con._top_xact is None
            and not protocol._is_cancelling()
            and protocol.queries_count < self._max_queries
            and holder._generation == self._generation
        )


class TimedAsyncpgDBClient(AsyncpgDBClient):
    def __init__(self, *args: Any, pool_timeout: float | str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool_timeout = float(pool_timeout)

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        # What asyncpg.create_pool does (with its defaults), with the pool class above.
        kwargs.setdefault("max_queries", 50_000)
        kwargs.setdefault("max_inactive_connection_lifetime", 300.0)
        kwargs.setdefault("record_class", asyncpg.Record)
        pool: asyncpg.Pool = await _WaitingPool(None, wait_timeout=self.pool_timeout, **kwargs)
        return pool


client_class = TimedAsyncpgDBClient
