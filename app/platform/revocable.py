"""A process's cache of answers that another process may revoke: entries expire, and revocations are broadcast.

The bearer-token cache (app.accounts.service.user_for_token) is the one user: every request that
presents a token looks it up, and a sign-out on any process must be refused on every other. A
revocation evicts the entry here and is published on the broker; every process's listener evicts
it too, within the broker's delivery time (milliseconds). While the broker is unreachable an entry
lives at most `seconds`, the bound on a revoked token still being accepted elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from app.platform.broker import Broker, BrokerUnavailable
from app.platform.cache import LocalStore

logger = logging.getLogger(__name__)

V = TypeVar("V")

_RETRY_SECONDS = 1.0


class RevocableCache(Generic[V]):
    """Entries by key for at most `seconds` (and never past their own expiry), evicted on revocation anywhere."""

    # Bounds memory: one entry per active token of the last `seconds`.
    MAX_ENTRIES = 50_000

    def __init__(
        self, broker: Broker, channel: str, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._broker = broker
        self._channel = channel
        self._seconds = seconds
        self._entries: LocalStore[V] = LocalStore(self.MAX_ENTRIES, seconds, clock)
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    @property
    def enabled(self) -> bool:
        return self._seconds > 0

    def get(self, key: str) -> V | None:
        return self._entries.get(key)

    def put(self, key: str, value: V, *, lifetime: float) -> None:
        """Keep `value` for `seconds`, or for its own `lifetime` (seconds) if shorter."""
        self._entries.put(key, value, seconds=lifetime)

    async def revoke(self, key: str) -> None:
        """Evict `key` here and in every other process (logged, not raised, when the broker is down)."""
        self._entries.pop(key)
        try:
            await self._broker.publish(self._channel, key.encode())
        except BrokerUnavailable:
            logger.warning("Revocation not broadcast: other processes keep the entry up to %s s", self._seconds)

    def clear(self) -> None:
        self._entries.clear()

    async def start(self) -> None:
        """Listen for revocations from other processes; returns once subscribed (or after one failed try)."""
        if self.enabled and self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name=f"revocations:{self._channel}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._listening.wait()), timeout=2.0)

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    async def _listen(self) -> None:
        while True:
            try:
                async with self._broker.subscribe(self._channel) as subscription:
                    self._listening.set()
                    async for message in subscription:
                        if isinstance(message, bytes):
                            self._entries.pop(message.decode())
                        else:  # OVERFLOW or RESYNC: revocations may have been lost
                            self._entries.clear()
            except BrokerUnavailable:
                logger.warning("Revocations: broker unavailable; entries expire within %s s", self._seconds)
            # Whatever was published while not subscribed is unknown: start afresh.
            self._entries.clear()
            await asyncio.sleep(_RETRY_SECONDS)
