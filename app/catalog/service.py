"""Catalog reads for the API: shows, artists, venues and songs, one query per batch of keys (the DataLoaders')."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from app.catalog.models import Artist, Show, ShowArtist
from app.catalog.text import fold
from app.platform import rawsql
from app.platform.rawsql import Row


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def list_shows(
    *,
    first: int,
    after: tuple[dt.date, int] | None = None,
    artist_id: int | None = None,
    city: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Sequence[Row]:
    """Up to `first + 1` shows (SHOW_COLUMNS) ordered by (local_date, id), upcoming by default."""
    query = _shows(artist_id=artist_id, city=city, date_from=date_from, date_to=date_to)
    if after is not None:
        after_date, after_id = after
        query = query.filter(Q(local_date__gt=after_date) | Q(local_date=after_date, id__gt=after_id))
    return await query.order_by("local_date", "id").limit(first + 1).values(*_names(SHOW_COLUMNS))


async def any_show_up_to(
    key: tuple[dt.date, int],
    *,
    artist_id: int | None = None,
    city: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> bool:
    """Whether a show of the same list sorts at or before `key`: the page after `key` has a previous page."""
    key_date, key_id = key
    query = _shows(artist_id=artist_id, city=city, date_from=date_from, date_to=date_to)
    return await query.filter(Q(local_date__lt=key_date) | Q(local_date=key_date, id__lte=key_id)).exists()


def _shows(
    *, artist_id: int | None, city: str | None, date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[Show]:
    query = Show.filter(local_date__gte=date_from or today_utc())
    if date_to is not None:
        query = query.filter(local_date__lte=date_to)
    if artist_id is not None:
        # Every act is on the bill (the headliner too, at billing_order 0).
        query = query.filter(id__in=Subquery(ShowArtist.filter(artist_id=artist_id).values("show_id")))
    if city is not None:
        query = query.filter(venue__city__iexact=city.strip())
    return query


async def list_artists(*, first: int, search: str | None = None, after: tuple[str, int] | None = None) -> Sequence[Row]:
    """Up to `first + 1` artists (ARTIST_COLUMNS and search_name) ordered by folded name; `search` ignores
    case and accents."""
    query = _artists(search)
    if after is not None:
        after_name, after_id = after
        query = query.filter(Q(search_name__gt=after_name) | Q(search_name=after_name, id__gt=after_id))
    return await query.order_by("search_name", "id").limit(first + 1).values(*_names(ARTIST_COLUMNS), "search_name")


async def any_artist_up_to(key: tuple[str, int], *, search: str | None = None) -> bool:
    """Whether an artist of the same list sorts at or before `key`: the page after `key` has a previous page."""
    key_name, key_id = key
    query = _artists(search).filter(Q(search_name__lt=key_name) | Q(search_name=key_name, id__lte=key_id))
    return await query.exists()


def _artists(search: str | None) -> QuerySet[Artist]:
    return Artist.filter(search_name__contains=fold(search)) if search else Artist.all()


async def get_artist(artist_id: int) -> Artist | None:
    return await Artist.get_or_none(id=artist_id)


async def show_ids_by_ticketmaster_ids(ticketmaster_ids: Iterable[str]) -> dict[str, int]:
    """Our Show ids by Ticketmaster id, for the events the sync has already stored (one query)."""
    rows = await Show.filter(ticketmaster_id__in=list(set(ticketmaster_ids))).values_list("ticketmaster_id", "id")
    return {str(tm_id): int(show_id) for tm_id, show_id in rows}


# --- batched reads behind the API's DataLoaders: one statement per batch, whatever its size ---
# Plain rows in raw SQL (docs/decisions/0009-raw-sql-dataloaders.md): building the queries and the
# model objects was most of a show page's CPU. The API's types read the columns named here.

SHOW_COLUMNS = (
    "{p}id, {p}name, {p}starts_at, {p}local_date, {p}local_time, {p}status, {p}url, {p}price_min, {p}price_max,"
    " {p}currency, {p}headliner_id, {p}venue_id"
)
ARTIST_COLUMNS = (
    "{p}id, {p}name, {p}slug, {p}spotify_id, {p}spotify_match, {p}image_url, {p}genres, {p}popularity,"
    " {p}predictability"
)
VENUE_COLUMNS = (
    "{p}id, {p}name, {p}city, {p}state_code, {p}country_code, {p}address, {p}postal_code, {p}latitude,"
    " {p}longitude, {p}timezone"
)
SONG_COLUMNS = "{p}id, {p}spotify_id, {p}name, {p}album_name, {p}release_date, {p}duration_ms, {p}preview_url"


def _names(columns: str) -> list[str]:
    """The column names of one of the *_COLUMNS lists."""
    return [name.strip() for name in columns.format(p="").split(",")]


def prefixed(columns: str, table: str, prefix: str) -> str:
    """`columns` of `table` named `prefix` + column: two tables' rows in one."""
    return ", ".join(f"{table}.{name.strip()[3:]} AS {prefix}{name.strip()[3:]}" for name in columns.split(","))


