"""What shared read answers depend on, as numbers that only grow: the catalog's version and setlists' sequences.

A setlist's sequence number is the broker's (every vote, unvote and suggestion publishes with the
next one, after its commit); the catalog's version is bumped after catalog writes commit (the syncs,
a suggestion's new song). A cached answer stays valid while the numbers it was built under are the
current ones (app.api.response_cache). With Redis every process reads the same numbers in one
round trip (concurrent reads share it); without, they are this process's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from redis.asyncio import Redis

from app.platform.batching import GroupCommit
from app.platform.broker import Broker, RedisBroker
from app.platform.redis_client import REDIS_FAILURES, RedisGuard

logger = logging.getLogger(__name__)

CATALOG_VERSION_KEY = "theset:catalog:version"


class VersionsUnavailable(Exception):
    """Redis did not answer: nothing can be served from, or stored in, a cache that depends on it."""


class Versions:
    def __init__(self, redis: Redis | None, broker: Broker, guard: RedisGuard | None = None) -> None:
        self._redis = redis
        self._broker = broker
        self._guard = guard or RedisGuard.passthrough()  # request-path calls: a deadline and a cooldown
        self._catalog = 0  # without Redis
        self._reads: GroupCommit[list[str], list[int]] = GroupCommit(self._read_all)

    async def read(self, channels: Sequence[str]) -> tuple[int, ...]:
        """(catalog version, then each channel's last sequence number); VersionsUnavailable when unknowable."""
        if self._redis is None or not isinstance(self._broker, RedisBroker):
            return (self._catalog, *[await self._broker.sequence(channel) for channel in channels])
        keys = [CATALOG_VERSION_KEY, *(self._broker.sequence_key(channel) for channel in channels)]
        try:
            return tuple(await self._guard.call(lambda: self._reads.submit(keys)))
        except REDIS_FAILURES as error:
            raise VersionsUnavailable(str(error)) from error

    async def sequence(self, channel: str) -> int:
        """One channel's last sequence number (read before the rows it numbers)."""
        return (await self.read([channel]))[1]

    async def bump_catalog(self) -> None:
        """After catalog writes committed: every answer built from the catalog before is stale."""
        if self._redis is None:
            self._catalog += 1
            return
        try:
            await self._guard.call(lambda: self._redis.incr(CATALOG_VERSION_KEY))  # type: ignore[union-attr]
        except REDIS_FAILURES:
            logger.warning("Catalog version not bumped (Redis unreachable): cached reads age out", exc_info=True)

    async def _read_all(self, batches: list[list[str]]) -> list[list[int]]:
        assert self._redis is not None
        keys = [key for batch in batches for key in batch]
        values = await self._redis.mget(keys)
        numbers = [int(value or 0) for value in values]
        answers: list[list[int]] = []
        for batch in batches:
            answers.append(numbers[: len(batch)])
            numbers = numbers[len(batch) :]
        return answers
