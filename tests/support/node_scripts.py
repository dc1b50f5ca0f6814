"""Node scripts that report events as JSON lines on stdout (the browser tests and the JS client tests)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any


class NodeScript:
    """A running Node script: its events, one JSON object per line."""

    def __init__(self, process: asyncio.subprocess.Process, timeout: float) -> None:
        self.process = process
        self.timeout = timeout  # the default wait for an event: only a guard against a hang

    async def next_event(self, timeout: float | None = None) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout or self.timeout)
        if not line:
            await self.process.wait()
            stderr = await self.process.stderr.read() if self.process.stderr else b""
            raise AssertionError(f"the Node script exited ({self.process.returncode}): {stderr.decode()[-4000:]}")
        event: dict[str, Any] = json.loads(line)
        return event


@contextlib.asynccontextmanager
async def node_process(script: Path, *args: str, timeout: float) -> AsyncIterator[NodeScript]:
    """`node SCRIPT ARGS...` run in the script's folder, ended when the block exits."""
    process = await asyncio.create_subprocess_exec(
        "node",
        str(script),
        *args,
        cwd=script.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield NodeScript(process, timeout)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
