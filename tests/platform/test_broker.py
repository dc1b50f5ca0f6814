"""The brokers on real Redis: fan-out across processes, one Redis subscription per process, bounded
queues, and what subscribers see when Redis crashes or hangs (a private redis-server for those).

Two `RedisBroker`s with separate clients stand for two processes. Every test uses its own channel
prefix, because the shared Redis also serves other test runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis_server import RedisServer

from app.platform.broker import OVERFLOW, RESYNC, BrokerUnavailable, InProcessBroker, Message, RedisBroker, Subscription
from app.resources import create_broker

# Long enough for a loaded machine, short enough that a lost message fails the test quickly.
RECEIVE_TIMEOUT = 2.0


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@contextlib.asynccontextmanager
async def running_broker(url: str, prefix: str, **options: Any) -> AsyncIterator[RedisBroker]:
    """A started RedisBroker on a Redis client of its own, like one API process."""
    redis = Redis.from_url(url)
    broker = RedisBroker(redis, prefix=prefix, **options)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()
        await redis.aclose()


@pytest.fixture
async def two_processes(redis_url: str, prefix: str) -> AsyncIterator[tuple[RedisBroker, RedisBroker]]:
    async with running_broker(redis_url, prefix) as first, running_broker(redis_url, prefix) as second:
        yield first, second


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A plain client to look at the server's side."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


async def receive(subscription: Subscription) -> Message:
    return await asyncio.wait_for(subscription.get(), RECEIVE_TIMEOUT)


def drain(subscription: Subscription) -> list[Message]:
    """Everything queued right now."""
    queued: list[Message] = []
    while not subscription._queue.empty():
        queued.append(subscription._queue.get_nowait())
    return queued


async def numsub(redis: Redis, channel: str) -> int:
    """How many connections Redis has subscribed to `channel`."""
    counts = dict(await redis.pubsub_numsub(channel))
    return int(counts[channel.encode()])


async def eventually(check: Callable[[], bool], timeout: float = RECEIVE_TIMEOUT) -> None:
    """Wait until `check()` holds, failing after `timeout`."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def wait_for_numsub(redis: Redis, channel: str, expected: int) -> None:
    """Poll NUMSUB: commands on different connections reach Redis in no set order."""
    deadline = time.monotonic() + RECEIVE_TIMEOUT
    while (count := await numsub(redis, channel)) != expected:
        assert time.monotonic() < deadline, f"NUMSUB {channel} is {count}, not {expected}"
        await asyncio.sleep(0.01)


# In-process broker: the embedded demo.


async def test_in_process_fans_out_to_every_subscriber_of_the_channel() -> None:
    broker = InProcessBroker()
    async with broker.subscribe("a") as first, broker.subscribe("a") as second, broker.subscribe("b") as other:
        await broker.publish("a", b"1")

        assert drain(first) == [b"1"]
        assert drain(second) == [b"1"]
        assert drain(other) == []


async def test_in_process_releases_the_subscriber_when_the_block_ends() -> None:
    broker = InProcessBroker()
    async with broker.subscribe("a"):
        assert (broker.subscriber_count, broker.channels) == (1, 1)
    with contextlib.suppress(RuntimeError):
        async with broker.subscribe("a"):
            raise RuntimeError("the client went away")

    assert (broker.subscriber_count, broker.channels) == (0, 0)


async def test_in_process_slow_subscriber_loses_its_backlog_for_overflow() -> None:
    broker = InProcessBroker()
    async with broker.subscribe("a", maxsize=2) as slow:
        for n in range(5):
            await broker.publish("a", b"%d" % n)

        assert drain(slow) == [OVERFLOW]


# Redis broker.


def test_create_broker_uses_redis_when_configured(redis_url: str) -> None:

    assert isinstance(create_broker(Redis.from_url(redis_url)), RedisBroker)
    assert isinstance(create_broker(None), InProcessBroker)


async def test_message_published_in_one_process_reaches_a_subscriber_in_another(
    two_processes: tuple[RedisBroker, RedisBroker],
) -> None:
    publisher, subscriber = two_processes
    async with subscriber.subscribe("votes") as subscription:
        await publisher.publish("votes", b"hello")

        assert await receive(subscription) == b"hello"
        assert subscriber.messages_received == 1


async def test_message_published_right_after_subscribe_returns_is_received(
    two_processes: tuple[RedisBroker, RedisBroker], redis_url: str, prefix: str
) -> None:
    # The live-counts ordering guarantee: subscribe, read a snapshot, miss nothing published after.
    # A broker just started has no connection yet, the widest window for a premature return; then
    # fresh channels on a connected broker, each waiting for a new SUBSCRIBE.
    publisher, subscriber = two_processes
    for n in range(5):
        async with running_broker(redis_url, prefix) as fresh, fresh.subscribe(f"new-{n}") as subscription:
            await publisher.publish(f"new-{n}", b"change")

            assert await receive(subscription) == b"change"
    for n in range(20):
        async with subscriber.subscribe(f"setlist-{n}") as subscription:
            await publisher.publish(f"setlist-{n}", b"change")

            assert await receive(subscription) == b"change"


