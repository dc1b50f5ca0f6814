"""Requests sent straight into an ASGI app: no sockets, no HTTP parsing and no client library.

For measuring what the app itself costs (tests/benchmarks/inprocess.py) and what it leaves behind
(tests/api/test_reference_cycles.py): a client library's own work and garbage would count too.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.types import ASGIApp


@dataclass
class Call:
    method: str
    path: str
    body: bytes
    headers: list[tuple[bytes, bytes]]


async def call(app: ASGIApp, request: Call) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request into the ASGI app; its status, headers and body."""
    path, _, query = request.path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(len(request.body)).encode()), *request.headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "app": app,
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()
        sent = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    status, headers, chunks = 0, {}, []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], dict(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, headers, b"".join(chunks)


def post(document: str, variables: dict[str, str] | None = None, token: str | None = None) -> Call:
    headers = [(b"content-type", b"application/json")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    body = json.dumps({"query": document, "variables": variables or {}}).encode()
    return Call("POST", "/graphql", body, headers)


def get(document: str, variables: dict[str, str], headers: list[tuple[bytes, bytes]]) -> Call:
    query = urlencode({"query": document, "variables": json.dumps(variables, separators=(",", ":"))})
    return Call("GET", f"/graphql?{query}", b"", [(b"accept", b"application/json"), *headers])
