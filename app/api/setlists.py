"""GraphQL types and mutations of setlists: songs with their votes, suggestions, votes."""

from __future__ import annotations

import strawberry

from app.api.catalog import Show, Song
from app.api.context import Info
from app.api.cost import list_size
from app.api.ids import decode_id, encode_id
from app.setlists import models
from app.setlists import service as setlists


@strawberry.type
class SetlistSong:
    id: strawberry.ID
    votes: int
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

    @strawberry.field
    async def song(self, info: Info) -> Song:
        row = await info.context.loaders.song.load(self._song_id)
        assert row is not None, "setlist_songs.song_id is a non-null foreign key"
        return Song.from_model(row)

    @strawberry.field(description="Whether the signed-in viewer voted for this song; false when anonymous.")
    async def viewer_has_voted(self, info: Info) -> bool:
        viewer = await info.context.viewer_id()
        return viewer is not None and await info.context.loaders.viewer_votes.load((viewer, self._pk))


@strawberry.type
class Setlist:
    id: strawberry.ID
    _pk: strawberry.Private[int]
    _show_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Setlist) -> Setlist:
        return cls(id=encode_id("Setlist", row.id), _pk=row.id, _show_id=row.show_id)

    @strawberry.field
    async def show(self, info: Info) -> Show:
        row = await info.context.loaders.show.load(self._show_id)
        assert row is not None, "setlists.show_id is a non-null foreign key"
        return Show.from_model(row)

    @strawberry.field(
        description="Most votes first, then in setlist order.",
        directives=[list_size(assumed_size=setlists.MAX_SETLIST_SONGS)],
    )
    async def songs(self, info: Info) -> list[SetlistSong]:
        return [SetlistSong.from_model(row) for row in await info.context.loaders.setlist_songs.load(self._pk)]


@strawberry.type
class SetlistsMutation:
    @strawberry.mutation(description="Vote for a song (once per fan); closes when the show starts or is cancelled.")
    async def vote(self, info: Info, setlist_song_id: strawberry.ID) -> SetlistSong:
        user = await info.context.require_user()
        pk = decode_id(setlist_song_id, "SetlistSong")
        row = await setlists.vote(info.context.resources, user_id=user.id, setlist_song_id=pk)
        info.context.loaders.viewer_votes.prime((user.id, row.id), True)
        return SetlistSong.from_model(row)

    @strawberry.mutation(description="Take a vote back.")
    async def unvote(self, info: Info, setlist_song_id: strawberry.ID) -> SetlistSong:
        user = await info.context.require_user()
        pk = decode_id(setlist_song_id, "SetlistSong")
        row = await setlists.unvote(info.context.resources, user_id=user.id, setlist_song_id=pk)
        info.context.loaders.viewer_votes.prime((user.id, row.id), False)
        return SetlistSong.from_model(row)

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
        return SetlistSong.from_model(row)
