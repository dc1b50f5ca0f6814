"""Fixed-window limits on what clients do (sign-ins, sign-ups, votes, suggestions, look-ups): Redis or in-process.

With Redis every API process shares the counters (INCR + EXPIRE in one round trip). Without it,
or while Redis is unreachable, each process counts on its own: a limit per process is weaker than a
shared one, but it never turns a Redis outage into refused votes or sign-ins.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar

from redis.asyncio import Redis

from app.errors import RateLimited
from app.platform import redis_calls
from app.platform.cache import LocalStore
from app.platform.redis_calls import RedisCalls, Rider
from app.platform.redis_client import REDIS_FAILURES, RedisGuard, RedisSkipped

logger = logging.getLogger(__name__)
T = TypeVar("T")

_KEY_PREFIX = "theset:limit"
# How long a hit waits for the same key's owed hit to be counted when the guard sets no deadline.
_OWED_WAIT_SECONDS = 1.0


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

    async def admit(self, key: str, limit: Limit) -> Charge | float:
        """One hit, like `spend`, that may be paid later (see `charged`): a float is a refusal."""
        ...


class MemoryCounter:
    """This process's counters: the embedded demo, and the fallback while Redis is unreachable."""

    # Past this many keys, counters of finished windows are dropped (bounds memory under key churn).
    MAX_KEYS = 10_000

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, hits)

    async def hit(self, key: str, seconds: int) -> tuple[int, float]:
        return self.count(key, seconds)

    def count(self, key: str, seconds: int) -> tuple[int, float]:
        """Count one hit on `key`; the window's count so far and the seconds until it resets."""
        now = self._clock()
        window = int(now // seconds)
        current, hits = self._counts.get(key, (window, 0))
        hits = hits + 1 if current == window else 1
        if len(self._counts) >= self.MAX_KEYS:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        self._counts[key] = (window, hits)
        return hits, (window + 1) * seconds - now

    async def spend(self, key: str, limit: Limit) -> float | None:
        return _within(limit, *self.count(key, limit.seconds))

    async def admit(self, key: str, limit: Limit) -> Charge | float:
        return _admitted(await self.spend(key, limit))


def _admitted(reset_in: float | None) -> Charge | float:
    return PAID if reset_in is None else reset_in


def _within(limit: Limit, hits: int, reset_in: float) -> float | None:
    """None when `hits` are within `limit`, else the seconds until its window resets."""
    return None if hits <= limit.count else reset_in


@dataclass
class _Lease:
    """What this process holds of one window until it ends (`ends_at`, the counter's clock): the hits it
    reserved and has not spent, how many it reserved in all, or a refusal (a count in Redis never goes
    down within its window)."""

    left: int
    ends_at: float
    reserved: int = 0
    refused: bool = False
    # False after Redis failed to count a hit: the next one asks Redis (or the fallback) before it is admitted.
    may_owe: bool = True


class _Ask:
    """What this process holds of a window does not decide the hit: Redis is asked."""


_ASK: Final = _Ask()


def _spend_held(lease: _Lease | None, limit: Limit, now: float) -> float | _Ask | None:
    """The hit decided by what this process holds of its window: None spent from the lease, the seconds
    until the window resets when refused, or _ASK when only Redis can say (a new window, a spent lease)."""
    if lease is None or now >= lease.ends_at:
        return _ASK
    if lease.refused or (lease.left == 0 and lease.reserved >= limit.count):  # the count cannot go down
        return lease.ends_at - now
    if lease.left > 0:
        lease.left -= 1
        return None
    return _ASK


# A lease is kept this long past its window's end (TTLs are whole seconds): a first hit of the
# window after it surely falls in a new window, so a limit on one process stays exact.
_LEASE_GRACE_SECONDS = 1.0


class Charge:
    """A hit that is paid already: nothing rides along with a later round trip, nothing is owed."""

    @property
    def riders(self) -> tuple[Rider, ...]:
        return ()

    async def close(self) -> None:
        return None


PAID: Final = Charge()


class _Owed(Charge):
    """A hit of a leased limit that this process holds no lease for, admitted before Redis has counted it.

    It rides along with the caller's next Redis round trip (the vote's publish) as a reservation of
    the lease; `close()` makes the reservation on its own when nothing carried it.
    """

    def __init__(self, counter: RedisCounter, key: str, limit: Limit) -> None:
        self.call = redis_calls.reserve(key, limit.lease, limit.seconds, limit.count)
        self.key = key
        self.limit = limit
        self.settled = asyncio.Event()
        self._counter = counter

    @property
    def riders(self) -> tuple[Rider, ...]:  # made on each call: a tuple of self kept on self is a cycle
        return (self,)

    def answered(self, result: Any) -> None:
        granted, ttl = result
        self._counter.settle(self, int(granted), int(ttl))

    def failed(self, error: BaseException) -> None:
        self._counter.settle_here(self)

    async def close(self) -> None:
        if self.settled.is_set():
            return
        try:
            answers = await self._counter.in_redis(lambda: self._counter.calls.run(self.call))
            if answers is not None:
                self.answered(answers[0])
        finally:
            if not self.settled.is_set():  # Redis unreachable, or the caller cancelled: count it here
                self._counter.settle_here(self)


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
        calls: RedisCalls | None = None,
    ) -> None:
        self.calls = calls or RedisCalls(redis)
        self._fallback = fallback
        self._guard = guard or RedisGuard.passthrough()
        self._clock = clock
        self._leases: LocalStore[_Lease] = LocalStore(self.MAX_LEASES, math.inf, clock)
        # Hits admitted and not yet counted by Redis, by key: a concurrent hit on the key waits
        # for its answer (the lease), so no more than one hit per key and window goes unpaid.
        self._owed: dict[str, _Owed] = {}

    async def spend(self, key: str, limit: Limit) -> float | None:
        if limit.lease <= 1:
            return _within(limit, *await self.hit(key, limit.seconds))
        held = _spend_held(self._leases.get(key), limit, self._clock())
        return await self._reserve(key, limit) if isinstance(held, _Ask) else held

    async def admit(self, key: str, limit: Limit) -> Charge | float:
        """One hit, paid now (from a lease, or by a round trip of its own) or owed (see `charged`): a float
        is a refusal, the seconds until the window resets."""
        if limit.lease <= 1:
            return _admitted(await self.spend(key, limit))
        owed = self._owed.get(key)
        if owed is not None:
            with contextlib.suppress(TimeoutError):  # its owner settles it within its request's bound
                async with asyncio.timeout(self._guard.deadline_seconds or _OWED_WAIT_SECONDS):
                    await owed.settled.wait()
        lease, now = self._leases.get(key), self._clock()
        held = _spend_held(lease, limit, now)
        if not isinstance(held, _Ask):
            return _admitted(held)
        if owed is None and self._may_owe(lease, now):
            owed = self._owed[key] = _Owed(self, key, limit)
            return owed
        return _admitted(await self._reserve(key, limit))

    def _may_owe(self, lease: _Lease | None, now: float) -> bool:
        """Whether a hit that needs a reservation may make it after the fact: the window is new here, or
        its lease is spent within it (past its end, the window may or may not have ended in Redis)."""
        if self._guard.cooling_down:
            return False
        return lease is None or (lease.may_owe and now < lease.ends_at)

    async def _reserve(self, key: str, limit: Limit) -> float | None:
        """A round trip of its own reserving the next lease; this hit takes one of it (None) or is refused."""
        call = redis_calls.reserve(key, limit.lease, limit.seconds, limit.count)
        reserved = await self.in_redis(lambda: self.calls.run(call))
        if reserved is None:
            return await self._fallback.spend(key, limit)
        granted, ttl = reserved[0]
        return self._keep(key, limit, int(granted), int(ttl))

    def settle(self, owed: _Owed, granted: int, ttl: int) -> None:
        """Redis answered an owed hit's reservation: keep the rest as the lease (none: a hit past the limit)."""
        if owed.settled.is_set():
            return
        if self._keep(owed.key, owed.limit, granted, ttl) is not None:
            logger.info("Rate limit %s: a hit admitted before Redis counted it was past the limit", owed.limit.name)
        self._done(owed)

    def settle_here(self, owed: _Owed) -> None:
        """Redis did not answer an owed hit's reservation: this process counts it, as it counts every hit then."""
        if owed.settled.is_set():
            return
        self._fallback.count(owed.key, owed.limit.seconds)
        # No more owed hits on the key this window: the next one asks Redis first, and this process's
        # count (exact, with the hit above) refuses past the limit while Redis stays away.
        self._hold(owed.key, _Lease(0, self._clock() + owed.limit.seconds, may_owe=False))
        self._done(owed)

    def _done(self, owed: _Owed) -> None:
        owed.settled.set()
        if self._owed.get(owed.key) is owed:
            del self._owed[owed.key]

    def _keep(self, key: str, limit: Limit, granted: int, ttl: int) -> float | None:
        """This hit takes one of the `granted`; the rest joins the lease until the window ends. None when
        granted, else the seconds until the window resets (and the key is refused here until then)."""
        reset_in = float(ttl if ttl > 0 else limit.seconds)
        ends_at = self._clock() + reset_in
        held = self._leases.get(key)
        # The same window as the lease held (estimates of its end differ by TTL rounding), or a new one.
        same = held is not None and abs(held.ends_at - ends_at) < 2 * _LEASE_GRACE_SECONDS
        left, reserved = (held.left, held.reserved) if held is not None and same else (0, 0)
        self._hold(key, _Lease(left + max(0, granted - 1), ends_at, reserved + max(0, granted), refused=granted <= 0))
        return None if granted > 0 else reset_in

    def _hold(self, key: str, lease: _Lease) -> None:
        self._leases.put(key, lease, seconds=lease.ends_at - self._clock() + _LEASE_GRACE_SECONDS)

    async def in_redis(self, command: Callable[[], Awaitable[T]]) -> T | None:
        """`command()` through the guard; None when Redis is skipped or unreachable (count in this process)."""
        try:
            return await self._guard.call(command)
        except RedisSkipped:
            return None
        except REDIS_FAILURES:
            logger.warning("Rate limit: Redis unreachable, counting in this process", exc_info=True)
            return None

    async def hit(self, key: str, seconds: int) -> tuple[int, float]:
        """Count one hit on `key`; the window's count so far and the seconds until it resets."""
        counted = await self.in_redis(lambda: self.calls.run(redis_calls.hit(key, seconds)))
        if counted is None:
            return await self._fallback.hit(key, seconds)
        hits, ttl = counted[0]
        return int(hits), float(ttl if ttl > 0 else seconds)


