"""Hostile input over real sockets against `theset serve`: websockets out of protocol, raw HTTP, production mode."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

import httpx
import pytest
import websockets
from factories import make_setlist, make_show, make_song, make_token, make_user
from hostile_testing import STABLE_CODES, assert_clean, assert_no_leak, writes_nothing
from servers import api_process
from websockets.typing import Subprotocol

from app.api.ids import encode_id
from app.api.ws.protocol import FIXED_REASONS, ProtocolHandler

pytestmark = pytest.mark.slow

TIMEOUT = 5.0
PROTOCOL = Subprotocol("graphql-transport-ws")
VOTE_COUNTS = "subscription($id: ID!) { voteCounts(setlistId: $id) { sequence kind } }"


@dataclass(frozen=True)
class Targets:
    setlist: str
    show: str
    token: str
    expired: str
    revoked: str


@pytest.fixture(scope="module")
async def targets(orm: None) -> Targets:
    user = await make_user()
    show = await make_show()
    setlist = await make_setlist(show, [await make_song(artist=await show.headliner)])
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    return Targets(
        setlist=encode_id("Setlist", setlist.id),
        show=encode_id("Show", show.id),
        token=await make_token(user),
        expired=await make_token(user, expires_at=past),
        revoked=await make_token(user, revoked=True),
    )


@pytest.fixture(scope="module")
def server_log() -> Iterator[IO[bytes]]:
    """The server's log (its stderr)."""
    with tempfile.TemporaryFile() as log:
        yield log


@pytest.fixture(scope="module")
async def server(postgres_url: str, redis_url: str, server_log: IO[bytes]) -> AsyncIterator[str]:
    async with api_process(postgres_url, redis_url, stderr=server_log, WS_CONNECTION_INIT_TIMEOUT_SECONDS="1") as url:
        yield url


@contextlib.contextmanager
def no_traceback_logged(log: IO[bytes]) -> Iterator[None]:
    """Assert that the server logs no traceback during the block (it writes a line before it answers)."""
    start = log.seek(0, os.SEEK_END)
    yield
    log.seek(start)
    written = log.read().decode(errors="replace")
    assert "Traceback" not in written, written[-3000:]


@pytest.fixture(scope="module")
async def production(postgres_url: str) -> AsyncIterator[str]:
    async with api_process(postgres_url, None, ENVIRONMENT="production") as url:
        yield url


def init(payload: Any = None) -> str:
    return json.dumps({"type": "connection_init", **({"payload": payload} if payload is not None else {})})


def subscribe(query: str, variables: dict[str, Any] | None = None, op_id: str = "1") -> str:
    return json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})


def subscribe_payload(payload: Any, op_id: Any = "1") -> str:
    return json.dumps({"id": op_id, "type": "subscribe", "payload": payload})


ACK = "ack"  # a marker: wait for connection_ack before sending what follows

