"""Run an emulator app on a real socket: in the current event loop (tests, demo) or blocking (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT_SECONDS = 10.0


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the host process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _config(app: ASGIApp, host: str, port: int, log_level: str) -> uvicorn.Config:
    # No lifespan (the apps need none), no websockets, and a short grace period so a `hang` fault
    # cannot hold up shutdown.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=1,
    )


@dataclass(slots=True)
class RunningServer:
    """A server running as a task in the current loop; `await stop()` shuts it down."""

    base_url: str
    server: uvicorn.Server
    task: asyncio.Task[None]

    async def stop(self) -> None:
        """Ask uvicorn to exit and wait for it."""
        self.server.should_exit = True
        await self.task


async def serve_in_background(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start uvicorn inside the running event loop (port 0: a free one) and return once it accepts connections."""
    server = _EmbeddedServer(_config(app, host, port, "warning"))
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if task.done():
            task.result()  # re-raise the startup failure
            raise RuntimeError("uvicorn exited during startup")
        if asyncio.get_running_loop().time() > deadline:
            server.should_exit = True
            raise TimeoutError("uvicorn did not start in time")
        await asyncio.sleep(0.01)
    bound_host, bound_port = server.servers[0].sockets[0].getsockname()[:2]
    return RunningServer(f"http://{bound_host}:{bound_port}", server, task)


@contextlib.asynccontextmanager
async def running_server(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """`async with running_server(app) as base_url:` -- the app served over real HTTP for the block's duration."""
    running = await serve_in_background(app, host, port)
    try:
        yield running.base_url
    finally:
        await running.stop()


def run(app: ASGIApp, host: str = "127.0.0.1", port: int = 8001, log_level: str = "info") -> None:
    """Serve blocking until Ctrl+C (for `theset emulate ticketmaster|spotify|setlistfm --port N`)."""
    uvicorn.Server(_config(app, host, port, log_level)).run()
