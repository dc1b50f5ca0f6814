"""GraphQL types and queries of the catalog: shows, artists, venues, songs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.types.lazy_type import LazyType

from app.api.context import Info
from app.api.ids import decode_id, encode_id
from app.api.loaders import Later, Loaders
from app.api.pagination import Connection, build_connection, check_page_size, decode_cursor
from app.catalog import models
from app.catalog import service as catalog
from app.errors import BadUserInput
from app.platform.rawsql import Row, as_date, as_datetime, as_decimal, as_json

if TYPE_CHECKING:
    from app.api.setlists import Setlist

# Registers the model enums as GraphQL enums (strawberry.enum marks the class itself).
strawberry.enum(models.ShowStatus)
strawberry.enum(models.SpotifyMatch)

# Setlist types build on these (api/setlists imports this module): resolved by name at run time.
_SETLIST_TYPE: LazyType[Any, Any] = LazyType("Setlist", "app.api.setlists")

# Bounds the rows a nested list may return per parent.
_MAX_NESTED = 50


@strawberry.type
class Song:
    id: strawberry.ID
    spotify_id: str
    name: str
    album_name: str | None
    release_date: str | None
    duration_ms: int | None
    preview_url: str | None

    @classmethod
    def from_model(cls, row: models.Song) -> Song:
        return cls(
            id=encode_id("Song", row.id),
            spotify_id=row.spotify_id,
            name=row.name,
            album_name=row.album_name,
            release_date=row.release_date,
            duration_ms=row.duration_ms,
            preview_url=row.preview_url,
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


@strawberry.type
class Venue:
    id: strawberry.ID
    name: str
    city: str
    state_code: str | None
    country_code: str
    address: str | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    timezone: str | None

    @classmethod
    def from_model(cls, row: models.Venue) -> Venue:
        return cls(
            id=encode_id("Venue", row.id),
            name=row.name,
            city=row.city,
            state_code=row.state_code,
            country_code=row.country_code,
            address=row.address,
            postal_code=row.postal_code,
            latitude=row.latitude,
            longitude=row.longitude,
            timezone=row.timezone,
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


@strawberry.type
class PriceRange:
    min: Decimal | None
    max: Decimal | None
    currency: str | None


@strawberry.type
class Artist:
    id: strawberry.ID
    name: str
    slug: str
    spotify_id: str | None
    spotify_match: models.SpotifyMatch
    image_url: str | None
    genres: list[str]
    popularity: int | None
    _pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Artist) -> Artist:
        return cls(
            id=encode_id("Artist", row.id),
            name=row.name,
            slug=row.slug,
            spotify_id=row.spotify_id,
            spotify_match=row.spotify_match,
            image_url=row.image_url,
            genres=list(row.genres),
            popularity=row.popularity,
            _pk=row.id,
        )

    @classmethod
    def from_row(cls, row: Row, p: str = "") -> Artist:
        """From a row of catalog.ARTIST_COLUMNS, each named `p` + column."""
        return cls(
            id=encode_id("Artist", row[p + "id"]),
            name=row[p + "name"],
            slug=row[p + "slug"],
            spotify_id=row[p + "spotify_id"],
            spotify_match=models.SpotifyMatch(row[p + "spotify_match"]),
            image_url=row[p + "image_url"],
            genres=as_json(row[p + "genres"]),
            popularity=row[p + "popularity"],
            _pk=row[p + "id"],
        )

    @strawberry.field(description="The artist's cached catalog, best ranked first.")
    async def songs(self, info: Info, first: int = 10) -> list[Song]:
        check_page_size(first, _MAX_NESTED)
        rows = await info.context.loaders.artist_songs.load(self._pk)
        return [Song.from_row(row) for row in rows[:first]]

    @strawberry.field(description="Upcoming shows where the artist is on the bill, soonest first.")
    async def upcoming_shows(self, info: Info, first: int = 10) -> list[Show]:
        check_page_size(first, _MAX_NESTED)
        rows = await info.context.loaders.artist_upcoming_shows.load(self._pk)
        return [Show.from_row(row, info.context.loaders) for row in rows[:first]]


@strawberry.type
class Show:
    id: strawberry.ID
    name: str
    starts_at: dt.datetime | None = strawberry.field(description="UTC; null while the time is to be announced.")
    local_date: dt.date
    local_time: str | None = strawberry.field(description="The venue's wall-clock time, e.g. 19:30:00.")
    status: models.ShowStatus
    url: str | None
    price_range: PriceRange | None
    # Plain attributes, not resolvers: read with the show on its page (one statement), else a
    # `Later` loading them when asked for (a list's shows). A basic field costs no resolver call.
    artist: Artist = strawberry.field(description="The headliner.")
    venue: Venue
    _pk: strawberry.Private[int]
    # The setlist's id when the show was read with it; None: made on the first visit.
    _setlist_id: strawberry.Private[int | None] = None

    @classmethod
    def from_model(cls, row: models.Show, loaders: Loaders) -> Show:
        has_price = row.price_min is not None or row.price_max is not None
        return cls(
            id=encode_id("Show", row.id),
            name=row.name,
            starts_at=row.starts_at,
            local_date=row.local_date,
            local_time=row.local_time,
            status=row.status,
            url=row.url,
            price_range=PriceRange(min=row.price_min, max=row.price_max, currency=row.currency) if has_price else None,
            artist=_later_artist(loaders, row.headliner_id),
            venue=_later_venue(loaders, row.venue_id),
            _pk=row.id,
        )

    @classmethod
    def from_row(cls, row: Row, loaders: Loaders, *, joined: bool = False) -> Show:
        """From a row of catalog.SHOW_COLUMNS; `joined`: one of setlists.show_rows_by_ids, with the
        headliner's (`a_`) and venue's (`v_`) columns and the setlist id."""
        price_min, price_max = as_decimal(row["price_min"]), as_decimal(row["price_max"])
        has_price = price_min is not None or price_max is not None
        return cls(
            id=encode_id("Show", row["id"]),
            name=row["name"],
            starts_at=as_datetime(row["starts_at"]),
            local_date=as_date(row["local_date"]),
            local_time=row["local_time"],
            status=models.ShowStatus(row["status"]),
            url=row["url"],
            price_range=PriceRange(min=price_min, max=price_max, currency=row["currency"]) if has_price else None,
            artist=Artist.from_row(row, "a_") if joined else _later_artist(loaders, row["headliner_id"]),
            venue=Venue.from_row(row, "v_") if joined else _later_venue(loaders, row["venue_id"]),
            _pk=row["id"],
            _setlist_id=row["setlist_id"] if joined else None,
        )

    @strawberry.field(description="Every act on the bill in billing order, the headliner first.")
    async def lineup(self, info: Info) -> list[Artist]:
        return [Artist.from_row(row) for row in await info.context.loaders.lineup.load(self._pk)]

    @strawberry.field(description="The setlist fans vote on; made from the headliner's top songs on the first visit.")
    def setlist(self, info: Info) -> Annotated[Setlist, strawberry.lazy("app.api.setlists")]:
        setlist_type: type[Setlist] = _SETLIST_TYPE.resolve_type()
        if self._setlist_id is not None:
            return setlist_type(id=encode_id("Setlist", self._setlist_id), _pk=self._setlist_id, _show_id=self._pk)
        return cast("Setlist", _first_visit(info, self._pk, setlist_type))


async def _first_visit(info: Info, show_id: int, setlist_type: type[Setlist]) -> Setlist:
    # A write: the first visit creates the setlist (app.setlists.service.get_or_create_setlists).
    ref = await info.context.setlists_on_first_visit.load(show_id)
    return setlist_type(id=encode_id("Setlist", ref.id), _pk=ref.id, _show_id=ref.show_id)


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


def _show_key(row: models.Show) -> list[str | int]:
    return [row.local_date.isoformat(), row.id]


def _artist_key(row: models.Artist) -> list[str | int]:
    return [row.search_name, row.id]


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Shows ordered by date; upcoming (from today) unless `from` says otherwise.")
    async def shows(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        artist_id: strawberry.ID | None = None,
        city: str | None = None,
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
        to: dt.date | None = None,
    ) -> Connection[Show]:
        check_page_size(first, info.context.settings.graphql_max_page_size)
        after_key = None
        if after is not None:
            date_text, show_pk = decode_cursor(after, 2)
            after_key = (_parse_date(date_text), int(show_pk))
        rows = await catalog.list_shows(
            first=first,
            after=after_key,
            artist_id=decode_id(artist_id, "Artist") if artist_id is not None else None,
            city=city,
            date_from=from_,
            date_to=to,
        )
        loaders = info.context.loaders
        return build_connection(rows, first, _show_key, lambda row: Show.from_model(row, loaders))

    @strawberry.field
    async def show(self, info: Info, id: strawberry.ID) -> Show | None:
        loaders = info.context.loaders
        row = await loaders.show.load(decode_id(id, "Show"))
        return Show.from_row(row, loaders, joined=True) if row is not None else None

    @strawberry.field(description="Artists by name; `search` ignores case and accents.")
    async def artists(
        self, info: Info, search: str | None = None, first: int = 20, after: str | None = None
    ) -> Connection[Artist]:
        check_page_size(first, info.context.settings.graphql_max_page_size)
        after_key = None
        if after is not None:
            name, artist_pk = decode_cursor(after, 2)
            after_key = (str(name), int(artist_pk))
        rows = await catalog.list_artists(first=first, search=_check_search(search), after=after_key)
        return build_connection(rows, first, _artist_key, Artist.from_model)

    @strawberry.field
    async def artist(self, info: Info, id: strawberry.ID) -> Artist | None:
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
