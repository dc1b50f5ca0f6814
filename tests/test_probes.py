"""/healthz says the process is up; /readyz says whether its dependencies answer."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from databases import create_database, drop_database
from servers import THESET, free_port, serving

from app.platform.db import MIGRATIONS_DIR
from app.platform.dependencies import database_connection
from app.platform.readiness import MIGRATIONS_APP, MigrationStatus, migration_files


async def test_healthz_and_readyz_are_green_with_the_database_up(http: httpx.AsyncClient) -> None:
    health = await http.get("/healthz")
    ready = await http.get("/readyz")

    assert health.status_code == 200
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "migrations": True}


@pytest.mark.slow
async def test_readyz_goes_red_when_the_database_and_redis_are_unreachable(tmp_path: Path) -> None:
    dead = free_port()
    async with serving(
        tmp_path / "serve.log",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{dead}/nowhere",
        REDIS_URL=f"redis://127.0.0.1:{dead}/0",
    ) as http:
        ready = await http.get("/readyz")
        query = await http.post("/graphql", json={"query": "{ shows { edges { cursor } } }"})

    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": False, "redis": False}
    assert query.status_code == 200
    assert query.json()["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"


def apply_first_migration_only(url: str, workdir: Path) -> None:
    """Run aerich's upgrade with only the first migration file in its folder: a partly migrated database."""
    folder = workdir / "migrations" / MIGRATIONS_APP
    folder.mkdir(parents=True)
    shutil.copy(MIGRATIONS_DIR / MIGRATIONS_APP / migration_files()[0], folder)
    # A process of its own: aerich closes the ORM connections of the process it runs in.
    script = (
        "import asyncio\n"
        "from aerich import Command\n"
        "from app.platform.db import tortoise_config\n"
        "async def main():\n"
        f"    config, location = tortoise_config({url!r}), {str(folder.parent)!r}\n"
        "    async with Command(tortoise_config=config, app='models', location=location) as c:\n"
        "        print(await c.upgrade(run_in_transaction=True))\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, cwd=Path(__file__).parents[1])


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own: no tables, no aerich table."""
    name = f"theset_fresh_{uuid.uuid4().hex[:12]}"
    url = await create_database(name)
    try:
        yield url
    finally:
        await drop_database(name)


@pytest.mark.slow
async def test_readyz_names_every_migration_of_an_unmigrated_database(fresh_database: str, tmp_path: Path) -> None:
    async with serving(tmp_path / "serve.log", DATABASE_URL=fresh_database) as http:
        ready = await http.get("/readyz")
    log = (tmp_path / "serve.log").read_text()

    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": True, "migrations": False}
    assert ready.json()["pendingMigrations"] == migration_files()
    assert len(migration_files()) >= 2
    warning = next(line for line in log.splitlines() if "not migrated" in line)
    assert "WARNING" in warning
    assert "theset migrate" in warning
    assert "Traceback" not in log


@pytest.mark.slow
async def test_readyz_names_the_pending_migration_of_a_partly_migrated_database_until_it_is_migrated(
    fresh_database: str, tmp_path: Path
) -> None:
    apply_first_migration_only(fresh_database, tmp_path)
    log_path = tmp_path / "serve.log"
    async with serving(log_path, DATABASE_URL=fresh_database, READINESS_CACHE_SECONDS="0") as http:
        before = await http.get("/readyz")
        migrate = await asyncio.create_subprocess_exec(
            str(THESET), "migrate", env={**os.environ, "DATABASE_URL": fresh_database}, stdout=asyncio.subprocess.PIPE
        )
        applied, _ = await migrate.communicate()
        after = await http.get("/readyz")

    assert before.status_code == 503
    assert before.json()["pendingMigrations"] == migration_files()[1:]
    assert f"({', '.join(migration_files()[1:])})" in log_path.read_text()
    assert migrate.returncode == 0
    assert applied.decode().split() == [word for name in migration_files()[1:] for word in ("applied", name)]
    assert after.status_code == 200
    assert after.json()["checks"] == {"database": True, "migrations": True}


@pytest.mark.slow
async def test_a_sqlite_database_with_generated_tables_is_ready(tmp_path: Path) -> None:
    async with serving(tmp_path / "serve.log", DATABASE_URL=f"sqlite://{tmp_path / 'demo.sqlite3'}") as http:
        ready = await http.get("/readyz")

    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "migrations": True}


async def test_the_migration_check_is_read_once_per_cache_period(fresh_database: str) -> None:
    now = [0.0]
    status = MigrationStatus(uses_sqlite=False, cache_seconds=10, clock=lambda: now[0])
    async with database_connection(fresh_database) as connection:
        first = await status.pending(connection)
        await connection.execute_script(
            "CREATE TABLE aerich (id SERIAL PRIMARY KEY, version VARCHAR(255), app VARCHAR(100), content JSONB);"
            + "".join(
                f"INSERT INTO aerich (version, app, content) VALUES ('{name}', 'models', '{{}}');"
                for name in migration_files()
            )
        )
        now[0] = 9.9
        within = await status.pending(connection)
        now[0] = 10.0
        after = await status.pending(connection)

    assert first == migration_files()
    assert within == first  # cached: the aerich table was not read again
    assert after == []


@pytest.mark.slow
async def test_serve_warns_of_unreachable_dependencies_in_a_line_each(tmp_path: Path) -> None:
    dead = free_port()
    log_path = tmp_path / "serve.log"
    async with serving(
        log_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{dead}/theset",
        REDIS_URL=f"redis://127.0.0.1:{dead}/0",
    ):
        pass
    log = log_path.read_text()

    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert any(f"PostgreSQL at 127.0.0.1:{dead} (DATABASE_URL)" in line for line in warnings), log
    assert any(f"Redis at 127.0.0.1:{dead} (REDIS_URL)" in line for line in warnings), log
    assert "Traceback" not in log
