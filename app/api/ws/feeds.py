"""Shared feeds of `voteCounts`: each change executed and serialised once per (document, variables).

A default Strawberry subscription executes the selection set once per subscriber per event, about 6
times a bare websocket broadcast (docs/decisions/0006-performance-facts.md). Here one `Feed` per
process and (broker, document text, variables, operation name) consumes one `CountsStream`
(app.setlists.vote_counts: the snapshot, sequence, version and gap rules), executes the document
once per event and keeps the `next` payload's JSON; every listener receives the same text, behind
its own operation id (`Cursor`). `Feeds`, owned by the process (`Resources.feeds`), holds the
running feeds; how subscribers reach one: app.api.ws.handler.

Snapshots: a listener's snapshot is the stream's `joiner_snapshot`, taken after the listener
registered (no change is lost), its payload executed once per state. A listener whose snapshot is
ahead of the stream (`Snapshot.floor`) has the changes it already holds dropped by its `Position`,
and executes that payload for itself alone (rare); any other is sent the shared text unchecked.

Sending: once a subscriber's task has caught up, the feed sends each event to it directly, in one
loop over its listeners, as a bare broadcast does, instead of waking one task per subscriber (that
doubled the delivery time at 1,000 subscribers). A send that has to wait (a slow client's buffer is
full) is finished by that subscriber's task while the loop goes on (app.api.ws.eager), and its
later frames queue for that task until it catches up: a slow client never delays the others. A
subscriber whose queue overflows is sent a snapshot again; a feed that fails mid-stream hands its
listeners `CLOSED`, and they go on alone (`Feeds.follow`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from inspect import isawaitable
from typing import Any, Final

from graphql import DocumentNode, GraphQLSchema, execute, get_operation_ast, parse

from app.api.ws.eager import Rest, start_eagerly
from app.platform.broker import DEFAULT_QUEUE_SIZE, OVERFLOW, Broker
from app.platform.observability import ACTIVE_SUBSCRIBERS, observe_fanout_lag
from app.setlists.vote_counts import SNAPSHOT_MAX_AGE, CountsEvent, CountsStream, JoinerSnapshot, Position

logger = logging.getLogger(__name__)

# (broker, document text, variables as sorted JSON, operation name): the setlist follows from the
# document and variables, so two operations with one key are the same subscription.
FeedKey = tuple[Broker, str, str, str | None]
ToRoot = Callable[[CountsEvent], object]


class _Closed:
    """The feed stopped: its subscribers go on alone."""


CLOSED: Final = _Closed()


@dataclass(frozen=True)
class Frame:
    """One event of a feed, with the `next` payload's JSON for every subscriber."""

    event: CountsEvent
    payload: str
    # Read once per subscriber: plain attributes, made once. `body`: the payload without its closing
    # brace, for each subscriber's message to go on with its own extensions.
    sequence: int = field(init=False)
    body: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sequence", self.event.sequence)
        object.__setattr__(self, "body", self.payload[:-1])


@dataclass(frozen=True)
class Snapshot(Frame):
    """A frame of every song's count: a subscriber sent it counts the changes from it on.

    `floor`: as `JoinerSnapshot.floor` (None: every later frame is newer, nothing to check).
    """

    floor: Mapping[int, int] | None = None


@dataclass(frozen=True)
class Failed:
    """A send the feed made for a subscriber failed (its socket went away): its task raises it."""

    error: Exception


SendText = Callable[[str], Coroutine[Any, Any, None]]
Item = Frame | _Closed | Failed | Rest[None] | object  # object: OVERFLOW


