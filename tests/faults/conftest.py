"""Fixtures of the fault tests: a Ticketmaster emulator for the worker, and the catalog helpers' path."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# catalog_testing lives beside the catalog tests; put it on the path when only tests/faults runs.
CATALOG_TESTS = str(Path(__file__).resolve().parent.parent / "catalog")
if CATALOG_TESTS not in sys.path:
    sys.path.append(CATALOG_TESTS)

from catalog_testing import Emulator  # noqa: E402

from app.emulators.server import running_server  # noqa: E402
from app.emulators.ticketmaster import create_ticketmaster_app  # noqa: E402
from app.emulators.world import World  # noqa: E402


@pytest.fixture
async def ticketmaster(world: World) -> AsyncIterator[Emulator]:
    app = create_ticketmaster_app(world)
    async with running_server(app) as url:
        yield Emulator(app, url)


@pytest.fixture
def api_key() -> str:
    """A fresh Ticketmaster key per test: the shared limiter keeps its state per key."""
    return f"key-{uuid.uuid4().hex}"
