"""graphql-transport-ws as its spec (graphql-ws PROTOCOL.md) says, where Strawberry's handler does not.

`ProtocolHandler` is Strawberry's handler with these rules enforced (each override says which):

- Invalid message: a message of a type or format the spec does not define closes the socket with
  4400. Strawberry checks only that keys exist, so JSON that is not an object (`[1, 2]`, `null`),
  an `id` that is not a string, or a `query` that is a number raised a TypeError and dropped the
  connection without a close frame (1006). The shapes checked are those of graphql-ws's own
  `validateMessage`; JSON nested past Python's recursion limit is an invalid message too.
- Error: errors before execution (syntax, validation, an unknown operation name, an empty
  document) are an `error` message for that operation, with GraphQL errors carrying a code, as
  over HTTP. Strawberry closed the socket with 4400 for some. (A syntax error escaping the stream
  under `ParserCache`, and Strawberry's refusals masked as INTERNAL, are mended for every stream in
  app.api.schema and app.api.errors.)
- Anything else that fails while handling a message closes with 4500 (graphql-ws's code for an
  internal error) and is logged, rather than dropping the connection.
- Close reasons are fixed strings (`close_reason`), never built from client text: Strawberry put
  the client's message type or operation id in some, and a reason over 123 bytes or holding a
  lone surrogate cannot be sent, so the close failed (1006, and a traceback in the log).
- The per-connection operation limit (`WS_MAX_SUBSCRIPTIONS_PER_SOCKET`) answers with an `error`
  carrying a code (RATE_LIMITED); Strawberry's carried none.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Final

from graphql import GraphQLError, GraphQLSchema
from strawberry import Schema
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.typevars import Context, RootValue
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)
from strawberry.types.execution import PreExecutionError

from app.api.errors import coded

logger = logging.getLogger(__name__)

INTERNAL_ERROR = 4500
UNKNOWN_TYPE_REASON = "Unknown message type"
NESTED_TOO_DEEPLY_REASON = "Message nested too deeply"
_PAYLOAD_OPTIONAL = frozenset({"connection_init", "ping", "pong"})
_SUBSCRIBE_FIELDS = (("variables", dict), ("extensions", dict), ("operationName", str))

# The reason each close code is sent with, unless it is one of the fixed reasons below.
CLOSE_REASONS: Final = {
    1009: "Message too big",
    4400: "Invalid message",
    4401: "Unauthorized",
    4403: "Forbidden",
    4406: "Subprotocol not acceptable",
    4408: "Connection initialisation timeout",
    4409: "Subscriber already exists",
    4429: "Too many initialisation requests",
    INTERNAL_ERROR: "Internal server error",
}
# Every other reason a close may carry: fixed texts (ours, and Strawberry's that quote nothing).
FIXED_REASONS: Final = frozenset(
    {
        *CLOSE_REASONS.values(),
        UNKNOWN_TYPE_REASON,
        NESTED_TOO_DEEPLY_REASON,
        "Message must be a JSON object",
        "Message 'type' must be a string",
        "'subscribe' payload must be an object",
        "'subscribe' payload 'query' must be a string",
        *(f"'{kind}' payload must be an object" for kind in _PAYLOAD_OPTIONAL),
        *(f"'{kind}' needs a non-empty string 'id'" for kind in ("subscribe", "complete")),
        *(
            f"'subscribe' payload '{key}' must be {'a string' if expected is str else 'an object'} or null"
            for key, expected in _SUBSCRIBE_FIELDS
        ),
        "Invalid connection init payload",
        "WebSocket message type must be text",
        "WebSocket message must be valid JSON",
        "Failed to parse message",
    }
)


def close_reason(code: int, reason: str) -> str:
    """`reason` if it is a fixed text, else the code's own: a close never carries text from the client."""
    return reason if reason in FIXED_REASONS else CLOSE_REASONS.get(code, "Closed")


class WebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's ASGI websocket adapter, closing with fixed reasons only (every close goes through it)."""

    async def close(self, code: int, reason: str) -> None:
        await super().close(code, close_reason(code, reason))


