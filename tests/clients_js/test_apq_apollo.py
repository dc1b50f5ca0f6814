"""Apollo Client's real PersistedQueryLink (npm @apollo/client, unmodified) against a running TheSet.

Needs Node.js 20+ and tests/clients_js/node_modules (`scripts/client-tools.sh`, run by `make pytest`): the
test fails, saying how to install them, when either is missing; it never skips.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from factories import make_show
from graphql_client import DOCUMENTS_DIR
from servers import api_process

from app.api.ids import encode_id

HERE = Path(__file__).resolve().parent
NODE_TIMEOUT = 60.0


async def apollo(url: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    if shutil.which("node") is None or not (HERE / "node_modules" / "@apollo" / "client").is_dir():
        pytest.fail("tests/clients_js needs Node.js 20+ and its packages: run scripts/client-tools.sh", pytrace=False)
    process = await asyncio.create_subprocess_exec(
        *("node", str(HERE / "apq.mjs"), f"{url}/graphql", str(DOCUMENTS_DIR / document), json.dumps(variables)),
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), NODE_TIMEOUT)
    assert process.returncode == 0, err.decode()[-3000:]
    report: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return report


async def test_apollos_persisted_query_link_registers_a_document_then_sends_only_its_hash(
    postgres_url: str, db: None, tmp_path: Path
) -> None:
    show = await make_show()
    # A document the server has not seen by hash: an ad-hoc one, as a client app might send.
    ad_hoc = tmp_path / "AdHocShow.graphql"
    ad_hoc.write_text("query AdHocShow($id: ID!) { show(id: $id) { id name venue { city } } }\n")
    async with api_process(postgres_url, None) as url:
        report = await apollo(url, str(ad_hoc), {"id": encode_id("Show", show.id)})

    first, second = report["answers"]
    assert first == second
    assert first["show"]["id"] == encode_id("Show", show.id)
    # Hash only (refused: not found), the document with its hash (registered), then hash only again.
    assert [(r["method"], r["carriesDocument"]) for r in report["requests"]] == [
        ("GET", False),
        ("POST", True),
        ("GET", False),
    ]
