"""Daily request budgets: at most N calls per UTC day, counted across every process sharing a key.

setlist.fm allows a standard key about 1,440 calls a day and then answers 429 "Limit Exceeded" for the
rest of a rolling day; a job that runs into that learns nothing and wastes the call. So each call takes
one unit of a budget set a little below the quota before it is sent, and a spent budget refuses the call
with `DailyQuotaExhausted` (nothing sent). `BudgetedLimiter` puts the budget in front of the shared
rate limiter, so the retry loop (`Guard`) charges every attempt, retries included, without knowing it.

The Redis budget is one counter per key and UTC day (`INCR`, expiring after two days), so every worker
and API process spends the same budget; the in-memory one serves the single-process embedded demo.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from redis.asyncio import Redis

from app.clients.errors import DailyQuotaExhausted
from app.clients.ratelimit import RateLimiter

_DAY_KEY_TTL_SECONDS = 2 * 86_400  # a day's counter outlives its day (clocks of processes differ a little)

# Take one unit of today's budget: 1 when granted, 0 when spent (the counter may pass the limit: harmless).
_SPEND_LUA = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if used > tonumber(ARGV[1]) then return 0 end
return 1
"""

# Mark today's budget spent (never lowers a higher count).
_EXHAUST_LUA = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 1
"""


def utc_today() -> date:
    """The current UTC date: budgets are counted per UTC day."""
    return datetime.now(UTC).date()


class DailyBudget(Protocol):
    limit: int

    async def spend(self) -> bool:
        """Take one call from today's budget; False when it is spent."""
        ...

    async def exhaust(self) -> None:
        """Mark today's budget spent (the vendor said its quota is gone)."""
        ...

    async def used(self) -> int:
        """Calls counted today (refused ones included once the budget is spent)."""
        ...

    def resets_at(self) -> datetime:
        """When the next day's budget starts: the next UTC midnight."""
        ...


class _DayClock:
    def __init__(self, today: Callable[[], date]) -> None:
        self._today = today

    def resets_at(self) -> datetime:
        """The next UTC midnight."""
        return datetime.combine(self._today() + timedelta(days=1), time(0), tzinfo=UTC)


class RedisDailyBudget(_DayClock):
    """`limit` calls per UTC day across every process using `key` (one Redis counter per day)."""

    def __init__(self, redis: Redis, key: str, limit: int, *, today: Callable[[], date] = utc_today) -> None:
        super().__init__(today)
        self._redis = redis
        self._key = key
        self.limit = limit
        self._spend = redis.register_script(_SPEND_LUA)
        self._exhaust = redis.register_script(_EXHAUST_LUA)

    def day_key(self) -> str:
        """The Redis key of today's counter."""
        return f"{self._key}:{self._today().isoformat()}"

    async def spend(self) -> bool:
        """Take one call from today's budget; False when it is spent."""
        return bool(int(await self._spend(keys=[self.day_key()], args=[self.limit, _DAY_KEY_TTL_SECONDS])))

    async def exhaust(self) -> None:
        """Mark today's budget spent for every process."""
        await self._exhaust(keys=[self.day_key()], args=[self.limit, _DAY_KEY_TTL_SECONDS])

    async def used(self) -> int:
        """Calls counted today."""
        value = await self._redis.get(self.day_key())
        return int(value) if value is not None else 0


class MemoryDailyBudget(_DayClock):
    """In-process `RedisDailyBudget` (the embedded demo runs in one process)."""

    def __init__(self, limit: int, *, today: Callable[[], date] = utc_today) -> None:
        super().__init__(today)
        self.limit = limit
        self._day: date | None = None
        self._used = 0

    def _roll(self) -> None:
        if self._day != self._today():
            self._day, self._used = self._today(), 0

    async def spend(self) -> bool:
        """Take one call from today's budget; False when it is spent."""
        self._roll()
        self._used += 1
        return self._used <= self.limit

    async def exhaust(self) -> None:
        """Mark today's budget spent."""
        self._roll()
        self._used = max(self._used, self.limit)

    async def used(self) -> int:
        """Calls counted today."""
        self._roll()
        return self._used


class BudgetedLimiter:
    """A rate limiter that first takes the call from a daily budget, refusing it when the budget is spent.

    It sits where the retry loop asks for its rate-limit slot, after the breaker check: an open breaker
    spends nothing, and a refused call is never sent nor counted as sent.
    """

    def __init__(self, service: str, budget: DailyBudget, limiter: RateLimiter) -> None:
        self.service = service
        self.budget = budget
        self.limiter = limiter

    async def acquire(self) -> float:
        """Spend one unit of the budget, then wait for the rate limiter's slot."""
        if not await self.budget.spend():
            raise DailyQuotaExhausted(
                self.service,
                self.budget.resets_at(),
                f"daily budget of {self.budget.limit} requests spent: defer until tomorrow",
            )
        return await self.limiter.acquire()
