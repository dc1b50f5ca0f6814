"""The TTL cache of bytes: Redis shared by every process, or this process's bounded memory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.platform.cache import MemoryCache, RedisCache, create_cache


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_redis_cache_keeps_values_for_their_ttl(redis: Redis) -> None:
    cache = RedisCache(redis)
    key = f"theset:search:test:{uuid.uuid4().hex}"

    await cache.set(key, b"[]", 60)

    assert await cache.get(key) == b"[]"
    assert 0 < await redis.ttl(key) <= 60
    await redis.delete(key)


async def test_memory_cache_forgets_expired_and_oldest_entries() -> None:
    now = [0.0]
    cache = MemoryCache(clock=lambda: now[0], max_entries=2)
    await cache.set("old", b"1", 10)
    await cache.set("mid", b"2", 100)
    await cache.set("new", b"3", 100)

    assert await cache.get("old") is None  # evicted: over MAX_ENTRIES
    now[0] = 50.0
    assert await cache.get("mid") == b"2"
    now[0] = 100.0
    assert await cache.get("new") is None  # expired


async def test_create_cache_uses_redis_when_configured(redis: Redis) -> None:
    assert isinstance(create_cache(redis), RedisCache)
    assert isinstance(create_cache(None), MemoryCache)
