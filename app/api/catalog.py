"""GraphQL types and queries of the catalog: shows, artists, venues, songs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.types.lazy_type import LazyType

from app.api.context import Info
from app.api.cost import list_size
from app.api.enums import ShowStatus, SpotifyMatch
from app.api.ids import Node, decode_id, encode_id
from app.api.loaders import Later, Loaders
from app.api.pagination import Connection, build_connection, check_page_size, decode_cursor
from app.catalog import service as catalog
from app.errors import BadUserInput
from app.platform.rawsql import Row, as_date, as_datetime, as_decimal, as_json
from app.played import service as played_service
from app.setlists.service import SetlistRef

if TYPE_CHECKING:
    from app.api.played import LeaderboardEntry, PlayedSetlist
    from app.api.setlists import Setlist

# Setlist types build on these (api/setlists imports this module): resolved by name at run time.
_SETLIST_TYPE: LazyType[Any, Any] = LazyType("Setlist", "app.api.setlists")
_PLAYED_TYPE: LazyType[Any, Any] = LazyType("PlayedSetlist", "app.api.played")
_ENTRY_TYPE: LazyType[Any, Any] = LazyType("LeaderboardEntry", "app.api.played")

# Bounds the rows a nested list may return per parent.
_MAX_NESTED = 50
# The acts a show lists (Ticketmaster events list 0 to 7): a bound the query cost can count on.
MAX_LINEUP = 20
# A connection's page: `first` (capped by GRAPHQL_MAX_PAGE_SIZE) sizes its edges and nodes.
_PAGE = list_size(slicing_arguments=["first"], sized_fields=["edges", "nodes"])

_FIRST = "How many to return, 1 to `GRAPHQL_MAX_PAGE_SIZE` (100 by default)."
_AFTER = "A cursor (`pageInfo.endCursor` of the page before): return what follows it; from the start when null."


@strawberry.type(description="A track of an artist's catalog, cached from Spotify.")
class Song(Node):
    spotify_id: str = strawberry.field(description="The track's Spotify id (`open.spotify.com/track/<spotifyId>`).")
    name: str = strawberry.field(description="The track's title, as Spotify spells it.")
    album_name: str | None = strawberry.field(description="The album the track is on; null when Spotify gives none.")
    release_date: str | None = strawberry.field(
        description="The album's release date at Spotify's precision: `2019`, `2019-05` or `2019-05-17`; null when"
        " unknown."
    )
    duration_ms: int | None = strawberry.field(description="The track's length in milliseconds; null when unknown.")
    preview_url: str | None = strawberry.field(
        description="A 30-second audio preview (MP3) from Spotify; null when Spotify offers none."
    )

    @classmethod
    def from_row(cls, row: Row, p: str = "") -> Song:
        """From a row of catalog.SONG_COLUMNS, each named `p` + column."""
        return cls(
            id=encode_id("Song", row[p + "id"]),
            spotify_id=row[p + "spotify_id"],
            name=row[p + "name"],
            album_name=row[p + "album_name"],
            release_date=row[p + "release_date"],
            duration_ms=row[p + "duration_ms"],
            preview_url=row[p + "preview_url"],
        )


@strawberry.type(description="Where shows take place, from Ticketmaster.")
class Venue(Node):
    name: str = strawberry.field(description="The venue's name.")
    city: str = strawberry.field(description="The city, as Ticketmaster spells it.")
    state_code: str | None = strawberry.field(
        description="The state or province code, e.g. `IL`; null where the country has none."
    )
    country_code: str = strawberry.field(description="The ISO 3166-1 alpha-2 country code, e.g. `US`.")
    address: str | None = strawberry.field(description="The street address; null when unknown.")
    postal_code: str | None = strawberry.field(description="The postal code; null when unknown.")
    latitude: float | None = strawberry.field(description="Latitude in decimal degrees (WGS 84); null when unknown.")
    longitude: float | None = strawberry.field(description="Longitude in decimal degrees (WGS 84); null when unknown.")
    timezone: str | None = strawberry.field(
        description="The IANA time zone, e.g. `America/Chicago`: the zone of `Show.localTime`; null when unknown."
    )

    @classmethod
    def from_row(cls, row: Row, p: str = "") -> Venue:
        """From a row of catalog.VENUE_COLUMNS, each named `p` + column."""
        return cls(
            id=encode_id("Venue", row[p + "id"]),
            name=row[p + "name"],
            city=row[p + "city"],
            state_code=row[p + "state_code"],
            country_code=row[p + "country_code"],
            address=row[p + "address"],
            postal_code=row[p + "postal_code"],
            latitude=row[p + "latitude"],
            longitude=row[p + "longitude"],
            timezone=row[p + "timezone"],
        )


@strawberry.type(description="The ticket prices Ticketmaster lists for a show (face value, before fees).")
class PriceRange:
    min: Decimal | None = strawberry.field(
        description="The lowest price, in `currency`; null when only a maximum is listed."
    )
    max: Decimal | None = strawberry.field(
        description="The highest price, in `currency`; null when only a minimum is listed."
    )
    currency: str | None = strawberry.field(description="The ISO 4217 currency code, e.g. `USD`; null when not given.")


@strawberry.type(description="A performer from Ticketmaster, matched on Spotify for its songs.")
class Artist(Node):
    name: str = strawberry.field(description="The artist's name, as Ticketmaster spells it.")
    slug: str = strawberry.field(description="A unique, URL-friendly form of the name (lower case and hyphens).")
    spotify_id: str | None = strawberry.field(
        description="The artist's Spotify id; null until the artist is matched on Spotify (see `spotifyMatch`)."
    )
    spotify_match: SpotifyMatch = strawberry.field(description="How `spotifyId` was found, or `NONE`.")
    image_url: str | None = strawberry.field(description="An image of the artist from Ticketmaster; null when none.")
    genres: list[str] = strawberry.field(description="The artist's genres, as Ticketmaster names them; may be empty.")
    popularity: int | None = strawberry.field(
        description="Spotify's popularity of the artist, 0 to 100 (higher is more listened to); null when unknown."
    )
    predictability: float | None = strawberry.field(
        description=(
            "How alike consecutive shows are (0 to 1): the mean Jaccard similarity of the songs of consecutive"
            " full shows in the artist's setlist.fm history; null until enough shows are known."
        )
    )
    _pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Row, p: str = "") -> Artist:
        """From a row of catalog.ARTIST_COLUMNS, each named `p` + column."""
        return cls(
            id=encode_id("Artist", row[p + "id"]),
            name=row[p + "name"],
            slug=row[p + "slug"],
            spotify_id=row[p + "spotify_id"],
            spotify_match=SpotifyMatch(row[p + "spotify_match"]),
            image_url=row[p + "image_url"],
            genres=as_json(row[p + "genres"]),
            popularity=row[p + "popularity"],
            predictability=row[p + "predictability"],
            _pk=row[p + "id"],
        )

    @strawberry.field(
        description="The artist's songs, cached from Spotify, best ranked first; empty until matched.",
        directives=[list_size(assumed_size=_MAX_NESTED, slicing_arguments=["first"])],
    )
    async def songs(
        self, info: Info, first: Annotated[int, strawberry.argument(description="How many songs, 1 to 50.")] = 10
    ) -> list[Song]:
        check_page_size(first, _MAX_NESTED)
        rows = await info.context.loaders.artist_songs.load(self._pk)
        return [Song.from_row(row) for row in rows[:first]]

    @strawberry.field(
        description="Upcoming shows with the artist on the bill (headlining or not), soonest first.",
        directives=[list_size(assumed_size=_MAX_NESTED, slicing_arguments=["first"])],
    )
    async def upcoming_shows(
        self, info: Info, first: Annotated[int, strawberry.argument(description="How many shows, 1 to 50.")] = 10
    ) -> list[Show]:
        check_page_size(first, _MAX_NESTED)
        rows = await info.context.loaders.artist_upcoming_shows.load(self._pk)
        return [Show.from_row(row, info.context.loaders) for row in rows[:first]]


@strawberry.type(
    description="A concert from Ticketmaster: one date at one venue, with its bill and a setlist to vote on."
)
class Show(Node):
    name: str = strawberry.field(description="The event's name, as Ticketmaster lists it (often the tour's).")
    starts_at: dt.datetime | None = strawberry.field(
        description="When the show starts, in UTC; null while the time is to be announced."
    )
    local_date: dt.date = strawberry.field(description="The show's date at the venue (the date on the ticket).")
    local_time: str | None = strawberry.field(
        description="The venue's wall-clock start time, e.g. `19:30:00` (in `Venue.timezone`); null while to be"
        " announced."
    )
    status: ShowStatus = strawberry.field(description="Where the ticket sale stands; `CANCELLED` closes voting.")
    url: str | None = strawberry.field(description="The show's Ticketmaster page, for tickets; null when none.")
    price_range: PriceRange | None = strawberry.field(
        description="The listed ticket prices; null when Ticketmaster lists none."
    )
    # Plain attributes, not resolvers: read with the show on its page (one statement), else a `Later`
    # loading them when asked for (a list's shows). A basic field costs no resolver call.
    artist: Artist = strawberry.field(description="The headliner (also first in `lineup`).")
    venue: Venue = strawberry.field(description="Where the show takes place.")
    _pk: strawberry.Private[int]
    # The setlist's id and seed when the show was read with them; None: made on the first visit.
    _setlist: strawberry.Private[SetlistRef | None] = None

    @classmethod
    def from_row(cls, row: Row, loaders: Loaders, *, joined: bool = False) -> Show:
        """From a row of catalog.SHOW_COLUMNS; `joined`: one of setlists.show_rows_by_ids, with the
        headliner's (`a_`) and venue's (`v_`) columns and the setlist's id and seed (`setlist_`)."""
        price_min, price_max = as_decimal(row["price_min"]), as_decimal(row["price_max"])
        has_price = price_min is not None or price_max is not None
        setlist_id = row["setlist_id"] if joined else None
        return cls(
            id=encode_id("Show", row["id"]),
            name=row["name"],
            starts_at=as_datetime(row["starts_at"]),
            local_date=as_date(row["local_date"]),
            local_time=row["local_time"],
            status=ShowStatus(row["status"]),
            url=row["url"],
            price_range=PriceRange(min=price_min, max=price_max, currency=row["currency"]) if has_price else None,
            artist=Artist.from_row(row, "a_") if joined else _later_artist(loaders, row["headliner_id"]),
            venue=Venue.from_row(row, "v_") if joined else _later_venue(loaders, row["venue_id"]),
            _pk=row["id"],
            _setlist=SetlistRef(setlist_id, row["id"], row["setlist_seeded_from"]) if setlist_id is not None else None,
        )

    @strawberry.field(
        description=f"Every act on the bill in billing order, the headliner first (at most {MAX_LINEUP}).",
        directives=[list_size(assumed_size=MAX_LINEUP)],
    )
    async def lineup(self, info: Info) -> list[Artist]:
        rows = await info.context.loaders.lineup.load(self._pk)
        return [Artist.from_row(row) for row in rows[:MAX_LINEUP]]

    @strawberry.field(
        description="The setlist fans vote on, made on the first visit from the headliner's best-ranked songs"
        " (empty at first when Spotify cannot be reached, and filled later)."
    )
    def setlist(self, info: Info) -> Annotated[Setlist, strawberry.lazy("app.api.setlists")]:
        setlist_type: type[Setlist] = _SETLIST_TYPE.resolve_type()
        if self._setlist is not None:
            return setlist_type.from_ref(self._setlist)
        return cast("Setlist", _first_visit(info, self._pk, setlist_type))

    @strawberry.field(
        description="What was played, from setlist.fm; null until imported (a few hours after the show, or later)."
    )
    async def played_setlist(self, info: Info) -> Annotated[PlayedSetlist, strawberry.lazy("app.api.played")] | None:
        row = await info.context.loaders.played_setlist.load(self._pk)
        if row is None:
            return None
        played_type: type[PlayedSetlist] = _PLAYED_TYPE.resolve_type()
        return played_type.from_model(row)

    @strawberry.field(
        description="Fans by points once the played setlist is imported (display names only); empty before.",
        directives=[list_size(slicing_arguments=["first"], sized_fields=["edges", "nodes"])],
    )
    async def leaderboard(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many fans, 1 to GRAPHQL_MAX_PAGE_SIZE.")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The cursor of the last fan already seen.")
        ] = None,
    ) -> Connection[Annotated[LeaderboardEntry, strawberry.lazy("app.api.played")]]:
        check_page_size(first, info.context.settings.graphql_max_page_size)
        after_key = None
        if after is not None:
            points, user_pk = decode_cursor(after, 2)
            if not isinstance(points, int) or not isinstance(user_pk, int):
                raise BadUserInput("Invalid cursor")
            after_key = (points, user_pk)
        setlist_id = await played_service.setlist_id_of_show(self._pk)
        inputs = await info.context.loaders.score_inputs.load(setlist_id) if setlist_id is not None else None
        rows = (
            []
            if inputs is None or not inputs.played
            else await played_service.leaderboard(inputs, first=first, after=after_key)
        )
        entry_type: type[LeaderboardEntry] = _ENTRY_TYPE.resolve_type()
        return build_connection(rows, first, lambda row: [row.points, row.user_id], entry_type.from_row)


