"""GraphQL types and mutations of setlists: songs with their votes, suggestions, votes."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from app.api.catalog import Show, Song
from app.api.context import Info
from app.api.cost import list_size
from app.api.enums import SeedSource
from app.api.ids import Node, decode_id, encode_id
from app.api.loaders import Later, Loaders
from app.api.played import CommunityScore, FanScore
from app.platform.rawsql import Row
from app.setlists import models
from app.setlists import service as setlists


@strawberry.type(description="A song on a setlist, with its fans' votes.")
class SetlistSong(Node):
    votes: int = strawberry.field(description="How many fans voted for the song on this setlist.")
    suggested: bool = strawberry.field(description="Added by a fan rather than from the headliner's top songs.")
    position: int = strawberry.field(description="Order of addition: the opening songs 1..10, then suggestions.")
    # Plain attributes, not resolvers: a page's songs come with their setlist in one statement, so 25
    # songs cost no resolver call each; a mutation's answer or a node loads them when asked (`Later`).
    song: Song = strawberry.field(description="The song (its title, album, Spotify id, ...).")
    viewer_has_voted: bool = strawberry.field(
        description="Whether the signed-in viewer voted for this song; false when anonymous."
    )
    _pk: strawberry.Private[int]

    @classmethod
    def from_model(
        cls, row: models.SetlistSong | setlists.CountedSong, loaders: Loaders, *, viewer: int | None, voted: bool | None
    ) -> SetlistSong:
        """A mutation's answer or a node for `viewer` (`voted`: known, or None to load when asked)."""
        return cls(
            id=encode_id("SetlistSong", row.id),
            votes=row.votes,
            suggested=row.suggested,
            position=row.position,
            song=_later_song(loaders, row.song_id),
            viewer_has_voted=voted if voted is not None else _later_voted(loaders, viewer, row.id),
            _pk=row.id,
        )

    @classmethod
    def from_row(cls, row: Row, *, viewer: int | None) -> SetlistSong:
        """From a row of setlists.song_rows_by_setlist_ids (for `viewer`: with its `voted` column)."""
        return cls(
            id=encode_id("SetlistSong", row["id"]),
            votes=row["votes"],
            suggested=bool(row["suggested"]),
            position=row["position"],
            song=Song.from_row(row, "song_"),
            viewer_has_voted=bool(row["voted"]) if viewer is not None else False,
            _pk=row["id"],
        )


def _later_song(loaders: Loaders, pk: int) -> Song:
    async def load() -> Song:
        row = await loaders.song.load(pk)
        assert row is not None, "setlist_songs.song_id is a non-null foreign key"
        return Song.from_row(row)

    return cast(Song, Later(load))


def _later_voted(loaders: Loaders, viewer: int | None, pk: int) -> bool:
    if viewer is None:
        return False
    return cast(bool, Later(lambda: loaders.viewer_votes.load((viewer, pk))))


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
        return cls.from_ref(setlists.SetlistRef(row.id, row.show_id, row.seeded_from.value))

    @classmethod
    def from_ref(cls, ref: setlists.SetlistRef) -> Setlist:
        return cls(
            id=encode_id("Setlist", ref.id), seeded_from=SeedSource(ref.seeded_from), _pk=ref.id, _show_id=ref.show_id
        )

    @strawberry.field(description="The show this setlist is for.")
    async def show(self, info: Info) -> Show:
        loaders = info.context.loaders
        row = await loaders.show.load(self._show_id)
        assert row is not None, "setlists.show_id is a non-null foreign key"
        return Show.from_row(row, loaders, joined=True)

    @strawberry.field(
        description="How many more songs the signed-in viewer may vote for (VOTES_PER_SHOW per show; unvoting gives "
        "one back); null when anonymous. A vote past it is refused: FORBIDDEN with reason VOTE_BUDGET_SPENT."
    )
    async def viewer_votes_left(self, info: Info) -> int | None:
        recorder = info.context.recorder
        if recorder is not None:  # a shared read: each viewer's own number is filled in from the cache
            recorder.votes_left(info._raw_info, self._pk)
            return None
        viewer = await info.context.viewer_id()
        if viewer is None:
            return None
        cast = len(await info.context.loaders.voted_songs.load((viewer, self._pk)))
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
        recorder = info.context.recorder
        if recorder is None:
            viewer = await info.context.viewer_id()
        else:  # a shared read: as if anonymous, the sequence number read before the songs
            viewer = None
            await recorder.setlist(self._pk)
        rows = await info.context.loaders.setlist_songs(viewer).load(self._pk)
        if recorder is not None:
            recorder.songs(info._raw_info, [row["id"] for row in rows])
        return [SetlistSong.from_row(row, viewer=viewer) for row in rows]


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
        return SetlistSong.from_model(row, info.context.loaders, viewer=user.id, voted=True)

    @strawberry.mutation(
        description="Take your vote for a song back (BAD_USER_INPUT when there is none); closes with voting."
    )
    async def unvote(self, info: Info, setlist_song_id: _SetlistSongId) -> SetlistSong:
        user = await info.context.require_user()
        pk = decode_id(setlist_song_id, "SetlistSong")
        row = await setlists.unvote(info.context.resources, user_id=user.id, setlist_song_id=pk)
        return SetlistSong.from_model(row, info.context.loaders, viewer=user.id, voted=False)

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
        return SetlistSong.from_model(row, info.context.loaders, viewer=user.id, voted=None)
