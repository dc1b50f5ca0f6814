"""API server processes for tests that need real sockets and several processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import httpx
from redis_server import free_port

THESET = Path(sys.executable).parent / "theset"  # the console script of the venv running the tests
# Test workers run only the jobs their test enqueues (no cron tick in the middle of a test, which
# would call the real Spotify) and serve metrics on no fixed port (workers run side by side).
TEST_WORKER_ENV = {"WORKER_CRON": "false", "WORKER_METRICS_PORT": "0"}

# Polls of /healthz, 50 ms apart: a process on a loaded 2-core machine may need half a minute to import.
STARTUP_POLLS = 600

__all__ = ["TEST_WORKER_ENV", "THESET", "api_process", "free_port", "stop"]


@contextlib.asynccontextmanager
async def api_process(database_url: str, redis_url: str | None, **env: str) -> AsyncIterator[str]:
    """`theset serve` in its own process on a free port; yields its base URL once it is ready."""
    port = free_port()
    environment = {**os.environ, "ENVIRONMENT": "test", "DATABASE_URL": database_url, **env}
    environment.pop("REDIS_URL", None)
    if redis_url:
        environment["REDIS_URL"] = redis_url
    with tempfile.TemporaryFile() as log:  # its stderr, shown when it fails to start
        process = await asyncio.create_subprocess_exec(
            str(THESET), "serve", "--port", str(port), env=environment, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=url) as http:
                for _ in range(STARTUP_POLLS):
                    if process.returncode is not None:
                        break
                    with contextlib.suppress(httpx.TransportError):
                        if (await http.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.05)
                else:
                    raise TimeoutError(f"the API process did not start:\n{_tail(log)}")
            if process.returncode is not None:
                raise RuntimeError(f"the API process exited with {process.returncode}:\n{_tail(log)}")
            yield url
        finally:
            await stop(process)


async def stop(process: asyncio.subprocess.Process, grace_seconds: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace_seconds`."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), grace_seconds)
        except TimeoutError:
            process.kill()
            await process.wait()


def _tail(log: IO[bytes], size: int = 4000) -> str:
    log.seek(0)
    return log.read()[-size:].decode(errors="replace")
