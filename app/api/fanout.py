"""Shared fan-out of `voteCounts`: each change executed and serialised once per (document, variables).

A default Strawberry subscription executes the selection set once per subscriber per event, about
6 times a bare websocket broadcast (DESIGN §8). Here one `Feed` per process and (broker, setlist,
document text, variables, operation name) reads the setlist's changes once, executes the
subscriber's document once per change and keeps the `next` payload's JSON; every subscriber of that
key receives the same text, behind its own operation id.

Subscribing: `FanoutHandler` gives every websocket operation a `SharedStream` as root value. The
first subscriber of a key goes through Strawberry (validation, limits, extensions, the resolver's
checks and errors); the `voteCounts` resolver, seeing the SharedStream, starts or joins the feed
and takes the snapshot (after joining, so no change is lost), then ends its stream; the handler
sends that snapshot, then the feed's frames numbered above it. A live feed thus stands for an
operation Strawberry accepted, and its outcome depends only on the key (the resolver checks nothing
about the subscriber): later subscribes with the same key join the feed directly, which halves
the server's work per subscribe (Strawberry's pipeline was about 1 M of the 1.9 M CPU instructions
the application spent on one, measured with callgrind). The snapshot is the feed's own state: the database snapshot it
started from with every change it has applied since, re-read from the database (one read shared by
those waiting) when that read is over a second old or a change never arrived. Its payload is
executed once per state, for every subscriber taking it.

Sending: once a subscriber's task has caught up, the feed sends each event to it directly, in one
loop over its listeners, as a bare broadcast does, instead of waking one task per subscriber (that
doubled the delivery time at 1,000 subscribers). A send that has to wait (a slow client's buffer is
full) is finished by that subscriber's task while the loop goes on (app.api.eager), and its
later frames queue for that task until it catches up: a slow client never delays the others.

Versions (app.setlists.live): a subscriber drops a song whose version is not newer than the one it
was sent. The feed applies that filter from its own start. A snapshot can be newer than the
feed's stream only where a database read merged in changes still on their way to the feed; such
a snapshot carries those songs' versions (`Snapshot.floor`), and its subscribers drop what it
already holds when those changes arrive, executing that payload for themselves alone (rare). Any
other subscriber is sent the shared text with no check. A subscriber whose queue overflows is
sent a snapshot again; a feed that fails mid-stream hands its subscribers back to the default,
per-subscriber path (a fresh snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from inspect import isawaitable
from typing import Any, Final

from graphql import DocumentNode, GraphQLSchema, execute, get_operation_ast, parse
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.typevars import Context, RootValue
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation, _OperationStreamClosed
from strawberry.subscriptions.protocols.graphql_transport_ws.types import CompleteMessage
from strawberry.utils.aio import aclosing

from app.api.context import Context as AppContext
from app.api.eager import Rest, start_eagerly
from app.api.ws_protocol import ProtocolHandler
from app.broker import DEFAULT_QUEUE_SIZE, OVERFLOW, RESYNC, Broker
from app.observability import ACTIVE_SUBSCRIBERS, observe_fanout_lag, record_operation, request_id_var
from app.setlists import live
from app.setlists.events import SongVotes, VoteCountsChanged, channel_for

logger = logging.getLogger(__name__)

# (broker, document text, variables as sorted JSON, operation name): the setlist follows from the
# document and variables, so two operations with one key are the same subscription.
FeedKey = tuple[Broker, str, str, str | None]
ToRoot = Callable[[live.CountsEvent], object]
# How long a feed serves its own state as joiners' snapshots before it reads the database again.
SNAPSHOT_MAX_AGE = 1.0


class _Closed:
    """The feed stopped: its subscribers go back to the default path."""


CLOSED: Final = _Closed()


@dataclass(frozen=True)
class Frame:
    """One event of a feed, with the `next` payload's JSON for every subscriber."""

    event: live.CountsEvent
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

    `floor`: the songs whose version in it is newer than the feed's stream has reached (a database
    read merged in while their changes were still on the way), so that a subscriber drops those
    changes when they come; None when every later frame is newer (the usual case: nothing to check).
    """

    floor: Mapping[int, int] | None = None


@dataclass(frozen=True)
class Failed:
    """A send the feed made for a subscriber failed (its socket went away): its task raises it."""

    error: Exception


SendText = Callable[[str], Coroutine[Any, Any, None]]
Item = Frame | _Closed | Failed | Rest[None] | object  # object: OVERFLOW


class Cursor:
    """Where one subscriber stands: the last number and song versions it was sent, and its message framing."""

    def __init__(self, feed: Feed, operation_id: str, request_id: str) -> None:
        self.feed = feed
        self.prefix = '{"id":' + json.dumps(operation_id) + ',"type":"next","payload":'
        # As Strawberry's results carry it (GraphQLMetrics): this connection's request id, after the shared part.
        self.suffix = ',"extensions":' + json.dumps({"requestId": request_id}, separators=(",", ":")) + "}}"
        self.seen = 0
        self.floor: Mapping[int, int] | None = None

    def restart(self, snapshot: Snapshot) -> str:
        """The message of a snapshot sent to this subscriber: changes are counted from it."""
        self.seen = snapshot.sequence
        self.floor = snapshot.floor  # read only: shared by everyone sent the snapshot
        return f"{self.prefix}{snapshot.body}{self.suffix}"

    def message(self, payload: str) -> str:
        return f"{self.prefix}{payload[:-1]}{self.suffix}"

    def message_for(self, frame: Frame) -> str | None:
        """The message `frame` makes for this subscriber; None when its snapshot already holds it."""
        if isinstance(frame, Snapshot):
            return self.restart(frame)
        if frame.sequence <= self.seen:
            return None
        self.seen = frame.sequence
        floor = self.floor
        if floor is not None:
            songs = frame.event.songs
            if any(floor.get(song.setlist_song_id, -1) >= song.version for song in songs):
                fresh = [song for song in songs if floor.get(song.setlist_song_id, -1) < song.version]
                return self.message(self.feed.render(replace(frame.event, songs=fresh)))
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
    """One setlist's changes for one (document, variables): executed once, delivered to every listener."""

    def __init__(self, key: FeedKey, setlist_id: int, schema: GraphQLSchema, to_root: ToRoot) -> None:
        self.key = key
        self.broker, query, variables, self.operation_name = key
        self.setlist_id = setlist_id
        self.schema = schema
        self.document: DocumentNode = parse(query)
        operation = get_operation_ast(self.document, self.operation_name)
        self.name = operation.name.value if operation is not None and operation.name is not None else None  # metrics
        self.variables: dict[str, Any] = json.loads(variables)
        self.to_root = to_root
        self.listeners: set[Listener] = set()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # What joiners' snapshots are made of (see `snapshot`): every song's newest count the feed
        # knows of, in setlist order, and the number of the last change it applied.
        self._state: dict[int, SongVotes] = {}
        self._seen = 0
        self._confirmed_at = -math.inf  # when the database read last merged into the state began
        self._gaps = 0  # changes found missing: a read begun before one confirms nothing
        self._reading: asyncio.Task[None] | None = None
        self._current: Snapshot | None = None  # the state as a snapshot, until it changes
        self._versions = live.Versions()  # the newest version of each song the stream has sent
        self.task = asyncio.create_task(self._run())

    async def snapshot(self) -> Snapshot:
        """A snapshot for a listener that has registered: the frames numbered above it reach that listener.

        It is the feed's own state (the changes it applied, up to its number) when the database
        confirmed that state less than SNAPSHOT_MAX_AGE ago; otherwise the state once a database
        read has been merged into it (one read in flight, shared by every listener waiting). A page
        going live then costs one read a second, not one per subscriber, and each payload is
        executed once. The read bounds how long a change that never reached the feed (a publish
        that failed while this process's subscription stayed up) can be missing from new snapshots.
        """
        if time.monotonic() - self._confirmed_at >= SNAPSHOT_MAX_AGE:
            if self._reading is None or self._reading.done():
                self._reading = asyncio.create_task(self._confirm())
            await asyncio.shield(self._reading)
        if self._current is None:
            event = live.CountsEvent(self.setlist_id, self._seen, "snapshot", list(self._state.values()))
            sent = self._versions.latest
            ahead = {
                song.setlist_song_id: song.version
                for song in event.songs
                if song.version > sent.get(song.setlist_song_id, -1)
            }
            self._current = Snapshot(event, self.render(event), ahead or None)
        return self._current

    async def _confirm(self) -> None:
        began, gaps = time.monotonic(), self._gaps
        read = await live.snapshot(self.broker, self.setlist_id)
        self._merge(read.songs)
        if self._gaps == gaps:
            self._confirmed_at = began

    def _merge(self, songs: list[SongVotes]) -> None:
        """Take each song's newer version, in the order of `songs` (the database's)."""
        merged: dict[int, SongVotes] = {}
        for song in songs:
            known = self._state.get(song.setlist_song_id)
            merged[song.setlist_song_id] = known if known is not None and known.version > song.version else song
        for song_id, known in self._state.items():  # none: songs are never removed from a setlist
            merged.setdefault(song_id, known)
        self._state = merged
        self._current = None

    async def _read_afresh(self) -> live.CountsEvent:
        """A database snapshot, from which the state and the stream's version filter start again."""
        began = time.monotonic()
        current = await live.snapshot(self.broker, self.setlist_id)
        self._state, self._seen = {}, current.sequence
        self._merge(current.songs)
        self._confirmed_at = began
        self._versions = live.Versions()
        self._versions.newer(current.songs)
        return current

    def _apply(self, sequence: int, songs: list[SongVotes]) -> None:
        self._seen = sequence
        for song in songs:
            known = self._state.get(song.setlist_song_id)
            if known is None or known.version < song.version:
                self._state[song.setlist_song_id] = song
        self._current = None

    def render(self, event: live.CountsEvent) -> str:
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
            async with self.broker.subscribe(channel_for(self.setlist_id)) as subscription:
                await self._read_afresh()
                self.ready.set_result(None)
                while True:
                    message = await subscription.get()
                    if message is OVERFLOW or message is RESYNC:
                        current = await self._read_afresh()
                        self._send(Snapshot(current, self.render(current)))  # the stream restarts from it
                        continue
                    assert isinstance(message, bytes)
                    change = VoteCountsChanged.decode(message)
                    if change.sequence is None or change.sequence <= self._seen:
                        continue
                    if change.sequence > self._seen + 1:  # a change never reached the feed
                        self._gaps += 1
                        self._confirmed_at = -math.inf  # the next joiner's snapshot reads the database
                    self._apply(change.sequence, change.songs)
                    songs = self._versions.newer(change.songs)
                    event = live.CountsEvent(self.setlist_id, change.sequence, change.kind, songs)
                    self._send(Frame(event, self.render(event)))
                    observe_fanout_lag(change.published_at)  # caught-up subscribers' sockets have it now
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if not self.ready.done():
                self.ready.set_exception(error)
            else:
                logger.warning("Live feed of setlist %s stopped", self.setlist_id, exc_info=True)
            for listener in self.listeners:
                listener.deliver(CLOSED)
        finally:
            if _feeds.get(self.key) is self:
                del _feeds[self.key]


