"""Look-ups clients need, served server-side and cached: Spotify tracks, artists, top tracks; Ticketmaster events."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.api.context import Info
from app.api.cost import list_size
from app.api.ids import decode_id, encode_id
from app.catalog import service as catalog
from app.errors import NotFound
from app.lookups import service as lookups

# The vendors' look-ups answer at most RESULTS items.
_RESULTS = list_size(assumed_size=lookups.RESULTS)


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


@strawberry.type(description="An upcoming Ticketmaster music event.")
class TicketmasterEventResult:
    ticketmaster_id: str
    name: str
    local_date: dt.date | None = strawberry.field(description="The venue's local date; null when to be announced.")
    starts_at: dt.datetime | None = strawberry.field(description="UTC; null while the time is to be announced.")
    status: str | None
    url: str | None
    venue_name: str | None
    city: str | None
    country_code: str | None
    show_id: strawberry.ID | None = strawberry.field(
        description="The Show for this event once the sync has stored it; null until then."
    )

    @classmethod
    def from_result(cls, result: lookups.EventResult, show_id: int | None) -> TicketmasterEventResult:
        return cls(**result.model_dump(), show_id=encode_id("Show", show_id) if show_id else None)


@strawberry.type
class LookupsQuery:
    @strawberry.field(
        description="Spotify tracks (at most 10); `artistId` keeps those by that artist.", directives=[_RESULTS]
    )
    async def search_tracks(
        self, info: Info, query: str, artist_id: strawberry.ID | None = None
    ) -> list[SpotifyTrackResult]:
        artist = None
        if artist_id is not None:
            artist = await catalog.get_artist(decode_id(artist_id, "Artist"))
            if artist is None:
                raise NotFound("No such artist")
        results = await lookups.search_tracks(info.context.resources, query, artist, caller=await info.context.caller())
        return [SpotifyTrackResult.from_result(result) for result in results[: lookups.RESULTS]]

    @strawberry.field(description="Spotify artists (at most 10), best match first.", directives=[_RESULTS])
    async def search_artists(self, info: Info, query: str) -> list[SpotifyArtistResult]:
        results = await lookups.search_artists(info.context.resources, query, caller=await info.context.caller())
        return [SpotifyArtistResult.from_result(result) for result in results[: lookups.RESULTS]]

    @strawberry.field(
        description="The artist's Spotify top tracks (at most 10); empty when it has no Spotify match.",
        directives=[_RESULTS],
    )
    async def artist_top_tracks(self, info: Info, artist_id: strawberry.ID) -> list[SpotifyTrackResult]:
        artist = await catalog.get_artist(decode_id(artist_id, "Artist"))
        if artist is None:
            raise NotFound("No such artist")
        results = await lookups.artist_top_tracks(info.context.resources, artist, caller=await info.context.caller())
        return [SpotifyTrackResult.from_result(result) for result in results[: lookups.RESULTS]]

    @strawberry.field(
        description="Upcoming Ticketmaster music events matching `keyword` (in `city` when given), soonest first.",
        directives=[list_size(assumed_size=lookups.MAX_EVENTS, slicing_arguments=["first"])],
    )
    async def search_events(
        self, info: Info, keyword: str, city: str | None = None, first: int = lookups.RESULTS
    ) -> list[TicketmasterEventResult]:
        results = await lookups.search_events(
            info.context.resources, keyword, city, first, caller=await info.context.caller()
        )
        shows = await catalog.show_ids_by_ticketmaster_ids(result.ticketmaster_id for result in results)
        return [TicketmasterEventResult.from_result(result, shows.get(result.ticketmaster_id)) for result in results]
