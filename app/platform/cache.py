"""A small TTL cache of bytes: Redis (shared by every process) when configured, else this process's memory."""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from redis.asyncio import Redis

from app.platform.redis_client import REDIS_FAILURES, RedisGuard, RedisSkipped

logger = logging.getLogger(__name__)


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, seconds: int) -> None: ...


class MemoryCache:
    """A bounded TTL cache in this process (no Redis configured)."""

    # Bounds memory: a few KB per entry.
    MAX_ENTRIES = 1_000

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: LocalStore[bytes] = LocalStore(max_entries, math.inf, clock)

    async def get(self, key: str) -> bytes | None:
        return self._entries.get(key)

    async def set(self, key: str, value: bytes, seconds: int) -> None:
        self._entries.put(key, value, seconds=seconds)


class RedisCache:
    """Shared by every process; an unreachable Redis is a cache miss, not an error."""

    def __init__(self, redis: Redis, guard: RedisGuard | None = None) -> None:
        self._redis = redis
        self._guard = guard or RedisGuard.passthrough()

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._guard.call(lambda: self._redis.get(key))
        except RedisSkipped:
            return None
        except REDIS_FAILURES:
            logger.warning("Cache: Redis unreachable", exc_info=True)
            return None
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, seconds: int) -> None:
        try:
            await self._guard.call(lambda: self._redis.set(key, value, ex=seconds))
        except RedisSkipped:
            return
        except REDIS_FAILURES:
            logger.warning("Cache: Redis unreachable", exc_info=True)


def create_cache(redis: Redis | None, guard: RedisGuard | None = None) -> Cache:
    """Redis when configured, else a cache of this process."""
    return RedisCache(redis, guard) if redis is not None else MemoryCache()


V = TypeVar("V")


class LocalStore(Generic[V]):
    """Objects of this process by key, least recently used dropped first, each for at most `seconds`.

    The one in-process TTL store: the response cache's entries (app.api.response_cache, validated
    against Redis on every use, so each process may hold its own), MemoryCache's bytes and the
    revocable token cache (app.platform.revocable).
    """

    def __init__(self, max_entries: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._max = max_entries
        self._seconds = seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._max > 0 and self._seconds > 0

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: V, *, seconds: float | None = None) -> None:
        """Keep `value` for the store's `seconds`, or for `seconds` given here if shorter."""
        if not self.enabled:
            return
        lifetime = self._seconds if seconds is None else min(self._seconds, seconds)
        self._entries[key] = (self._clock() + lifetime, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def pop(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
