"""The voteCounts subscription: live counts of one setlist, over websockets (shared feeds) or multipart HTTP."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated

import strawberry

from app.api.context import Info
from app.api.cost import list_size
from app.api.ids import decode_id, encode_id
from app.api.played import CommunityScore
from app.api.ws.handler import Shareable, handover
from app.errors import NotFound, TemporarilyUnavailable
from app.platform.broker import BrokerUnavailable
from app.setlists.models import Setlist
from app.setlists.service import MAX_SETLIST_SONGS
from app.setlists.vote_counts import CountsEvent


@strawberry.enum(description="What a `voteCounts` event reports.")
class VoteCountsEventKind(Enum):
    SNAPSHOT = strawberry.enum_value(
        "snapshot", description="Every song's count: sent first, and again after an overload or a gap on the server."
    )
    VOTE = strawberry.enum_value("vote", description="A fan voted: the song's new count.")
    UNVOTE = strawberry.enum_value("unvote", description="A fan took a vote back: the song's new count.")
    SUGGESTION = strawberry.enum_value("suggestion", description="A fan added a song: it joins with its count.")
    PLAYED = strawberry.enum_value(
        "played", description="What was played was imported (or re-imported): `score` carries the community's score."
    )


@strawberry.type(description="One song's vote count on a setlist.")
class SongVoteCount:
    setlist_song_id: strawberry.ID = strawberry.field(description="The setlist entry counted (`SetlistSong.id`).")
    votes: int = strawberry.field(description="Its number of votes.")


@strawberry.type(description="A snapshot of every song's count, or the songs a change touched.")
class VoteCountsEvent:
    setlist_id: strawberry.ID = strawberry.field(description="The setlist (`Setlist.id`) the counts belong to.")
    sequence: int = strawberry.field(
        description="Per setlist, +1 per change; a snapshot carries the number it reflects. A gap: resubscribe."
    )
    kind: VoteCountsEventKind = strawberry.field(description="A snapshot, or the change that made this event.")
    songs: list[SongVoteCount] = strawberry.field(
        directives=[list_size(assumed_size=MAX_SETLIST_SONGS)],
        description="For a snapshot every song of the setlist; otherwise the songs the change touched.",
    )
    score: CommunityScore | None = strawberry.field(
        description="PLAYED events: the community's score against what was played (imported or re-imported)."
    )

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
            score=CommunityScore.from_score(event.score) if event.score is not None else None,
        )


@strawberry.type(description="Live updates over websockets (graphql-transport-ws).")
class Subscription:
    # Shareable: the outcome depends only on the setlist id, so identical subscribes share one feed
    # (app.api.ws.handler); a check on who subscribes would be skipped for all but the first.
    @strawberry.subscription(
        description="Live vote counts of a setlist: a snapshot first, then the changes.", extensions=[Shareable()]
    )
    async def vote_counts(
        self,
        info: Info,
        setlist_id: Annotated[
            strawberry.ID, strawberry.argument(description="The setlist's global id; NOT_FOUND when it names none.")
        ],
    ) -> AsyncGenerator[VoteCountsEvent, None]:
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
            raise TemporarilyUnavailable("Live updates are unavailable right now; try again shortly") from None
