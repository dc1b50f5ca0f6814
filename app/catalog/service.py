"""Catalog reads for the API: shows, artists, venues and songs, one query per batch of keys (the DataLoaders')."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from app.catalog.models import Artist, Show, ShowArtist, Song, Venue
from app.catalog.text import fold


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
) -> list[Show]:
    """Up to `first + 1` shows ordered by (local_date, id), upcoming by default."""
    query = _shows(artist_id=artist_id, city=city, date_from=date_from, date_to=date_to)
    if after is not None:
        after_date, after_id = after
        query = query.filter(Q(local_date__gt=after_date) | Q(local_date=after_date, id__gt=after_id))
    return await query.order_by("local_date", "id").limit(first + 1)


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


async def get_show(show_id: int) -> Show | None:
    return await Show.get_or_none(id=show_id)


async def list_artists(*, first: int, search: str | None = None, after: tuple[str, int] | None = None) -> list[Artist]:
    """Up to `first + 1` artists ordered by folded name; `search` ignores case and accents."""
    query = _artists(search)
    if after is not None:
        after_name, after_id = after
        query = query.filter(Q(search_name__gt=after_name) | Q(search_name=after_name, id__gt=after_id))
    return await query.order_by("search_name", "id").limit(first + 1)


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


# --- batched reads behind the API's DataLoaders: one query per batch, whatever its size ---


async def artists_by_ids(ids: Iterable[int]) -> dict[int, Artist]:
    return {artist.id: artist for artist in await Artist.filter(id__in=list(ids))}


async def venues_by_ids(ids: Iterable[int]) -> dict[int, Venue]:
    return {venue.id: venue for venue in await Venue.filter(id__in=list(ids))}


async def lineups_by_show_ids(ids: Iterable[int]) -> dict[int, list[Artist]]:
    """Each show's acts in billing order."""
    lineups: dict[int, list[Artist]] = {}
    rows = await ShowArtist.filter(show_id__in=list(ids)).select_related("artist").order_by("billing_order")
    for row in rows:
        lineups.setdefault(row.show_id, []).append(row.artist)
    return lineups


async def songs_by_artist_ids(ids: Iterable[int]) -> dict[int, list[Song]]:
    """Each artist's cached songs, best ranked first."""
    songs: dict[int, list[Song]] = {}
    for song in await Song.filter(artist_id__in=list(ids)).order_by("rank", "id"):
        songs.setdefault(song.artist_id, []).append(song)
    return songs


async def upcoming_shows_by_artist_ids(ids: Iterable[int]) -> dict[int, list[Show]]:
    """Each artist's upcoming shows (any billing), soonest first."""
    shows: dict[int, list[Show]] = {}
    rows = (
        await ShowArtist.filter(artist_id__in=list(ids), show__local_date__gte=today_utc())
        .select_related("show")
        .order_by("show__local_date", "show_id")
    )
    for row in rows:
        shows.setdefault(row.artist_id, []).append(row.show)
    return shows