_ARTISTS_SQL = f"SELECT {ARTIST_COLUMNS.format(p='')} FROM artists WHERE id = ANY($1)"
_VENUES_SQL = f"SELECT {VENUE_COLUMNS.format(p='')} FROM venues WHERE id = ANY($1)"
_LINEUPS_SQL = f"""
SELECT sa.show_id, {ARTIST_COLUMNS.format(p="a.")} FROM show_artists sa JOIN artists a ON a.id = sa.artist_id
WHERE sa.show_id = ANY($1) ORDER BY sa.show_id, sa.billing_order
"""
_ARTIST_SONGS_SQL = f"""
SELECT artist_id, {SONG_COLUMNS.format(p="")} FROM songs WHERE artist_id = ANY($1)
ORDER BY artist_id, rank IS NULL, rank, id
"""
_SONGS_SQL = f"SELECT {SONG_COLUMNS.format(p='')} FROM songs WHERE id = ANY($1)"
_UPCOMING_SHOWS_SQL = f"""
SELECT sa.artist_id, {SHOW_COLUMNS.format(p="s.")} FROM show_artists sa JOIN shows s ON s.id = sa.show_id
WHERE sa.artist_id = ANY($1) AND s.local_date >= $2 ORDER BY sa.artist_id, s.local_date, s.id
"""


def by_id(rows: Iterable[Row]) -> dict[int, Row]:
    return {row["id"]: row for row in rows}


def _grouped(rows: Iterable[Row], key: str) -> dict[int, list[Row]]:
    groups: dict[int, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


async def artist_rows_by_ids(ids: list[int]) -> dict[int, Row]:
    return by_id(await rawsql.rows(_ARTISTS_SQL, [ids]))


async def venue_rows_by_ids(ids: list[int]) -> dict[int, Row]:
    return by_id(await rawsql.rows(_VENUES_SQL, [ids]))


async def song_rows_by_ids(ids: list[int]) -> dict[int, Row]:
    return by_id(await rawsql.rows(_SONGS_SQL, [ids]))


async def lineup_rows_by_show_ids(ids: list[int]) -> dict[int, list[Row]]:
    """Each show's acts (artist rows) in billing order."""
    return _grouped(await rawsql.rows(_LINEUPS_SQL, [ids]), "show_id")


async def song_rows_by_artist_ids(ids: list[int]) -> dict[int, list[Row]]:
    """Each artist's cached songs, best ranked first (unranked ones last)."""
    return _grouped(await rawsql.rows(_ARTIST_SONGS_SQL, [ids]), "artist_id")


async def upcoming_show_rows_by_artist_ids(ids: list[int]) -> dict[int, list[Row]]:
    """Each artist's upcoming shows (any billing), soonest first."""
    return _grouped(await rawsql.rows(_UPCOMING_SHOWS_SQL, [ids, today_utc()]), "artist_id")
