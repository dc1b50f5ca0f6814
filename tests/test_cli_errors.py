"""Every `theset` command answers an unreachable dependency in a line or two naming the setting and the fix."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from databases import database_url
from servers import THESET, free_port

pytestmark = pytest.mark.slow  # every test runs the console script in a process of its own

# API credentials, so that the sync commands get as far as their dependencies.
VENDOR_ENV = {
    "TICKETMASTER_API_KEY": "test-key",
    "SPOTIFY_CLIENT_ID": "test-id",
    "SPOTIFY_CLIENT_SECRET": "test-secret",
}
COMMANDS = [["migrate"], ["worker"], ["demo", "--port", "0"], ["sync", "tours"], ["sync", "songs"]]


async def run_theset(args: list[str], cwd: Path, **env: str) -> tuple[int, str]:
    """Run the real console script with these settings; its exit status and stderr."""
    environment = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "LOG_LEVEL")}
    environment.update({"ENVIRONMENT": "test", "WORKER_METRICS_PORT": "0", **VENDOR_ENV, **env})
    process = await asyncio.create_subprocess_exec(
        str(THESET),
        *args,
        env=environment,
        cwd=cwd,  # away from any .env in the checkout
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def assert_short_answer(stderr: str, *expected: str) -> None:
    lines = stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, stderr
    assert "Traceback" not in stderr
    for text in expected:
        assert text in stderr, stderr


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
async def test_a_refused_database_port_is_one_line_naming_database_url(
    args: list[str], redis_url: str, tmp_path: Path
) -> None:
    port = free_port()

    status, stderr = await run_theset(
        args, tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/theset", REDIS_URL=redis_url
    )

    assert status != 0
    assert_short_answer(stderr, f"Cannot connect to PostgreSQL at 127.0.0.1:{port}", "(DATABASE_URL)", "running")


async def test_a_missing_database_says_how_to_create_it(tmp_path: Path) -> None:
    name = f"theset_missing_{uuid.uuid4().hex[:12]}"

    status, stderr = await run_theset(["migrate"], tmp_path, DATABASE_URL=database_url(name))

    assert status != 0
    assert_short_answer(stderr, f"Database '{name}' does not exist", "(DATABASE_URL)", "createdb", name)


async def test_an_unknown_database_host_is_named(tmp_path: Path) -> None:
    status, stderr = await run_theset(
        ["migrate"], tmp_path, DATABASE_URL="postgres://postgres@no-such-host.invalid:5432/theset"
    )

    assert status != 0
    assert_short_answer(stderr, "no-such-host.invalid", "(DATABASE_URL)")


@pytest.mark.parametrize("args", [["worker"], ["sync", "tours"], ["demo", "--port", "0"]], ids=" ".join)
async def test_an_unreachable_redis_is_one_line_naming_redis_url(
    args: list[str], postgres_url: str, tmp_path: Path
) -> None:
    port = free_port()

    status, stderr = await run_theset(
        args, tmp_path, DATABASE_URL=postgres_url, REDIS_URL=f"redis://127.0.0.1:{port}/0"
    )

    assert status != 0
    assert_short_answer(stderr, f"Cannot connect to Redis at 127.0.0.1:{port}", "(REDIS_URL)")


async def test_the_worker_without_redis_url_says_to_set_it(postgres_url: str, tmp_path: Path) -> None:
    status, stderr = await run_theset(["worker"], tmp_path, DATABASE_URL=postgres_url)

    assert status != 0
    assert_short_answer(stderr, "needs Redis", "REDIS_URL")


async def test_an_invalid_setting_is_named_without_its_value(tmp_path: Path) -> None:
    status, stderr = await run_theset(["migrate"], tmp_path, DATABASE_POOL_SIZE="plenty")

    assert status != 0
    assert_short_answer(stderr, "DATABASE_POOL_SIZE")
    assert "plenty" not in stderr


@pytest.mark.parametrize(
    ("args", "env"), [(["--debug", "migrate"], {}), (["migrate"], {"LOG_LEVEL": "DEBUG"})], ids=["--debug", "LOG_LEVEL"]
)
async def test_debugging_adds_the_traceback(args: list[str], env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()

    status, stderr = await run_theset(args, tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/x", **env)

    assert status != 0
    assert "Traceback" in stderr
    assert stderr.strip().splitlines()[-1].startswith(f"Cannot connect to PostgreSQL at 127.0.0.1:{port}")
