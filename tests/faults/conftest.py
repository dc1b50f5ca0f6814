"""Fixtures of the fault tests: a private Redis to kill, and the environment of a worker using it."""

from __future__ import annotations

import uuid

import pytest
from catalog_testing import Emulator
from fault_testing import worker_env
from redis_server import RedisServer


@pytest.fixture
def queue_name() -> str:
    """This test's own arq queue."""
    return f"theset-test:{uuid.uuid4().hex}"


@pytest.fixture
def api_key() -> str:
    """A fresh Ticketmaster key per test: the shared limiter keeps its state per key."""
    return f"key-{uuid.uuid4().hex}"


@pytest.fixture
def env(
    postgres_url: str, redis_server: RedisServer, queue_name: str, ticketmaster: Emulator, api_key: str
) -> dict[str, str]:
    """The environment of a `theset worker` on the private Redis, syncing from the Ticketmaster emulator."""
    return worker_env(
        database_url=postgres_url,
        redis_url=redis_server.url,
        queue_name=queue_name,
        ticketmaster_url=ticketmaster.url,
        api_key=api_key,
    )
