"""Live vote counts of one setlist: the one state machine behind every `voteCounts` subscriber.

Ordering (no change lost between the snapshot and the stream):
1. register with the broker (the subscription is confirmed before we go on);
2. read the setlist's sequence number S, then its counts from the database: every change numbered
   up to S was committed before it was numbered, so the snapshot holds it;
3. stream changes numbered above S; a number at or below the last one applied is dropped. Changes
   of one song can be published out of commit order by two processes, so each song carries a
   version (bumped with every count change, under the row lock): an older version than one
   already sent is dropped.
A lost backlog (OVERFLOW: the consumer was too slow) or a lost connection (RESYNC: Redis came
back) gives a fresh snapshot instead; a client seeing a gap in sequence numbers resubscribes.

`CountsStream` applies these rules to one broker subscription. A subscriber served alone consumes
one by itself; a shared feed (app.api.ws.feeds) consumes one for every subscriber of a document.
For the feed it also keeps the state a newcomer's snapshot is made of (`joiner_snapshot`: the
database read it started from with every change applied since, read again after a gap in the
numbers or when older than `snapshot_max_age`), and `Position` applies the sequence and version
rules for one newcomer from that snapshot on.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.platform.broker import OVERFLOW, RESYNC, Broker
from app.setlists.events import PlayedScore, SongVotes, VoteCountsChanged, channel_for
from app.setlists.models import SetlistSong

EventKind = Literal["snapshot", "vote", "unvote", "suggestion", "played"]
# How long a stream's own state serves as newcomers' snapshots before the database is read again.
SNAPSHOT_MAX_AGE = 1.0


@dataclass(frozen=True)
class CountsEvent:
    setlist_id: int
    sequence: int
    kind: EventKind
    songs: list[SongVotes]
    # A change's time.time() at publishing (the fan-out lag is measured from it); None for snapshots.
    published_at: float | None = None
    score: PlayedScore | None = None  # kind "played": the community's score


@dataclass(frozen=True)
class JoinerSnapshot:
    """A newcomer's snapshot: every song's count, and which of them are ahead of the stream.

    `floor`: the songs whose version here is newer than the stream has sent (a database read merged
    them in while their changes were still on the way), so that the newcomer drops those changes
    when they come; None when every later change is newer (the usual case: nothing to check).
    """

    event: CountsEvent
    floor: Mapping[int, int] | None


@dataclass
class Versions:
    """The newest version of each song a stream has sent."""

    latest: dict[int, int] = field(default_factory=dict)

    def newer(self, songs: list[SongVotes]) -> list[SongVotes]:
        fresh = [song for song in songs if song.version > self.latest.get(song.setlist_song_id, -1)]
        self.latest.update({song.setlist_song_id: song.version for song in fresh})
        return fresh


async def read_snapshot(broker: Broker, setlist_id: int) -> CountsEvent:
    """Every song's count from the database, with the sequence number it reflects (read before the counts)."""
    sequence = await broker.sequence(channel_for(setlist_id))
    rows = await SetlistSong.filter(setlist_id=setlist_id).order_by("position").values("id", "votes", "version")
    songs = [SongVotes(setlist_song_id=row["id"], votes=row["votes"], version=row["version"]) for row in rows]
    return CountsEvent(setlist_id=setlist_id, sequence=sequence, kind="snapshot", songs=songs)


