"""Request limits the GraphQL libraries do not enforce themselves.

- `BodySizeLimit`: a pure ASGI middleware refusing request bodies over `MAX_BODY_BYTES` with 413 and
  a GraphQL error body (BAD_USER_INPUT), whether the size is declared (Content-Length) or streamed.
- `WebSocketMessageLimit`: the same for websocket messages (`WS_MAX_MESSAGE_BYTES`): a larger one
  closes the socket with 1009 before the app reads it, whatever the server's own limit.
- `max_aliases_rule`: the alias limit in linear time. Strawberry's MaxAliasesLimiter expands every
  fragment spread anew, so a "fragment bomb" (each fragment spreading the next twice) took 2**n
  steps: a 30-fragment document hung a worker. Here each fragment is counted once.
- `RequestLimits`: the token limit and the validation rules above in one schema extension.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import ASTValidationRule
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import MaxTokensLimiter

from app.api.errors import request_error
from app.api.media_types import JSON, negotiate


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(headers, send)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:  # too late for a 413: the connection is dropped
                raise
            await self._refuse(headers, send)

    async def _refuse(self, headers: Headers, send: Send) -> None:
        body = json.dumps(
            request_error(f"The request body is larger than {self.max_body_bytes} bytes"), separators=(",", ":")
        ).encode()
        media_type = negotiate(headers.get("accept")) or JSON
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", media_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


MESSAGE_TOO_BIG = 1009  # the websocket close code for a message over the limit (RFC 6455)


class WebSocketMessageLimit:
    def __init__(self, app: ASGIApp, max_message_bytes: int) -> None:
        self.app = app
        self.max_message_bytes = max_message_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        closed = False

        async def limited_receive() -> Message:
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive" and self._too_big(message):
                closed = True
                await send({"type": "websocket.close", "code": MESSAGE_TOO_BIG, "reason": "Message too big"})
                return {"type": "websocket.disconnect", "code": MESSAGE_TOO_BIG}
            return message

        async def guarded_send(message: Message) -> None:
            if not closed:  # the socket is closed: what the app still sends goes nowhere
                await send(message)

        await self.app(scope, limited_receive, guarded_send)

    def _too_big(self, message: Message) -> bool:
        text: str | None = message.get("text")
        if text is None:
            return len(message.get("bytes") or b"") > self.max_message_bytes
        # A character is 1 to 4 bytes in UTF-8: count the bytes only when the length leaves it open.
        if len(text) > self.max_message_bytes:
            return True
        if len(text) * 4 <= self.max_message_bytes:
            return False
        return len(text.encode("utf-8", "surrogatepass")) > self.max_message_bytes


def max_aliases_rule(max_alias_count: int) -> type[ValidationRule]:
    """A validation rule refusing documents whose operations, fragments expanded, hold too many aliases."""

    class MaxAliases(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            total = count_aliases(context.document.definitions)
            if total > max_alias_count:
                context.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_alias_count}"))

    return MaxAliases


def count_aliases(definitions: Iterable[Any]) -> int:
    """Aliases in the operations with every fragment spread expanded, computed once per fragment."""
    fragments: dict[str, tuple[int, list[str]]] = {}
    operations: list[tuple[int, list[str]]] = []
    for definition in definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = _own_aliases_and_spreads(definition.selection_set)
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(_own_aliases_and_spreads(definition.selection_set))

    totals: dict[str, int] = {}

    def total(name: str) -> int:
        # Iterative post-order over the spreads; a cycle counts 0 (NoFragmentCycles refuses it).
        stack: list[tuple[str, bool]] = [(name, False)]
        in_progress: set[str] = set()
        while stack:
            current, expanded = stack.pop()
            if current in totals or current not in fragments:
                continue
            own, spreads = fragments[current]
            if expanded:
                in_progress.discard(current)
                totals[current] = own + sum(totals.get(spread, 0) for spread in spreads)
                continue
            if current in in_progress:
                continue
            in_progress.add(current)
            stack.append((current, True))
            stack.extend((spread, False) for spread in spreads if spread not in totals and spread not in in_progress)
        return totals.get(name, 0)

    return sum(own + sum(total(spread) for spread in spreads) for own, spreads in operations)


def _own_aliases_and_spreads(selection_set: SelectionSetNode | None) -> tuple[int, list[str]]:
    aliases = 0
    spreads: list[str] = []
    for selection in _selections(selection_set):
        if isinstance(selection, FieldNode) and selection.alias:
            aliases += 1
        elif isinstance(selection, FragmentSpreadNode):
            spreads.append(selection.name.value)
    return aliases, spreads


def _selections(selection_set: SelectionSetNode | None) -> Iterator[Any]:
    """Every selection under `selection_set`, through fields and inline fragments (not spreads)."""
    pending = [selection_set] if selection_set is not None else []
    while pending:
        for selection in pending.pop().selections:
            yield selection
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set is not None:
                pending.append(selection.selection_set)


def max_depth_rule(max_depth: int) -> type[ValidationRule]:
    """Strawberry's QueryDepthLimiter semantics (introspection fields ignored) in linear time.

    Strawberry walks every path through the fragment spreads: a document whose fragments each spread
    the next twice, without getting deeper, took 2**n steps (40 fragments hung a worker).
    """

    class MaxDepth(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments = {
                definition.name.value: definition
                for definition in context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            depths: dict[str, int] = {}
            in_progress: set[str] = set()
            cap = max_depth + 1  # deeper than this changes nothing: stop descending

            def depth(selection_set: SelectionSetNode | None, so_far: int) -> int:
                deepest = 0
                for selection in selection_set.selections if selection_set is not None else ():
                    if deepest + so_far >= cap:
                        break
                    if isinstance(selection, FieldNode):
                        if selection.selection_set is not None and not selection.name.value.startswith("__"):
                            deepest = max(deepest, 1 + depth(selection.selection_set, so_far + 1))
                    elif isinstance(selection, InlineFragmentNode):
                        deepest = max(deepest, depth(selection.selection_set, so_far))
                    elif isinstance(selection, FragmentSpreadNode):
                        deepest = max(deepest, fragment_depth(selection.name.value))
                return min(deepest, cap)

            def fragment_depth(name: str) -> int:
                # A fragment's depth does not depend on where it is spread: computed once (capped).
                if name in depths:
                    return depths[name]
                if name in in_progress or name not in fragments:
                    return 0  # a cycle (NoFragmentCycles refuses it) or an unknown fragment
                in_progress.add(name)
                depths[name] = depth(fragments[name].selection_set, 0)
                in_progress.discard(name)
                return depths[name]

            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode) and depth(definition.selection_set, 0) > max_depth:
                    name = definition.name.value if definition.name else "anonymous"
                    context.report_error(
                        GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}", definition)
                    )

    return MaxDepth


class RequestLimits(MaxTokensLimiter):
    """The token limit and the validation rules of the limits, as one extension.

    Strawberry runs each extension's hooks through context managers it builds anew for every
    operation, whatever the hook does, so every extension costs every request: Strawberry's
    AddValidationRules and MaxTokensLimiter set one field each; here one hook sets both
    (docs/decisions/0004-graphql-limit-rules.md).
    """

    def __init__(self, max_token_count: int, validation_rules: Iterable[type[ASTValidationRule]]) -> None:
        super().__init__(max_token_count=max_token_count)
        # The same classes in the same order every time: the key of ValidationCache's entries.
        self.validation_rules = tuple(validation_rules)

    def on_operation(self) -> Iterator[None]:
        self.execution_context.validation_rules = self.execution_context.validation_rules + self.validation_rules
        yield from super().on_operation()