# (frames to send, expected close code, or expected error code of the operation)
WS_CASES: dict[str, tuple[Any, int | None, str | None]] = {
    "subscribe-before-init": (lambda t: [subscribe(VOTE_COUNTS, {"id": t.setlist})], 4401, None),
    "two-inits": (lambda t: [init(), ACK, init()], 4429, None),
    "invalid-json": (lambda t: ["{not json"], 4400, None),
    "unknown-type": (lambda t: [json.dumps({"type": "gimme"})], 4400, None),
    "no-type": (lambda t: [json.dumps({"payload": {}})], 4400, None),
    "json-array": (lambda t: ["[1, 2]"], 4400, None),
    "binary-frame": (lambda t: [b"\x00\x01binary"], 4400, None),
    "init-payload-not-object": (lambda t: [init(42)], 4400, None),
    # Over WS_MAX_MESSAGE_BYTES (256 KiB): uvicorn's ws_max_size closes with 1009, and so would the app.
    "huge-garbage-message": (lambda t: ["x" * 1024 * 1024], 1009, None),
    "message-just-over-the-limit": (
        lambda t: [json.dumps({"type": "ping", "payload": {"x": "a" * (256 * 1024)}})],
        1009,
        None,
    ),
    # Close reasons are fixed texts: client text over 123 bytes or a lone surrogate broke the close frame.
    "unknown-type-over-123-bytes": (lambda t: [json.dumps({"type": "x" * 200})], 4400, None),
    "unknown-type-lone-surrogate": (lambda t: ['{"type":"\\ud800"}'], 4400, None),
    "duplicate-long-subscription-id": (
        lambda t: [
            init(),
            ACK,
            subscribe(VOTE_COUNTS, {"id": t.setlist}, op_id="i" * 200),
            subscribe(VOTE_COUNTS, {"id": t.setlist}, op_id="i" * 200),
        ],
        4409,
        None,
    ),
    "duplicate-lone-surrogate-id": (
        lambda t: [
            init(),
            ACK,
            *[subscribe_payload({"query": VOTE_COUNTS, "variables": {"id": t.setlist}}, op_id="\ud800")] * 2,
        ],
        4409,
        None,
    ),
    "authorization-not-string": (lambda t: [init({"authorization": ["Bearer x"]})], 4403, None),
    "expired-token": (lambda t: [init({"authorization": f"Bearer {t.expired}"})], 4403, None),
    "revoked-token": (lambda t: [init({"authorization": f"Bearer {t.revoked}"})], 4403, None),
    "sql-token": (lambda t: [init({"authorization": "Bearer ' OR 1=1 --"})], 4403, None),
    "subscribe-without-id": (
        lambda t: [init(), ACK, json.dumps({"type": "subscribe", "payload": {"query": "{ __typename }"}})],
        4400,
        None,
    ),
    "subscribe-without-payload": (lambda t: [init(), ACK, json.dumps({"id": "1", "type": "subscribe"})], 4400, None),
    "duplicate-subscription-id": (
        lambda t: [init(), ACK, subscribe(VOTE_COUNTS, {"id": t.setlist}), subscribe(VOTE_COUNTS, {"id": t.setlist})],
        4409,
        None,
    ),
    "malformed-setlist-id": (lambda t: [init(), ACK, subscribe(VOTE_COUNTS, {"id": "nope"})], None, "BAD_USER_INPUT"),
    "foreign-setlist-id": (lambda t: [init(), ACK, subscribe(VOTE_COUNTS, {"id": t.show})], None, "BAD_USER_INPUT"),
    "missing-setlist": (
        lambda t: [init(), ACK, subscribe(VOTE_COUNTS, {"id": encode_id("Setlist", 2**31 - 1)})],
        None,
        "NOT_FOUND",
    ),
    "syntax-error": (lambda t: [init(), ACK, subscribe("subscription { voteCounts(")], None, "GRAPHQL_PARSE_FAILED"),
    "fragment-cycle": (
        lambda t: [init(), ACK, subscribe("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")],
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "too-many-aliases": (
        lambda t: [init(), ACK, subscribe("{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }")],
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "too-deep": (
        lambda t: [init(), ACK, subscribe("{ shows { nodes { " + "artist { upcomingShows { " * 8 + "id" + " }" * 19)],
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "cost-bomb": (
        lambda t: [
            init(),
            ACK,
            subscribe(
                "{ shows { nodes { lineup { upcomingShows { lineup { upcomingShows { lineup { upcomingShows"
                " { lineup { upcomingShows { id } } } } } } } } } } }"
            ),
        ],
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "anonymous-vote-over-ws": (
        lambda t: [init(), ACK, subscribe('mutation { vote(setlistSongId: "U2V0bGlzdFNvbmc6MQ") { id } }')],
        None,
        "UNAUTHENTICATED",
    ),
    "unknown-operation-name": (
        lambda t: [
            init(),
            ACK,
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }", "operationName": "Nope"}}
            ),
        ],
        None,
        "BAD_USER_INPUT",
    ),
    # Messages the spec does not define (graphql-ws's validateMessage): 4400, never a dropped connection.
    "json-null": (lambda t: ["null"], 4400, None),
    "json-string": (lambda t: ['"subscribe"'], 4400, None),
    "json-nested-too-deep": (lambda t: ["[" * 100_000 + "]" * 100_000], 4400, None),
    "type-not-string": (lambda t: [json.dumps({"type": ["subscribe"]})], 4400, None),
    "server-message-from-client": (
        lambda t: [init(), ACK, json.dumps({"id": "1", "type": "next", "payload": {}})],
        4400,
        None,
    ),
    "ping-payload-not-object": (lambda t: [init(), ACK, json.dumps({"type": "ping", "payload": [1]})], 4400, None),
    "subscribe-id-not-string": (
        lambda t: [init(), ACK, subscribe_payload({"query": "{ __typename }"}, op_id=["1"])],
        4400,
        None,
    ),
    "subscribe-empty-id": (
        lambda t: [init(), ACK, subscribe_payload({"query": "{ __typename }"}, op_id="")],
        4400,
        None,
    ),
    "subscribe-payload-not-object": (lambda t: [init(), ACK, subscribe_payload(["{ __typename }"])], 4400, None),
    "subscribe-query-not-string": (lambda t: [init(), ACK, subscribe_payload({"query": 42})], 4400, None),
    "subscribe-variables-not-object": (
        lambda t: [init(), ACK, subscribe_payload({"query": VOTE_COUNTS, "variables": [t.setlist]})],
        4400,
        None,
    ),
    "subscribe-operation-name-not-string": (
        lambda t: [init(), ACK, subscribe_payload({"query": "{ __typename }", "operationName": 1})],
        4400,
        None,
    ),
    "complete-id-not-string": (lambda t: [init(), ACK, json.dumps({"id": {}, "type": "complete"})], 4400, None),
    # Errors before execution: an `error` message for the operation, as over HTTP.
    "empty-query": (lambda t: [init(), ACK, subscribe("")], None, "BAD_USER_INPUT"),
    "document-without-operation": (
        lambda t: [init(), ACK, subscribe("fragment F on Query { __typename }")],
        None,
        "BAD_USER_INPUT",
    ),
    "unknown-field": (
        lambda t: [init(), ACK, subscribe("subscription { nope }")],
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "subscription-with-two-root-fields": (
        lambda t: [
            init(),
            ACK,
            subscribe(
                "subscription($id: ID!) { a: voteCounts(setlistId: $id) { sequence }"
                " b: voteCounts(setlistId: $id) { sequence } }",
                {"id": t.setlist},
            ),
        ],
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "vote-with-a-malformed-id-over-ws": (
        lambda t: [
            init({"authorization": f"Bearer {t.token}"}),
            ACK,
            subscribe('mutation { vote(setlistSongId: "nope") { id } }'),
        ],
        None,
        "BAD_USER_INPUT",
    ),
}
# Refused before execution: the answer must be an `error` message, not a `next` carrying errors.
ERROR_MESSAGE_CASES = frozenset(
    {
        "syntax-error",
        "fragment-cycle",
        "too-many-aliases",
        "too-deep",
        "cost-bomb",
        "unknown-operation-name",
        "empty-query",
        "document-without-operation",
        "unknown-field",
        "subscription-with-two-root-fields",
    }
)
WS_PARAMS = [pytest.param(*case, name in ERROR_MESSAGE_CASES, id=name) for name, case in WS_CASES.items()]


async def _recv_until_closed(socket: Any) -> None:
    while True:
        await asyncio.wait_for(socket.recv(), TIMEOUT)


async def _next_operation_message(socket: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
        if message["type"] in {"next", "error", "complete"}:
            return message  # type: ignore[no-any-return]


@pytest.mark.parametrize(("frames", "close_code", "error_code", "error_message"), WS_PARAMS)
async def test_a_hostile_websocket_is_closed_or_answered_with_a_code(
    server: str,
    server_log: IO[bytes],
    targets: Targets,
    frames: Any,
    close_code: int | None,
    error_code: str | None,
    error_message: bool,
) -> None:
    url = server.replace("http://", "ws://") + "/graphql"
    async with (
        writes_nothing(),
        websockets.connect(url, subprotocols=[PROTOCOL], max_size=None) as socket,
    ):
        with no_traceback_logged(server_log):
            await _play(socket, frames(targets), close_code, error_code, error_message)


async def _play(
    socket: Any, frames: list[Any], close_code: int | None, error_code: str | None, error_message: bool
) -> None:
    for frame in frames:
        if frame == ACK:
            assert json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))["type"] == "connection_ack"
        else:
            await socket.send(frame)
    if close_code is not None:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _recv_until_closed(socket)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == close_code
        assert_no_leak(closed.value.rcvd.reason)
        reason = closed.value.rcvd.reason
        # 1009 may come from uvicorn (ws_max_size), with its own fixed text.
        assert reason in FIXED_REASONS or (close_code == 1009 and len(reason.encode()) <= 123), reason
    else:
        message = await _next_operation_message(socket)
        assert_no_leak(json.dumps(message))
        if error_message:
            assert message["type"] == "error", message
        errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors", [])
        codes = [error.get("extensions", {}).get("code") for error in errors]
        assert codes, message
        assert all(code in STABLE_CODES for code in codes), message
        assert error_code in codes, message


async def test_a_websocket_without_a_subprotocol_is_refused(server: str) -> None:
    url = server.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url) as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), TIMEOUT)
    assert closed.value.rcvd is not None
    assert 4000 <= closed.value.rcvd.code < 5000


