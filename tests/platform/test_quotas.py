"""Fixed-window counters, in this process and shared through Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.errors import RateLimited
from app.platform import quotas
from app.platform.quotas import Limit, MemoryCounter, RedisCounter

LIMIT = Limit(f"test:{uuid.uuid4().hex}", 3, 60, "Too many")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_memory_counter_refuses_past_the_limit_until_the_window_ends() -> None:
    clock = Clock()
    counter = MemoryCounter(clock)
    for _ in range(3):
        await quotas.check(counter, LIMIT, "fan")

    with pytest.raises(RateLimited) as refused:
        await quotas.check(counter, LIMIT, "fan")
    await quotas.check(counter, LIMIT, "another fan")
    clock.now += 60
    await quotas.check(counter, LIMIT, "fan")

    assert refused.value.retry_after == pytest.approx(20.0)  # the window started at 960


async def test_redis_counter_is_shared_by_every_counter_on_the_same_redis(redis: Redis) -> None:
    first, second = RedisCounter(redis, MemoryCounter()), RedisCounter(redis, MemoryCounter())
    subject = uuid.uuid4().hex
    await quotas.check(first, LIMIT, subject)
    await quotas.check(second, LIMIT, subject)
    await quotas.check(first, LIMIT, subject)

    with pytest.raises(RateLimited) as refused:
        await quotas.check(second, LIMIT, subject)

    assert 0 < refused.value.retry_after <= 60
    key = f"theset:limit:{LIMIT.name}:{quotas.subject_key(subject)}"
    assert 0 < await redis.ttl(key) <= 60


async def test_redis_counter_falls_back_to_this_process_when_redis_is_down() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    fallback = MemoryCounter()
    counter = RedisCounter(unreachable, fallback)
    try:
        hits = [await counter.hit("key", 60) for _ in range(2)]
    finally:
        await unreachable.aclose()

    assert [count for count, _ in hits] == [1, 2]
