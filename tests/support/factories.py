"""Plain async factories for test rows: every field has a default, any can be overridden."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any

from argon2 import PasswordHasher

from app.accounts.models import AuthToken, User
from app.accounts.tokens import TOKEN_LIFETIME, new_token, token_hash
from app.catalog.models import Artist, Show, ShowArtist, ShowStatus, Song, Venue
from app.catalog.text import fold, slugify
from app.played.models import PlayedSetlist, PlayedSong
from app.setlists.models import Setlist, SetlistSong

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


# --- accounts and setlists ----------------------------------------------------------------------

TEST_PASSWORD = "Correct horse 42"


@functools.cache
def _test_password_hash() -> str:
    """One argon2 hash per run: factories insert it directly instead of hashing per user."""
    return PasswordHasher().hash(TEST_PASSWORD)


async def make_user(**overrides: Any) -> User:
    n = _n()
    fields: dict[str, Any] = {
        "email": f"fan{n}@example.com",
        "password_hash": _test_password_hash(),
        "display_name": f"Fan {n}",
    }
    return await User.create(**{**fields, **overrides})


async def make_token(user: User, *, expires_at: dt.datetime | None = None, revoked: bool = False) -> str:
    """A bearer token for `user`, inserted directly (no sign-in)."""
    token = new_token()
    now = dt.datetime.now(dt.UTC)
    await AuthToken.create(
        user=user,
        token_hash=token_hash(token),
        expires_at=expires_at or now + TOKEN_LIFETIME,
        revoked_at=now if revoked else None,
    )
    return token


async def make_users_with_tokens(count: int) -> list[tuple[User, str]]:
    """`count` users with a token each, in two INSERTs (fast enough for hundreds of voters)."""
    first = _n()
    for _ in range(count):
        _n()
    users = [
        User(email=f"voter{first + i}@example.com", password_hash=_test_password_hash(), display_name=f"Voter {i}")
        for i in range(count)
    ]
    await User.bulk_create(users)
    created = await User.filter(email__in=[user.email for user in users]).order_by("id")
    tokens = [new_token() for _ in created]
    expires_at = dt.datetime.now(dt.UTC) + TOKEN_LIFETIME
    await AuthToken.bulk_create(
        [
            AuthToken(user_id=user.id, token_hash=token_hash(token), expires_at=expires_at)
            for user, token in zip(created, tokens, strict=True)
        ]
    )
    return list(zip(created, tokens, strict=True))


async def make_setlist(show: Show, songs: list[Song] | None = None, **overrides: Any) -> Setlist:
    """A setlist for `show` holding `songs` (positions 1..n, no votes)."""
    setlist = await Setlist.create(show=show, **overrides)
    for position, song in enumerate(songs or [], start=1):
        await SetlistSong.create(setlist=setlist, song=song, votes=0, suggested=False, position=position)
    return setlist


async def make_setlist_song(setlist: Setlist, *, song: Song | None = None, **overrides: Any) -> SetlistSong:
    if song is None:
        show = await Show.get(id=setlist.show_id)
        song = await make_song(artist=await Artist.get(id=show.headliner_id))
    fields: dict[str, Any] = {"votes": 0, "suggested": False, "position": 1}
    return await SetlistSong.create(setlist=setlist, song=song, **{**fields, **overrides})


async def make_played_setlist(show: Show, songs: list[Song | str], **overrides: Any) -> PlayedSetlist:
    """An imported played setlist of `songs` in order (a name: a song the catalog does not have)."""
    n = _n()
    fields: dict[str, Any] = {
        "show": show,
        "setlistfm_id": f"{n:08x}",
        "version_id": f"v{n:08x}",
        "url": f"https://www.setlist.fm/setlist/a/2026/b-{n:08x}.html",
        "imported_at": dt.datetime.now(dt.UTC),
    }
    played = await PlayedSetlist.create(**{**fields, **overrides})
    for position, entry in enumerate(songs, start=1):
        song = entry if isinstance(entry, Song) else None
        await PlayedSong.create(
            played_setlist=played,
            set_index=0,
            position=position,
            name=song.name if song else str(entry),
            scored=str(entry) not in ("", "?"),
            song=song,
        )
    return played
