"""Fixed-window limits on what clients do (sign-ins, sign-ups, votes, suggestions, look-ups): Redis or in-process.

With Redis every API process shares the counters (INCR + EXPIRE in one round trip). Without it,
or while Redis is unreachable, each process counts on its own: a limit per process is weaker than a
shared one, but it never turns a Redis outage into refused votes or sign-ins.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from redis.asyncio import Redis

from app.errors import RateLimited
from app.platform.batching import GroupCommit
from app.platform.cache import LocalStore
from app.platform.redis_client import REDIS_FAILURES, RedisGuard, RedisSkipped

logger = logging.getLogger(__name__)
T = TypeVar("T")

_KEY_PREFIX = "theset:limit"


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `seconds` for one subject (an email, an address, a user)."""

    name: str
    count: int
    seconds: int
    message: str
    # Hits one Redis round trip reserves for this process, spent here without Redis until the window
    # ends (docs/decisions/0012-leased-limits.md); 1: every hit is counted in Redis.
    lease: int = 1


# Guessing a password costs an attacker one attempt per email per 6 s, and one address 2 per second.
SIGN_IN_PER_EMAIL = Limit("sign_in:email", 10, 60, "Too many sign-in attempts for this account")
SIGN_IN_PER_ADDRESS = Limit("sign_in:address", 30, 60, "Too many sign-in attempts from this address")
# Each sign-up hashes a password with argon2 (CPU- and memory-heavy): bound what one address can make us do.
SIGN_UP_PER_ADDRESS = Limit("sign_up:address", 20, 60, "Too many sign-ups from this address")
# A fan taps a few songs a minute; scripts tapping faster are refused (vote and unvote together).
VOTES_PER_USER = Limit("votes:user", 30, 60, "Too many votes; slow down", lease=5)
# A new suggestion fetches the track from Spotify: bound what one fan spends of the shared quota
# across setlists (each setlist also caps a fan's suggestions, SUGGESTIONS_PER_USER).
SUGGESTIONS_PER_USER = Limit("suggestions:user", 10, 60, "Too many suggestions; slow down")
# Look-ups may reach Spotify or Ticketmaster, whose quotas every client shares: one a second on
# average per caller (a signed-in fan, else an address: many fans share one behind carrier NAT).
LOOKUPS_PER_CALLER = Limit("lookups:caller", 60, 60, "Too many searches; slow down")


class Counter(Protocol):
    async def spend(self, key: str, limit: Limit) -> float | None:
        """One hit of `limit` on `key`: None when within it, else the seconds until its window resets."""
        ...


