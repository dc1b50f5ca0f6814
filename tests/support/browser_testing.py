"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core from Node.

Nothing here downloads a browser. When Chromium, Node or `tests/browser/node_modules` is missing the
test fails, saying how to install it (`.ci/run` installs all three): it never skips.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from node_scripts import NodeScript, node_process

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The tests pass their own waits; this one only guards against a hang.
BROWSER_EVENT_TIMEOUT = 60.0

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


@contextlib.asynccontextmanager
async def node_script(name: str, *args: str) -> AsyncIterator[NodeScript]:
    """`node tests/browser/<name> ARGS...`, ended when the block exits."""
    require_browser_tools()
    async with node_process(
        BROWSER_TESTS / name, *args, "--chromium", CHROMIUM, timeout=BROWSER_EVENT_TIMEOUT
    ) as script:
        yield script
