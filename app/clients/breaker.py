"""Circuit breakers whose OPEN state is shared by every process using the same key.

closed ──(N consecutive failures, or a long Retry-After)──▶ open ──(cool-down elapses)──▶ half-open
half-open: exactly one caller (the trial) is let through; success closes, failure re-opens.

The consecutive-failure count is per process (cheap, no Redis round trip per call); the OPEN state is
shared, so one worker seeing Spotify answer "Retry-After: 14000" stops every worker until then
(Spotify asks apps to share the cool-down across workers instead of each one hammering on).

Metrics: `theset_circuit_breaker_state{api}` is the state this process last saw (0 closed, 1 half-open,
2 open), set on every check and every change this process makes; `..._transitions_total{api,state}`
counts the changes this process made (summed over processes: how often the breaker opened).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Protocol

from redis.asyncio import Redis

from app.clients.errors import CircuitOpen
from app.platform.observability import (
    BREAKER_CLOSED,
    BREAKER_HALF_OPEN,
    BREAKER_OPEN,
    BREAKER_STATE,
    BREAKER_TRANSITIONS,
)

# How long the "tripped" marker outlives the open state: the first caller within it is the trial.
_TRIPPED_GRACE_SECONDS = 3600.0


class CircuitBreaker(Protocol):
    async def before_call(self) -> bool:
        """Raise `CircuitOpen` when open; return True when this call is the half-open trial."""
        ...

    async def record_success(self, trial: bool) -> None:
        """The service answered (any non-5xx response)."""
        ...

    async def record_failure(self, trial: bool) -> None:
        """A 5xx, timeout or connection error."""
        ...

    async def open_for(self, seconds: float) -> None:
        """Open now for at least `seconds` (never shortens a longer opening)."""
        ...


class _State(Enum):
    CLOSED = "closed"
    OPEN = "open"
    TRIAL = "trial"  # half-open, and this caller is the trial
    TRIAL_BUSY = "trial_busy"  # half-open, another caller's trial is under way: refused like OPEN


_GAUGE = {
    _State.CLOSED: BREAKER_CLOSED,
    _State.OPEN: BREAKER_OPEN,
    _State.TRIAL: BREAKER_HALF_OPEN,
    _State.TRIAL_BUSY: BREAKER_HALF_OPEN,
}


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = 5
    cooldown_seconds: float = 30.0
    # A trial that never reports back (its process was killed) frees the slot after this long.
    trial_timeout_seconds: float = 60.0


class _Breaker(ABC):
    def __init__(
        self, service: str, policy: BreakerPolicy | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.service = service
        self.policy = policy or BreakerPolicy()
        self._clock = clock
        self._failures = 0

    async def before_call(self) -> bool:
        """Raise `CircuitOpen` when open; return True when this call is the half-open trial."""
        state, wait = await self._check()
        self._show(_GAUGE[state])
        if state is _State.TRIAL:
            BREAKER_TRANSITIONS.labels(self.service, "half_open").inc()
        if state in (_State.OPEN, _State.TRIAL_BUSY):
            raise CircuitOpen(self.service, datetime.fromtimestamp(self._clock() + wait, UTC))
        return state is _State.TRIAL

    async def record_success(self, trial: bool) -> None:
        """The service answered: reset the failure count; a successful trial closes the breaker."""
        self._failures = 0
        if trial:
            await self._close()
            self._show(BREAKER_CLOSED)
            BREAKER_TRANSITIONS.labels(self.service, "closed").inc()

    async def record_failure(self, trial: bool) -> None:
        """Count a failure; the N-th in a row, or a failed trial, opens the breaker for the cool-down."""
        self._failures += 1
        if trial or self._failures >= self.policy.failure_threshold:
            self._failures = 0
            await self.open_for(self.policy.cooldown_seconds)

    async def open_for(self, seconds: float) -> None:
        """Open now for at least `seconds`."""
        opened = await self._open(seconds)
        self._show(BREAKER_OPEN)
        if opened:  # not when another caller already had it open (only lengthened, if at all)
            BREAKER_TRANSITIONS.labels(self.service, "open").inc()

    def _show(self, state: int) -> None:
        # The series appears on the first check: before it, this process does not know the state.
        BREAKER_STATE.labels(self.service).set(state)

    @abstractmethod
    async def _check(self) -> tuple[_State, float]: ...

    @abstractmethod
    async def _open(self, seconds: float) -> bool:
        """Open for at least `seconds`; True when it was not open before."""

    @abstractmethod
    async def _close(self) -> None: ...


class MemoryBreaker(_Breaker):
    """Breaker state in this process only (the embedded demo)."""

    def __init__(
        self, service: str, policy: BreakerPolicy | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(service, policy, clock=clock)
        self._open_until = 0.0
        self._tripped_until = 0.0
        self._trial_until = 0.0

    async def _check(self) -> tuple[_State, float]:
        now = self._clock()
        if now < self._open_until:
            return _State.OPEN, self._open_until - now
        if now < self._tripped_until:
            if now < self._trial_until:
                return _State.TRIAL_BUSY, self._trial_until - now
            self._trial_until = now + self.policy.trial_timeout_seconds
            return _State.TRIAL, 0.0
        return _State.CLOSED, 0.0

    async def _open(self, seconds: float) -> bool:
        now = self._clock()
        opened = now >= self._open_until
        self._open_until = max(self._open_until, now + seconds)
        self._tripped_until = self._open_until + _TRIPPED_GRACE_SECONDS
        self._trial_until = 0.0
        return opened

    async def _close(self) -> None:
        self._tripped_until = self._trial_until = 0.0


# KEYS: open, tripped, trial. ARGV: trial timeout ms. Returns {state, wait ms}: 0 closed, 1 open,
# 2 trial (this caller's), 3 trial busy (another caller's).
_CHECK_LUA = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then return {1, ttl} end
if redis.call('EXISTS', KEYS[2]) == 1 then
  if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[1]) then return {2, 0} end
  return {3, math.max(redis.call('PTTL', KEYS[3]), 1)}
end
return {0, 0}
"""

