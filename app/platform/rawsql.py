"""Raw SQL on the ORM's connections, for the few hot paths where Tortoise's query building costs too much.

Statements are written in PostgreSQL's dialect with numbered parameters; `portable` rewrites them
for SQLite (the embedded demo), which spells numbered parameters ?1, ?2, … and has no arrays: a
list parameter compared with `= ANY($n)` becomes a JSON text read with json_each.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)
Row = Mapping[str, Any]

_NUMBERED = re.compile(r"\$(\d+)")
_ANY = re.compile(r"= ANY\(\$(\d+)\)")


def portable(conn: BaseDBAsyncClient, sql: str) -> str:
    """`sql` in `conn`'s dialect: unchanged for PostgreSQL, `$n` → `?n` for SQLite."""
    if conn.capabilities.dialect == "postgres":
        return sql
    return _NUMBERED.sub(r"?\1", _ANY.sub(r"IN (SELECT value FROM json_each($\1))", sql))


async def fetch(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    """The rows of one statement (RETURNING rows for INSERT/UPDATE/DELETE), as dicts."""
    return await conn.execute_query_dict(portable(conn, sql), values)


async def rows(sql: str, values: Sequence[Any]) -> Sequence[Row]:
    """The rows of one read on the default connection, as the driver gives them (no model objects).

    PostgreSQL: asyncpg's records straight from the pool, logged as Tortoise logs its statements.
    SQLite: list parameters go as JSON (see `portable`); values come back as SQLite stores them, so
    readers convert with `as_datetime`, `as_date`, `as_json` and `as_decimal`.
    """
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        async with conn.acquire_connection() as connection:
            conn.log.debug("%s: %s", sql, values)
            result: Sequence[Row] = await connection.fetch(sql, *values)
            return result
    params = [json.dumps(value) if isinstance(value, list) else value for value in values]
    found: list[dict[str, Any]] = await conn.execute_query_dict(portable(conn, sql), params)
    return found


def as_model(model: type[M], row: Row) -> M:
    """A model instance from a full row (every column, e.g. `RETURNING *`), as the ORM itself builds them."""
    return model._init_from_db(**row)


def as_datetime(value: Any) -> dt.datetime | None:
    """A timestamp column's value, aware (UTC), whichever database it comes from."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def as_json(value: Any) -> Any:
    """A JSON column's value: asyncpg and SQLite both give its text."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def as_decimal(value: Any) -> Decimal | None:
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))