def graphql_core_schema(schema: Schema | Any) -> GraphQLSchema:
    """The graphql-core schema Strawberry builds, for executing a feed's payloads without Strawberry's pipeline.

    Private (`Schema._schema`, which Strawberry's own extensions use): no public accessor exists.
    strawberry-graphql is pinned for it; tests/api/ws/test_strawberry_internals.py fails if it changes.
    """
    graphql_schema: GraphQLSchema = schema._schema
    return graphql_schema


def invalid_message_reason(message: object) -> str | None:
    """Why `message` is not a client message the spec defines (None: it is one), per graphql-ws's validateMessage."""
    if not isinstance(message, dict):
        return "Message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "Message 'type' must be a string"
    if kind in _PAYLOAD_OPTIONAL:
        if message.get("payload") is not None and not isinstance(message["payload"], dict):
            return f"'{kind}' payload must be an object"
        return None
    if kind not in {"subscribe", "complete"}:
        return UNKNOWN_TYPE_REASON
    if not isinstance(message.get("id"), str) or not message["id"]:
        return f"'{kind}' needs a non-empty string 'id'"
    if kind == "complete":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return "'subscribe' payload must be an object"
    if not isinstance(payload.get("query"), str):
        return "'subscribe' payload 'query' must be a string"
    for key, expected in _SUBSCRIBE_FIELDS:
        if payload.get(key) is not None and not isinstance(payload[key], expected):
            return f"'subscribe' payload '{key}' must be {'a string' if expected is str else 'an object'} or null"
    return None


class ProtocolHandler(BaseGraphQLTransportWSHandler[Context, RootValue]):
    """Strawberry's graphql-transport-ws handler held to the spec on hostile input (see the module doc)."""

    async def handle(self) -> None:
        # Spec "Invalid message" for JSON Strawberry cannot decode (nested too deep: RecursionError),
        # and a close frame rather than a dropped connection for anything unexpected.
        try:
            await super().handle()
        except RecursionError:
            await self._close(4400, NESTED_TOO_DEEPLY_REASON)
        except Exception:
            logger.exception("graphql-transport-ws connection failed")
            await self._close(INTERNAL_ERROR, "Internal server error")

    async def handle_message(self, message: Message) -> None:
        # Spec "Invalid message": a type or format it does not define closes with 4400.
        reason = invalid_message_reason(message)
        if reason is not None:
            await self.handle_invalid_message(reason)
            return
        if message["type"] == "connection_init" and message.get("payload") is None:
            # The spec's payload is optional, and graphql-ws accepts null for "none".
            message = {"type": "connection_init"}
        await super().handle_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # Fixed close reason: Strawberry's 4409 reason quoted the client's id.
        if self.connection_acknowledged and message["id"] in self.operations:
            await self._close(4409, CLOSE_REASONS[4409])
            return
        # Every error carries a code: Strawberry's "Subscription limit reached" had none.
        limit = self.max_subscriptions_per_connection
        if self.connection_acknowledged and limit is not None and len(self.operations) >= limit:
            error = GraphQLError(
                f"Subscription limit reached: at most {limit} operations at once on one connection",
                extensions={"code": "RATE_LIMITED"},
            )
            await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})
            return
        await super().handle_subscribe(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # The init timeout has now been cancelled (or has fired). Strawberry keeps the task, and with
        # it the task's CancelledError, traceback and frame, for the connection's life: about 1 KB a
        # socket, for shutdown() to cancel it once more.
        self.connection_init_timeout_task = None

    async def _handle_pre_execution_error(
        self, operation: Operation[Context, RootValue], result: PreExecutionError
    ) -> None:
        # Spec "Error": errors before execution are an `error` message for the operation, never a
        # socket closure (Strawberry closes with 4400 for syntax errors and unknown operation names).
        assert result.errors
        # Strawberry's refusals (an empty document, an unknown operation name) are coded BAD_USER_INPUT there.
        await operation.send_initial_errors([coded(error) for error in result.errors])

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # already closed by the client: nothing to tell it
            await self.websocket.close(code=code, reason=reason)
