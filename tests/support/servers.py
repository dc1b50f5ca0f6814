"""API server processes for tests that need real sockets and several processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
from redis_server import free_port

THESET = Path(sys.executable).parent / "theset"  # the console script of the venv running the tests
# Test workers run only the jobs their test enqueues (no cron tick in the middle of a test, which
# would call the real Spotify) and serve metrics on no fixed port (workers run side by side).
TEST_WORKER_ENV = {"WORKER_CRON": "false", "WORKER_METRICS_PORT": "0"}

# How long `theset serve` may take to answer /healthz: importing the app takes seconds on a loaded machine.
START_TIMEOUT = 60.0

__all__ = ["TEST_WORKER_ENV", "THESET", "ApiServer", "api_process", "api_server", "free_port", "serving", "stop"]


@dataclass(frozen=True)
class ApiServer:
    url: str
    pid: int  # the uvicorn process (for its memory, or signals)


@contextlib.asynccontextmanager
async def api_process(
    database_url: str, redis_url: str | None, *, stderr: IO[bytes] | None = None, **env: str
) -> AsyncIterator[str]:
    """`theset serve` in its own process on a free port; yields its base URL once it is ready."""
    async with api_server(database_url, redis_url, stderr=stderr, **env) as server:
        yield server.url


@contextlib.asynccontextmanager
async def api_server(
    database_url: str, redis_url: str | None, *, stderr: IO[bytes] | None = None, **env: str
) -> AsyncIterator[ApiServer]:
    """`theset serve` in its own process on a free port, once it is ready.

    `stderr`: a file for its log (the caller reads it); by default a temporary one.
    """
    port = free_port()
    environment = {**os.environ, "ENVIRONMENT": "test", "DATABASE_URL": database_url, **env}
    environment.pop("REDIS_URL", None)
    if redis_url:
        environment["REDIS_URL"] = redis_url
    # Its stderr, shown when it fails to start.
    with contextlib.nullcontext(stderr) if stderr is not None else tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            str(THESET), "serve", "--port", str(port), env=environment, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=url) as http:
                deadline = asyncio.get_running_loop().time() + START_TIMEOUT
                while asyncio.get_running_loop().time() < deadline:
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
            yield ApiServer(url=url, pid=process.pid)
        finally:
            await stop(process)


@contextlib.asynccontextmanager
async def serving(log: Path, **env: str) -> AsyncIterator[httpx.AsyncClient]:
    """`theset serve` with these settings (no REDIS_URL unless given), its stderr in `log`; a client once it is up."""
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment.update({"ENVIRONMENT": "test", **env})
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            str(THESET), "serve", "--port", str(port), env=environment, cwd=log.parent, stderr=stderr
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for _ in range(1200):  # a loaded machine takes its time importing the app
                assert process.returncode is None, log.read_text()
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            else:
                raise TimeoutError(f"theset serve did not start:\n{log.read_text()}")
            yield http
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
