"""The API's Redis pool hands out idle connections at once and replaces one left with an unread reply."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection

from app.platform.redis_client import create_redis
from app.settings import Settings


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    redis = create_redis(Settings(environment="test", redis_url=redis_url))
    await redis.ping()  # one connection made and handed back
    yield redis
    await redis.aclose()


@pytest.fixture
def key() -> str:
    return f"test:pool:{uuid.uuid4().hex}"


async def test_an_idle_connection_is_handed_out_without_reading_from_it(
    client: Redis, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = 0
    check = AbstractConnection.can_read_destructive

    async def counting(self: AbstractConnection) -> bool:
        nonlocal reads
        reads += 1
        return await check(self)

    monkeypatch.setattr(AbstractConnection, "can_read_destructive", counting)
    await client.set(key, b"one", ex=60)
    assert await client.get(key) == b"one"
    assert reads == 0


async def test_a_connection_left_with_an_unread_reply_is_replaced(client: Redis, key: str) -> None:
    await client.set(f"{key}:a", b"stale", ex=60)
    await client.set(f"{key}:b", b"fresh", ex=60)
    pool: Any = client.connection_pool
    connection = await pool.get_connection()
    await connection.send_command("GET", f"{key}:a")  # its reply is never read
    await pool.release(connection)
    for _ in range(100):  # until the reply has arrived in the connection's buffer
        if connection._reader._buffer:
            break
        await asyncio.sleep(0.01)
    assert connection._reader._buffer, "the unread reply never arrived"

    assert await client.get(f"{key}:b") == b"fresh"