async def test_local_subscribers_share_one_redis_subscription(
    two_processes: tuple[RedisBroker, RedisBroker], redis: Redis, prefix: str
) -> None:
    publisher, broker = two_processes
    channel = prefix + "votes"
    async with contextlib.AsyncExitStack() as stack:
        subscriptions = [await stack.enter_async_context(broker.subscribe("votes")) for _ in range(10)]

        assert await numsub(redis, channel) == 1
        assert (broker.subscriber_count, broker.channels) == (10, 1)

        await publisher.publish("votes", b"one")
        assert [await receive(s) for s in subscriptions] == [b"one"] * 10
        assert broker.messages_received == 1  # read once from Redis, delivered ten times

    await wait_for_numsub(redis, channel, 0)
    assert (broker.subscriber_count, broker.channels) == (0, 0)


async def test_the_redis_subscription_lasts_until_the_last_local_subscriber_leaves(
    two_processes: tuple[RedisBroker, RedisBroker], redis: Redis, prefix: str
) -> None:
    _, broker = two_processes
    channel = prefix + "votes"
    async with broker.subscribe("votes"):
        async with broker.subscribe("votes"):
            pass
        await asyncio.sleep(0.05)  # an UNSUBSCRIBE sent by mistake would have arrived by now

        assert await numsub(redis, channel) == 1

    await wait_for_numsub(redis, channel, 0)


async def test_slow_subscriber_overflows_while_a_fast_one_receives_everything_in_order(
    two_processes: tuple[RedisBroker, RedisBroker],
) -> None:
    publisher, broker = two_processes
    sent = [b"%d" % n for n in range(50)]
    async with broker.subscribe("votes", maxsize=5) as slow, broker.subscribe("votes", maxsize=100) as fast:
        for message in sent:
            await publisher.publish("votes", message)

        assert [await receive(fast) for _ in sent] == sent
        assert drain(slow)[0] is OVERFLOW


async def test_subscriber_is_told_to_resync_when_redis_comes_back(redis_server: RedisServer, prefix: str) -> None:
    async with (
        running_broker(redis_server.url, prefix, backoff=(0.05, 0.5)) as broker,
        broker.subscribe("votes") as subscription,
    ):
        await broker.publish("votes", b"before")
        assert await receive(subscription) == b"before"

        redis_server.kill()
        started = time.monotonic()
        with pytest.raises(BrokerUnavailable):
            await broker.publish("votes", b"lost")
        assert time.monotonic() - started < 1.5
        await eventually(lambda: not broker.connected)

        # Nobody new can be promised every message while Redis is gone: refuse, in bounded time.
        started = time.monotonic()
        with pytest.raises(BrokerUnavailable):
            async with broker.subscribe("other"):
                pass
        assert time.monotonic() - started < 1.5

        redis_server.start()

        assert await receive(subscription) is RESYNC
        # RESYNC comes after the re-subscription is confirmed: whatever follows is delivered.
        await broker.publish("votes", b"after")
        assert await receive(subscription) == b"after"
        assert (broker.connected, broker.reconnects) == (True, 1)


async def test_hung_redis_times_out_publish_and_is_detected_by_the_reader(
    redis_server: RedisServer, prefix: str
) -> None:
    async with (
        running_broker(redis_server.url, prefix, backoff=(0.05, 0.5), health_check_interval=0.2) as broker,
        broker.subscribe("votes") as subscription,
    ):
        redis_server.pause()
        try:
            started = time.monotonic()
            with pytest.raises(BrokerUnavailable):
                await broker.publish("votes", b"lost")
            assert 0.9 < time.monotonic() - started < 1.5
            # No PONG for two health-check intervals: the reader gives the connection up.
            await eventually(lambda: not broker.connected)
        finally:
            redis_server.resume()

        assert await receive(subscription) is RESYNC
        await broker.publish("votes", b"after")
        assert await receive(subscription) == b"after"


@pytest.mark.parametrize("outage", ["killed", "hung"])
async def test_stop_returns_promptly_while_redis_is_down(redis_server: RedisServer, prefix: str, outage: str) -> None:
    async with running_broker(redis_server.url, prefix) as broker, broker.subscribe("votes"):
        if outage == "killed":
            redis_server.kill()
            await eventually(lambda: not broker.connected)
            await asyncio.sleep(0.3)  # into the reconnection backoff
        else:
            redis_server.pause()  # the reader is blocked on a connection that will never answer

        started = time.monotonic()
        await broker.stop()
        assert time.monotonic() - started < 2
        assert not broker.connected


async def test_numbered_messages_from_two_processes_arrive_in_number_order(
    two_processes: tuple[RedisBroker, RedisBroker],
) -> None:
    first, second = two_processes
    channel = f"numbered-{uuid.uuid4().hex}"
    async with second.subscribe(channel, maxsize=200) as subscription:
        numbers = await asyncio.gather(
            *(broker.publish_numbered(channel, b"n=", b";") for _ in range(50) for broker in (first, second))
        )
        received = [await receive(subscription) for _ in range(100)]

    assert sorted(numbers) == list(range(1, 101))
    assert received == [f"n={n};".encode() for n in range(1, 101)]
    assert await first.sequence(channel) == await second.sequence(channel) == 100


async def test_in_process_numbers_each_channel_on_its_own() -> None:
    broker = InProcessBroker()
    async with broker.subscribe("a") as subscription:
        await broker.publish_numbered("a", b"<", b">")
        await broker.publish_numbered("b", b"<", b">")
        await broker.publish_numbered("a", b"<", b">")

        assert [await receive(subscription), await receive(subscription)] == [b"<1>", b"<2>"]
    assert await broker.sequence("a") == 2
    assert await broker.sequence("b") == 1
