"""Live vote counts: a snapshot, then the changes, for one setlist.

Ordering (no change lost between the snapshot and the stream):
1. register with the broker (the subscription is confirmed before we go on);
2. read the setlist's sequence number S, then its counts from the database: every change numbered
   up to S was committed before it was numbered, so the snapshot holds it;
3. stream changes numbered above S. Changes of one song can be published out of commit order by
   two processes, so each song carries a version (bumped with every count change, under the row
   lock): an older version than one already sent is dropped.
A lost backlog (OVERFLOW: the subscriber was too slow) or a lost connection (RESYNC: Redis came
back) gives a fresh snapshot instead; a client seeing a gap in sequence numbers resubscribes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

from app.platform.broker import OVERFLOW, RESYNC, Broker
from app.platform.observability import ACTIVE_SUBSCRIBERS
from app.setlists.events import PlayedScore, SongVotes, VoteCountsChanged, channel_for
from app.setlists.models import SetlistSong

EventKind = Literal["snapshot", "vote", "unvote", "suggestion", "played"]


@dataclass(frozen=True)
class CountsEvent:
    setlist_id: int
    sequence: int
    kind: EventKind
    songs: list[SongVotes]
    score: PlayedScore | None = None  # kind "played": the community's score


@dataclass
class Versions:
    """The newest version of each song this subscriber has been sent."""

    latest: dict[int, int] = field(default_factory=dict)

    def newer(self, songs: list[SongVotes]) -> list[SongVotes]:
        fresh = [song for song in songs if song.version > self.latest.get(song.setlist_song_id, -1)]
        self.latest.update({song.setlist_song_id: song.version for song in fresh})
        return fresh


async def snapshot(broker: Broker, setlist_id: int) -> CountsEvent:
    """Every song's count, with the sequence number it reflects (read before the counts)."""
    sequence = await broker.sequence(channel_for(setlist_id))
    rows = await SetlistSong.filter(setlist_id=setlist_id).order_by("position").values("id", "votes", "version")
    songs = [SongVotes(setlist_song_id=row["id"], votes=row["votes"], version=row["version"]) for row in rows]
    return CountsEvent(setlist_id=setlist_id, sequence=sequence, kind="snapshot", songs=songs)


async def vote_counts(broker: Broker, setlist_id: int) -> AsyncIterator[CountsEvent]:
    """The snapshot, then every later change, until the consumer stops iterating."""
    async with broker.subscribe(channel_for(setlist_id)) as subscription:
        ACTIVE_SUBSCRIBERS.inc()
        try:
            current = await snapshot(broker, setlist_id)
            versions = Versions()
            versions.newer(current.songs)
            seen = current.sequence
            yield current
            while True:
                message = await subscription.get()
                if message is OVERFLOW or message is RESYNC:
                    current = await snapshot(broker, setlist_id)
                    versions = Versions()
                    versions.newer(current.songs)
                    seen = current.sequence
                    yield current
                    continue
                assert isinstance(message, bytes)
                change = VoteCountsChanged.decode(message)
                if change.sequence is None or change.sequence <= seen:
                    continue  # already in the snapshot
                seen = change.sequence
                yield CountsEvent(setlist_id, change.sequence, change.kind, versions.newer(change.songs), change.score)
        finally:
            ACTIVE_SUBSCRIBERS.dec()
