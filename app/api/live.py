"""The voteCounts subscription: live counts of one setlist over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum

import strawberry

from app.api.context import Info
from app.api.cost import list_size
from app.api.ids import decode_id, encode_id
from app.api.ws.fanout import SharedStream
from app.errors import NotFound, UpstreamUnavailable
from app.platform.broker import BrokerUnavailable
from app.setlists import live
from app.setlists.models import Setlist
from app.setlists.service import MAX_SETLIST_SONGS


@strawberry.enum
class VoteCountsEventKind(Enum):
    SNAPSHOT = "snapshot"
    VOTE = "vote"
    UNVOTE = "unvote"
    SUGGESTION = "suggestion"


@strawberry.type
class SongVoteCount:
    setlist_song_id: strawberry.ID
    votes: int


@strawberry.type(description="A snapshot of every song's count, or the songs a change touched.")
class VoteCountsEvent:
    setlist_id: strawberry.ID
    sequence: int = strawberry.field(
        description="Per setlist, +1 per change; a snapshot carries the number it reflects. A gap: resubscribe."
    )
    kind: VoteCountsEventKind
    songs: list[SongVoteCount] = strawberry.field(directives=[list_size(assumed_size=MAX_SETLIST_SONGS)])

    @classmethod
    def from_event(cls, event: live.CountsEvent) -> VoteCountsEvent:
        return cls(
            setlist_id=encode_id("Setlist", event.setlist_id),
            sequence=event.sequence,
            kind=VoteCountsEventKind(event.kind),
            songs=[
                SongVoteCount(setlist_song_id=encode_id("SetlistSong", song.setlist_song_id), votes=song.votes)
                for song in event.songs
            ],
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Live vote counts of a setlist: a snapshot first, then the changes.")
    async def vote_counts(self, info: Info, setlist_id: strawberry.ID) -> AsyncGenerator[VoteCountsEvent, None]:
        pk = decode_id(setlist_id, "Setlist")
        broker = info.context.resources.broker
        root: object = self
        if not await Setlist.exists(id=pk):
            raise NotFound("No such setlist")
        try:
            if isinstance(root, SharedStream):
                # Over websockets: the handler sends the snapshot and the changes, from the shared feed.
                # While that feed runs, identical subscribes on this process join it without coming
                # here (app.api.ws.fanout): nothing above may depend on who subscribes.
                await root.join(broker, pk, VoteCountsEvent.from_event)
                return
            async for event in live.vote_counts(broker, pk):
                yield VoteCountsEvent.from_event(event)
        except BrokerUnavailable:
            raise UpstreamUnavailable("Live updates are unavailable right now; try again shortly") from None
