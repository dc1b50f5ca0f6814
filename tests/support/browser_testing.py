"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core from Node.

Nothing here downloads a browser. When Chromium, Node or `tests/browser/node_modules` is missing the
test fails, saying how to install it (`.ci/run` installs all three): it never skips.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

_HOW_TO_INSTALL = {
    "chromium": "apt-get update && apt-get install -y chromium   (or set CHROMIUM to a Chromium binary)",
    "node": "apt-get install -y nodejs npm   (Node.js 20 or newer)",
    "playwright-core": f"npm ci --prefix {BROWSER_TESTS}",
}


def require_browser_tools() -> None:
    """Fail the test, naming each missing tool and its install command, unless all are present."""
    missing = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(("chromium", f"no Chromium at {CHROMIUM}"))
    if shutil.which("node") is None:
        missing.append(("node", "no `node` on PATH"))
    if not (BROWSER_TESTS / "node_modules" / "playwright-core" / "package.json").is_file():
        missing.append(("playwright-core", f"no {BROWSER_TESTS / 'node_modules' / 'playwright-core'}"))
    if missing:
        lines = [f"{why}. Install it with:\n    {_HOW_TO_INSTALL[tool]}" for tool, why in missing]
        pytest.fail("Browser tests need Chromium, Node.js and playwright-core:\n" + "\n".join(lines), pytrace=False)


class NodeScript:
    """A running Node script that reports one JSON object per line on stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def next_event(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            await self.process.wait()
            stderr = await self.process.stderr.read() if self.process.stderr else b""
            raise AssertionError(f"the browser script exited ({self.process.returncode}): {stderr.decode()[-4000:]}")
        event: dict[str, Any] = json.loads(line)
        return event


@contextlib.asynccontextmanager
async def node_script(name: str, *args: str) -> AsyncIterator[NodeScript]:
    """`node tests/browser/<name> ARGS...`, ended when the block exits."""
    require_browser_tools()
    process = await asyncio.create_subprocess_exec(
        "node",
        str(BROWSER_TESTS / name),
        *args,
        "--chromium",
        CHROMIUM,
        cwd=BROWSER_TESTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield NodeScript(process)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