class CountsStream:
    """One setlist's counts over one broker subscription: a snapshot, then the changes (see the module doc)."""

    def __init__(self, broker: Broker, setlist_id: int, *, snapshot_max_age: float = SNAPSHOT_MAX_AGE) -> None:
        self.broker = broker
        self.setlist_id = setlist_id
        self.snapshot_max_age = snapshot_max_age
        # Every song's newest count known, in setlist order, and the number of the last change applied.
        self._state: dict[int, SongVotes] = {}
        self._seen = 0
        self._versions = Versions()  # what the stream has sent
        self._confirmed_at = -math.inf  # when the database read last merged into the state began
        self._gaps = 0  # changes found missing: a read begun before one confirms nothing
        self._reading: asyncio.Task[None] | None = None
        self._joiner: JoinerSnapshot | None = None  # the state as a snapshot, until it changes

    async def events(self) -> AsyncGenerator[CountsEvent, None]:
        """Subscribe; then the snapshot the stream starts from and every later change, a fresh snapshot after a loss."""
        async with self.broker.subscribe(channel_for(self.setlist_id)) as subscription:
            yield await self._restart()
            while True:
                message = await subscription.get()
                if message is OVERFLOW or message is RESYNC:
                    yield await self._restart()
                    continue
                assert isinstance(message, bytes)
                event = self.apply(VoteCountsChanged.decode(message))
                if event is not None:
                    yield event

    def apply(self, change: VoteCountsChanged) -> CountsEvent | None:
        """The event a published change makes; None when the stream already holds it."""
        sequence = change.sequence
        if sequence is None or sequence <= self._seen:
            return None
        if sequence > self._seen + 1:  # a change never reached this stream
            self._gaps += 1
            self._confirmed_at = -math.inf  # the next newcomer's snapshot reads the database
        self._seen = sequence
        for song in change.songs:
            known = self._state.get(song.setlist_song_id)
            if known is None or known.version < song.version:
                self._state[song.setlist_song_id] = song
        self._joiner = None
        return CountsEvent(
            self.setlist_id,
            sequence,
            change.kind,
            self._versions.newer(change.songs),
            change.published_at,
            change.score,
        )

    async def joiner_snapshot(self) -> JoinerSnapshot:
        """A snapshot for a newcomer already registered with the stream's consumer: later events reach it.

        The stream's own state when the database confirmed it less than `snapshot_max_age` ago;
        otherwise the state once a database read has been merged into it (one read in flight,
        shared by every newcomer waiting). A page going live then costs one read per max age, not
        one per subscriber, and the read bounds how long a change that never reached the stream (a
        publish that failed while the subscription stayed up) can be missing from new snapshots.
        The same object is returned until the state changes.
        """
        if time.monotonic() - self._confirmed_at >= self.snapshot_max_age:
            if self._reading is None or self._reading.done():
                self._reading = asyncio.create_task(self._confirm())
            await asyncio.shield(self._reading)
        if self._joiner is None:
            event = CountsEvent(self.setlist_id, self._seen, "snapshot", list(self._state.values()))
            sent = self._versions.latest
            ahead = {
                song.setlist_song_id: song.version
                for song in event.songs
                if song.version > sent.get(song.setlist_song_id, -1)
            }
            self._joiner = JoinerSnapshot(event, ahead or None)
        return self._joiner

    async def _restart(self) -> CountsEvent:
        """A database snapshot, from which the state and the version filter start again."""
        began = time.monotonic()
        current = await read_snapshot(self.broker, self.setlist_id)
        self._state, self._seen = {}, current.sequence
        self._merge(current.songs)
        self._confirmed_at = began
        self._versions = Versions()
        self._versions.newer(current.songs)
        return current

    async def _confirm(self) -> None:
        began, gaps = time.monotonic(), self._gaps
        read = await read_snapshot(self.broker, self.setlist_id)
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
        self._joiner = None


class Position:
    """Where one subscriber of a shared stream stands: the last number it was sent, and its snapshot's floor."""

    __slots__ = ("floor", "seen")

    def __init__(self) -> None:
        self.seen = 0
        self.floor: Mapping[int, int] | None = None

    def restart(self, sequence: int, floor: Mapping[int, int] | None) -> None:
        """The subscriber was sent a snapshot: changes are counted from it."""
        self.seen = sequence
        self.floor = floor  # read only: shared by everyone sent the snapshot

    def admit(self, sequence: int, songs: list[SongVotes]) -> list[SongVotes] | None:
        """The songs of change `sequence` this subscriber is to be sent.

        None when its snapshot already holds the change; `songs` itself unless its snapshot's
        floor holds some of them (then a new list without those).
        """
        if sequence <= self.seen:
            return None
        self.seen = sequence
        floor = self.floor
        if floor is not None and any(floor.get(song.setlist_song_id, -1) >= song.version for song in songs):
            return [song for song in songs if floor.get(song.setlist_song_id, -1) < song.version]
        return songs
