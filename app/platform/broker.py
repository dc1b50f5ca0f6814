"""Pub/sub for live updates: one interface, an in-process implementation (the embedded demo) and Redis.

A subscriber gets a bounded queue. A slow subscriber never delays the others: when its queue is
full it loses the backlog and receives `OVERFLOW` instead, the sign to fetch a fresh snapshot.

`RedisBroker` holds one Redis pub/sub connection per process, read by one task that hands each
message to this process's subscribers in memory (`LocalSubscribers`: one Redis subscription per
process, not one per subscriber; docs/decisions/0006-performance-facts.md). A channel is subscribed
in Redis while it has a local subscriber, and `subscribe()` returns only once Redis has confirmed
it, so a snapshot read afterwards misses no later message. When the connection drops, the reader
reconnects with backoff, re-subscribes, and then sends `RESYNC` to every local subscriber: whatever
was published meanwhile is lost, and a snapshot taken after `RESYNC` is complete again. `publish`
gives up after a short timeout with `BrokerUnavailable` (at once while the RedisGuard cools down
after an outage); callers log it and move on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Final, Protocol, TypeVar

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from app.platform import redis_calls
from app.platform.redis_calls import RedisCalls, Rider
from app.platform.redis_client import RedisGuard

T = TypeVar("T")

logger = logging.getLogger(__name__)

# Per-subscriber backlog bound: past it the subscriber is told to resynchronise, not buffered forever.
DEFAULT_QUEUE_SIZE = 100
# How many messages the Redis reader delivers between two yields to the event loop.
_YIELD_EVERY = 100


class BrokerUnavailable(Exception):
    """Redis did not take the message or the subscription in time; live updates are degraded."""


class _Marker:
    """A signal in a subscriber's stream, never a payload: compare with `is`."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


# The subscriber's queue overflowed and lost messages: fetch a fresh snapshot.
OVERFLOW: Final = _Marker("OVERFLOW")
# The broker lost its Redis connection and is subscribed again: fetch a fresh snapshot.
RESYNC: Final = _Marker("RESYNC")
Message = bytes | _Marker


class Subscription:
    """One subscriber's bounded queue on one channel."""

    def __init__(self, channel: str, maxsize: int = DEFAULT_QUEUE_SIZE) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[Message] = asyncio.Queue(maxsize)

    def deliver(self, message: Message) -> None:
        """Queue a message without waiting; on a full queue, drop the backlog and queue OVERFLOW."""
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(OVERFLOW)

    async def get(self) -> Message:
        """The next message or marker, waiting for one."""
        return await self._queue.get()

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        while True:
            yield await self._queue.get()


class Broker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, channel: str, message: bytes) -> None:
        """Send `message` to every subscriber of `channel`, in every process."""
        ...

    def subscribe(
        self, channel: str, maxsize: int = DEFAULT_QUEUE_SIZE
    ) -> contextlib.AbstractAsyncContextManager[Subscription]:
        """Register a subscriber; it is registered when the block starts and released when it ends."""
        ...

    async def publish_numbered(self, channel: str, head: bytes, tail: bytes, along: Sequence[Rider] = ()) -> int:
        """Publish `head + n + tail` where n is the channel's next sequence number; returns n.

        Numbering and publishing are one atomic step, so subscribers receive numbers in order.
        `along`: Redis calls to make in the same round trip, each told its answer or the failure;
        a broker without Redis leaves them untold, for their owners to make on their own.
        """
        ...

    async def sequence(self, channel: str) -> int:
        """The channel's last sequence number (0 before the first)."""
        ...

    @property
    def subscriber_count(self) -> int: ...

    @property
    def channels(self) -> int: ...

    @property
    def messages_received(self) -> int: ...

    @property
    def reconnects(self) -> int: ...

    @property
    def connected(self) -> bool: ...