async def test_a_websocket_that_never_sends_connection_init_is_closed_with_4408(server: str) -> None:
    url = server.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), TIMEOUT)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4408


async def _connected(server: str, payload: Any = None) -> Any:
    socket = await websockets.connect(server.replace("http://", "ws://") + "/graphql", subprotocols=[PROTOCOL])
    await socket.send(init(payload))
    assert json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))["type"] == "connection_ack"
    return socket


async def _recv(socket: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
    return message


async def test_an_operation_refused_before_execution_leaves_the_connection_and_its_id_usable(
    server: str, targets: Targets
) -> None:
    async with await _connected(server) as socket:
        await socket.send(subscribe("subscription { voteCounts("))
        assert (await _recv(socket))["type"] == "error"
        # The spec: no `complete` after an `error`; the next message is the pong.
        await socket.send(json.dumps({"type": "ping"}))
        assert await _recv(socket) == {"type": "pong"}
        # The operation is over, so its id is free again (no 4409).
        await socket.send(subscribe("{ __typename }"))
        answer = await _recv(socket)
        assert answer["type"] == "next"
        assert answer["payload"]["data"] == {"__typename": "Query"}
        assert await _recv(socket) == {"id": "1", "type": "complete"}


async def test_a_query_over_a_websocket_gets_one_next_then_complete(server: str, targets: Targets) -> None:
    async with await _connected(server) as socket:
        await socket.send(subscribe("query Q($id: ID!) { show(id: $id) { id } }", {"id": targets.show}, op_id="q"))
        answer = await _recv(socket)
        assert answer["id"] == "q"
        assert answer["type"] == "next"
        assert answer["payload"]["data"] == {"show": {"id": targets.show}}
        assert await _recv(socket) == {"id": "q", "type": "complete"}


async def test_a_huge_field_name_is_not_echoed_back(server: str, server_log: IO[bytes]) -> None:
    name = "a" * 200_000
    async with await _connected(server) as socket:
        with no_traceback_logged(server_log):
            await socket.send(subscribe("subscription { " + name + " }"))
            answer = await _next_operation_message(socket)

    assert answer["type"] == "error"
    [error] = answer["payload"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Cannot query field 'aaaa" in error["message"]
    assert len(json.dumps(answer)) < 1000


async def test_the_101st_subscription_on_one_socket_gets_a_coded_error(
    server: str, server_log: IO[bytes], targets: Targets
) -> None:
    async with await _connected(server) as socket:
        with no_traceback_logged(server_log):
            for n in range(1, 101):  # the default WS_MAX_SUBSCRIPTIONS_PER_SOCKET
                await socket.send(subscribe(VOTE_COUNTS, {"id": targets.setlist}, op_id=str(n)))
            await socket.send(subscribe(VOTE_COUNTS, {"id": targets.setlist}, op_id="101"))
            answers: dict[str, dict[str, Any]] = {}
            while len(answers) < 101:
                message = await _next_operation_message(socket)
                answers.setdefault(message["id"], message)

    assert {answers[str(n)]["type"] for n in range(1, 101)} == {"next"}  # each one's snapshot
    refused = answers["101"]
    assert refused["type"] == "error"
    assert [error["extensions"]["code"] for error in refused["payload"]] == ["RATE_LIMITED"]


async def test_a_null_connection_init_payload_is_acknowledged(server: str) -> None:
    # The spec's payload is optional; graphql-ws itself accepts null for it.
    url = server.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": None}))
        assert (await _recv(socket))["type"] == "connection_ack"


async def test_complete_for_an_unknown_operation_is_ignored(server: str) -> None:
    async with await _connected(server) as socket:
        await socket.send(json.dumps({"id": "never-started", "type": "complete"}))
        await socket.send(json.dumps({"type": "ping"}))
        assert await _recv(socket) == {"type": "pong"}


class _Socket:
    """A stand-in for Strawberry's websocket adapter: these messages in; what is sent and the close out."""

    def __init__(self, *messages: object) -> None:
        self.messages = messages
        self.sent: list[object] = []
        self.closes: list[tuple[int, str]] = []

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncIterator[object]:
        for message in self.messages:
            yield message

    async def send_json(self, message: object) -> None:
        self.sent.append(message)

    async def close(self, code: int, reason: str) -> None:
        self.closes.append((code, reason))


async def test_an_unexpected_failure_while_handling_a_message_closes_with_4500() -> None:
    class BrokenPing(ProtocolHandler[None, None]):
        async def handle_ping(self, message: Any) -> None:
            raise RuntimeError("a bug")

    socket = _Socket({"type": "ping"}, {"type": "ping"})
    handler = BrokenPing(
        view=cast(Any, None),
        websocket=cast(Any, socket),
        context=None,
        root_value=None,
        schema=cast(Any, None),
        connection_init_wait_timeout=dt.timedelta(seconds=30),
    )
    await handler.handle()
    assert socket.closes == [(4500, "Internal server error")]
    assert socket.sent == []


# --- plain HTTP over a real socket ----------------------------------------------------------------


async def _big_chunks() -> AsyncIterator[bytes]:
    yield b'{"query": "{ __typename }", "variables": {"x": "'
    for _ in range(32):
        yield b"a" * 32 * 1024
    yield b'"}}'


HTTP_CASES: dict[str, tuple[dict[str, Any], int]] = {
    "body-1m-declared": ({"content": b'{"query": "' + b" " * 1024 * 1024 + b'{ __typename }"}'}, 413),
    "body-1m-chunked": ({"content": _big_chunks}, 413),
    "json-nested-arrays": ({"content": b"[" * 100_000 + b"]" * 100_000}, 400),
    "json-null": ({"content": b"null"}, 400),
    "json-invalid-utf8": ({"content": b'{"query": "\xff"}'}, 400),
    "batch": ({"content": b'[{"query": "{ __typename }"}]'}, 400),
}


@pytest.mark.parametrize(("request_kwargs", "status"), list(HTTP_CASES.values()), ids=list(HTTP_CASES))
async def test_a_hostile_http_request_over_a_socket_gets_a_clean_4xx(
    server: str, orm: None, request_kwargs: dict[str, Any], status: int
) -> None:
    kwargs = dict(request_kwargs)
    if callable(kwargs["content"]):
        kwargs["content"] = kwargs["content"]()
    async with writes_nothing(), httpx.AsyncClient(base_url=server, timeout=TIMEOUT) as http:
        try:
            response = await http.post("/graphql", headers={"content-type": "application/json"}, **kwargs)
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
            # A streamed body: the server answers 413 and closes while the client is still sending.
            assert status == 413
            return

    assert_clean(response, status=status, code="BAD_USER_INPUT")


async def test_get_with_deeply_nested_variables_over_a_socket(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=TIMEOUT) as http:
        response = await http.get("/graphql", params={"query": "{ __typename }", "variables": "[" * 5000})

    assert_clean(response)
    assert 400 <= response.status_code < 500


async def test_garbage_instead_of_http_gets_a_4xx(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"\x16\x03\x01 GARBAGE / HTTP/9.9\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), TIMEOUT)
    writer.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:200]
    assert_no_leak(answer.decode(errors="replace"))


# --- production: no introspection, no IDE --------------------------------------------------------

INTROSPECTION = {
    "schema": "{ __schema { types { name } } }",
    "type": '{ __type(name: "Query") { fields { name } } }',
    "schema-in-fragment": "{ ...F } fragment F on Query { __schema { queryType { name } } }",
}


@pytest.mark.parametrize("query", list(INTROSPECTION.values()), ids=list(INTROSPECTION))
async def test_introspection_is_off_in_production(production: str, query: str) -> None:
    async with httpx.AsyncClient(base_url=production, timeout=TIMEOUT) as http:
        response = await http.post("/graphql", json={"query": query})

    body = assert_clean(response, code="GRAPHQL_VALIDATION_FAILED")
    assert not body.get("data")
    assert "introspection" in response.text.lower()


async def test_graphiql_is_off_in_production(production: str) -> None:
    async with httpx.AsyncClient(base_url=production, timeout=TIMEOUT) as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code < 500
    assert "graphiql" not in response.text.lower()
    assert "<html" not in response.text.lower()
    assert_no_leak(response.text)
