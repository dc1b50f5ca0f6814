"""A graphql-transport-ws connection to an ASGI app in this process, as ASGI websocket messages (no network)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from graphql_client import document
from starlette.applications import Starlette

from app.api.ids import encode_id

TIMEOUT = 5.0


class Socket:
    """One graphql-transport-ws connection to `app`, as ASGI websocket messages."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
            "subprotocols": ["graphql-transport-ws"],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        self.inbox.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))
        assert (await self._next())["type"] == "websocket.accept"
        await self.send({"type": "connection_init"})
        assert (await self.receive())["type"] == "connection_ack"

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(json.dumps(message))

    async def send_text(self, text: str) -> None:
        self.inbox.put_nowait({"type": "websocket.receive", "text": text})

    async def receive(self) -> dict[str, Any]:
        message = await self._next()
        assert message["type"] == "websocket.send", message
        received: dict[str, Any] = json.loads(message["text"])
        return received

    async def subscribe(self, setlist_id: int, query: str | None = None, op_id: str = "1") -> dict[str, Any]:
        """Subscribe to the setlist's counts; the first message (the snapshot, or an error)."""
        variables = {"setlistId": encode_id("Setlist", setlist_id)}
        await self.send(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": query or document("VoteCounts"), "variables": variables},
            }
        )
        return await self.receive()

    async def close(self) -> None:
        self.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        assert self.task is not None
        await asyncio.wait_for(self.task, TIMEOUT)

    async def _next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.outbox.get(), TIMEOUT)

    async def closed(self) -> dict[str, Any]:
        """The close the app sent (skipping anything sent before it)."""
        while True:
            message = await self._next()
            if message["type"] == "websocket.close":
                return message
