"""Pub/sub for live updates: one interface, an in-process implementation (the embedded demo) and Redis.

A subscriber gets a bounded queue. A slow subscriber never delays the others: when its queue is
full it loses the backlog and receives `OVERFLOW` instead, the sign to fetch a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Final, Protocol

# Per-subscriber backlog bound: past it the subscriber is told to resynchronise, not buffered forever.
DEFAULT_QUEUE_SIZE = 100


class _Overflow:
    def __repr__(self) -> str:
        return "OVERFLOW"


OVERFLOW: Final = _Overflow()
Message = bytes | _Overflow


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


class LocalFanout:
    """This process's subscribers by channel; every broker delivers through one of these."""

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
        self.fanout = LocalFanout()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, channel: str, message: bytes) -> None:
        self.fanout.deliver(channel, message)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, maxsize: int = DEFAULT_QUEUE_SIZE) -> AsyncIterator[Subscription]:
        subscription = Subscription(channel, maxsize)
        self.fanout.add(subscription)
        try:
            yield subscription
        finally:
            self.fanout.remove(subscription)
