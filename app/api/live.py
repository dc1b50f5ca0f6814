"""The voteCounts subscription: live counts of one setlist, over websockets (shared feeds) or multipart HTTP."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum

import strawberry

from app.api.context import Info
from app.api.ids import decode_id, encode_id
from app.api.ws.handler import Shareable, handover
from app.errors import NotFound, UpstreamUnavailable
from app.platform.broker import BrokerUnavailable
from app.setlists.models import Setlist
from app.setlists.vote_counts import CountsEvent


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
    songs: list[SongVoteCount]

    @classmethod
    def from_event(cls, event: CountsEvent) -> VoteCountsEvent:
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
    # Shareable: the outcome depends only on the setlist id, so identical subscribes share one feed
    # (app.api.ws.handler); a check on who subscribes would be skipped for all but the first.
    @strawberry.subscription(
        description="Live vote counts of a setlist: a snapshot first, then the changes.", extensions=[Shareable()]
    )
    async def vote_counts(self, info: Info, setlist_id: strawberry.ID) -> AsyncGenerator[VoteCountsEvent, None]:
        pk = decode_id(setlist_id, "Setlist")
        resources = info.context.resources
        if not await Setlist.exists(id=pk):
            raise NotFound("No such setlist")
        try:
            shared = handover(info)
            if shared is not None:
                # Over websockets: the handler sends the snapshot and the changes from the shared feed.
                await shared.join(pk, VoteCountsEvent.from_event)
                return
            async for event in resources.feeds.follow(resources.broker, pk):
                yield VoteCountsEvent.from_event(event)
        except BrokerUnavailable:
            raise UpstreamUnavailable("Live updates are unavailable right now; try again shortly") from None
