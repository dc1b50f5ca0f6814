"""The shared feeds (app.api.ws.feeds): the feed sends to caught-up subscribers itself, slow ones catch up alone.

The subscriber's own task is played here by `drain`, as WebSocketHandler._send_feed plays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from factories import make_setlist, make_setlist_song, make_show
from prometheus_client import REGISTRY
from sql_counter import QueryCounter

from app.api.ids import encode_id
from app.api.live import VoteCountsEvent
from app.api.schema import build_schema
from app.api.ws.eager import Rest
from app.api.ws.feeds import CLOSED, Cursor, Failed, Feeds, Frame, Listener, Snapshot
from app.api.ws.handler import HandOver
from app.api.ws.protocol import graphql_core_schema
from app.platform.broker import OVERFLOW, InProcessBroker
from app.setlists.events import SongVotes, VoteCountsChanged, channel_for, publish_change
from app.setlists.models import SetlistSong
from app.setlists.vote_counts import CountsEvent

pytestmark = pytest.mark.usefixtures("db")

DOCUMENT = "subscription S($id: ID!) { voteCounts(setlistId: $id) { sequence kind songs { setlistSongId votes } } }"
Send = Callable[[str], Coroutine[Any, Any, None]]


class Socket:
    """A subscriber's socket: the messages it was sent; `slow` makes a send wait until released."""

    def __init__(self, *, slow: bool = False) -> None:
        self.messages: list[dict[str, Any]] = []
        self.writable = asyncio.Event()
        if not slow:
            self.writable.set()

    async def send(self, text: str) -> None:
        await self.writable.wait()
        self.messages.append(json.loads(text))

    def sequences(self) -> list[int]:
        return [message["payload"]["data"]["voteCounts"]["sequence"] for message in self.messages]


class Subscriber:
    def __init__(self, stream: HandOver, operation_id: str) -> None:
        assert stream.feed is not None
        assert stream.listener is not None
        assert stream.snapshot is not None
        self.stream = stream
        self.feed, self.listener, self.snapshot = stream.feed, stream.listener, stream.snapshot
        self.cursor = Cursor(self.feed, operation_id, "test-request")
        self.cursor.restart(self.snapshot)  # as the handler does when it sends the snapshot


@pytest.fixture
async def setlist() -> tuple[int, list[int]]:
    show = await make_show()
    setlist = await make_setlist(show)
    songs = [await make_setlist_song(setlist, position=n) for n in (1, 2, 3)]
    return setlist.id, [song.id for song in songs]


@pytest.fixture
async def broker() -> AsyncIterator[InProcessBroker]:
    broker = InProcessBroker()
    yield broker
    await broker.stop()


@pytest.fixture
def feeds() -> Feeds:
    return Feeds()


async def subscribe(broker: InProcessBroker, setlist_id: int, operation_id: str, feeds: Feeds) -> Subscriber:
    variables = {"id": encode_id("Setlist", setlist_id)}
    stream = HandOver(feeds, broker, graphql_core_schema(build_schema()), DOCUMENT, variables, None)
    await stream.join(setlist_id, VoteCountsEvent.from_event)
    return Subscriber(stream, operation_id)


async def caught_up(subscriber: Subscriber, socket: Socket) -> None:
    """What the subscriber's task does once its snapshot is sent and its queue is empty."""
    assert subscriber.listener.go_direct(subscriber.cursor, socket.send)


async def vote(broker: InProcessBroker, setlist_id: int, song_id: int, votes: int) -> int:
    change = VoteCountsChanged(
        setlist_id=setlist_id, kind="vote", songs=[SongVotes(setlist_song_id=song_id, votes=votes, version=votes)]
    )
    return await publish_change(broker, change)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_feed_sends_each_change_to_caught_up_subscribers_itself(
    broker: InProcessBroker, setlist: tuple[int, list[int]], feeds: Feeds
) -> None:
    setlist_id, songs = setlist
    first, second = await subscribe(broker, setlist_id, "a", feeds), await subscribe(broker, setlist_id, "b", feeds)
    sockets = [Socket(), Socket()]
    await caught_up(first, sockets[0])
    await caught_up(second, sockets[1])

    for n in (1, 2, 3):
        await vote(broker, setlist_id, songs[0], n)
    await settle()

    # Nobody read the listeners' queues: the feed's own loop sent every message.
    for socket, operation_id in zip(sockets, ("a", "b"), strict=True):
        assert socket.sequences() == [1, 2, 3]
        assert {message["id"] for message in socket.messages} == {operation_id}
        assert socket.messages[-1]["payload"]["data"]["voteCounts"]["songs"] == [
            {"setlistSongId": encode_id("SetlistSong", songs[0]), "votes": 3}
        ]
        assert socket.messages[0]["payload"]["extensions"] == {"requestId": "test-request"}
    first.stream.close()
    second.stream.close()


