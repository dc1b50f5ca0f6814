"""GraphQL types and queries of the catalog: shows, artists, venues, songs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types.lazy_type import LazyType

from app.api.context import Info
from app.api.cost import list_size
from app.api.ids import decode_id, encode_id
from app.api.pagination import Connection, build_connection, check_page_size, decode_cursor
from app.catalog import models
from app.catalog import service as catalog
from app.errors import BadUserInput

if TYPE_CHECKING:
    from app.api.setlists import Setlist

# Registers the model enums as GraphQL enums (strawberry.enum marks the class itself).
strawberry.enum(models.ShowStatus)
strawberry.enum(models.SpotifyMatch)

# Setlist types build on these (api/setlists imports this module): resolved by name at run time.
_SETLIST_TYPE: LazyType[Any, Any] = LazyType("Setlist", "app.api.setlists")

# Bounds the rows a nested list may return per parent.
_MAX_NESTED = 50
# The acts a show lists (Ticketmaster events list 0 to 7): a bound the query cost can count on.
MAX_LINEUP = 20
# A connection's page: `first` (capped by GRAPHQL_MAX_PAGE_SIZE) sizes its edges and nodes.
_PAGE = list_size(slicing_arguments=["first"], sized_fields=["edges", "nodes"])


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

    @strawberry.field(
        description="The artist's cached catalog, best ranked first.",
        directives=[list_size(assumed_size=_MAX_NESTED, slicing_arguments=["first"])],
    )
    async def songs(self, info: Info, first: int = 10) -> list[Song]:
        check_page_size(first, _MAX_NESTED)
        rows = await info.context.loaders.artist_songs.load(self._pk)
        return [Song.from_model(row) for row in rows[:first]]

    @strawberry.field(
        description="Upcoming shows where the artist is on the bill, soonest first.",
        directives=[list_size(assumed_size=_MAX_NESTED, slicing_arguments=["first"])],
    )
    async def upcoming_shows(self, info: Info, first: int = 10) -> list[Show]:
        check_page_size(first, _MAX_NESTED)
        rows = await info.context.loaders.artist_upcoming_shows.load(self._pk)
        return [Show.from_model(row) for row in rows[:first]]


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
    _pk: strawberry.Private[int]
    _headliner_id: strawberry.Private[int]
    _venue_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Show) -> Show:
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
            _pk=row.id,
            _headliner_id=row.headliner_id,
            _venue_id=row.venue_id,
        )

    @strawberry.field(description="The headliner.")
    async def artist(self, info: Info) -> Artist:
        row = await info.context.loaders.artist.load(self._headliner_id)
        assert row is not None, "shows.headliner_id is a non-null foreign key"
        return Artist.from_model(row)

    @strawberry.field
    async def venue(self, info: Info) -> Venue:
        row = await info.context.loaders.venue.load(self._venue_id)
        assert row is not None, "shows.venue_id is a non-null foreign key"
        return Venue.from_model(row)

    @strawberry.field(
        description=f"Every act on the bill in billing order, the headliner first (at most {MAX_LINEUP}).",
        directives=[list_size(assumed_size=MAX_LINEUP)],
    )
    async def lineup(self, info: Info) -> list[Artist]:
        rows = await info.context.loaders.lineup.load(self._pk)
        return [Artist.from_model(row) for row in rows[:MAX_LINEUP]]

    @strawberry.field(description="The setlist fans vote on; made from the headliner's top songs on the first visit.")
    async def setlist(self, info: Info) -> Annotated[Setlist, strawberry.lazy("app.api.setlists")]:
        # A write: the first visit creates the setlist (app.setlists.service.get_or_create_setlists).
        row = await info.context.setlists_on_first_visit.load(self._pk)
        setlist_type: type[Setlist] = _SETLIST_TYPE.resolve_type()
        return setlist_type.from_model(row)


def _show_key(row: models.Show) -> list[str | int]:
    return [row.local_date.isoformat(), row.id]


def _artist_key(row: models.Artist) -> list[str | int]:
    return [row.search_name, row.id]


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Shows ordered by date; upcoming (from today) unless `from` says otherwise.", directives=[_PAGE]
    )
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
        return build_connection(rows, first, _show_key, Show.from_model)

    @strawberry.field
    async def show(self, id: strawberry.ID) -> Show | None:
        row = await catalog.get_show(decode_id(id, "Show"))
        return Show.from_model(row) if row else None

    @strawberry.field(description="Artists by name; `search` ignores case and accents.", directives=[_PAGE])
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
    async def artist(self, id: strawberry.ID) -> Artist | None:
        row = await catalog.get_artist(decode_id(id, "Artist"))
        return Artist.from_model(row) if row else None


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