class LocalSubscribers:
    """This process's subscribers by channel; every broker delivers to them through one of these."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}

    def deliver(self, channel: str, message: Message) -> None:
        for subscription in self._subscribers.get(channel, ()):
            subscription.deliver(message)

    def deliver_all(self, message: Message) -> None:
        for subscriptions in self._subscribers.values():
            for subscription in subscriptions:
                subscription.deliver(message)

    def add(self, subscription: Subscription) -> bool:
        """Register; True when this is the channel's first local subscriber."""
        subscribers = self._subscribers.setdefault(subscription.channel, set())
        subscribers.add(subscription)
        return len(subscribers) == 1

    def remove(self, subscription: Subscription) -> bool:
        """Unregister; True when the channel has no local subscriber left."""
        subscribers = self._subscribers.get(subscription.channel, set())
        subscribers.discard(subscription)
        if not subscribers:
            self._subscribers.pop(subscription.channel, None)
            return True
        return False

    @property
    def channels(self) -> list[str]:
        return list(self._subscribers)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())


class InProcessBroker:
    """The embedded default: publishers and subscribers in one process, no Redis."""

    def __init__(self) -> None:
        self.local = LocalSubscribers()
        self._published = 0
        self._sequences: dict[str, int] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, channel: str, message: bytes) -> None:
        """Deliver `message` to this process's subscribers of `channel`."""
        self._published += 1
        self.local.deliver(channel, message)

    async def publish_numbered(self, channel: str, head: bytes, tail: bytes, along: Sequence[Rider] = ()) -> int:
        """Publish `head + n + tail` with the channel's next sequence number n (`along` untold: no Redis)."""
        number = self._sequences[channel] = self._sequences.get(channel, 0) + 1
        await self.publish(channel, head + str(number).encode() + tail)
        return number

    async def sequence(self, channel: str) -> int:
        """The channel's last sequence number."""
        return self._sequences.get(channel, 0)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, maxsize: int = DEFAULT_QUEUE_SIZE) -> AsyncIterator[Subscription]:
        """Register a subscriber for the duration of the block."""
        subscription = Subscription(channel, maxsize)
        self.local.add(subscription)
        try:
            yield subscription
        finally:
            self.local.remove(subscription)

    @property
    def subscriber_count(self) -> int:
        return self.local.subscriber_count

    @property
    def channels(self) -> int:
        return len(self.local.channels)

    @property
    def messages_received(self) -> int:
        return self._published

    @property
    def reconnects(self) -> int:
        return 0

    @property
    def connected(self) -> bool:
        return True