class Cursor:
    """One subscriber's `Position` in a feed, and its message framing."""

    def __init__(self, feed: Feed, operation_id: str, request_id: str) -> None:
        self.feed = feed
        self.position = Position()
        self.prefix = '{"id":' + json.dumps(operation_id) + ',"type":"next","payload":'
        # As Strawberry's results carry it (GraphQLMetrics): this connection's request id, after the shared part.
        self.suffix = ',"extensions":' + json.dumps({"requestId": request_id}, separators=(",", ":")) + "}}"

    def restart(self, snapshot: Snapshot) -> str:
        """The message of a snapshot sent to this subscriber: changes are counted from it."""
        self.position.restart(snapshot.sequence, snapshot.floor)
        return f"{self.prefix}{snapshot.body}{self.suffix}"

    def message(self, payload: str) -> str:
        return f"{self.prefix}{payload[:-1]}{self.suffix}"

    def message_for(self, frame: Frame) -> str | None:
        """The message `frame` makes for this subscriber; None when its snapshot already holds it."""
        if isinstance(frame, Snapshot):
            return self.restart(frame)
        songs = frame.event.songs
        admitted = self.position.admit(frame.sequence, songs)
        if admitted is None:
            return None
        if admitted is not songs:
            return self.message(self.feed.render(replace(frame.event, songs=admitted)))
        return f"{self.prefix}{frame.body}{self.suffix}"


class Listener:
    """One subscriber of a feed.

    Queued (at first): frames wait in a bounded queue for the subscriber's task (OVERFLOW when it
    fell too far behind). Direct (once its task caught up): the feed sends each frame itself, in
    its loop over the listeners; a send that has to wait (the socket's buffer is full) is handed to
    the subscriber's task, and the listener is queued again until that task catches up.
    """

    def __init__(self, maxsize: int = DEFAULT_QUEUE_SIZE) -> None:
        self._queue: asyncio.Queue[Item] = asyncio.Queue(maxsize)
        self._direct: tuple[Cursor, SendText] | None = None

    def go_direct(self, cursor: Cursor, send: SendText) -> bool:
        """Have the feed send from now on; False while items wait in the queue (the task reads them first)."""
        if not self._queue.empty():
            return False
        self._direct = (cursor, send)
        return True

    def deliver(self, item: Item) -> None:
        if self._direct is None or not isinstance(item, Frame):
            self._direct = None
            self._put(item)
            return
        cursor, send = self._direct
        message = cursor.message_for(item)
        if message is None:
            return
        try:
            rest = start_eagerly(send(message))
        except Exception as error:  # its task raises it, as its own send would have
            self._direct = None
            self._put(Failed(error))
            return
        if rest is not None:  # a slow socket: its task finishes this send, then reads the queue
            self._direct = None
            self._put(rest)

    def _put(self, item: Item) -> None:
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            kept = self._queue.get_nowait()  # a send in progress (always first) must still be finished
            while not self._queue.empty():
                self._queue.get_nowait()
            if isinstance(kept, Rest):
                self._queue.put_nowait(kept)
            self._queue.put_nowait(OVERFLOW)

    async def get(self) -> Item:
        return await self._queue.get()