async def test_a_slow_socket_delays_nobody_and_receives_its_changes_in_order(
    broker: InProcessBroker, setlist: tuple[int, list[int]], feeds: Feeds
) -> None:
    setlist_id, songs = setlist
    fast, slow = await subscribe(broker, setlist_id, "fast", feeds), await subscribe(broker, setlist_id, "slow", feeds)
    fast_socket, slow_socket = Socket(), Socket(slow=True)
    await caught_up(fast, fast_socket)
    await caught_up(slow, slow_socket)

    for n in (1, 2, 3):
        await vote(broker, setlist_id, songs[1], n)
    await settle()
    assert fast_socket.sequences() == [1, 2, 3]
    assert slow_socket.sequences() == []

    # The slow subscriber's task: the send the feed began, then the frames queued behind it.
    rest = await slow.listener.get()
    assert isinstance(rest, Rest)
    slow_socket.writable.set()
    await rest
    for _ in (2, 3):
        frame = await slow.listener.get()
        assert isinstance(frame, Frame)
        message = slow.cursor.message_for(frame)
        assert message is not None
        await slow_socket.send(message)
    assert slow_socket.sequences() == [1, 2, 3]

    # Caught up again: the feed sends to it directly once more.
    await caught_up(slow, slow_socket)
    await vote(broker, setlist_id, songs[1], 4)
    await settle()
    assert slow_socket.sequences() == [1, 2, 3, 4]
    assert fast_socket.sequences() == [1, 2, 3, 4]
    fast.stream.close()
    slow.stream.close()


async def test_a_send_that_fails_is_handed_to_the_subscribers_task_to_raise(
    broker: InProcessBroker, setlist: tuple[int, list[int]], feeds: Feeds
) -> None:
    setlist_id, songs = setlist
    subscriber = await subscribe(broker, setlist_id, "gone", feeds)

    async def broken_send(text: str) -> None:
        raise ConnectionResetError("the client went away")

    assert subscriber.listener.go_direct(subscriber.cursor, broken_send)
    await vote(broker, setlist_id, songs[0], 1)
    await settle()

    item = await asyncio.wait_for(subscriber.listener.get(), 1)
    assert isinstance(item, Failed)
    assert isinstance(item.error, ConnectionResetError)
    subscriber.stream.close()


async def test_an_overflowing_queue_keeps_the_send_in_progress_then_asks_for_a_snapshot(
    broker: InProcessBroker, setlist: tuple[int, list[int]], feeds: Feeds
) -> None:
    setlist_id, _ = setlist
    subscriber = await subscribe(broker, setlist_id, "behind", feeds)
    listener = Listener(maxsize=3)
    socket = Socket(slow=True)
    assert listener.go_direct(subscriber.cursor, socket.send)

    for n in range(1, 8):
        event = CountsEvent(setlist_id, n, "vote", [])
        listener.deliver(Frame(event, subscriber.feed.render(event)))

    rest = await listener.get()
    assert isinstance(rest, Rest)  # the half-begun send is never dropped
    assert await listener.get() is OVERFLOW
    socket.writable.set()
    await rest
    assert socket.sequences() == [1]
    subscriber.stream.close()


async def test_a_feed_that_fails_hands_its_subscribers_back_even_when_caught_up(
    broker: InProcessBroker, setlist: tuple[int, list[int]], feeds: Feeds
) -> None:
    setlist_id, _ = setlist
    subscriber = await subscribe(broker, setlist_id, "x", feeds)
    await caught_up(subscriber, Socket())

    await broker.publish(channel_for(setlist_id), b"not a change")

    assert await asyncio.wait_for(subscriber.listener.get(), 1) is CLOSED
    subscriber.stream.close()


async def test_a_snapshot_frame_restarts_the_subscribers_count(
    broker: InProcessBroker, setlist: tuple[int, list[int]], feeds: Feeds
) -> None:
    setlist_id, songs = setlist
    subscriber = await subscribe(broker, setlist_id, "s", feeds)
    cursor = subscriber.cursor
    fresh = CountsEvent(setlist_id, 10, "snapshot", [SongVotes(setlist_song_id=songs[0], votes=5, version=5)])
    assert cursor.message_for(Snapshot(fresh, subscriber.feed.render(fresh))) is not None

    stale = CountsEvent(setlist_id, 9, "vote", [])
    assert cursor.message_for(Frame(stale, subscriber.feed.render(stale))) is None
    later = CountsEvent(setlist_id, 11, "vote", [SongVotes(setlist_song_id=songs[0], votes=6, version=6)])
    assert cursor.message_for(Frame(later, subscriber.feed.render(later))) is not None
    subscriber.stream.close()


