"""graphql-transport-ws as the API speaks it: the spec's rules (ProtocolHandler) plus shared feeds.

Sharing is declared on the field. A subscription field marked `Shareable()` says that its outcome
depends only on the document and its variables, never on who subscribes; only such a field is
ever shared, and every subscriber of any other field runs its resolver. For a marked field:

- The first subscribe of a key (document, variables, operation name) goes through Strawberry:
  validation, limits, extensions, the resolver's checks and errors. The resolver asks
  `handover(info)` for the operation's `HandOver` (there is one only for a marked field, over
  websockets), joins the feed, takes the snapshot and ends its stream; the handler then sends
  that snapshot and the feed's frames numbered above it.
- While that feed runs, identical subscribes on this process join it directly, without Strawberry
  (about half the server's work per subscribe): the live feed stands for an operation Strawberry
  accepted for a field whose outcome depends only on the key.
- A feed that stops mid-stream hands its subscribers back: each goes on alone through Strawberry
  and the resolver's per-subscriber path (a fresh snapshot, then the changes).
"""

from __future__ import annotations

import functools
import json
import time
from contextlib import aclosing
from contextvars import ContextVar
from typing import Any

import strawberry
from graphql import GraphQLSchema
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.extensions import FieldExtension
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.typevars import Context, RootValue
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

from app.api.context import Context as AppContext
from app.api.ws.eager import Rest
from app.api.ws.feeds import CLOSED, Cursor, Failed, Feed, FeedKey, Feeds, Frame, Listener, Snapshot, ToRoot
from app.api.ws.protocol import ProtocolHandler, graphql_core_schema
from app.platform.broker import OVERFLOW, Broker
from app.platform.observability import OperationLabels, record_operation, request_id_var


class Shareable(FieldExtension):
    """Marks a subscription field whose outcome depends only on the document and its variables.

    Its subscribers may then share one execution (a feed): a later identical subscribe joins it
    without running the resolver, so the resolver must check nothing about who subscribes. A
    field that needs such a check (authorisation, per-user data) must not carry this marker.
    """

    # Neither resolve nor resolve_async: Strawberry leaves it out of the resolve chain.


# The hand-over of the websocket operation running in this task (set by WebSocketHandler).
_current: ContextVar[HandOver | None] = ContextVar("shared_feed_handover", default=None)


def handover(info: strawberry.Info[Any, Any]) -> HandOver | None:
    """The operation's hand-over to a shared feed: over websockets, for a field marked `Shareable`, else None."""
    current = _current.get()
    if current is None:
        return None
    field = info.schema.get_field_for_type(info.field_name, info.path.typename or "")
    if field is None or not any(isinstance(extension, Shareable) for extension in field.extensions):
        return None
    return current


class HandOver:
    """One websocket operation's way to a shared feed: join it, take the snapshot, then be sent its frames."""

    def __init__(
        self,
        feeds: Feeds,
        broker: Broker,
        schema: GraphQLSchema,
        query: str,
        variables: dict[str, object] | None,
        operation_name: str | None,
    ) -> None:
        self.feeds = feeds
        variables_json = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
        self.key: FeedKey = (broker, query, variables_json, operation_name)
        self.schema = schema
        self.feed: Feed | None = None
        self.listener: Listener | None = None
        self.snapshot: Snapshot | None = None

    async def join(self, setlist_id: int, to_root: ToRoot) -> None:
        """Join the setlist's feed for this operation (the resolver, once its checks passed), then take the snapshot."""
        self.feed, self.listener = await self.feeds.join(self.key, setlist_id, self.schema, to_root)
        self.snapshot = await self.feed.snapshot()

    async def rejoin(self) -> bool:
        """Join the live feed of an identical operation, if there is one (True: joined, snapshot taken)."""
        feed = self.feeds.live(self.key)
        if feed is None:
            return False
        try:
            await self.join(feed.setlist_id, feed.to_root)
        except Exception:  # the snapshot's database read failed: Strawberry's path reports it
            self.close()
            return False
        return True

    @property
    def joined(self) -> bool:
        return self.snapshot is not None

    def close(self) -> None:
        if self.feed is not None and self.listener is not None:
            self.feeds.leave(self.feed, self.listener)
            self.feed = self.listener = None


