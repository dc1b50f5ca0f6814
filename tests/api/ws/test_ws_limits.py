"""Websocket limits the app enforces itself, under any server: message size, operations per socket, close reasons.

The app runs in this process with settings of its own; each socket speaks graphql-transport-ws to
it as ASGI messages, so what is checked is the app's doing, not uvicorn's (hostile/ has those).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from factories import make_setlist, make_show
from starlette.applications import Starlette
from ws_testing import Socket

from app.api.ws.protocol import CLOSE_REASONS, FIXED_REASONS, close_reason, invalid_message_reason
from app.main import create_app
from app.settings import Settings

pytestmark = pytest.mark.usefixtures("db")

MAX_MESSAGE_BYTES = 1024
MAX_OPERATIONS = 2


@pytest.fixture(scope="module")
async def limited_app(settings: Settings, orm: None) -> AsyncIterator[Starlette]:
    limited = settings.model_copy(
        update={"ws_max_message_bytes": MAX_MESSAGE_BYTES, "ws_max_subscriptions_per_socket": MAX_OPERATIONS}
    )
    application = create_app(limited)
    async with application.router.lifespan_context(application):
        yield application


async def connected(app: Starlette) -> Socket:
    socket = Socket(app)
    await socket.open()
    return socket


def ping(padding: str) -> str:
    return json.dumps({"type": "ping", "payload": {"padding": padding}})


@pytest.mark.parametrize(
    "padding",
    [
        pytest.param("a" * MAX_MESSAGE_BYTES, id="ascii"),
        # Fewer characters than the limit, more bytes: the limit counts bytes.
        pytest.param("é" * (MAX_MESSAGE_BYTES // 2), id="two-byte-characters"),
    ],
)
async def test_a_message_over_the_limit_closes_the_socket_with_1009(limited_app: Starlette, padding: str) -> None:
    socket = await connected(limited_app)
    await socket.send_text(ping(padding))

    closed = await socket.closed()

    assert (closed["code"], closed["reason"]) == (1009, "Message too big")
    await socket.close()


async def test_a_message_within_the_limit_is_answered(limited_app: Starlette) -> None:
    socket = await connected(limited_app)
    text = ping("")
    await socket.send_text(ping("a" * (MAX_MESSAGE_BYTES - len(text.encode()))))  # exactly the limit

    assert await socket.receive() == {"type": "pong"}
    await socket.close()


async def test_one_operation_over_the_per_socket_limit_gets_a_coded_error(limited_app: Starlette) -> None:
    setlist = await make_setlist(await make_show())
    socket = await connected(limited_app)
    for op_id in ("a", "b"):
        assert (await socket.subscribe(setlist.id, op_id=op_id))["type"] == "next"

    refused = await socket.subscribe(setlist.id, op_id="c")

    assert refused["type"] == "error"
    assert refused["id"] == "c"
    [error] = refused["payload"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert f"at most {MAX_OPERATIONS}" in error["message"]
    # The socket stays usable.
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}
    await socket.close()


@pytest.mark.parametrize(
    "message",
    [
        {"type": "x" * 200},
        {"type": "\ud800"},
        [1],
        {"type": 1},
        {"type": "ping", "payload": 1},
        {"type": "subscribe"},
        {"type": "complete", "id": ""},
        {"type": "subscribe", "id": "1"},
        {"type": "subscribe", "id": "1", "payload": {}},
        {"type": "subscribe", "id": "1", "payload": {"query": "", "variables": 1}},
        {"type": "subscribe", "id": "1", "payload": {"query": "", "extensions": 1}},
        {"type": "subscribe", "id": "1", "payload": {"query": "", "operationName": 1}},
    ],
)
def test_every_reason_for_an_invalid_message_is_a_fixed_text(message: object) -> None:
    reason = invalid_message_reason(message)
    assert reason in FIXED_REASONS


@pytest.mark.parametrize("code", sorted(CLOSE_REASONS))
def test_a_close_reason_holding_client_text_is_replaced_by_the_codes_own(code: int) -> None:
    assert close_reason(code, "Unknown message type: " + "\ud800" * 200) == CLOSE_REASONS[code]
    assert close_reason(code, "Subscription for 123 already exists") == CLOSE_REASONS[code]


def test_fixed_reasons_fit_a_close_frame() -> None:
    assert all(len(reason.encode()) <= 123 for reason in FIXED_REASONS)
