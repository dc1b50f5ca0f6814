"""In-memory limiters and breaker, and the retry policy, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from clients_testing import FakeSleep

from app.clients.breaker import BreakerPolicy, MemoryBreaker
from app.clients.errors import (
    CircuitOpen,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
    defer_seconds,
    redact,
)
from app.clients.ratelimit import MemoryIntervalLimiter, MemoryWindowLimiter
from app.clients.retry import CallStats, RetryPolicy


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_interval_limiter_spaces_calls_without_burst(fake_sleep: FakeSleep) -> None:
    clock = Clock()
    limiter = MemoryIntervalLimiter(0.2, sleep=fake_sleep, clock=clock)
    waits = [await limiter.acquire() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.2, 0.4, 0.6])
    clock.now += 5  # idle: the next call goes at once, no saved-up burst
    assert await limiter.acquire() == 0.0
    assert await limiter.acquire() == pytest.approx(0.2)


async def test_window_limiter_allows_a_budget_per_rolling_window(fake_sleep: FakeSleep) -> None:
    clock = Clock()
    limiter = MemoryWindowLimiter(3, 30.0, sleep=fake_sleep, clock=clock)
    assert [await limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 10
    assert await limiter.acquire() == pytest.approx(20.0)  # until the first call leaves the window
    assert await limiter.acquire() == pytest.approx(20.0)
    clock.now += 25
    assert await limiter.acquire() == pytest.approx(0.0)  # the original three have left the window
    assert fake_sleep.calls == pytest.approx([20.0, 20.0])


async def test_breaker_opens_after_consecutive_failures_and_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = MemoryBreaker("spotify", BreakerPolicy(failure_threshold=3, cooldown_seconds=30), clock=clock)
    for _ in range(2):
        await breaker.record_failure(await breaker.before_call())
    await breaker.record_success(await breaker.before_call())  # a success resets the count
    for _ in range(3):
        await breaker.record_failure(await breaker.before_call())

    with pytest.raises(CircuitOpen) as opened:
        await breaker.before_call()
    assert opened.value.retry_at == datetime.fromtimestamp(clock.now + 30, UTC)

    clock.now += 31
    assert await breaker.before_call() is True  # the half-open trial
    with pytest.raises(CircuitOpen):
        await breaker.before_call()  # everyone else still fails fast
    await breaker.record_failure(True)  # a failed trial re-opens for a full cool-down
    with pytest.raises(CircuitOpen):
        await breaker.before_call()

    clock.now += 31
    assert await breaker.before_call() is True
    await breaker.record_success(True)
    assert await breaker.before_call() is False  # closed
    assert await breaker.before_call() is False


async def test_open_for_never_shortens_a_longer_opening() -> None:
    clock = Clock()
    breaker = MemoryBreaker("spotify", clock=clock)
    await breaker.open_for(14_000)
    await breaker.open_for(30)
    with pytest.raises(CircuitOpen) as opened:
        await breaker.before_call()
    assert opened.value.retry_at == datetime.fromtimestamp(clock.now + 14_000, UTC)


def test_backoff_is_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= delay <= cap for delay in delays)
        assert max(delays) > cap / 2  # jittered across the range, not a constant


def test_defer_seconds_tells_jobs_which_errors_to_defer() -> None:
    assert defer_seconds(UpstreamRateLimited("ticketmaster", 3600.4)) == 3601
    assert defer_seconds(UpstreamUnavailable("spotify", "HTTP 503"), default=45) == 45
    assert defer_seconds(UpstreamNotFound("spotify", "gone")) is None


def test_redact_and_stats() -> None:
    assert redact("Identifier : KEY123 and KEY123", ["KEY123", ""]) == "Identifier : *** and ***"
    assert CallStats(api_calls=3, retries=1).as_dict() == {"api_calls": 3, "rate_limit_wait_seconds": 0.0, "retries": 1}
