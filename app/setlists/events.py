"""The pub/sub contract of live setlists: channel names and the one message published on them.

Publishers (the vote, unvote and suggestion mutations, and the played-setlist import with kind "played"
and the community's score) call `publish_change` after their transaction has committed; the
`voteCounts` subscription decodes `VoteCountsChanged` from `channel_for(id)`, numbered per setlist
by the broker (`sequence`) and stamped with the wall-clock time of publishing (`published_at`), from
which the fan-out measures its lag (`theset_fanout_lag_seconds`).
Ids are the database's integer keys: the subscription turns them into public ids.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.platform.broker import Broker
from app.platform.redis_calls import Rider

ChangeKind = Literal["vote", "unvote", "suggestion", "played"]


def channel_for(setlist_id: int) -> str:
    """The broker channel of one setlist's changes."""
    return f"setlist:{setlist_id}"


class SongVotes(BaseModel):
    """One setlist song's count after the change, and its version (setlist_songs.version)."""

    model_config = ConfigDict(frozen=True)

    setlist_song_id: int
    votes: int
    # Bumped with every count change under the row lock: of two changes of one song, the higher
    # version is the later, whatever order they arrive in.
    version: int


class PlayedScore(BaseModel):
    """The community's score against what was played (app.played.scores.CommunityScore), as published."""

    model_config = ConfigDict(frozen=True)

    predicted: int
    played: int
    hits: int
    precision: float
    recall: float
    f1: float
    rank_correlation: float | None


class VoteCountsChanged(BaseModel):
    """Songs of one setlist whose counts changed (or that appeared: kind "suggestion", votes 0)."""

    model_config = ConfigDict(frozen=True)

    setlist_id: int
    kind: ChangeKind
    songs: list[SongVotes]
    # Kind "played" only: the played setlist was imported or re-imported (songs: none); None when nothing scores.
    score: PlayedScore | None = None
    # The setlist's sequence number, stamped by the broker as it publishes (publish_change); None before.
    sequence: int | None = None
    # time.time() when publish_change sent it; None before, and in messages of older publishers.
    published_at: float | None = None

    @classmethod
    def decode(cls, message: bytes) -> VoteCountsChanged:
        """The change a message carries; pydantic.ValidationError when it is not one."""
        return cls.model_validate_json(message)


async def publish_change(broker: Broker, change: VoteCountsChanged, along: Sequence[Rider] = ()) -> int:
    """Publish a committed change on its setlist's channel, numbered; the sequence number it got.

    The broker numbers and publishes in one atomic step (the setlist's next sequence number goes
    between `head` and `tail`), so subscribers receive the numbers in order. `along`: Redis calls
    that travel in the same round trip (a vote's rate-limit charge).
    """
    # The stamp is written beside the dump, not through a copy of the model: a copy costs a vote more.
    body = change.model_dump_json(exclude={"sequence", "published_at"}).encode()  # b'{"setlist_id":…}'
    head = body[:-1] + b',"published_at":' + repr(time.time()).encode() + b',"sequence":'
    return await broker.publish_numbered(channel_for(change.setlist_id), head, b"}", along)
