"""Reaching PostgreSQL and Redis from the command line, and one-line explanations when they cannot be reached.

The CLI checks the dependencies a command needs before running it (`check_database`,
`check_redis`), and explains a connection failure that happens later the same way
(`explain_connection_error`): a sentence naming the setting and the fix, instead of a traceback.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from traceback import walk_tb
from urllib.parse import unquote, urlsplit

import asyncpg
from redis import exceptions as redis_errors
from redis.asyncio import Redis
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext

from app.platform.db import tortoise_config

# A dependency that has not answered by then is as good as down for a command-line check.
CONNECT_TIMEOUT_SECONDS = 5.0


class DependencyError(Exception):
    """A dependency cannot be reached; the message names the setting and the fix."""


@dataclass(frozen=True)
class Endpoint:
    """Where a URL points, for messages (never the password)."""

    host: str
    port: int | None
    user: str
    database: str

    @classmethod
    def of(cls, url: str, default_port: int) -> Endpoint:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or default_port,
            user=unquote(parts.username or ""),
            database=unquote(parts.path.lstrip("/")),
        )

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def postgres_message(error: BaseException, database_url: str) -> str | None:
    """The one-line explanation of a failure to reach PostgreSQL at `database_url`; None if it is not one."""
    if database_url.startswith("sqlite:"):
        if isinstance(error, sqlite3.OperationalError):
            path = database_url.split("://", 1)[-1]
            return f"Cannot open the SQLite database '{path}' (DATABASE_URL): {error}. Check that its folder exists."
        return None
    at = Endpoint.of(database_url, 5432)
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return (
            f"Database '{at.database}' does not exist on PostgreSQL at {at} (DATABASE_URL): create it with "
            f"`createdb -h {at.host} -p {at.port}{f' -U {at.user}' if at.user else ''} {at.database}`, "
            "then run `theset migrate`."
        )
    if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
        return f"PostgreSQL at {at} refused the login (DATABASE_URL): {error}. Check the user and password."
    if isinstance(error, asyncpg.TooManyConnectionsError | asyncpg.CannotConnectNowError):
        return f"PostgreSQL at {at} refused the connection (DATABASE_URL): {error}."
    if isinstance(error, socket.gaierror):
        return f"Cannot resolve the PostgreSQL host '{at.host}' (DATABASE_URL): check the host name."
    if isinstance(error, TimeoutError):
        return f"PostgreSQL at {at} did not answer (DATABASE_URL): is the host and port right, and is it running?"
    if isinstance(error, OSError):
        return (
            f"Cannot connect to PostgreSQL at {at} (DATABASE_URL): is it running? "
            "Start it, or point DATABASE_URL at the server (postgres://user:password@host:5432/database)."
        )
    return None


def redis_message(error: BaseException, redis_url: str) -> str | None:
    """The one-line explanation of a failure to reach Redis at `redis_url`; None if it is not one."""
    at = Endpoint.of(redis_url, 6379)
    if isinstance(error, redis_errors.AuthenticationError | redis_errors.AuthorizationError):
        return f"Redis at {at} refused the login (REDIS_URL): {error}. Check the password in REDIS_URL."
    if any(isinstance(link, socket.gaierror) for link in _chain(error)):
        return f"Cannot resolve the Redis host '{at.host}' (REDIS_URL): check the host name."
    if isinstance(error, redis_errors.ConnectionError | redis_errors.TimeoutError | OSError | TimeoutError):
        return (
            f"Cannot connect to Redis at {at} (REDIS_URL): is it running? "
            "Start it (`redis-server`), or point REDIS_URL at the server (redis://host:6379/0)."
        )
    if isinstance(error, redis_errors.ResponseError):
        return f"Redis at {at} refused the connection (REDIS_URL): {error}."
    return None


def explain_connection_error(error: BaseException, database_url: str, redis_url: str | None) -> str | None:
    """The one-line explanation of a failure to reach PostgreSQL or Redis anywhere in `error`'s chain."""
    # Root cause first: the ORM wraps a missing database (the driver's error) in a ConnectionError of its own.
    for link in reversed(list(_chain(error))):
        if isinstance(link, redis_errors.RedisError) and redis_url:
            return redis_message(link, redis_url)
        # A bare OSError is PostgreSQL's only when raised inside its driver (not an HTTP client's).
        if isinstance(link, asyncpg.PostgresError | sqlite3.OperationalError) or (
            isinstance(link, OSError) and _raised_in(link, ("asyncpg", "tortoise", "aiosqlite"))
        ):
            message = postgres_message(link, database_url)
            if message:
                return message
    return None


@asynccontextmanager
async def explaining_database_errors(database_url: str) -> AsyncIterator[None]:
    """Turn a failure to reach the database inside the block into DependencyError (others pass through)."""
    try:
        yield
    except TimeoutError as error:  # the caller's deadline: asyncio's, not the driver's, so named here
        raise DependencyError(postgres_message(TimeoutError(), database_url) or str(error)) from error
    except Exception as error:
        message = explain_connection_error(error, database_url, None)
        if message is None:
            raise
        raise DependencyError(message) from error


async def check_database(database_url: str) -> None:
    """Connect and run `SELECT 1`, or raise DependencyError with the explanation."""
    async with explaining_database_errors(database_url), database_connection(database_url) as connection:
        await asyncio.wait_for(connection.execute_query("SELECT 1"), CONNECT_TIMEOUT_SECONDS)


async def check_redis(redis_url: str) -> None:
    """PING Redis, or raise DependencyError with the explanation."""
    redis = Redis.from_url(
        redis_url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        await redis.ping()
    except (redis_errors.RedisError, OSError) as error:
        raise DependencyError(redis_message(error, redis_url) or str(error)) from error
    finally:
        await redis.aclose()


@asynccontextmanager
async def database_connection(database_url: str) -> AsyncIterator[BaseDBAsyncClient]:
    """A private ORM connection to `database_url` for one check, closed on the way out.

    Its own context: the process' ORM (opened later by the command) is left untouched.
    """
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(database_url, pool_size=1))
        yield context.db()


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _raised_in(error: BaseException, packages: tuple[str, ...]) -> bool:
    for frame, _line in walk_tb(error.__traceback__):
        module = str(frame.f_globals.get("__name__", ""))
        if module.split(".", 1)[0] in packages:
            return True
    return False
