"""Spotify look-ups for the suggestion box: track and artist search, server-side and cached."""

from __future__ import annotations

import strawberry

from app.api.context import Info
from app.api.ids import decode_id
from app.catalog import service as catalog
from app.errors import NotFound
from app.setlists import lookups


@strawberry.type(description="A Spotify track; suggest it with its spotifyId.")
class SpotifyTrackResult:
    spotify_id: str
    name: str
    artist_names: list[str]
    album_name: str | None
    duration_ms: int
    preview_url: str | None

    @classmethod
    def from_result(cls, result: lookups.TrackResult) -> SpotifyTrackResult:
        return cls(**result.model_dump())


@strawberry.type(description="A Spotify artist.")
class SpotifyArtistResult:
    spotify_id: str
    name: str
    image_url: str | None
    genres: list[str]

    @classmethod
    def from_result(cls, result: lookups.ArtistResult) -> SpotifyArtistResult:
        return cls(**result.model_dump())


@strawberry.type
class LookupsQuery:
    @strawberry.field(description="Spotify tracks (at most 10); `artistId` keeps those by that artist.")
    async def search_tracks(
        self, info: Info, query: str, artist_id: strawberry.ID | None = None
    ) -> list[SpotifyTrackResult]:
        artist = None
        if artist_id is not None:
            artist = await catalog.get_artist(decode_id(artist_id, "Artist"))
            if artist is None:
                raise NotFound("No such artist")
        results = await lookups.search_tracks(info.context.resources, query, artist)
        return [SpotifyTrackResult.from_result(result) for result in results]

    @strawberry.field(description="Spotify artists (at most 10), best match first.")
    async def search_artists(self, info: Info, query: str) -> list[SpotifyArtistResult]:
        results = await lookups.search_artists(info.context.resources, query)
        return [SpotifyArtistResult.from_result(result) for result in results]
