"""Shared checks of the hostile-input battery: a clean answer, a stable code, and no writes."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
from tortoise import connections

from app.errors import ErrorCode

# Every code the API promises (README "Errors"), but the one for a fault: hostile input is no excuse for one.
STABLE_CODES = frozenset(code.value for code in ErrorCode) - {ErrorCode.INTERNAL_SERVER_ERROR.value}
# The tables a hostile request must never write to.
WATCHED_TABLES = ("users", "auth_tokens", "user_votes", "setlist_songs", "setlists")

# A stack trace or a source path leaking into a body.
_LEAKS = re.compile(r"Traceback|File \"|/[\w.-]+/[\w./-]*\.py\b|site-packages|\.venv")


async def row_counts() -> dict[str, int]:
    conn = connections.get("default")
    counts: dict[str, int] = {}
    for table in WATCHED_TABLES:
        rows = await conn.execute_query_dict(f"SELECT count(*) AS n FROM {table}")
        counts[table] = int(rows[0]["n"])
    return counts


@contextlib.asynccontextmanager
async def writes_nothing() -> AsyncIterator[None]:
    """Assert that the rows of the watched tables are the same after the block as before."""
    before = await row_counts()
    yield
    assert await row_counts() == before, "a hostile request wrote to the database"


def assert_no_leak(text: str) -> None:
    match = _LEAKS.search(text)
    assert match is None, f"the body leaks {match.group(0)!r}: {text[:500]}"


def error_codes(body: Any) -> list[object]:
    assert isinstance(body, dict), body
    errors = body.get("errors")
    assert isinstance(errors, list), f"no errors in {body}"
    assert errors, f"no errors in {body}"
    return [error.get("extensions", {}).get("code") for error in errors]


def assert_clean(response: httpx.Response, *, status: int | None = None, code: str | None = None) -> Any:
    """A 4xx with a GraphQL error body, or a 200 with errors carrying stable codes; never a 5xx or a leak.

    `status`/`code` pin the expected answer; the JSON body (if any) is returned.
    """
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    assert_no_leak(response.text)
    if status is not None:
        assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        # Only the router's own refusals (405 for PUT, ...) are plain text.
        assert 400 <= response.status_code < 500, f"{response.status_code} {content_type}: {response.text[:300]}"
        assert code is None, f"expected a GraphQL error body, got {content_type}: {response.text[:300]}"
        return None
    body = json.loads(response.text)
    if "errors" in body or response.status_code >= 400:
        codes = error_codes(body)
        assert all(c in STABLE_CODES for c in codes), f"unstable or missing codes {codes}: {body}"
        if code is not None:
            assert code in codes, f"expected {code}, got {codes}"
    else:
        assert code is None, f"expected {code}, got data: {body}"
    return body
