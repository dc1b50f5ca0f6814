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


LEASED = Limit(f"test:leased:{uuid.uuid4().hex}", 7, 60, "Too many", lease=5)


async def test_a_leased_limit_spends_its_reserved_hits_without_redis(redis: Redis) -> None:
    counter = RedisCounter(redis, MemoryCounter())
    subject = uuid.uuid4().hex
    for _ in range(5):
        await quotas.check(counter, LEASED, subject)
    assert counter.reserves.batches == 1  # one round trip reserved the five
    await quotas.check(counter, LEASED, subject)
    assert counter.reserves.batches == 2


async def test_a_leased_limit_is_exact_on_one_process(redis: Redis) -> None:
    counter = RedisCounter(redis, MemoryCounter())
    subject = uuid.uuid4().hex
    for _ in range(LEASED.count):
        await quotas.check(counter, LEASED, subject)

    with pytest.raises(RateLimited) as refused:
        await quotas.check(counter, LEASED, subject)

    assert 0 < refused.value.retry_after <= 60
    key = f"theset:limit:{LEASED.name}:{quotas.subject_key(subject)}"
    assert int(await redis.get(key)) == LEASED.count  # reserved no more than the limit


async def test_processes_leasing_one_limit_never_allow_more_than_it_together(redis: Redis) -> None:
    first, second = RedisCounter(redis, MemoryCounter()), RedisCounter(redis, MemoryCounter())
    subject = uuid.uuid4().hex
    allowed = 0
    for _ in range(3 * LEASED.count):
        for counter in (first, second):
            try:
                await quotas.check(counter, LEASED, subject)
            except RateLimited:
                continue
            allowed += 1
    assert allowed == LEASED.count  # 5 reserved by the first, the 2 left by the second


async def test_a_leased_limit_refused_by_redis_is_refused_until_its_window_ends(redis: Redis) -> None:
    clock = Clock()
    counter = RedisCounter(redis, MemoryCounter(), clock=clock)
    subject = uuid.uuid4().hex
    await quotas.check(counter, LEASED, subject)  # reserves 5, spends 1
    clock.now += 61  # this process's lease has ended with its window
    key = f"theset:limit:{LEASED.name}:{quotas.subject_key(subject)}"
    await redis.set(key, LEASED.count, ex=60)  # and other processes spent the new window

    with pytest.raises(RateLimited):
        await quotas.check(counter, LEASED, subject)
