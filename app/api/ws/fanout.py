"""graphql-transport-ws with `voteCounts` delivered from the shared feeds (app.api.ws.feeds).

`FanoutHandler` gives every websocket operation a `SharedStream` as root value. The first
subscriber of a feed's key goes through Strawberry (validation, limits, extensions, the resolver's
checks and errors); the `voteCounts` resolver, seeing the SharedStream, starts or joins the feed
and takes the snapshot, then ends its stream; the handler sends that snapshot, then the feed's
frames numbered above it. A live feed thus stands for an operation Strawberry accepted, whose
outcome depends only on the key (the resolver checks nothing about the subscriber): later
subscribes with the same key join the feed directly. That halves the server's work per subscribe:
Strawberry's pipeline was about 1 M of the 1.9 M CPU instructions the application spent on one
(counted with callgrind). A feed that stops mid-stream hands its subscribers back to Strawberry's
per-subscriber path (a fresh snapshot, then the changes).
"""

from __future__ import annotations

import contextlib
import functools
import json
import time

from graphql import GraphQLSchema
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.typevars import Context, RootValue
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation, _OperationStreamClosed
from strawberry.subscriptions.protocols.graphql_transport_ws.types import CompleteMessage
from strawberry.utils.aio import aclosing

from app.api.context import Context as AppContext
from app.api.ws.eager import Rest
from app.api.ws.feeds import CLOSED, Cursor, Failed, Feed, FeedKey, Feeds, Frame, Listener, Snapshot, ToRoot
from app.api.ws.protocol import ProtocolHandler
from app.platform.broker import OVERFLOW, Broker
from app.platform.observability import record_operation, request_id_var


class SharedStream:
    """The root value of one websocket operation: how `voteCounts` hands its stream to the handler."""

    def __init__(
        self, feeds: Feeds, schema: GraphQLSchema, query: str, variables: dict[str, object] | None, name: str | None
    ):
        self.feeds = feeds
        self.schema = schema
        self.query = query
        self.variables = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
        self.operation_name = name
        self.feed: Feed | None = None
        self.listener: Listener | None = None
        self.snapshot: Snapshot | None = None

    def _key(self, broker: Broker) -> FeedKey:
        return (broker, self.query, self.variables, self.operation_name)

    async def join(self, broker: Broker, setlist_id: int, to_root: ToRoot) -> None:
        """Join the setlist's feed for this operation (the resolver, once its checks passed), then take the snapshot.

        The feed stands for the resolver's acceptance: while it runs, identical operations on this
        process join it without Strawberry (`rejoin`). So the resolver checks nothing that depends
        on who subscribes, only on the document and its variables.
        """
        self.feed, self.listener = await self.feeds.join(self._key(broker), setlist_id, self.schema, to_root)
        self.snapshot = await self.feed.snapshot()

    async def rejoin(self, broker: Broker) -> bool:
        """Join the live feed of an identical operation, if there is one (True: joined, snapshot taken)."""
        feed = self.feeds.live(self._key(broker))
        if feed is None:
            return False
        try:
            await self.join(broker, feed.setlist_id, feed.to_root)
        except Exception:  # the snapshot's database read failed: Strawberry's path reports it
            self.close()
            return False
        return True

    @property
    def handed_over(self) -> bool:
        return self.snapshot is not None

    def close(self) -> None:
        if self.feed is not None and self.listener is not None:
            self.feeds.leave(self.feed, self.listener)
            self.feed = self.listener = None


class FanoutHandler(ProtocolHandler[Context, RootValue]):
    """graphql-transport-ws, with `voteCounts` deltas sent from the shared feeds."""

    async def run_operation(self, operation: Operation[Context, RootValue]) -> None:
        # Strawberry's run_operation, with a SharedStream as root value and the hand-over after the stream.
        assert isinstance(self.context, AppContext)
        feeds = self.context.resources.feeds
        shared = SharedStream(
            feeds, self._graphql_schema(), operation.query, operation.variables, operation.operation_name
        )
        try:
            started = time.perf_counter()
            if await shared.rejoin(self._broker()):
                # The operation Strawberry ran for the feed's first subscriber, with the same outcome.
                assert shared.feed is not None
                record_operation(shared.feed.name, "subscription", [], time.perf_counter() - started)
            else:
                # voteCounts: the stream ends at once (errors aside), the snapshot and changes come from the feed.
                result_source = await self.schema.stream(
                    operation.query,
                    variable_values=operation.variables,
                    context_value=self.context,
                    root_value=shared,
                    operation_name=operation.operation_name,
                )
                async with aclosing(result_source):
                    await self._send_result_stream(operation, result_source)
            if shared.handed_over:
                await self._send_shared(operation, shared)
            await operation.send_operation_message(CompleteMessage(id=operation.id, type="complete"))
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            shared.close()

    def _broker(self) -> Broker:
        assert isinstance(self.context, AppContext)
        return self.context.resources.broker

    def _graphql_schema(self) -> GraphQLSchema:
        schema: GraphQLSchema = getattr(self.schema, "_schema")  # noqa: B009  (strawberry.Schema's graphql-core schema)
        return schema

    async def _send_shared(self, operation: Operation[Context, RootValue], shared: SharedStream) -> None:
        feed, listener, snapshot = shared.feed, shared.listener, shared.snapshot
        assert feed is not None
        assert listener is not None
        assert snapshot is not None
        shared.snapshot = None  # shared with others: this subscriber keeps only its number and versions
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
                await self._send_default(operation)
                return
            elif item is OVERFLOW:  # this subscriber fell behind: a snapshot again
                await send(cursor.restart(await feed.snapshot()))
            elif isinstance(item, Frame) and (message := cursor.message_for(item)) is not None:
                await send(message)

    async def _send_default(self, operation: Operation[Context, RootValue]) -> None:
        """The per-subscriber path: a fresh snapshot, then the changes."""
        result_source = await self.schema.stream(
            operation.query,
            variable_values=operation.variables,
            context_value=self.context,
            root_value=self.root_value,
            operation_name=operation.operation_name,
        )
        async with aclosing(result_source):
            await self._send_result_stream(operation, result_source)

    async def _send_text(self, operation: Operation[Context, RootValue], text: str) -> None:
        if operation.completed:
            return
        websocket = self.websocket
        assert isinstance(websocket, ASGIWebSocketAdapter)
        try:
            await websocket.ws.send_text(text)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error
