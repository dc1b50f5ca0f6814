"""The one Tortoise configuration used by the API, the workers, aerich and the tests."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise, connections, fields
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import get_current_context
from tortoise.models import Model
from tortoise.utils import get_schema_sql

from app.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

MODEL_MODULES = [
    "app.catalog.models",
    "app.setlists.models",
    "app.accounts.models",
    "app.played.models",
    "app.tours.models",
]


def tortoise_config(
    database_url: str | None = None, *, pool_size: int | None = None, timeouts: bool = True
) -> dict[str, Any]:
    """Tortoise config for a database URL (default: the settings' DATABASE_URL).

    `timeouts`: PostgreSQL statements, and waits for a pooled connection, give up after
    DATABASE_TIMEOUT_SECONDS, new connections after DATABASE_CONNECT_TIMEOUT_SECONDS (TimeoutError,
    answered UPSTREAM_UNAVAILABLE); off for migrations, whose statements may rightly run long.
    """
    settings = get_settings()
    url = database_url or settings.database_url
    size = pool_size or settings.database_pool_size
    connection: str | dict[str, Any] = url
    if url.startswith(("postgres://", "postgresql://", "asyncpg://")):
        connection = expand_db_url(url)
        credentials = connection["credentials"]
        # Pool size matters: PostgreSQL gains nothing past ~8 connections on 2 cores
        # (docs/decisions/0006-performance-facts.md).
        credentials.update(minsize=1, maxsize=size)
        if timeouts:
            connection["engine"] = "app.platform.pg_engine"  # waits for a pooled connection give up too
            credentials.update(
                command_timeout=settings.database_timeout_seconds,
                timeout=settings.database_connect_timeout_seconds,
                pool_timeout=settings.database_timeout_seconds,
            )
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {"models": [*MODEL_MODULES, "aerich.models"], "default_connection": "default"},
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# aerich reads this name (see [tool.aerich] in pyproject.toml).
TORTOISE_ORM = tortoise_config(timeouts=False)


async def init_db(database_url: str | None = None, *, generate_schemas: bool = False) -> bool:
    """Open the ORM's connections unless this process already has them; True when this call opened them.

    With generate_schemas, create missing tables (the SQLite demo: migrations are PostgreSQL's); a
    SQLite file whose tables an older version generated is emptied and generated anew
    (`_drop_stale_sqlite_tables`).
    """
    if Tortoise.is_inited():
        return False
    # The global fallback makes the ORM visible to every task (requests, websockets, jobs).
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    client = connections.get("default")
    if isinstance(client, AsyncpgDBClient):
        client.connection_class = NoResetConnection  # the pool is made on first use, with this class
    if generate_schemas:
        if client.capabilities.dialect == "sqlite":
            await _drop_stale_sqlite_tables(client)
        await Tortoise.generate_schemas(safe=True)
    return True


async def _drop_stale_sqlite_tables(client: Any) -> None:
    """Drop every table of a SQLite file generated from other models than these ones.

    `generate_schemas(safe=True)` only creates missing tables: a demo file kept from an earlier
    version would lack the new columns and fail every query. The file records a fingerprint of the
    schema it was generated for (`PRAGMA user_version`); its data is the demo's, synced again from
    the emulators on every start, so a stale file is simply regenerated.
    """
    fingerprint = int(hashlib.sha256(get_schema_sql(client, safe=True).encode()).hexdigest()[:7], 16)
    (row,) = await client.execute_query_dict("PRAGMA user_version")
    if row["user_version"] == fingerprint:
        return
    tables = await client.execute_query_dict(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    await client.execute_script(
        "PRAGMA foreign_keys = OFF;"
        + "".join(f'DROP TABLE IF EXISTS "{table["name"]}";' for table in tables)
        + f"PRAGMA user_version = {fingerprint}; PRAGMA foreign_keys = ON;"
    )


async def migrate(database_url: str | None = None) -> list[str]:
    """Bring the database schema up to date; the names of the migrations applied.

    PostgreSQL gets the aerich migrations in `migrations/`; SQLite (the embedded demo) gets its
    tables generated from the models, since the migrations are written in PostgreSQL's dialect.
    """
    url = database_url or get_settings().database_url
    if url.startswith("sqlite:"):
        opened = await init_db(url, generate_schemas=True)
        if opened:
            await close_db()
        return ["generated schema (sqlite)"]
    # aerich leaves its ORM context behind in the calling task: run it in a task of its own.
    return await asyncio.create_task(_aerich_upgrade(url))


async def _aerich_upgrade(url: str) -> list[str]:
    from aerich import Command  # imported here: only PostgreSQL deployments need it

    config = tortoise_config(url, timeouts=False)
    async with Command(tortoise_config=config, app="models", location=str(MIGRATIONS_DIR)) as command:
        applied: list[str] = await command.upgrade(run_in_transaction=True)
    return applied


async def close_db() -> None:
    """Close every ORM connection and forget the ORM's context, so init_db can open it again."""
    context = get_current_context()
    if context is not None:
        # Unlike Tortoise.close_connections(), this also marks the context uninitialised. Its last
        # step resets a contextvar token, which fails when another task opened the ORM: harmless.
        with contextlib.suppress(ValueError):
            await context.__aexit__(None, None, None)


class NoResetConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg is untyped
    """A pooled connection released without asyncpg's reset query (one more round trip per release).

    asyncpg resets session state (advisory locks, cursors, LISTEN, SET) when a connection goes back
    to the pool; this code keeps none of it past a statement or transaction (its advisory locks are
    transaction-scoped), so the reset only doubled the round trips of every short read.
    """

    def get_reset_query(self) -> str:
        return ""


class TimestampedModel(Model):
    """Base of every table: created_at and updated_at, both UTC."""

    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True
