"""Tortoise's asyncpg engine with a pool whose waits give up: `"engine": "app.platform.pg_engine"`.

asyncpg's pool waits for a free connection for as long as it takes. With PostgreSQL hung, every
pooled connection sits in a statement until its command_timeout, and the requests queued behind them
waited one timeout after another (12 requests on 3 connections: 5 s with a 1 s timeout). Here taking
a connection from the pool, and handing it back, give up after `pool_timeout` seconds too.
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
