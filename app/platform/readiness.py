"""Whether the database's schema is at the code's head: aerich's `aerich` table against `migrations/`.

A process serving a database that misses a migration answers every query with an error, so
readiness (`/readyz`) and `theset serve`'s start-up check both ask for the pending migrations.
SQLite (the embedded demo) has its tables generated from the models: it is always at head.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from tortoise.backends.base.client import BaseDBAsyncClient

from app.platform.db import MIGRATIONS_DIR
from app.platform.dependencies import (
    CONNECT_TIMEOUT_SECONDS,
    check_database,
    database_connection,
    explaining_database_errors,
)

# aerich keeps one folder of migrations per Tortoise app, and records each applied file by its name.
MIGRATIONS_APP = "models"


def migration_files(directory: Path = MIGRATIONS_DIR / MIGRATIONS_APP) -> list[str]:
    """The code's migrations in the order aerich applies them (`<n>_<name>.py`, by n)."""
    names = [path.name for path in directory.glob("*.py") if path.stem.split("_", 1)[0].isdigit() and "_" in path.stem]
    return sorted(names, key=lambda name: int(name.split("_", 1)[0]))


async def applied_migrations(connection: BaseDBAsyncClient) -> set[str]:
    """The migrations aerich recorded in this PostgreSQL database (none before the first `theset migrate`)."""
    # to_regclass: asking first keeps a fresh database's probes out of PostgreSQL's error log.
    _, rows = await connection.execute_query("SELECT to_regclass('aerich') IS NOT NULL AS present")
    if not rows[0]["present"]:
        return set()
    _, rows = await connection.execute_query("SELECT version FROM aerich WHERE app = $1", [MIGRATIONS_APP])
    return {str(row["version"]) for row in rows}


async def pending_migrations(connection: BaseDBAsyncClient, files: list[str] | None = None) -> list[str]:
    """The code's migrations this database has not applied, in order."""
    applied = await applied_migrations(connection)
    return [name for name in (migration_files() if files is None else files) if name not in applied]


async def check_migrations(database_url: str) -> list[str]:
    """Connect and read the pending migrations; DependencyError when the database cannot be reached."""
    if database_url.startswith("sqlite:"):
        await check_database(database_url)
        return []
    async with explaining_database_errors(database_url), database_connection(database_url) as connection:
        return await asyncio.wait_for(pending_migrations(connection), CONNECT_TIMEOUT_SECONDS)


class MigrationStatus:
    """The pending migrations of one database, read at most once every `cache_seconds`.

    Probes come every few seconds from each load balancer and orchestrator: one answer serves them
    all for a while, and concurrent probes share one read. Failures are not cached (the caller
    reports the database as down). The code's migrations are listed once: they are fixed for the
    life of the process.
    """

    def __init__(
        self,
        *,
        uses_sqlite: bool,
        cache_seconds: float,
        files: list[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.uses_sqlite = uses_sqlite
        self.cache_seconds = cache_seconds
        self.files = migration_files() if files is None else files
        self._clock = clock
        self._lock = asyncio.Lock()
        self._pending: list[str] = []
        self._read_at: float | None = None

    async def pending(self, connection: BaseDBAsyncClient) -> list[str]:
        """The migrations still to apply ([] when at head); raises when the database cannot be read."""
        if self.uses_sqlite:
            return []
        async with self._lock:
            if self._read_at is None or self._clock() - self._read_at >= self.cache_seconds:
                self._pending = await pending_migrations(connection, self.files)
                self._read_at = self._clock()
            return list(self._pending)


def pending_message(pending: list[str]) -> str:
    """The sentence the log and the CLI give for pending migrations."""
    return (
        f"The database is not migrated: {len(pending)} pending migration(s) ({', '.join(pending)}). "
        "Run `theset migrate` (DATABASE_URL); /readyz answers 503 until then."
    )
