"""API server processes for tests that need real sockets and several processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from redis_server import free_port

THESET = Path(sys.executable).parent / "theset"  # the console script of the venv running the tests

__all__ = ["THESET", "api_process", "free_port"]


@contextlib.asynccontextmanager
async def api_process(database_url: str, redis_url: str | None, **env: str) -> AsyncIterator[str]:
    """`theset serve` in its own process on a free port; yields its base URL once it is ready."""
    port = free_port()
    environment = {**os.environ, "ENVIRONMENT": "test", "DATABASE_URL": database_url, **env}
    environment.pop("REDIS_URL", None)
    if redis_url:
        environment["REDIS_URL"] = redis_url
    process = await asyncio.create_subprocess_exec(
        str(THESET), "serve", "--port", str(port), env=environment, stderr=asyncio.subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            for _ in range(200):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            else:
                raise TimeoutError("the API process did not start")
        yield url
    finally:
        process.terminate()
        await process.wait()
