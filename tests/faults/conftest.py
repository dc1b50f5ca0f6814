"""Fixtures of the fault tests."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def queue_name() -> str:
    """This test's own arq queue."""
    return f"theset-test:{uuid.uuid4().hex}"


@pytest.fixture
def api_key() -> str:
    """A fresh Ticketmaster key per test: the shared limiter keeps its state per key."""
    return f"key-{uuid.uuid4().hex}"