class MemoryCounter:
    """This process's counters: the embedded demo, and the fallback while Redis is unreachable."""

    # Past this many keys, counters of finished windows are dropped (bounds memory under key churn).
    MAX_KEYS = 10_000

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, hits)

    async def hit(self, key: str, seconds: int) -> tuple[int, float]:
        now = self._clock()
        window = int(now // seconds)
        current, hits = self._counts.get(key, (window, 0))
        hits = hits + 1 if current == window else 1
        if len(self._counts) >= self.MAX_KEYS:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        self._counts[key] = (window, hits)
        return hits, (window + 1) * seconds - now

    async def spend(self, key: str, limit: Limit) -> float | None:
        return _within(limit, *await self.hit(key, limit.seconds))


def _within(limit: Limit, hits: int, reset_in: float) -> float | None:
    """None when `hits` are within `limit`, else the seconds until its window resets."""
    return None if hits <= limit.count else reset_in


@dataclass
class _Lease:
    """Hits this process reserved of one window and has not spent (the store drops it when the window ends)."""

    left: int


# INCR, and EXPIRE on a window's first hit only (the window never slides), in one round trip: a
# script costs the API process less than a MULTI pipeline of three commands. One call counts the
# hits that arrived together (app.platform.batching): KEYS[i] with window ARGV[i].
_HIT_SCRIPT = """
local out = {}
for i, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  if hits == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  out[2 * i - 1] = hits
  out[2 * i] = redis.call('TTL', key)
end
return out
"""


# Reserve up to `want` hits of a window without passing its limit (INCRBY the granted part only), in
# one round trip: KEYS[i] with want, window seconds and limit in ARGV[3i-2..3i]; grant and TTL back.
_RESERVE_SCRIPT = """
local out = {}
for i, key in ipairs(KEYS) do
  local want, limit = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i])
  local used = tonumber(redis.call('GET', key) or '0')
  local grant = math.max(0, math.min(want, limit - used))
  if grant > 0 and redis.call('INCRBY', key, grant) == grant then redis.call('EXPIRE', key, ARGV[3 * i - 1]) end
  out[2 * i - 1] = grant
  out[2 * i] = redis.call('TTL', key)
end
return out
"""


class RedisCounter:
    """Counters shared by every process through Redis; falls back to `fallback` when Redis fails."""

    # Bounds the leases kept (one per subject and leased limit with hits left in its window).
    MAX_LEASES = 50_000

    def __init__(
        self,
        redis: Redis,
        fallback: MemoryCounter,
        guard: RedisGuard | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._script = redis.register_script(_HIT_SCRIPT)
        self._reserve = redis.register_script(_RESERVE_SCRIPT)
        self._fallback = fallback
        self._guard = guard or RedisGuard.passthrough()
        self.hits: GroupCommit[tuple[str, int], tuple[int, int]] = GroupCommit(self._hit_all)
        self.reserves: GroupCommit[tuple[str, Limit], tuple[int, int]] = GroupCommit(self._reserve_all)
        self._leases: LocalStore[_Lease] = LocalStore(self.MAX_LEASES, math.inf, clock)

    async def spend(self, key: str, limit: Limit) -> float | None:
        if limit.lease <= 1:
            return _within(limit, *await self.hit(key, limit.seconds))
        lease = self._leases.get(key)
        if lease is not None and lease.left > 0:
            lease.left -= 1
            return None
        reserved = await self._in_redis(lambda: self.reserves.submit((key, limit)))
        if reserved is None:
            return await self._fallback.spend(key, limit)
        granted, ttl = reserved
        reset_in = float(ttl if ttl > 0 else limit.seconds)
        if granted <= 0:
            return reset_in
        if granted > 1:
            self._leases.put(key, _Lease(int(granted) - 1), seconds=reset_in)
        return None

    async def _in_redis(self, command: Callable[[], Awaitable[T]]) -> T | None:
        """`command()` through the guard; None when Redis is skipped or unreachable (count in this process)."""
        try:
            return await self._guard.call(command)
        except RedisSkipped:
            return None
        except REDIS_FAILURES:
            logger.warning("Rate limit: Redis unreachable, counting in this process", exc_info=True)
            return None

    async def _reserve_all(self, wants: list[tuple[str, Limit]]) -> list[tuple[int, int]]:
        args = [value for _, limit in wants for value in (limit.lease, limit.seconds, limit.count)]
        out = await self._reserve(keys=[key for key, _ in wants], args=args)
        return list(zip(out[::2], out[1::2], strict=True))

    async def hit(self, key: str, seconds: int) -> tuple[int, float]:
        """Count one hit on `key`; the window's count so far and the seconds until it resets."""
        counted = await self._in_redis(lambda: self.hits.submit((key, seconds)))
        if counted is None:
            return await self._fallback.hit(key, seconds)
        hits, ttl = counted
        return int(hits), float(ttl if ttl > 0 else seconds)

    async def _hit_all(self, hits: list[tuple[str, int]]) -> list[tuple[int, int]]:
        counts = await self._script(keys=[key for key, _ in hits], args=[seconds for _, seconds in hits])
        return list(zip(counts[::2], counts[1::2], strict=True))


def create_counter(redis: Redis | None, guard: RedisGuard | None = None) -> Counter:
    """Redis-shared counters when Redis is configured (this process's as their fallback), else this process's."""
    memory = MemoryCounter()
    return RedisCounter(redis, memory, guard) if redis is not None else memory


def subject_key(text: str) -> str:
    """A short hash: keys name no email or address in clear (Redis is not a place for personal data)."""
    return hashlib.sha256(text.encode()).hexdigest()[:24]


async def check(counter: Counter, limit: Limit, subject: str) -> None:
    """Count one hit of `subject` against `limit`; RATE_LIMITED (with retryAfter) past it."""
    reset_in = await counter.spend(f"{_KEY_PREFIX}:{limit.name}:{subject_key(subject)}", limit)
    if reset_in is not None:
        raise RateLimited(f"{limit.message}; try again in {math.ceil(reset_in)} s", retry_after=reset_in)
