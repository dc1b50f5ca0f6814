"""The Redis-shared limiters and breaker, each side with its own connection as two processes would."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid

import httpx
import pytest
from redis.asyncio import Redis
from redis_server import free_port

from app.clients.breaker import BreakerPolicy, RedisBreaker
from app.clients.errors import CircuitOpen, UpstreamUnavailable
from app.clients.ratelimit import RedisIntervalLimiter, RedisWindowLimiter
from app.clients.retry import Guard, RetryPolicy

# asyncio timers can fire up to a clock tick early; the slots themselves are reserved exactly.
TOLERANCE = 0.003


def unique_key(kind: str) -> str:
    return f"theset:test:{kind}:{uuid.uuid4().hex}"


async def test_two_instances_sharing_a_key_never_come_closer_than_the_interval(
    redis_pair: tuple[Redis, Redis],
) -> None:
    key, interval = unique_key("interval"), 0.05
    first, second = (RedisIntervalLimiter(redis, key, interval) for redis in redis_pair)
    granted: list[float] = []

    async def take(limiter: RedisIntervalLimiter) -> tuple[float, float]:
        started = time.monotonic()
        waited = await limiter.acquire()
        granted.append(time.monotonic())
        return waited, granted[-1] - started

    taken = await asyncio.gather(*(take(limiter) for _ in range(5) for limiter in (first, second)))

    granted.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(granted)]
    # The limiter sends within a tenth of the interval after its slot (later, it takes a new slot).
    assert min(gaps) >= interval - interval / 10 - TOLERANCE
    # What acquire reports waiting is time it spent (a busy machine only adds to it), and the calls
    # queued behind the first did wait.
    assert all(waited <= spent + TOLERANCE for waited, spent in taken)
    assert sum(waited > 0 for waited, _ in taken) >= 9


async def test_different_keys_are_independent(redis_pair: tuple[Redis, Redis]) -> None:
    first = RedisIntervalLimiter(redis_pair[0], unique_key("interval"), 10.0)
    second = RedisIntervalLimiter(redis_pair[1], unique_key("interval"), 10.0)
    assert await first.acquire() == 0.0
    assert await second.acquire() == 0.0  # a 10 s interval on the other key does not apply here


async def test_window_limiter_is_shared_across_connections(redis_pair: tuple[Redis, Redis]) -> None:
    key, window = unique_key("window"), 0.3
    first, second = (RedisWindowLimiter(redis, key, 3, window) for redis in redis_pair)
    started = time.monotonic()
    granted: list[float] = []

    async def take(limiter: RedisWindowLimiter) -> None:
        await limiter.acquire()
        granted.append(time.monotonic() - started)

    await asyncio.gather(*(take(limiter) for limiter in (first, second, first, second, first, second)))

    # The slots both sides reserved in the shared log (Redis's clock, in µs): exact, whatever the load.
    slots = sorted(score for _, score in await redis_pair[0].zrange(key, 0, -1, withscores=True))
    assert len(slots) == 6
    for earlier, later in zip(slots, slots[3:], strict=False):
        assert later - earlier >= window * 1_000_000  # never 4 calls inside one window
    # And each call went no sooner than its slot: the last three waited about a window.
    granted.sort()
    assert granted[3] >= window - TOLERANCE


async def test_breaker_opened_by_one_process_is_open_for_the_other(redis_pair: tuple[Redis, Redis]) -> None:
    key = unique_key("breaker")
    policy = BreakerPolicy(failure_threshold=2, cooldown_seconds=0.2, trial_timeout_seconds=5)
    worker_a, worker_b = (RedisBreaker(redis, key, "spotify", policy) for redis in redis_pair)
    try:
        assert await worker_b.before_call() is False
        await worker_a.record_failure(await worker_a.before_call())
        await worker_a.record_failure(await worker_a.before_call())

        with pytest.raises(CircuitOpen) as opened:
            await worker_b.before_call()
        assert 0 < opened.value.retry_after_seconds <= 0.2

        await asyncio.sleep(0.25)
        assert await worker_b.before_call() is True  # B is the single half-open trial
        with pytest.raises(CircuitOpen):
            await worker_a.before_call()
        await worker_b.record_success(True)
        assert await worker_a.before_call() is False  # closed for everyone
    finally:
        await redis_pair[0].delete(f"{key}:open", f"{key}:tripped", f"{key}:trial")


async def test_long_retry_after_opening_is_shared_and_not_shortened(redis_pair: tuple[Redis, Redis]) -> None:
    key = unique_key("breaker")
    worker_a, worker_b = (RedisBreaker(redis, key, "spotify") for redis in redis_pair)
    try:
        await worker_a.open_for(14_000)
        await worker_b.open_for(30)  # e.g. a cool-down after failures: must not shorten it
        with pytest.raises(CircuitOpen) as opened:
            await worker_b.before_call()
        assert 13_990 < opened.value.retry_after_seconds <= 14_000
    finally:
        await redis_pair[0].delete(f"{key}:open", f"{key}:tripped", f"{key}:trial")


async def test_an_unreachable_shared_limiter_is_the_vendor_unavailable_and_sends_nothing() -> None:
    sent: list[int] = []

    async def send() -> httpx.Response:
        sent.append(1)
        return httpx.Response(200)

    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    guard = Guard(
        "spotify",
        limiter=RedisIntervalLimiter(dead, unique_key("interval"), 0.01),
        breaker=RedisBreaker(dead, unique_key("breaker"), "spotify", BreakerPolicy()),
        policy=RetryPolicy(),
        redact=str,
    )
    try:
        with pytest.raises(UpstreamUnavailable, match="shared rate limiter unreachable"):
            await guard.call(send, lambda response: None)
    finally:
        await dead.aclose()

    assert sent == []
