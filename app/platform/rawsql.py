"""Raw SQL on the ORM's connections, for the few hot paths where Tortoise's query building costs too much.

Statements are written in PostgreSQL's dialect with numbered parameters; `portable` rewrites them
for SQLite (the embedded demo), which spells numbered parameters ?1, ?2, …
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_NUMBERED = re.compile(r"\$(\d+)")


def portable(conn: BaseDBAsyncClient, sql: str) -> str:
    """`sql` in `conn`'s dialect: unchanged for PostgreSQL, `$n` → `?n` for SQLite."""
    return sql if conn.capabilities.dialect == "postgres" else _NUMBERED.sub(r"?\1", sql)


async def fetch(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    """The rows of one statement (RETURNING rows for INSERT/UPDATE/DELETE), as dicts."""
    return await conn.execute_query_dict(portable(conn, sql), values)


def as_model(model: type[M], row: dict[str, Any]) -> M:
    """A model instance from a full row (every column, e.g. `RETURNING *`), as the ORM itself builds them."""
    return model._init_from_db(**row)
