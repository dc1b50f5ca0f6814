"""Look-ups clients need, served server-side and cached: Spotify tracks, artists, top tracks; Ticketmaster events."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

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
    spotify_id: str = strawberry.field(description="The Spotify track id: pass it to `suggestSong`.")
    name: str = strawberry.field(description="The track's title.")
    artist_names: list[str] = strawberry.field(description="The names of the track's artists, the main one first.")
    album_name: str | None = strawberry.field(description="The album the track is on; null when Spotify gives none.")
    duration_ms: int = strawberry.field(description="The track's length in milliseconds.")
    preview_url: str | None = strawberry.field(
        description="A 30-second audio preview (MP3); null when Spotify offers none."
    )

    @classmethod
    def from_result(cls, result: lookups.TrackResult) -> SpotifyTrackResult:
        return cls(**result.model_dump())


@strawberry.type(description="A Spotify artist.")
class SpotifyArtistResult:
    spotify_id: str = strawberry.field(description="The Spotify artist id.")
    name: str = strawberry.field(description="The artist's name on Spotify.")
    image_url: str | None = strawberry.field(description="The artist's largest Spotify image; null when none.")
    genres: list[str] = strawberry.field(description="Spotify's genres for the artist; may be empty.")

    @classmethod
    def from_result(cls, result: lookups.ArtistResult) -> SpotifyArtistResult:
        return cls(**result.model_dump())


@strawberry.type(description="An upcoming Ticketmaster music event.")
class TicketmasterEventResult:
    ticketmaster_id: str = strawberry.field(description="Ticketmaster's id of the event.")
    name: str = strawberry.field(description="The event's name, as Ticketmaster lists it.")
    local_date: dt.date | None = strawberry.field(description="The venue's local date; null when to be announced.")
    starts_at: dt.datetime | None = strawberry.field(description="UTC; null while the time is to be announced.")
    status: str | None = strawberry.field(
        description="Ticketmaster's sale status code (`onsale`, `offsale`, `cancelled`, ...); null when not given."
    )
    url: str | None = strawberry.field(description="The event's Ticketmaster page; null when none.")
    venue_name: str | None = strawberry.field(description="The venue's name; null when Ticketmaster gives none.")
    city: str | None = strawberry.field(description="The venue's city; null when not given.")
    country_code: str | None = strawberry.field(
        description="The venue's ISO 3166-1 alpha-2 country code; null when not given."
    )
    show_id: strawberry.ID | None = strawberry.field(
        description="The Show for this event once the sync has stored it; null until then."
    )

    @classmethod
    def from_result(cls, result: lookups.EventResult, show_id: int | None) -> TicketmasterEventResult:
        return cls(**result.model_dump(), show_id=encode_id("Show", show_id) if show_id else None)


_Query = Annotated[
    str, strawberry.argument(description="The search text, 1 to 100 characters (runs of spaces count as one).")
]


@strawberry.type
class LookupsQuery:
    @strawberry.field(
        description="Spotify tracks matching `query`, at most 10, best match first (cached; see the README for the"
        " last-good copy served while Spotify is down).",
        directives=[_RESULTS],
    )
    async def search_tracks(
        self,
        info: Info,
        query: _Query,
        artist_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Keep only tracks by this artist (a global Artist id); NOT_FOUND when it names none."
            ),
        ] = None,
    ) -> list[SpotifyTrackResult]:
        artist = None
        if artist_id is not None:
            artist = await catalog.get_artist(decode_id(artist_id, "Artist"))
            if artist is None:
                raise NotFound("No such artist")
        results = await lookups.search_tracks(info.context.resources, query, artist, caller=await info.context.caller())
        return [SpotifyTrackResult.from_result(result) for result in results[: lookups.RESULTS]]

    @strawberry.field(
        description="Spotify artists matching `query`, at most 10, best match first (cached).", directives=[_RESULTS]
    )
    async def search_artists(self, info: Info, query: _Query) -> list[SpotifyArtistResult]:
        results = await lookups.search_artists(info.context.resources, query, caller=await info.context.caller())
        return [SpotifyArtistResult.from_result(result) for result in results[: lookups.RESULTS]]

    @strawberry.field(
        description="The artist's Spotify top tracks, at most 10 (a development-mode Spotify app gets the newest"
        " releases instead); empty when the artist has no Spotify match.",
        directives=[_RESULTS],
    )
    async def artist_top_tracks(
        self,
        info: Info,
        artist_id: Annotated[
            strawberry.ID, strawberry.argument(description="The artist's global id; NOT_FOUND when it names none.")
        ],
    ) -> list[SpotifyTrackResult]:
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
        self,
        info: Info,
        keyword: Annotated[str, strawberry.argument(description="Words to look for in events, 1 to 100 characters.")],
        city: Annotated[str | None, strawberry.argument(description="Only events in this city.")] = None,
        first: Annotated[
            int, strawberry.argument(description=f"How many events, 1 to {lookups.MAX_EVENTS}.")
        ] = lookups.RESULTS,
    ) -> list[TicketmasterEventResult]:
        results = await lookups.search_events(
            info.context.resources, keyword, city, first, caller=await info.context.caller()
        )
        shows = await catalog.show_ids_by_ticketmaster_ids(result.ticketmaster_id for result in results)
        return [TicketmasterEventResult.from_result(result, shows.get(result.ticketmaster_id)) for result in results]
