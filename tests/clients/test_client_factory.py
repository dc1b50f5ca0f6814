"""build_*_client: settings wiring, Redis or in-memory resilience, no secret in Redis keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from app.clients.breaker import MemoryBreaker, RedisBreaker
from app.clients.budget import BudgetedLimiter, RedisDailyBudget
from app.clients.factory import build_setlistfm_client, build_spotify_client, build_ticketmaster_client
from app.clients.ratelimit import MemoryIntervalLimiter, MemoryWindowLimiter, RedisIntervalLimiter, RedisWindowLimiter
from app.settings import Settings


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "ticketmaster_api_key": SecretStr(f"tm-{uuid.uuid4().hex}"),
        "ticketmaster_base_url": "https://tm.test/",
        "spotify_client_id": f"sp-{uuid.uuid4().hex}",
        "spotify_client_secret": SecretStr("secret"),
        "sync_country_code": "GB",
    }
    values.update(overrides)
    return Settings.model_validate(values)


async def test_without_redis_a_client_gets_in_memory_limiter_and_breaker_from_settings() -> None:
    config = settings(ticketmaster_requests_per_second=2.0, spotify_requests_per_30s=40)
    tm = build_ticketmaster_client(config, None)
    spotify = build_spotify_client(config, None)
    try:
        assert isinstance(tm._guard.limiter, MemoryIntervalLimiter)
        assert isinstance(tm._guard.breaker, MemoryBreaker)
        assert tm._guard.limiter._interval == pytest.approx(1.5 / 2.0)  # TM spacing with its headroom
        assert isinstance(spotify._guard.limiter, MemoryWindowLimiter)
        assert spotify._guard.limiter._limit == 40
        assert spotify.market == "GB"
    finally:
        await tm.aclose()
        await spotify.aclose()


async def test_redis_clients_use_shared_state_keyed_without_the_secret(redis_url: str) -> None:
    config = settings()
    redis = Redis.from_url(redis_url)
    shared_http = httpx.AsyncClient()
    try:
        tm = build_ticketmaster_client(config, redis, shared_http)
        spotify = build_spotify_client(config, redis, shared_http)
        assert isinstance(tm._guard.limiter, RedisIntervalLimiter)
        assert isinstance(tm._guard.breaker, RedisBreaker)
        assert isinstance(spotify._guard.limiter, RedisWindowLimiter)
        secret = config.ticketmaster_api_key.get_secret_value()
        assert secret not in tm._guard.limiter._key
        assert all(secret not in key for key in tm._guard.breaker._keys)
        await tm.aclose()  # does not close an injected http client
        assert not shared_http.is_closed
    finally:
        await shared_http.aclose()
        await redis.aclose()


async def test_setlistfm_clients_have_limiter_budget_and_breaker_keyed_without_the_key(redis_url: str) -> None:
    config = settings(setlistfm_api_key=SecretStr(f"sfm-{uuid.uuid4().hex}"), setlistfm_daily_budget=7)
    in_process = build_setlistfm_client(config, None)
    assert isinstance(in_process._guard.limiter, BudgetedLimiter)
    assert isinstance(in_process._guard.breaker, MemoryBreaker)
    assert in_process.budget.limit == 7
    await in_process.aclose()

    redis = Redis.from_url(redis_url)
    try:
        client = build_setlistfm_client(config, redis)
        secret = config.setlistfm_api_key.get_secret_value()
        assert isinstance(client.budget, RedisDailyBudget)
        assert isinstance(client._guard.breaker, RedisBreaker)
        assert secret not in client.budget.day_key()
        assert client.budget.day_key().endswith(datetime.now(UTC).date().isoformat())  # one counter per UTC day
        await client.aclose()
    finally:
        await redis.aclose()
