"""GraphQL types and mutations of setlists: songs with their votes, suggestions, votes."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.api.catalog import Show, Song
from app.api.context import Info
from app.api.cost import list_size
from app.api.enums import SeedSource, of
from app.api.ids import Node, decode_id, encode_id
from app.api.played import CommunityScore, FanScore
from app.setlists import models
from app.setlists import service as setlists


@strawberry.type(description="A song on a setlist, with its fans' votes.")
class SetlistSong(Node):
    votes: int = strawberry.field(description="How many fans voted for the song on this setlist.")
    suggested: bool = strawberry.field(description="Added by a fan rather than from the headliner's top songs.")
    position: int = strawberry.field(description="Order of addition: the opening songs 1..10, then suggestions.")
    _pk: strawberry.Private[int]
    _song_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.SetlistSong) -> SetlistSong:
        return cls(
            id=encode_id("SetlistSong", row.id),
            votes=row.votes,
            suggested=row.suggested,
            position=row.position,
            _pk=row.id,
            _song_id=row.song_id,
        )

    @strawberry.field(description="The song (its title, album, Spotify id, ...).")
    async def song(self, info: Info) -> Song:
        row = await info.context.loaders.song.load(self._song_id)
        assert row is not None, "setlist_songs.song_id is a non-null foreign key"
        return Song.from_model(row)

    @strawberry.field(description="Whether the signed-in viewer voted for this song; false when anonymous.")
    async def viewer_has_voted(self, info: Info) -> bool:
        viewer = await info.context.viewer_id()
        return viewer is not None and await info.context.loaders.viewer_votes.load((viewer, self._pk))


@strawberry.type(
    description="The songs fans vote on for one show: the headliner's best-ranked songs, then suggestions."
)
class Setlist(Node):
    seeded_from: SeedSource = strawberry.field(
        description="Where the opening songs came from: the tour's most played songs, Spotify's top tracks, or nothing."
    )
    _pk: strawberry.Private[int]
    _show_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Setlist) -> Setlist:
        return cls(
            id=encode_id("Setlist", row.id),
            seeded_from=of(SeedSource, row.seeded_from),
            _pk=row.id,
            _show_id=row.show_id,
        )

    @strawberry.field(description="The show this setlist is for.")
    async def show(self, info: Info) -> Show:
        row = await info.context.loaders.show.load(self._show_id)
        assert row is not None, "setlists.show_id is a non-null foreign key"
        return Show.from_model(row)

    @strawberry.field(
        description="How many more songs the signed-in viewer may vote for (VOTES_PER_SHOW per show; unvoting gives "
        "one back); null when anonymous. A vote past it is refused: FORBIDDEN with reason VOTE_BUDGET_SPENT."
    )
    async def viewer_votes_left(self, info: Info) -> int | None:
        viewer = await info.context.viewer_id()
        if viewer is None:
            return None
        cast = await info.context.loaders.votes_cast.load((viewer, self._pk))
        return max(0, info.context.settings.votes_per_show - cast)

    @strawberry.field(
        description="The community's score against what was played; null until it is imported.",
    )
    async def score(self, info: Info) -> CommunityScore | None:
        inputs = await info.context.loaders.score_inputs.load(self._pk)
        score = inputs.community() if inputs is not None else None
        return CommunityScore.from_score(score) if score is not None else None

    @strawberry.field(description="The signed-in viewer's score; null when anonymous or until the show is imported.")
    async def viewer_score(self, info: Info) -> FanScore | None:
        viewer = await info.context.viewer_id()
        if viewer is None:
            return None
        inputs = await info.context.loaders.score_inputs.load(self._pk)
        if inputs is None or not inputs.played:
            return None
        score = inputs.fan(await info.context.loaders.voted_songs.load((viewer, self._pk)))
        return FanScore(hits=score.hits, votes_cast=score.votes_cast, points=score.points)

    @strawberry.field(
        description="The setlist's songs, most votes first, then in `position` order.",
        directives=[list_size(assumed_size=setlists.MAX_SETLIST_SONGS)],
    )
    async def songs(self, info: Info) -> list[SetlistSong]:
        return [SetlistSong.from_model(row) for row in await info.context.loaders.setlist_songs.load(self._pk)]


_SetlistSongId = Annotated[
    strawberry.ID, strawberry.argument(description="The global id of the setlist entry (`SetlistSong.id`).")
]


@strawberry.type
class SetlistsMutation:
    @strawberry.mutation(
        description="Vote for a song, signed in (once per fan and song: a second vote is BAD_USER_INPUT); FORBIDDEN"
        " once the show has started or is cancelled. Answers the song with its new count."
    )
    async def vote(self, info: Info, setlist_song_id: _SetlistSongId) -> SetlistSong:
        user = await info.context.require_user()
        pk = decode_id(setlist_song_id, "SetlistSong")
        row = await setlists.vote(info.context.resources, user_id=user.id, setlist_song_id=pk)
        info.context.loaders.viewer_votes.prime((user.id, row.id), True)
        return SetlistSong.from_model(row)

    @strawberry.mutation(
        description="Take your vote for a song back (BAD_USER_INPUT when there is none); closes with voting."
    )
    async def unvote(self, info: Info, setlist_song_id: _SetlistSongId) -> SetlistSong:
        user = await info.context.require_user()
        pk = decode_id(setlist_song_id, "SetlistSong")
        row = await setlists.unvote(info.context.resources, user_id=user.id, setlist_song_id=pk)
        info.context.loaders.viewer_votes.prime((user.id, row.id), False)
        return SetlistSong.from_model(row)

    @strawberry.mutation(
        description="Add a Spotify track by an act on the bill, signed in (at most"
        f" {setlists.SUGGESTIONS_PER_USER} per fan and setlist); a song already on the setlist answers its entry."
    )
    async def suggest_song(
        self,
        info: Info,
        setlist_id: Annotated[strawberry.ID, strawberry.argument(description="The setlist's global id.")],
        spotify_track_id: Annotated[
            str,
            strawberry.argument(
                description="The Spotify id of a track by an act on the bill (e.g. from `searchTracks`)."
            ),
        ],
    ) -> SetlistSong:
        user = await info.context.require_user()
        row = await setlists.suggest_song(
            info.context.resources,
            user_id=user.id,
            setlist_id=decode_id(setlist_id, "Setlist"),
            spotify_track_id=spotify_track_id,
        )
        return SetlistSong.from_model(row)
