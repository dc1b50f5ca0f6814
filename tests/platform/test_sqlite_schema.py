"""The embedded SQLite file: generated for these models, regenerated when an older version made it.

Each start runs in a process of its own: this test process's ORM is on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

# One start of the embedded database: init_db as `theset serve` does it, then what the test asks.
START = """
import asyncio, json, sys
from tortoise import connections
from app.platform.db import close_db, init_db

async def main():
    await init_db("sqlite://" + sys.argv[1], generate_schemas=True)
    try:
        db = connections.get("default")
        if sys.argv[2]:
            await db.execute_query(sys.argv[2])
        columns = [row["name"] for row in await db.execute_query_dict('PRAGMA table_info("artists")')]
        venues = [row["name"] for row in await db.execute_query_dict("SELECT name FROM venues")]
        artists = await db.execute_query_dict("SELECT count(*) AS n FROM artists")
    finally:
        await close_db()
    print(json.dumps({"columns": columns, "venues": venues, "artists": artists[0]["n"]}))

asyncio.run(main())
"""


async def start(path: Path, statement: str = "") -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        START,
        str(path),
        statement,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    found: dict[str, Any] = json.loads(out)
    return found


async def test_a_file_an_older_version_generated_gets_the_current_tables(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    with sqlite3.connect(path) as old:  # as an earlier version left it: artists without the newer columns
        old.execute("CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT)")
        old.execute("INSERT INTO artists (id, name) VALUES (1, 'Old')")

    found = await start(path)

    assert {"musicbrainz_id", "predictability", "tour_history_synced_at"} <= set(found["columns"])
    assert found["artists"] == 0


async def test_a_current_file_keeps_its_rows_across_starts(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    await start(
        path,
        "INSERT INTO venues (created_at, updated_at, ticketmaster_id, name, city, country_code)"
        " VALUES ('2026-12-02', '2026-12-02', 'V1', 'Hall', 'Town', 'US')",
    )

    found = await start(path)

    assert found["venues"] == ["Hall"]