class RedisBroker:
    """Redis pub/sub: one connection and one reader task per process, delivered to local subscribers."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "theset:",
        timeout: float = 1.0,
        backoff: tuple[float, float] = (0.1, 2.0),
        health_check_interval: float = 5.0,
        guard: RedisGuard | None = None,
        calls: RedisCalls | None = None,
    ) -> None:
        self.local = LocalSubscribers()
        self._redis = redis
        # Numbered publishes share round trips with the request limits' calls (app.platform.redis_calls).
        self._calls = calls or RedisCalls(redis)
        # Publishing and reading sequence numbers are on request paths: skipped while Redis cools down.
        self._guard = guard or RedisGuard.passthrough()
        self._prefix = prefix
        self._timeout = timeout
        self._backoff_min, self._backoff_max = backoff
        self._health_check_interval = health_check_interval
        # A pool of its own for the pub/sub connection, with redis-py's retries off: a silent
        # reconnect inside redis-py would re-subscribe without telling us, and subscribers would
        # miss what was published during the gap without ever getting RESYNC.
        shared = redis.connection_pool
        options = {
            **shared.connection_kwargs,
            "retry": Retry(NoBackoff(), 0),
            "retry_on_error": [],
            "retry_on_timeout": False,
            "health_check_interval": 0,  # its PING would be read by the caller's task, not the reader
            "socket_timeout": None,  # an idle subscription is healthy; the reader PINGs instead
            "socket_connect_timeout": shared.connection_kwargs.get("socket_connect_timeout") or timeout,
            "decode_responses": False,  # payloads are bytes
        }
        self._pool = ConnectionPool(connection_class=shared.connection_class, **options)
        self._pubsub = PubSub(self._pool)
        self._reader: asyncio.Task[None] | None = None
        # Guards sending commands on the pub/sub connection and (re)building its subscriptions.
        self._lock = asyncio.Lock()
        # Set once Redis confirmed the channel's subscription on the current connection.
        self._ready: dict[str, asyncio.Event] = {}
        # SUBSCRIBEs sent and not yet confirmed, per channel: an older confirmation racing an
        # UNSUBSCRIBE must not pass for the current one (Redis answers in order).
        self._pending: dict[str, int] = {}
        # Channels owing their subscribers a RESYNC once their re-subscription is confirmed.
        self._resync: set[str] = set()
        self._connected = False
        self._ever_connected = False
        self._messages_received = 0
        self._reconnects = 0

    async def start(self) -> None:
        """Start the reader; it connects in the background, so a Redis outage does not block startup."""
        if self._reader is None:
            self._reader = asyncio.create_task(self._run(), name="redis-broker-reader")

    async def stop(self) -> None:
        """Stop the reader and close the connection, promptly even while Redis is down."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            await asyncio.wait({reader}, timeout=self._timeout)
        await self._close_pubsub()

    async def publish(self, channel: str, message: bytes) -> None:
        """Send `message` to every subscriber of `channel`; BrokerUnavailable when Redis does not answer in time."""
        await self._in_time(lambda: self._redis.publish(self._prefix + channel, message), f"publish to {channel!r}")

    async def publish_numbered(self, channel: str, head: bytes, tail: bytes, along: Sequence[Rider] = ()) -> int:
        """INCR the channel's counter and PUBLISH `head + n + tail` in one Lua call: numbers arrive in order."""
        call = redis_calls.publish_numbered(self.sequence_key(channel), self._prefix + channel, head, tail)
        try:
            answers = await self._in_time(
                lambda: self._calls.run(call, *(rider.call for rider in along)), f"publish to {channel!r}"
            )
        except BaseException as error:
            for rider in along:
                rider.failed(error)
            raise
        for rider, answer in zip(along, answers[1:], strict=True):
            rider.answered(answer)
        return int(answers[0])

    async def sequence(self, channel: str) -> int:
        """The channel's last sequence number; BrokerUnavailable when Redis does not answer in time."""
        value = await self._in_time(
            lambda: self._redis.get(self.sequence_key(channel)), f"read the sequence of {channel!r}"
        )
        return int(value or 0)

    async def _in_time(self, command: Callable[[], Awaitable[T]], what: str) -> T:
        """`command()` through the guard within the broker's timeout; BrokerUnavailable when it fails."""
        try:
            return await self._guard.call(command, self._timeout)
        except (RedisError, OSError, TimeoutError) as error:
            raise BrokerUnavailable(f"could not {what}: {error!r}") from error

    def sequence_key(self, channel: str) -> str:
        """The Redis key of the channel's sequence number (app.platform.versions reads it)."""
        return f"{self._prefix}seq:{channel}"

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, maxsize: int = DEFAULT_QUEUE_SIZE) -> AsyncIterator[Subscription]:
        """Register a subscriber once Redis confirms the channel; BrokerUnavailable when it does not in time."""
        if self._reader is None:
            raise RuntimeError("RedisBroker.start() was not called")
        subscription = Subscription(channel, maxsize)
        first = self.local.add(subscription)
        if first:
            self._ready[channel] = asyncio.Event()
        try:
            try:
                async with asyncio.timeout(self._timeout):
                    if first:
                        await self._send("SUBSCRIBE", channel)
                    await self._ready[channel].wait()
            except TimeoutError:
                raise BrokerUnavailable(f"Redis did not confirm the subscription to {channel!r}") from None
            yield subscription
        finally:
            if self.local.remove(subscription):
                self._ready.pop(channel, None)
                await self._send("UNSUBSCRIBE", channel)

    @property
    def subscriber_count(self) -> int:
        return self.local.subscriber_count

    @property
    def channels(self) -> int:
        """Channels with a local subscriber, each one Redis subscription."""
        return len(self.local.channels)

    @property
    def messages_received(self) -> int:
        return self._messages_received

    @property
    def reconnects(self) -> int:
        return self._reconnects

    @property
    def connected(self) -> bool:
        return self._connected

    async def _send(self, command: str, channel: str) -> None:
        """SUBSCRIBE or UNSUBSCRIBE now if connected; otherwise the next reconnection takes care of it."""
        try:
            async with asyncio.timeout(self._timeout), self._lock:
                connection = self._pubsub.connection
                if not self._connected or connection is None or not connection.is_connected:
                    return
                if command == "SUBSCRIBE":
                    self._pending[channel] = self._pending.get(channel, 0) + 1
                    await self._pubsub.subscribe(self._prefix + channel)
                else:
                    await self._pubsub.unsubscribe(self._prefix + channel)
        except (RedisError, OSError, TimeoutError) as error:
            # The reader sees the broken connection too, reconnects and re-subscribes what is left.
            logger.debug("pub/sub %s %r not sent: %r", command, channel, error)

    async def _run(self) -> None:
        delay = self._backoff_min
        while True:
            try:
                await self._connect()
                delay = self._backoff_min
                await self._read()
            except (RedisError, OSError, TimeoutError) as error:
                if self._connected:
                    logger.warning("Redis pub/sub connection lost (%r); reconnecting", error)
                else:
                    logger.debug("Redis pub/sub connection failed (%r); retrying in %.1f s", error, delay)
            except Exception:
                # A bug must not leave every subscriber waiting forever: log it and start afresh.
                logger.exception("Redis pub/sub reader failed; reconnecting")
            await self._close_pubsub()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff_max)

    async def _connect(self) -> None:
        async with asyncio.timeout(self._timeout):
            await self._pubsub.connect()  # type: ignore[no-untyped-call]  # unannotated in redis-py 5
            async with self._lock:
                channels = self.local.channels
                self._pending = dict.fromkeys(channels, 1)
                # On the first connection nobody has read a snapshot yet, so nobody needs RESYNC.
                self._resync = set(channels) if self._ever_connected else set()
                if channels:
                    await self._pubsub.subscribe(*(self._prefix + channel for channel in channels))
                if self._ever_connected:
                    self._reconnects += 1
                self._ever_connected = True
                self._connected = True
                # Redis answers again: the RESYNC snapshots about to be taken must not be skipped.
                self._guard.recovered()

    async def _read(self) -> None:
        """Deliver messages until the connection fails; PING when idle to notice a silent peer."""
        awaiting_pong = False
        while True:
            connection = self._pubsub.connection
            # get_message() would silently reconnect a closed connection (see the pool's comment).
            if connection is None or not connection.is_connected:
                raise RedisConnectionError("pub/sub connection closed")
            message: dict[str, Any] | None = await self._pubsub.get_message(timeout=self._health_check_interval)
            if message is None:
                if awaiting_pong:
                    raise TimeoutError("Redis did not answer PING")
                awaiting_pong = True
                async with asyncio.timeout(self._timeout), self._lock:
                    await self._pubsub.ping()
                continue
            awaiting_pong = False
            kind = message["type"]
            if kind == "message":
                self._messages_received += 1
                self.local.deliver(self._local(message["channel"]), message["data"])
                # Reading buffered data never suspends: under a flood, let the subscribers' senders run.
                if self._messages_received % _YIELD_EVERY == 0:
                    await asyncio.sleep(0)
            elif kind == "subscribe":
                self._confirm(self._local(message["channel"]))

    def _confirm(self, channel: str) -> None:
        left = self._pending.get(channel, 0) - 1
        if left > 0:
            self._pending[channel] = left
            return
        self._pending.pop(channel, None)
        ready = self._ready.get(channel)
        if ready is not None:
            ready.set()
        if channel in self._resync:
            self._resync.discard(channel)
            self.local.deliver(channel, RESYNC)

    def _local(self, name: bytes) -> str:
        return name.decode().removeprefix(self._prefix)

    async def _close_pubsub(self) -> None:
        self._connected = False
        self._pending.clear()
        self._resync.clear()
        # New subscribers wait for the re-subscription; existing ones get RESYNC after it.
        for ready in self._ready.values():
            ready.clear()
        # Closing a dead connection can fail or stall; there is nothing left to save on it.
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            async with asyncio.timeout(self._timeout):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # unannotated in redis-py 5
                # A connect attempt cut short by the timeout can leave a half-initialised connection in
                # the pool, with replies still due; the pool is ours alone, so start it clean.
                await self._pool.disconnect()
