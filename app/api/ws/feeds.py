"""Shared feeds of `voteCounts`: each change executed and serialised once per (document, variables).

A default Strawberry subscription executes the selection set once per subscriber per event, about 6
times a bare websocket broadcast (docs/decisions/0006-performance-facts.md). Here one `Feed` per
process and (broker, document text, variables, operation name) reads the setlist's changes once,
executes the document once per change and keeps the `next` payload's JSON; every listener receives
the same text, behind its own operation id (`Cursor`). How subscribers reach a feed:
app.api.ws.fanout.

Snapshots: a listener's snapshot is the feed's own state, the database snapshot it started from
with every change it has applied since, taken after the listener registered (no change is lost).
The feed reads the database again (one read, shared by those waiting) when that read is over
`SNAPSHOT_MAX_AGE` old or a sequence number was skipped. Its payload is executed once per state.

Sending: once a subscriber's task has caught up, the feed sends each event to it directly, in one
loop over its listeners, as a bare broadcast does, instead of waking one task per subscriber (that
doubled the delivery time at 1,000 subscribers). A send that has to wait (a slow client's buffer is
full) is finished by that subscriber's task while the loop goes on (app.api.ws.eager), and its
later frames queue for that task until it catches up: a slow client never delays the others.

Versions (app.setlists.live): a subscriber drops a song whose version is not newer than the one it
was sent. The feed applies that filter from its own start. A snapshot can be newer than the
feed's stream only where a database read merged in changes still on their way to the feed; such
a snapshot carries those songs' versions (`Snapshot.floor`), and its subscribers drop what it
already holds when those changes arrive, executing that payload for themselves alone (rare). Any
other subscriber is sent the shared text with no check. A subscriber whose queue overflows is
sent a snapshot again; a feed that fails mid-stream hands its listeners `CLOSED`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from inspect import isawaitable
from typing import Any, Final

from graphql import DocumentNode, GraphQLSchema, execute, get_operation_ast, parse

from app.api.ws.eager import Rest, start_eagerly
from app.platform.broker import DEFAULT_QUEUE_SIZE, OVERFLOW, RESYNC, Broker
from app.platform.observability import observe_fanout_lag
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
                    event = live.CountsEvent(self.setlist_id, change.sequence, change.kind, songs, change.score)
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
