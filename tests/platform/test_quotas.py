"""Fixed-window counters, in this process and shared through Redis."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.errors import RateLimited
from app.platform import quotas
from app.platform.broker import RedisBroker
from app.platform.quotas import Limit, MemoryCounter, RedisCounter
from app.platform.redis_calls import RedisCalls

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
    assert counter.calls.round_trips == 1  # one round trip reserved the five
    await quotas.check(counter, LEASED, subject)
    assert counter.calls.round_trips == 2


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


def _key(limit: Limit, subject: str) -> str:
    return f"theset:limit:{limit.name}:{quotas.subject_key(subject)}"


async def test_a_refusal_by_redis_holds_until_the_window_ends_without_asking_again(redis: Redis) -> None:
    clock = Clock()
    counter = RedisCounter(redis, MemoryCounter(), clock=clock)
    subject = uuid.uuid4().hex
    await redis.set(_key(LEASED, subject), LEASED.count, ex=60)  # other processes spent the window
    for _ in range(3):
        with pytest.raises(RateLimited):
            await quotas.check(counter, LEASED, subject)

    assert counter.calls.round_trips == 1  # Redis said no once; the window cannot free a hit before it ends
    clock.now += 61
    await redis.delete(_key(LEASED, subject))  # the window ended in Redis too
    await quotas.check(counter, LEASED, subject)


async def test_a_first_hit_is_owed_and_paid_in_the_round_trip_of_the_publish_it_rides_with(redis: Redis) -> None:
    calls = RedisCalls(redis)
    counter, broker = RedisCounter(redis, MemoryCounter(), calls=calls), RedisBroker(redis, calls=calls)
    subject = uuid.uuid4().hex
    async with quotas.charged(counter, LEASED, subject) as charge:
        assert int(await redis.get(_key(LEASED, subject)) or 0) == 0  # admitted before Redis counted it
        number = await broker.publish_numbered(f"test:{subject}", b"", b"", charge.riders)
    assert (number, calls.round_trips) == (1, 1)  # publish and reservation in one script call
    assert int(await redis.get(_key(LEASED, subject))) == LEASED.lease

    for _ in range(LEASED.lease - 1):  # the rest of the lease: no round trip
        async with quotas.charged(counter, LEASED, subject) as charge:
            assert charge.riders == ()
    assert calls.round_trips == 1


async def test_an_owed_hit_nothing_carried_is_paid_when_its_block_ends_even_by_an_error(redis: Redis) -> None:
    counter = RedisCounter(redis, MemoryCounter())
    subject = uuid.uuid4().hex
    with pytest.raises(ZeroDivisionError):
        async with quotas.charged(counter, LEASED, subject):
            raise ZeroDivisionError  # a vote refused by the database publishes nothing

    assert int(await redis.get(_key(LEASED, subject))) == LEASED.lease
    assert counter.calls.round_trips == 1


async def test_one_hit_at_most_goes_unpaid_per_window_when_other_processes_spent_the_limit(redis: Redis) -> None:
    counter = RedisCounter(redis, MemoryCounter())
    subject = uuid.uuid4().hex
    await redis.set(_key(LEASED, subject), LEASED.count, ex=60)
    admitted: list[int] = []

    async def hit(n: int, first: asyncio.Event | None = None) -> None:
        try:
            async with quotas.charged(counter, LEASED, subject):
                admitted.append(n)
                if first is not None:
                    first.set()
                    await asyncio.sleep(0.05)  # the others arrive while this hit owes
        except RateLimited:
            pass

    first = asyncio.Event()
    owner = asyncio.create_task(hit(0, first))
    await first.wait()
    await asyncio.gather(*(hit(n) for n in range(1, 6)))
    await owner
    await hit(6)

    assert admitted == [0]  # the owed one; the rest waited for its answer (none left) and were refused
    assert int(await redis.get(_key(LEASED, subject))) == LEASED.count  # it reserved nothing past the limit
    assert counter.calls.round_trips == 1


async def test_a_first_hit_just_after_its_window_ends_here_asks_redis_before_it_is_admitted(redis: Redis) -> None:
    clock = Clock()
    counter = RedisCounter(redis, MemoryCounter(), clock=clock)
    subject = uuid.uuid4().hex
    for _ in range(LEASED.lease):  # the whole lease spent: a next hit in the window would be owed
        async with quotas.charged(counter, LEASED, subject):
            pass
    clock.now += 60.5  # past the window's end by this clock, but Redis rounds TTLs to whole seconds
    await redis.set(_key(LEASED, subject), LEASED.count, ex=1)  # and its window is still full

    with pytest.raises(RateLimited):
        async with quotas.charged(counter, LEASED, subject):
            pass


async def test_owed_hits_are_counted_here_and_refused_past_the_limit_while_redis_is_down() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    counter = RedisCounter(unreachable, MemoryCounter())
    subject = uuid.uuid4().hex
    admitted = 0
    try:
        for _ in range(LEASED.count + 2):
            with contextlib.suppress(RateLimited):
                async with quotas.charged(counter, LEASED, subject):
                    admitted += 1
    finally:
        await unreachable.aclose()

    assert admitted == LEASED.count


async def test_every_hit_on_one_process_rides_with_a_publish_and_the_limit_stays_exact(redis: Redis) -> None:
    calls = RedisCalls(redis)
    counter, broker = RedisCounter(redis, MemoryCounter(), calls=calls), RedisBroker(redis, calls=calls)
    subject = uuid.uuid4().hex
    for _ in range(LEASED.count):  # each lease spent, the next hit's reservation rides with its publish
        async with quotas.charged(counter, LEASED, subject) as charge:
            await broker.publish_numbered(f"test:{subject}", b"", b"", charge.riders)
    published = calls.round_trips

    with pytest.raises(RateLimited):  # this process reserved the whole window: refused without Redis
        async with quotas.charged(counter, LEASED, subject):
            pass

    assert published == LEASED.count  # one round trip per hit, its publish's
    assert calls.round_trips == published
    assert int(await redis.get(_key(LEASED, subject))) == LEASED.count


async def test_a_spent_lease_owes_its_next_hit_and_a_refusal_then_holds(redis: Redis) -> None:
    calls = RedisCalls(redis)
    counter, broker = RedisCounter(redis, MemoryCounter(), calls=calls), RedisBroker(redis, calls=calls)
    subject = uuid.uuid4().hex
    for _ in range(LEASED.lease):
        async with quotas.charged(counter, LEASED, subject) as charge:
            await broker.publish_numbered(f"test:{subject}", b"", b"", charge.riders)
    await redis.incrby(_key(LEASED, subject), LEASED.count - LEASED.lease)  # another process spent the rest

    async with quotas.charged(counter, LEASED, subject) as charge:  # owed: the one hit past the limit
        await broker.publish_numbered(f"test:{subject}", b"", b"", charge.riders)
    with pytest.raises(RateLimited):
        async with quotas.charged(counter, LEASED, subject):
            pass

    assert calls.round_trips == LEASED.lease + 1  # the refusal asked Redis nothing
    assert int(await redis.get(_key(LEASED, subject))) == LEASED.count