_feeds: dict[FeedKey, Feed] = {}


def live_feed(key: FeedKey) -> Feed | None:
    """The key's feed, if it is running and subscribed to the broker."""
    feed = _feeds.get(key)
    return feed if feed is not None and feed.ready.done() and not feed.task.done() else None


async def join(key: FeedKey, setlist_id: int, schema: GraphQLSchema, to_root: ToRoot) -> tuple[Feed, Listener]:
    """Listen to the key's feed (started if need be); returns once the feed is subscribed to the broker."""
    feed = _feeds.get(key)
    if feed is None or feed.task.done():
        feed = _feeds[key] = Feed(key, setlist_id, schema, to_root)
    listener = Listener()
    feed.listeners.add(listener)
    try:
        await asyncio.shield(feed.ready)
    except BaseException:
        leave(feed, listener)
        raise
    return feed, listener


def leave(feed: Feed, listener: Listener) -> None:
    feed.listeners.discard(listener)
    if not feed.listeners:
        feed.task.cancel()
        if _feeds.get(feed.key) is feed:
            del _feeds[feed.key]


class SharedStream:
    """The root value of one websocket operation: how `voteCounts` hands its stream to the handler."""

    def __init__(self, schema: GraphQLSchema, query: str, variables: dict[str, object] | None, name: str | None):
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
        self.feed, self.listener = await join(self._key(broker), setlist_id, self.schema, to_root)
        await self._take_snapshot()

    async def rejoin(self, broker: Broker) -> bool:
        """Join the live feed of an identical operation, if there is one (True: joined, snapshot taken)."""
        feed = live_feed(self._key(broker))
        if feed is None:
            return False
        listener = Listener()
        feed.listeners.add(listener)
        self.feed, self.listener = feed, listener
        try:
            await self._take_snapshot()
        except Exception:  # the snapshot's database read failed: Strawberry's path reports it
            self.close()
            return False
        return True

    async def _take_snapshot(self) -> None:
        assert self.feed is not None
        ACTIVE_SUBSCRIBERS.inc()
        self.snapshot = await self.feed.snapshot()

    @property
    def handed_over(self) -> bool:
        return self.snapshot is not None

    def close(self) -> None:
        if self.feed is not None and self.listener is not None:
            leave(self.feed, self.listener)
            ACTIVE_SUBSCRIBERS.dec()
            self.feed = self.listener = None


class FanoutHandler(ProtocolHandler[Context, RootValue]):
    """graphql-transport-ws, with `voteCounts` deltas sent from the shared feeds."""

    async def run_operation(self, operation: Operation[Context, RootValue]) -> None:
        # Strawberry's run_operation, with a SharedStream as root value and the hand-over after the stream.
        shared = SharedStream(self._graphql_schema(), operation.query, operation.variables, operation.operation_name)
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
            elif isinstance(item, _Closed):
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