# KEYS: open, tripped, trial. ARGV: open ms, grace ms. Keeps a longer opening that is already set.
# Returns 1 when it was not open before (a transition), else 0.
_OPEN_LUA = """
local ttl = redis.call('PTTL', KEYS[1])
local open_ms = math.max(ttl, tonumber(ARGV[1]))
if ttl < open_ms then redis.call('SET', KEYS[1], '1', 'PX', open_ms) end
redis.call('SET', KEYS[2], '1', 'PX', open_ms + tonumber(ARGV[2]))
redis.call('DEL', KEYS[3])
if ttl > 0 then return 0 end
return 1
"""


class RedisBreaker(_Breaker):
    """Breaker whose open/half-open state lives in Redis under `key` (TTL = open-until)."""

    def __init__(
        self,
        redis: Redis,
        key: str,
        service: str,
        policy: BreakerPolicy | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(service, policy, clock=clock)
        self._redis = redis
        self._keys = [f"{key}:open", f"{key}:tripped", f"{key}:trial"]
        self._check_script = redis.register_script(_CHECK_LUA)
        self._open_script = redis.register_script(_OPEN_LUA)

    async def _check(self) -> tuple[_State, float]:
        code, wait_ms = await self._check_script(
            keys=self._keys, args=[round(self.policy.trial_timeout_seconds * 1000)]
        )
        state = {0: _State.CLOSED, 1: _State.OPEN, 2: _State.TRIAL, 3: _State.TRIAL_BUSY}[int(code)]
        return state, int(wait_ms) / 1000

    async def _open(self, seconds: float) -> bool:
        opened = await self._open_script(
            keys=self._keys, args=[max(1, round(seconds * 1000)), round(_TRIPPED_GRACE_SECONDS * 1000)]
        )
        return bool(int(opened))

    async def _close(self) -> None:
        await self._redis.delete(self._keys[1], self._keys[2])