class Feed:
    """One setlist's `CountsStream` for one (document, variables): each event executed once, sent to every listener."""

    def __init__(
        self, key: FeedKey, setlist_id: int, schema: GraphQLSchema, to_root: ToRoot, *, snapshot_max_age: float
    ) -> None:
        self.key = key
        broker, query, variables, self.operation_name = key
        self.setlist_id = setlist_id
        self.schema = schema
        self.document: DocumentNode = parse(query)
        operation = get_operation_ast(self.document, self.operation_name)
        self.name = operation.name.value if operation is not None and operation.name is not None else None  # metrics
        self.variables: dict[str, Any] = json.loads(variables)
        self.to_root = to_root
        self.counts = CountsStream(broker, setlist_id, snapshot_max_age=snapshot_max_age)
        self.listeners: set[Listener] = set()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._snapshot: tuple[JoinerSnapshot, Snapshot] | None = None  # the last one rendered, and its source
        self.task = asyncio.create_task(self._run())

    async def snapshot(self) -> Snapshot:
        """A snapshot for a listener that has registered: the frames numbered above it reach that listener."""
        joiner = await self.counts.joiner_snapshot()
        if self._snapshot is None or self._snapshot[0] is not joiner:
            self._snapshot = (joiner, Snapshot(joiner.event, self.render(joiner.event), joiner.floor))
        return self._snapshot[1]

    def render(self, event: CountsEvent) -> str:
        """The `next` payload of `event` for this feed's document, as JSON."""
        result = execute(
            self.schema,
            self.document,
            root_value=self.to_root(event),
            variable_values=self.variables,
            operation_name=self.operation_name,
        )
        if isawaitable(result):  # the selection resolves plain attributes: never asynchronous
            raise TypeError("voteCounts payloads must execute synchronously")
        payload: dict[str, object] = {"data": result.data}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        return json.dumps(payload, separators=(",", ":"))

    def _send(self, frame: Frame) -> None:
        for listener in tuple(self.listeners):  # sends may fail and their subscribers leave
            listener.deliver(frame)

    async def _run(self) -> None:
        try:
            async with aclosing(self.counts.events()) as events:
                async for event in events:
                    if not self.ready.done():  # the snapshot the stream starts from
                        self.ready.set_result(None)
                    elif event.kind == "snapshot":  # the stream restarts from it (a loss)
                        self._send(Snapshot(event, self.render(event)))
                    else:
                        self._send(Frame(event, self.render(event)))
                        observe_fanout_lag(event.published_at)  # caught-up subscribers' sockets have it now
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if not self.ready.done():
                self.ready.set_exception(error)
            else:
                logger.warning("Live feed of setlist %s stopped", self.setlist_id, exc_info=True)
            for listener in self.listeners:
                listener.deliver(CLOSED)


class Feeds:
    """This process's `voteCounts` subscribers: the running feeds by key, and those served alone.

    Owned by the process (`Resources.feeds`). The active-subscribers gauge is counted here, for both.
    """

    def __init__(self, *, snapshot_max_age: float = SNAPSHOT_MAX_AGE) -> None:
        self.snapshot_max_age = snapshot_max_age
        self._feeds: dict[FeedKey, Feed] = {}

    def __len__(self) -> int:
        return len(self._feeds)

    def live(self, key: FeedKey) -> Feed | None:
        """The key's feed, if it is running and subscribed to the broker."""
        feed = self._feeds.get(key)
        return feed if feed is not None and feed.ready.done() and not feed.task.done() else None

    async def join(
        self, key: FeedKey, setlist_id: int, schema: GraphQLSchema, to_root: ToRoot
    ) -> tuple[Feed, Listener]:
        """Listen to the key's feed (started if need be); returns once the feed is subscribed to the broker."""
        feed = self._feeds.get(key)
        if feed is None or feed.task.done():
            feed = self._feeds[key] = Feed(key, setlist_id, schema, to_root, snapshot_max_age=self.snapshot_max_age)
            feed.task.add_done_callback(lambda _: self._forget(feed))
        listener = Listener()
        feed.listeners.add(listener)
        ACTIVE_SUBSCRIBERS.inc()
        try:
            await asyncio.shield(feed.ready)
        except BaseException:
            self.leave(feed, listener)
            raise
        return feed, listener

    def leave(self, feed: Feed, listener: Listener) -> None:
        if listener not in feed.listeners:
            return
        feed.listeners.discard(listener)
        ACTIVE_SUBSCRIBERS.dec()
        if not feed.listeners:
            feed.task.cancel()
            self._forget(feed)

    async def follow(self, broker: Broker, setlist_id: int) -> AsyncGenerator[CountsEvent, None]:
        """A subscriber served alone: its own `CountsStream`, until the consumer stops iterating."""
        ACTIVE_SUBSCRIBERS.inc()
        try:
            async with aclosing(
                CountsStream(broker, setlist_id, snapshot_max_age=self.snapshot_max_age).events()
            ) as events:
                async for event in events:
                    yield event
        finally:
            ACTIVE_SUBSCRIBERS.dec()

    def _forget(self, feed: Feed) -> None:
        if self._feeds.get(feed.key) is feed:
            del self._feeds[feed.key]