async def _first_visit(info: Info, show_id: int, setlist_type: type[Setlist]) -> Setlist:
    # A write: the first visit creates the setlist (app.setlists.service.get_or_create_setlists).
    return setlist_type.from_ref(await info.context.setlists_on_first_visit.load(show_id))


def _later_artist(loaders: Loaders, pk: int) -> Artist:
    async def load() -> Artist:
        row = await loaders.artist.load(pk)
        assert row is not None, "shows.headliner_id is a non-null foreign key"
        return Artist.from_row(row)

    return cast(Artist, Later(load))


def _later_venue(loaders: Loaders, pk: int) -> Venue:
    async def load() -> Venue:
        row = await loaders.venue.load(pk)
        assert row is not None, "shows.venue_id is a non-null foreign key"
        return Venue.from_row(row)

    return cast(Venue, Later(load))


def _show_key(row: Row) -> list[str | int]:
    return [as_date(row["local_date"]).isoformat(), row["id"]]


def _artist_key(row: Row) -> list[str | int]:
    return [row["search_name"], row["id"]]


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Shows by local date (then id), upcoming (from today, UTC) unless `from` says otherwise.",
        directives=[_PAGE],
    )
    async def shows(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=_FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
        artist_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only shows with this artist (a global id) on the bill, headlining or not."
            ),
        ] = None,
        city: Annotated[
            str | None, strawberry.argument(description="Only shows in this city (case and outer spaces ignored).")
        ] = None,
        from_: Annotated[
            dt.date | None,
            strawberry.argument(
                name="from", description="Only shows on or after this local date; today (UTC) when null."
            ),
        ] = None,
        to: Annotated[
            dt.date | None, strawberry.argument(description="Only shows on or before this local date.")
        ] = None,
    ) -> Connection[Show]:
        check_page_size(first, info.context.settings.graphql_max_page_size)
        after_key = None
        if after is not None:
            date_text, show_pk = decode_cursor(after, 2)
            after_key = (_parse_date(date_text), int(show_pk))
        artist_pk = decode_id(artist_id, "Artist") if artist_id is not None else None
        rows = await catalog.list_shows(
            first=first,
            after=after_key,
            artist_id=artist_pk,
            city=city,
            date_from=from_,
            date_to=to,
        )
        earlier = (
            partial(catalog.any_show_up_to, after_key, artist_id=artist_pk, city=city, date_from=from_, date_to=to)
            if after_key
            else None
        )
        loaders = info.context.loaders
        return build_connection(rows, first, _show_key, lambda row: Show.from_row(row, loaders), earlier=earlier)

    @strawberry.field(
        description="A show by its global id; null when it names no show (an id of another type is BAD_USER_INPUT)."
    )
    async def show(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The show's global id.")]
    ) -> Show | None:
        loaders = info.context.loaders
        row = await loaders.show.load(decode_id(id, "Show"))
        return Show.from_row(row, loaders, joined=True) if row is not None else None

    @strawberry.field(
        description="Artists in name order (case and accents folded); `search` narrows them.", directives=[_PAGE]
    )
    async def artists(
        self,
        info: Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Part of the name, case and accents ignored (`beyonce` finds Beyoncé), at most 100"
                " characters; every artist when null or blank."
            ),
        ] = None,
        first: Annotated[int, strawberry.argument(description=_FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
    ) -> Connection[Artist]:
        check_page_size(first, info.context.settings.graphql_max_page_size)
        after_key = None
        if after is not None:
            name, artist_pk = decode_cursor(after, 2)
            after_key = (str(name), int(artist_pk))
        search = _check_search(search)
        rows = await catalog.list_artists(first=first, search=search, after=after_key)
        earlier = partial(catalog.any_artist_up_to, after_key, search=search) if after_key else None
        return build_connection(rows, first, _artist_key, Artist.from_row, earlier=earlier)

    @strawberry.field(
        description="An artist by its global id; null when it names no artist (an id of another type is"
        " BAD_USER_INPUT)."
    )
    async def artist(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The artist's global id.")]
    ) -> Artist | None:
        row = await info.context.loaders.artist.load(decode_id(id, "Artist"))
        return Artist.from_row(row) if row is not None else None


_MAX_SEARCH_LENGTH = 100


def _check_search(search: str | None) -> str | None:
    if search is not None and len(search) > _MAX_SEARCH_LENGTH:
        raise BadUserInput(f"`search` is limited to {_MAX_SEARCH_LENGTH} characters")
    return search.strip() or None if search is not None else None


def _parse_date(text: str | int) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise BadUserInput("Invalid cursor") from None
