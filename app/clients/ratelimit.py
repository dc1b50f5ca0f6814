"""Outbound rate limiters: `await limiter.acquire()` waits for this call's slot and returns the wait.

Two shapes, each with a Redis implementation shared by every process using the same key and an
in-memory one for the single-process embedded demo:

- interval (Ticketmaster): calls spaced at least `interval` apart, no burst. TM's spike arrest is
  5 msgs/s with maxBurstMessageCount=1, so two calls 50 ms apart fail even at 2 calls per second.
- window (Spotify): at most `limit` calls in any rolling `window` (Spotify counts per app over a
  rolling 30 s window and publishes no number, hence a setting).

Why hand-written Lua: docs/decisions/0001-shared-rate-limiter-and-breaker.md. Each limiter is one
short script that atomically reserves the next slot, using Redis' own clock so that the processes'
clocks never need to agree.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.asyncio import Redis

Sleep = Callable[[float], Awaitable[None]]

# Reserve the next free slot: slot = max(now, next_free); next_free = slot + interval. Microseconds
# from TIME; string.format keeps all digits (tostring would print 1.7e+15 and lose precision).
_INTERVAL_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
local ttl_ms = math.ceil((slot + interval - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', ttl_ms)
return string.format('%.0f', slot - now)
"""

# Sliding log of reserved slots in a sorted set. With the slots s1 <= ... <= sn inside the window,
# the new slot is max(now, s[n-limit+1] + window): the earliest time at which only limit-1 others
# remain in the window that ends at it. Future reservations count, so waiters queue fairly.
_WINDOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
local n = redis.call('ZCARD', KEYS[1])
local slot = now
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  slot = math.max(now, tonumber(oldest[2]) + window)
end
redis.call('ZADD', KEYS[1], string.format('%.0f', slot), ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil((slot + window - now) / 1000) + 1000)
return string.format('%.0f', slot - now)
"""


class RateLimiter(Protocol):
    async def acquire(self) -> float:
        """Wait for the next slot; return the seconds waited."""
        ...


async def _wait(seconds: float, sleep: Sleep) -> float:
    if seconds > 0:
        await sleep(seconds)
        return seconds
    return 0.0


class RedisIntervalLimiter:
    """Calls at least `interval` seconds apart across every process sharing `key`."""

    def __init__(
        self,
        redis: Redis,
        key: str,
        interval: float,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._script = redis.register_script(_INTERVAL_LUA)
        self._key = key
        self._interval_us = round(interval * 1_000_000)
        # A wake-up later than this after our slot means the next process's slot is close behind.
        self._tolerance = interval / 10
        self._sleep = sleep
        self._clock = clock

    async def acquire(self) -> float:
        """Reserve the next slot in Redis, then sleep until it; take a new slot after waking up late."""
        waited = 0.0
        while True:
            wait_us = await self._script(keys=[self._key], args=[self._interval_us])
            slot = self._clock() + int(wait_us) / 1_000_000
            waited += await _wait(int(wait_us) / 1_000_000, self._sleep)
            # A busy CPU can wake us well after our slot, just before another process's: sending
            # then would put two calls closer than the interval. The missed slot stays unused.
            if self._clock() - slot <= self._tolerance:
                return waited


class RedisWindowLimiter:
    """At most `limit` calls in any rolling `window` seconds across every process sharing `key`."""

    def __init__(self, redis: Redis, key: str, limit: int, window: float, *, sleep: Sleep = asyncio.sleep) -> None:
        self._script = redis.register_script(_WINDOW_LUA)
        self._key = key
        self._limit = limit
        self._window_us = round(window * 1_000_000)
        self._sleep = sleep

    async def acquire(self) -> float:
        """Reserve a slot in the shared sliding log, then sleep until it."""
        wait_us = await self._script(keys=[self._key], args=[self._window_us, self._limit, uuid.uuid4().hex])
        return await _wait(int(wait_us) / 1_000_000, self._sleep)


class MemoryIntervalLimiter:
    """In-process `RedisIntervalLimiter`: reservation is synchronous, so no lock is needed."""

    def __init__(
        self, interval: float, *, sleep: Sleep = asyncio.sleep, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = interval
        self._next_free = 0.0
        self._sleep = sleep
        self._clock = clock

    async def acquire(self) -> float:
        """Reserve the next slot, then sleep until it."""
        now = self._clock()
        slot = max(now, self._next_free)
        self._next_free = slot + self._interval
        return await _wait(slot - now, self._sleep)


class MemoryWindowLimiter:
    """In-process `RedisWindowLimiter`."""

    def __init__(
        self, limit: int, window: float, *, sleep: Sleep = asyncio.sleep, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._slots: deque[float] = deque()
        self._sleep = sleep
        self._clock = clock

    async def acquire(self) -> float:
        """Reserve a slot in the sliding log, then sleep until it."""
        now = self._clock()
        while self._slots and self._slots[0] <= now - self._window:
            self._slots.popleft()
        slot = now
        if len(self._slots) >= self._limit:
            slot = max(now, self._slots[len(self._slots) - self._limit] + self._window)
        self._slots.append(slot)
        return await _wait(slot - now, self._sleep)


class NoLimit:
    """A limiter that never waits (tests, and the token endpoint)."""

    async def acquire(self) -> float:
        """Return at once."""
        return 0.0
