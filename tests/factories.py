"""Plain async factories for test rows: every field has a default, any can be overridden."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from app.catalog.models import Artist, Show, ShowArtist, ShowStatus, Song, Venue
from app.catalog.text import fold, slugify

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def in_days(days: int) -> dt.date:
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)


async def make_artist(**overrides: Any) -> Artist:
    n = _n()
    name = overrides.pop("name", f"Artist {n}")
    fields: dict[str, Any] = {
        "name": name,
        "slug": f"{slugify(name)}-{n}",
        "search_name": fold(name),
        "ticketmaster_id": f"K8vZ9{n:09d}",
        "spotify_id": f"sp{n:020d}",
        "genres": ["rock"],
    }
    return await Artist.create(**{**fields, **overrides})


async def make_venue(**overrides: Any) -> Venue:
    n = _n()
    fields: dict[str, Any] = {
        "ticketmaster_id": f"KovZpZA{n:07d}",
        "name": f"Venue {n}",
        "city": "Chicago",
        "state_code": "IL",
        "country_code": "US",
        "latitude": 41.88,
        "longitude": -87.63,
        "timezone": "America/Chicago",
    }
    return await Venue.create(**{**fields, **overrides})


async def make_show(*, headliner: Artist | None = None, venue: Venue | None = None, **overrides: Any) -> Show:
    n = _n()
    headliner = headliner or await make_artist()
    venue = venue or await make_venue()
    local_date = overrides.pop("local_date", in_days(10 + n % 30))
    fields: dict[str, Any] = {
        "ticketmaster_id": f"vvG1{n:012d}",
        "name": f"{headliner.name} live",
        "headliner": headliner,
        "venue": venue,
        "local_date": local_date,
        "local_time": "20:00:00",
        "starts_at": dt.datetime.combine(local_date, dt.time(1, 0), tzinfo=dt.UTC) + dt.timedelta(days=1),
        "status": ShowStatus.ONSALE,
        "url": f"https://www.ticketmaster.com/event/{n}",
        "synced_at": dt.datetime.now(dt.UTC),
    }
    show = await Show.create(**{**fields, **overrides})
    await ShowArtist.create(show=show, artist=headliner, billing_order=0)
    return show


async def add_support(show: Show, *artists: Artist) -> None:
    for order, artist in enumerate(artists, start=1):
        await ShowArtist.create(show=show, artist=artist, billing_order=order)


async def make_song(*, artist: Artist, **overrides: Any) -> Song:
    n = _n()
    fields: dict[str, Any] = {
        "spotify_id": f"tr{n:020d}",
        "artist": artist,
        "name": f"Song {n}",
        "album_name": "Album",
        "duration_ms": 200_000,
        "rank": n,
        "cached_at": dt.datetime.now(dt.UTC),
    }
    return await Song.create(**{**fields, **overrides})
