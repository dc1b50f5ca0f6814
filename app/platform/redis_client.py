"""The API's Redis client, with timeouts, and the guard every request-path call to it goes through.

Without socket timeouts a frozen Redis (alive, not answering) held every caller for as long as it
was frozen: the limits' script waited forever. The client gives up after REDIS_SOCKET_TIMEOUT_SECONDS
(connecting after REDIS_CONNECT_TIMEOUT_SECONDS); `RedisGuard` adds a deadline over the whole call
and, after a failure, skips Redis for REDIS_COOLDOWN_SECONDS so that only the calls in flight pay
the timeout. Callers then use their fallback: the in-process limits, a cache miss, a skipped publish.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis._parsers import _AsyncHiredisParser
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.settings import Settings

T = TypeVar("T")

# What says Redis is away or hung, as opposed to a mistake in a command (ResponseError).
OUTAGE_ERRORS: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)
# Whatever a call can fail with: an outage, or an error Redis answered.
REDIS_FAILURES: tuple[type[Exception], ...] = (RedisError, OSError, TimeoutError)


class RedisSkipped(RedisConnectionError):
    """Not sent: Redis failed to answer moments ago (RedisGuard's cooldown)."""


def create_redis(settings: Settings) -> Redis:
    """A client on REDIS_URL whose commands and connections give up after the configured timeouts."""
    assert settings.redis_url is not None, "create_redis needs REDIS_URL"
    pool = ReadyConnectionPool.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_socket_timeout_seconds,
        socket_connect_timeout=settings.redis_connect_timeout_seconds,
    )
    client: Redis = Redis.from_pool(pool)  # the client owns the pool: aclose() closes both
    return client


class ReadyConnectionPool(ConnectionPool):
    """redis-py's pool, handing out an idle connection without first trying to read from it.

    Before every command redis-py makes sure the connection it takes holds no reply left unread, by
    reading from it under a zero timeout: each command waited a loop turn for that timeout and
    unwound its cancellation (docs/decisions/0006-performance-facts.md). A connection that is open
    and has nothing buffered, neither in its stream nor in its parser, is handed out at once;
    anything else goes through redis-py's own check, which reconnects it.
    """

    async def ensure_connection(self, connection: AbstractConnection) -> None:
        if not _idle(connection):
            await super().ensure_connection(connection)


def _idle(connection: AbstractConnection) -> bool:
    # redis-py's private state, as of the redis-py the lock file pins (tests/platform/test_redis_pool.py).
    parser, stream = connection._parser, connection._reader
    return (
        isinstance(parser, _AsyncHiredisParser)  # the pure-Python parser cannot be peeked into
        and stream is not None
        and getattr(parser, "_connected", False)  # set once the parser is on a connection
        and not getattr(stream, "_buffer", True)  # bytes received and not yet read
        and not stream.at_eof()
        and parser._reader is not None
        and not parser._reader.has_data()
    )


class RedisGuard:
    """A deadline over each call, and a cooldown after an outage during which calls are not sent."""

    def __init__(
        self, deadline_seconds: float | None, cooldown_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.deadline_seconds = deadline_seconds
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._skip_until = 0.0
        self.failures = 0  # outages met (each starts a cooldown)

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisGuard:
        # A call may connect (a new connection) and then wait for its reply.
        deadline = settings.redis_connect_timeout_seconds + settings.redis_socket_timeout_seconds
        return cls(deadline, settings.redis_cooldown_seconds)

    @classmethod
    def passthrough(cls) -> RedisGuard:
        """No deadline, no cooldown: the client's own timeouts alone (callers built without settings)."""
        return cls(None, 0.0)

    @property
    def cooling_down(self) -> bool:
        return self._clock() < self._skip_until

    def recovered(self) -> None:
        """Redis answered another caller (the broker reconnected): end the cooldown now."""
        self._skip_until = 0.0

    async def call(self, command: Callable[[], Awaitable[T]], deadline: float | None = None) -> T:
        """`command()` within the deadline (or `deadline`, when shorter); RedisSkipped at once while cooling down.

        An outage (timeout, refused or reset connection) starts the cooldown and is raised to the
        caller, whose fallback takes over.
        """
        if self.cooling_down:
            raise RedisSkipped("Redis did not answer moments ago")
        seconds = min((d for d in (self.deadline_seconds, deadline) if d is not None), default=None)
        try:
            async with asyncio.timeout(seconds):
                return await command()
        except OUTAGE_ERRORS:
            self.failures += 1
            self._skip_until = self._clock() + self.cooldown_seconds
            raise