async def test_a_snapshot_ahead_of_the_stream_drops_the_changes_it_already_holds(
    broker: InProcessBroker, setlist: tuple[int, list[int]]
) -> None:
    setlist_id, songs = setlist
    feeds = Feeds(snapshot_max_age=0.0)  # every snapshot reads the database
    first = await subscribe(broker, setlist_id, "first", feeds)
    assert first.snapshot.floor is None  # the stream starts from it: nothing to check
    # Committed, its publish still on the way when the second subscriber's read merges it in.
    await SetlistSong.filter(id=songs[0]).update(votes=5, version=5)
    second = await subscribe(broker, setlist_id, "second", feeds)
    assert second.snapshot.floor == {songs[0]: 5}
    sockets = [Socket(), Socket()]
    await caught_up(first, sockets[0])
    await caught_up(second, sockets[1])

    await vote(broker, setlist_id, songs[0], 5)  # the change on the way
    await vote(broker, setlist_id, songs[0], 6)
    await settle()

    def song_lists(socket: Socket) -> list[list[dict[str, Any]]]:
        return [message["payload"]["data"]["voteCounts"]["songs"] for message in socket.messages]

    entry = encode_id("SetlistSong", songs[0])
    assert song_lists(sockets[0]) == [[{"setlistSongId": entry, "votes": 5}], [{"setlistSongId": entry, "votes": 6}]]
    # The second snapshot held version 5 already: that change comes without the song.
    assert song_lists(sockets[1]) == [[], [{"setlistSongId": entry, "votes": 6}]]
    first.stream.close()
    second.stream.close()


async def test_each_change_fanned_out_records_its_lag_once(
    broker: InProcessBroker, setlist: tuple[int, list[int]], feeds: Feeds
) -> None:
    setlist_id, songs = setlist
    subscribers = [await subscribe(broker, setlist_id, name, feeds) for name in ("a", "b", "c")]
    for subscriber in subscribers:
        await caught_up(subscriber, Socket())
    before = REGISTRY.get_sample_value("theset_fanout_lag_seconds_count") or 0.0

    await vote(broker, setlist_id, songs[0], 1)
    await vote(broker, setlist_id, songs[0], 2)
    await settle()

    assert REGISTRY.get_sample_value("theset_fanout_lag_seconds_count") == before + 2  # per change, not per socket
    for subscriber in subscribers:
        subscriber.stream.close()


def counts(subscriber: Subscriber) -> dict[int, int]:
    return {song.setlist_song_id: song.votes for song in subscriber.snapshot.event.songs}


async def test_a_joiners_snapshot_is_the_feeds_state_with_the_changes_it_applied(
    broker: InProcessBroker,
    setlist: tuple[int, list[int]],
    count_queries: Callable[[], contextlib.AbstractContextManager[QueryCounter]],
) -> None:
    setlist_id, songs = setlist
    feeds = Feeds(snapshot_max_age=3600.0)  # the database read the feed started from stays fresh
    first = await subscribe(broker, setlist_id, "first", feeds)
    await vote(broker, setlist_id, songs[0], 4)  # published only: the database still says 0
    await settle()

    with count_queries() as queries:
        second = await subscribe(broker, setlist_id, "second", feeds)

    assert queries.statements == []  # within the max age: no database read for a joiner
    assert second.snapshot.sequence == 1
    assert counts(second) == {songs[0]: 4, songs[1]: 0, songs[2]: 0}
    assert [song.setlist_song_id for song in second.snapshot.event.songs] == songs  # setlist order
    # One payload, executed once, for everyone taking the same state.
    assert (await subscribe(broker, setlist_id, "third", feeds)).snapshot is second.snapshot
    first.stream.close()
    second.stream.close()


async def test_a_snapshot_older_than_its_max_age_takes_in_what_the_database_has(
    broker: InProcessBroker, setlist: tuple[int, list[int]]
) -> None:
    setlist_id, songs = setlist
    feeds = Feeds(snapshot_max_age=0.0)
    first = await subscribe(broker, setlist_id, "first", feeds)
    await vote(broker, setlist_id, songs[0], 4)
    await settle()
    # A change whose publish failed: in the database, never on the feed.
    await SetlistSong.filter(id=songs[1]).update(votes=9, version=9)

    second = await subscribe(broker, setlist_id, "second", feeds)

    # The database's newer version of song 1; the feed's newer version of song 0 (its row says 0).
    assert counts(second) == {songs[0]: 4, songs[1]: 9, songs[2]: 0}
    first.stream.close()
    second.stream.close()


async def test_a_gap_in_the_feeds_sequence_numbers_makes_the_next_snapshot_read_the_database(
    broker: InProcessBroker, setlist: tuple[int, list[int]], feeds: Feeds
) -> None:
    setlist_id, songs = setlist
    first = await subscribe(broker, setlist_id, "first", feeds)
    # Change 1 never reached the feed (its count is in the database); change 2 did.
    await SetlistSong.filter(id=songs[2]).update(votes=3, version=3)
    change = VoteCountsChanged(
        setlist_id=setlist_id, kind="vote", songs=[SongVotes(setlist_song_id=songs[0], votes=1, version=1)], sequence=2
    )
    # A hand-made message: publish_change would number it 1 (the wire format is tests/setlists/test_events.py's).
    await broker.publish(channel_for(setlist_id), change.model_dump_json().encode())
    await settle()

    second = await subscribe(broker, setlist_id, "second", feeds)

    assert second.snapshot.sequence == 2
    assert counts(second) == {songs[0]: 1, songs[1]: 0, songs[2]: 3}
    first.stream.close()
    second.stream.close()
