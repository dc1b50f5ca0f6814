"""The aerich migrations build exactly the schema the models describe (no drift)."""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
from databases import create_database, drop_database
from servers import THESET

from app.platform.db import tortoise_config

CATALOG_QUERY = """
SELECT table_name, column_name, data_type, is_nullable, coalesce(character_maximum_length, -1) AS length
FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name
"""
CONSTRAINTS_QUERY = """
SELECT conrelid::regclass::text AS table_name, contype, pg_get_constraintdef(oid) AS definition
FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2, 3
"""
INDEXES_QUERY = """
SELECT tablename, regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON') AS definition
FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2
"""


async def _describe(url: str) -> dict[str, list[tuple[object, ...]]]:
    connection = await asyncpg.connect(url)
    try:
        return {
            name: [tuple(row) for row in await connection.fetch(query)]
            for name, query in (
                ("columns", CATALOG_QUERY),
                ("constraints", CONSTRAINTS_QUERY),
                ("indexes", INDEXES_QUERY),
            )
        }
    finally:
        await connection.close()


async def _generate_from_models(url: str) -> None:
    from tortoise import Tortoise
    from tortoise.context import TortoiseContext

    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        await Tortoise.generate_schemas(safe=False)


async def test_migrations_match_the_models(postgres_url: str) -> None:
    name = f"theset_models_{uuid.uuid4().hex[:12]}"
    models_url = await create_database(name)
    try:
        await _generate_from_models(models_url)
        from_models = await _describe(models_url)
    finally:
        await drop_database(name)

    from_migrations = await _describe(postgres_url)
    assert len(from_models["columns"]) > 50  # the comparison saw the whole schema

    assert from_migrations["columns"] == from_models["columns"]
    assert from_migrations["constraints"] == from_models["constraints"]
    assert from_migrations["indexes"] == from_models["indexes"]


async def test_theset_migrate_on_a_migrated_database_applies_nothing(postgres_url: str) -> None:
    # A process of its own: aerich closes the ORM connections of the process it runs in.
    process = await asyncio.create_subprocess_exec(
        str(THESET),
        "migrate",
        env={**os.environ, "DATABASE_URL": postgres_url},
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()

    assert process.returncode == 0
    assert output.decode().strip() == "database is up to date"