class WebSocketHandler(ProtocolHandler[Context, RootValue]):
    """graphql-transport-ws held to its spec, with `Shareable` subscriptions sent from the shared feeds."""

    async def run_operation(self, operation: Operation[Context, RootValue]) -> None:
        assert isinstance(self.context, AppContext)
        resources = self.context.resources
        shared = HandOver(
            resources.feeds,
            resources.broker,
            graphql_core_schema(self.schema),
            operation.query,
            operation.variables,
            operation.operation_name,
        )
        try:
            started = time.perf_counter()
            if await shared.rejoin():
                # The operation Strawberry ran for the feed's first subscriber, with the same outcome.
                assert shared.feed is not None
                record_operation(
                    _labels(self.schema), shared.feed.name, "subscription", [], time.perf_counter() - started
                )
                try:
                    await self._send_feed(operation, shared)
                except Exception as error:  # as Strawberry treats a failed operation
                    await self.handle_task_exception(error)
                    self.operations.pop(operation.id, None)
                    raise
                # The feed stopped: on alone, through Strawberry.
            else:
                _current.set(shared)  # the resolver takes it, for a Shareable field (`handover`)
            await super().run_operation(operation)
        finally:
            shared.close()

    async def _send_result_stream(self, operation: Operation[Context, RootValue], result_source: StreamResult) -> None:
        # After the stream (the resolver joined the feed and ended it), before Strawberry's `complete`.
        await super()._send_result_stream(operation, result_source)
        shared = _current.get()
        if shared is None or not shared.joined:
            return
        await self._send_feed(operation, shared)
        _current.set(None)  # the feed stopped: on alone, through Strawberry again
        alone = await self.schema.stream(
            operation.query,
            variable_values=operation.variables,
            context_value=self.context,
            root_value=self.root_value,
            operation_name=operation.operation_name,
        )
        async with aclosing(alone):
            await super()._send_result_stream(operation, alone)

    async def _send_feed(self, operation: Operation[Context, RootValue], shared: HandOver) -> None:
        """The snapshot, then the feed's frames; returns once the feed has stopped (and been left)."""
        feed, listener, snapshot = shared.feed, shared.listener, shared.snapshot
        assert feed is not None
        assert listener is not None
        assert snapshot is not None
        shared.snapshot = None  # shared with others: this subscriber keeps only its position
        cursor = Cursor(feed, operation.id, request_id_var.get())
        send = functools.partial(self._send_text, operation)
        await send(cursor.restart(snapshot))
        while True:
            listener.go_direct(cursor, send)
            item = await listener.get()
            if isinstance(item, Rest):  # the feed's send had to wait: finish it here
                await item
            elif isinstance(item, Failed):
                raise item.error
            elif item is CLOSED:
                shared.close()
                return
            elif item is OVERFLOW:  # this subscriber fell behind: a snapshot again
                await send(cursor.restart(await feed.snapshot()))
            elif isinstance(item, Frame) and (message := cursor.message_for(item)) is not None:
                await send(message)

    async def _send_text(self, operation: Operation[Context, RootValue], text: str) -> None:
        if operation.completed:
            return
        websocket = self.websocket
        assert isinstance(websocket, ASGIWebSocketAdapter)
        try:
            await websocket.ws.send_text(text)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


def _labels(schema: object) -> OperationLabels:
    # The schema's own bounded label set (app.api.schema.TheSetSchema, which this module cannot import).
    labels = getattr(schema, "operation_labels", None)
    if not isinstance(labels, OperationLabels):
        raise TypeError("the websocket handler serves TheSetSchema (app.api.schema.build_schema) only")
    return labels