def create_counter(redis: Redis | None, guard: RedisGuard | None = None, calls: RedisCalls | None = None) -> Counter:
    """Redis-shared counters when Redis is configured (this process's as their fallback), else this process's."""
    memory = MemoryCounter()
    return RedisCounter(redis, memory, guard, calls=calls) if redis is not None else memory


def subject_key(text: str) -> str:
    """A short hash: keys name no email or address in clear (Redis is not a place for personal data)."""
    return hashlib.sha256(text.encode()).hexdigest()[:24]


async def check(counter: Counter, limit: Limit, subject: str) -> None:
    """Count one hit of `subject` against `limit`; RATE_LIMITED (with retryAfter) past it."""
    reset_in = await counter.spend(_key(limit, subject), limit)
    if reset_in is not None:
        raise _refusal(limit, reset_in)


@contextlib.asynccontextmanager
async def charged(counter: Counter, limit: Limit, subject: str) -> AsyncIterator[Charge]:
    """`check`, for work that ends in a Redis round trip of its own (a vote's publish).

    A leased limit's hit that `check` would reserve in a round trip of its own (the window is new in
    this process, or its lease is spent) is admitted at once and owed: pass `charge.riders` to that
    round trip (the broker's `publish_numbered(along=...)`) and the reservation travels in it.
    Whatever still owes when the block ends, because it failed or its round trip took no riders, is
    reserved then. A fan gets past the limit by at most one hit per process and window, and only when
    other processes spent it (docs/decisions/0013-one-round-trip-per-vote.md).
    """
    admitted = await counter.admit(_key(limit, subject), limit)
    if not isinstance(admitted, Charge):
        raise _refusal(limit, admitted)
    try:
        yield admitted
    finally:
        await admitted.close()


def _key(limit: Limit, subject: str) -> str:
    return f"{_KEY_PREFIX}:{limit.name}:{subject_key(subject)}"


def _refusal(limit: Limit, reset_in: float) -> RateLimited:
    return RateLimited(f"{limit.message}; try again in {math.ceil(reset_in)} s", retry_after=reset_in)
