"""Third-party JS GraphQL clients for tests/clients_js: one Node script per client, run as a process.

Each script (`tests/clients_js/*.mjs`) runs one operation and reports its events as JSON lines on
stdout: `{"event": "next", "data": …, "error": …}`, `{"event": "error", …}`, `{"event": "complete"}`.
`scripts/client-tools.sh` (run by `make pytest`) installs the clients from that folder's lock; when
Node or a client is missing the test fails, saying how to install it: it never skips.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from factories import make_setlist, make_show, make_song
from graphql_client import document
from node_scripts import NodeScript, node_process

from app.api.ids import encode_id

CLIENTS_JS = Path(__file__).resolve().parents[1] / "clients_js"
DOCUMENTS = CLIENTS_JS.parents[1] / "graphql"
# Generous: only a guard against a hang (a loaded machine starts Node and the clients slowly).
EVENT_TIMEOUT = 30.0

_PACKAGES = ("@apollo/client", "@urql/core", "graphql-ws", "ws")


def require_client_tools() -> None:
    """Fail, saying how to install them, unless Node and the clients are there (never skip)."""
    if shutil.which("node") is None:
        pytest.fail("Node.js 20+ is needed: apt-get install -y nodejs npm", pytrace=False)
    missing = [name for name in _PACKAGES if not (CLIENTS_JS / "node_modules" / name / "package.json").is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: run scripts/client-tools.sh", pytrace=False)


@contextlib.asynccontextmanager
async def client_script(
    script: str, url: str, document: Path | str, variables: dict[str, Any], token: str | None = None
) -> AsyncIterator[NodeScript]:
    """`node tests/clients_js/<script> URL DOCUMENT_FILE VARIABLES_JSON [TOKEN]` for the block's duration.

    `document`: a file, or the name of one in graphql/.
    """
    require_client_tools()
    path = document if isinstance(document, Path) else DOCUMENTS / f"{document}.graphql"
    args = (url, str(path), json.dumps(variables), *([token] if token else []))
    async with node_process(CLIENTS_JS / script, *args, timeout=EVENT_TIMEOUT) as running:
        yield running


async def a_setlist() -> tuple[str, list[str]]:
    """A show's setlist of two songs: its id and its songs' ids (opaque)."""
    show = await make_show()
    setlist = await make_setlist(show, [await make_song(artist=await show.headliner) for _ in range(2)])
    songs = [encode_id("SetlistSong", row.id) for row in await setlist.songs.all().order_by("position")]
    return encode_id("Setlist", setlist.id), songs


async def vote_over_http(base_url: str, token: str, setlist_song_id: str) -> None:
    """Cast a vote with a plain HTTP POST (not through the client under test)."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        voted = await http.post(
            "/graphql",
            json={"query": document("Vote"), "variables": {"setlistSongId": setlist_song_id}},
            headers={"authorization": f"Bearer {token}"},
        )
    assert "errors" not in voted.json(), voted.text
