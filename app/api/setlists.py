"""GraphQL types and mutations of setlists: songs with their votes, suggestions, votes."""

from __future__ import annotations

from typing import cast

import strawberry

from app.api.catalog import Show, Song
from app.api.context import Info
from app.api.ids import decode_id, encode_id
from app.api.loaders import Later, Loaders
from app.platform.rawsql import Row
from app.setlists import models
from app.setlists import service as setlists


@strawberry.type
class SetlistSong:
    id: strawberry.ID
    votes: int
    suggested: bool = strawberry.field(description="Added by a fan rather than from the headliner's top songs.")
    position: int = strawberry.field(description="Order of addition: the opening songs 1..10, then suggestions.")
    # Plain attributes, not resolvers: a page's songs come with their setlist in one statement, so
    # 25 songs cost no resolver call each; a mutation's answer loads them when asked (`Later`).
    song: Song
    viewer_has_voted: bool = strawberry.field(
        description="Whether the signed-in viewer voted for this song; false when anonymous."
    )
    _pk: strawberry.Private[int]

    @classmethod
    def from_model(
        cls, row: models.SetlistSong | setlists.CountedSong, loaders: Loaders, *, user_id: int, voted: bool | None
    ) -> SetlistSong:
        """A mutation's answer for `user_id` (`voted`: known, or None to load when asked)."""
        return cls(
            id=encode_id("SetlistSong", row.id),
            votes=row.votes,
            suggested=row.suggested,
            position=row.position,
            song=_later_song(loaders, row.song_id),
            viewer_has_voted=voted if voted is not None else _later_voted(loaders, user_id, row.id),
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


def _later_voted(loaders: Loaders, user_id: int, pk: int) -> bool:
    return cast(bool, Later(lambda: loaders.viewer_votes.load((user_id, pk))))


@strawberry.type
class Setlist:
    id: strawberry.ID
    _pk: strawberry.Private[int]
    _show_id: strawberry.Private[int]

    @strawberry.field
    async def show(self, info: Info) -> Show:
        loaders = info.context.loaders
        row = await loaders.show.load(self._show_id)
        assert row is not None, "setlists.show_id is a non-null foreign key"
        return Show.from_row(row, loaders, joined=True)

    @strawberry.field(description="Most votes first, then in setlist order.")
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


@strawberry.type
class SetlistsMutation:
    @strawberry.mutation(description="Vote for a song (once per fan); closes when the show starts or is cancelled.")
    async def vote(self, info: Info, setlist_song_id: strawberry.ID) -> SetlistSong:
        user = await info.context.require_user()
        pk = decode_id(setlist_song_id, "SetlistSong")
        row = await setlists.vote(info.context.resources, user_id=user.id, setlist_song_id=pk)
        return SetlistSong.from_model(row, info.context.loaders, user_id=user.id, voted=True)

    @strawberry.mutation(description="Take a vote back.")
    async def unvote(self, info: Info, setlist_song_id: strawberry.ID) -> SetlistSong:
        user = await info.context.require_user()
        pk = decode_id(setlist_song_id, "SetlistSong")
        row = await setlists.unvote(info.context.resources, user_id=user.id, setlist_song_id=pk)
        return SetlistSong.from_model(row, info.context.loaders, user_id=user.id, voted=False)

    @strawberry.mutation(
        description=f"Add a Spotify track by an act on the bill (at most {setlists.SUGGESTIONS_PER_USER} per fan)."
    )
    async def suggest_song(self, info: Info, setlist_id: strawberry.ID, spotify_track_id: str) -> SetlistSong:
        user = await info.context.require_user()
        row = await setlists.suggest_song(
            info.context.resources,
            user_id=user.id,
            setlist_id=decode_id(setlist_id, "Setlist"),
            spotify_track_id=spotify_track_id,
        )
        return SetlistSong.from_model(row, info.context.loaders, user_id=user.id, voted=None)
