"""Suite-wide fixtures: the real PostgreSQL and Redis every test run talks to.

The run creates a throwaway PostgreSQL database, applies the aerich migrations to it (the same
code path as `theset migrate`), and drops it at the end. Tests that touch the database ask for
`db`, which empties every table first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
from catalog_testing import Emulator
from databases import POSTGRES_URL, create_database, drop_database
from graphql_client import GraphQLClient
from redis_server import RedisServer
from sql_counter import QueryCounter
from starlette.applications import Starlette
from tortoise import Tortoise, connections

from app.emulators.server import running_server
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import World, build_world
from app.main import create_app
from app.platform.cache import MemoryCache
from app.platform.quotas import MemoryCounter
from app.resources import Resources
from app.settings import Settings

# anyio imports its parts on first use, and under pytest each first import runs the assertion
# rewriter (an ast.parse) inside whatever request first needs the part: one such parse, deep in a
# page served by a test, failed with CPython 3.11.7's "AST constructor recursion depth mismatch"
# SystemError. Importing every part now keeps parsing out of requests.
for _name in dir(anyio):
    getattr(anyio, _name)

pytest_plugins = ["spotify_fixtures"]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

_HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
}


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail loudly, naming the service, when PostgreSQL or Redis is down: never skip silently."""
    down = [(name, url) for name, url in (("PostgreSQL", POSTGRES_URL), ("Redis", REDIS_URL)) if not _reachable(url)]
    if down:
        lines = [f"{name} is not reachable at {url}. Start it with:\n    {_HOW_TO_START[name]}" for name, url in down]
        pytest.exit("\n".join(lines), returncode=3)


@pytest.fixture(scope="session")
def world() -> World:
    """The emulators' catalog for the sync, look-up and fault tests (tests/emulators has its own)."""
    return build_world(seed=11, n_artists=40, n_venues=25, n_events=220)


@pytest.fixture
async def ticketmaster(world: World) -> AsyncIterator[Emulator]:
    """The Ticketmaster emulator of `world` on a real socket (the sync and fault tests' vendor)."""
    app = create_ticketmaster_app(world)
    async with running_server(app) as url:
        yield Emulator(app, url)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of this test's own: to kill or freeze, or where nobody else's keys and channels are."""
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A throwaway database for this run, migrated with the project's migrations."""
    from app.platform.db import migrate

    name = f"theset_test_{uuid.uuid4().hex[:12]}"
    url = await create_database(name)
    try:
        await migrate(url)
        yield url
    finally:
        await drop_database(name)


@pytest.fixture(scope="session")
async def orm(postgres_url: str) -> AsyncIterator[None]:
    from app.platform.db import close_db, init_db

    await init_db(postgres_url)
    yield
    await close_db()


@pytest.fixture
async def db(orm: None) -> None:
    """An empty database for this test."""
    tables = [model._meta.db_table for model in Tortoise.apps["models"].values() if model.__name__ != "Aerich"]
    await connections.get("default").execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def settings(postgres_url: str) -> Settings:
    return Settings(environment="test", database_url=postgres_url, redis_url=None)


@pytest.fixture(scope="session")
async def app(settings: Settings, orm: None) -> AsyncIterator[Starlette]:
    """The application with its lifespan running (it shares the run's ORM connections)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
def _fresh_process_state(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests share the run's app: each starts with no rate-limit counts (on a frozen clock, so no count
    straddles a window boundary), no cached look-ups and no cached responses. (Apps made per test end their own
    background fills with their lifespan.)"""
    for name in ("app", "spotify_app"):
        if name in request.fixturenames:
            resources: Resources = request.getfixturevalue(name).state.resources
            # Tests empty the tables without bumping any version: no answer outlives its test.
            resources.responses.clear()
            if resources.redis is None:
                monkeypatch.setattr(resources, "counter", MemoryCounter(clock=lambda: 30.0))
                monkeypatch.setattr(resources, "cache", MemoryCache())


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient, db: None) -> GraphQLClient:
    """A GraphQL client on an empty database."""
    return GraphQLClient(http)


@pytest.fixture
def count_queries() -> Callable[[], contextlib.AbstractContextManager[QueryCounter]]:
    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        logger = logging.getLogger("tortoise.db_client")
        counter = QueryCounter()
        previous = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(counter)
        try:
            yield counter
        finally:
            logger.removeHandler(counter)
            logger.setLevel(previous)

    return counting
