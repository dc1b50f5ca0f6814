"""A frozen Redis (SIGSTOP: connections accepted, nothing answered) under the API's request-path callers.

Each caller gives up within the client's timeouts or the guard's deadline and takes its fallback;
while the guard cools down after that, the callers do not send to Redis at all.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from redis_server import RedisServer

from app.platform.broker import BrokerUnavailable, RedisBroker
from app.platform.cache import RedisCache
from app.platform.quotas import MemoryCounter, RedisCounter
from app.platform.redis_client import RedisGuard, create_redis
from app.settings import Settings

TIMEOUT = 0.2  # the client's socket and connect timeouts here
COOLDOWN = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[RedisServer]:
    with RedisServer() as running:
        yield running


@pytest.fixture
async def redis(server: RedisServer) -> AsyncIterator[Redis]:
    settings = Settings(
        environment="test",
        redis_url=server.url,
        redis_socket_timeout_seconds=TIMEOUT,
        redis_connect_timeout_seconds=TIMEOUT,
    )
    client = create_redis(settings)
    await client.ping()  # connected before the freeze, like a running API process
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(clock: Clock) -> RedisGuard:
    return RedisGuard(deadline_seconds=2 * TIMEOUT, cooldown_seconds=COOLDOWN, clock=clock)


async def test_the_limits_count_in_process_while_redis_is_frozen_and_skip_it_while_cooling_down(
    server: RedisServer, redis: Redis, guard: RedisGuard, clock: Clock
) -> None:
    counter = RedisCounter(redis, MemoryCounter(), guard)
    key = f"test:{uuid.uuid4().hex}"
    assert (await counter.hit(key, 60))[0] == 1  # counted in Redis

    server.pause()
    try:
        frozen = [(await counter.hit(f"{key}:frozen", 60))[0] for _ in range(3)]
        failures_while_frozen = guard.failures
    finally:
        server.resume()
    cooling = (await counter.hit(f"{key}:frozen", 60))[0]
    clock.now += COOLDOWN
    again = (await counter.hit(key, 60))[0]

    assert frozen == [1, 2, 3]  # this process's counts
    assert failures_while_frozen == 1  # one timeout; the next two calls were not sent
    assert cooling == 4  # still skipping Redis until the cooldown ends, though it answers again
    assert again == 2  # the cooldown over, Redis counts again where it left off
    assert guard.failures == 1


async def test_the_guard_deadline_ends_a_call_the_client_would_wait_on_forever(
    server: RedisServer, guard: RedisGuard
) -> None:
    unbounded = Redis.from_url(server.url)  # no socket timeout: only the guard's deadline ends the wait
    counter = RedisCounter(unbounded, MemoryCounter(), guard)
    try:
        await unbounded.ping()
        server.pause()
        try:
            hits, _ = await counter.hit(f"test:{uuid.uuid4().hex}", 60)
        finally:
            server.resume()
    finally:
        await unbounded.aclose()

    assert hits == 1
    assert guard.failures == 1


async def test_the_cache_misses_while_redis_is_frozen(server: RedisServer, redis: Redis, guard: RedisGuard) -> None:
    cache = RedisCache(redis, guard)
    key = f"test:{uuid.uuid4().hex}"
    await cache.set(key, b"answer", 60)

    server.pause()
    try:
        missed = await cache.get(key)
        await cache.set(key, b"newer", 60)  # dropped, not raised
        skipped = await cache.get(key)
    finally:
        server.resume()

    assert (missed, skipped) == (None, None)
    assert guard.failures == 1
    assert await redis.get(key) == b"answer"


async def test_publishing_gives_up_while_redis_is_frozen(server: RedisServer, redis: Redis, guard: RedisGuard) -> None:
    broker = RedisBroker(redis, prefix=f"test:{uuid.uuid4().hex}:", timeout=5.0, guard=guard)
    await broker.start()
    try:
        server.pause()
        try:
            with pytest.raises(BrokerUnavailable):
                await broker.publish_numbered("setlist:1", b"{", b"}")
            with pytest.raises(BrokerUnavailable):
                await broker.publish_numbered("setlist:1", b"{", b"}")
            with pytest.raises(BrokerUnavailable):
                await broker.sequence("setlist:1")
        finally:
            server.resume()
    finally:
        await broker.stop()

    # The first publish met the timeout (the client's, well before the broker's own 5 s); the rest
    # were not sent.
    assert guard.failures == 1


async def test_the_broker_reconnecting_ends_the_cooldown(server: RedisServer, redis: Redis, guard: RedisGuard) -> None:
    # Subscribers take fresh snapshots right after the reconnection: their reads must go through.
    broker = RedisBroker(redis, prefix=f"test:{uuid.uuid4().hex}:", backoff=(0.05, 0.1), guard=guard)
    await broker.start()
    try:
        async with broker.subscribe("setlist:1"):
            server.kill()
            with pytest.raises(BrokerUnavailable):
                await broker.publish_numbered("setlist:1", b"{", b"}")
            cooling = guard.cooling_down
            server.start()
            deadline = time.monotonic() + 10
            while broker.reconnects == 0:
                assert time.monotonic() < deadline, "the broker never reconnected"
                await asyncio.sleep(0.05)
            recovered = not guard.cooling_down
            sequence = await broker.sequence("setlist:1")
    finally:
        await broker.stop()

    assert (cooling, recovered) == (True, True)
    assert sequence == 0  # the restarted Redis is empty, and answered at once
