"""/healthz says the process is up; /readyz says whether its dependencies answer."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from servers import THESET, free_port


async def test_healthz_and_readyz_are_green_with_the_database_up(http: httpx.AsyncClient) -> None:
    health = await http.get("/healthz")
    ready = await http.get("/readyz")

    assert health.status_code == 200
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True}


@pytest.mark.slow
async def test_readyz_goes_red_when_the_database_and_redis_are_unreachable(tmp_path: Path) -> None:
    port, dead = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{dead}/nowhere",
        "REDIS_URL": f"redis://127.0.0.1:{dead}/0",
    }
    process = await asyncio.create_subprocess_exec(
        str(THESET), "serve", "--port", str(port), env=env, cwd=tmp_path, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(100):
                try:
                    health = await http.get("/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            ready = await http.get("/readyz", timeout=10)
            query = await http.post("/graphql", json={"query": "{ shows { edges { cursor } } }"}, timeout=10)
    finally:
        process.terminate()
        await process.wait()

    assert health.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": False, "redis": False}
    assert query.status_code == 200
    assert query.json()["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
