"""Fixtures for the API client tests: real recorded samples and fast fake sleeps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from clients_testing import FakeSleep
from redis.asyncio import Redis

from app.clients.retry import CallStats, counting_calls

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def sample() -> Callable[[str], Any]:
    """Load a recorded sample; nock cassettes (a list of interactions) give their response body."""

    def load(name: str) -> Any:
        data = json.loads((FIXTURES / name).read_text())
        if isinstance(data, list) and data and "response" in data[0]:
            return data[0]["response"]
        return data

    return load


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
async def redis_pair(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two separate Redis connections, as two worker processes would have."""
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


@pytest.fixture(name="calls")
async def counted_calls() -> AsyncIterator[CallStats]:
    """The vendor calls the test makes, counted as a sync job's are (`counting_calls`)."""
    with counting_calls() as stats:
        yield stats


@pytest.fixture
def stats(calls: CallStats) -> CallStats:
    """`calls`, for tests whose own `calls` are the requests a fake vendor saw."""
    return calls
