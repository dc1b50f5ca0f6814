"""Seeding for the benchmarks: upcoming shows with their setlists, voters with tokens (COPY, no argon2)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import asyncpg

from app.accounts.tokens import new_token, token_hash


@dataclass
class Seeded:
    setlist: int
    entries: list[int]  # setlist_songs ids, by position
    users: list[int]  # every voter, those with a token first
    tokens: list[tuple[int, str]]  # (user id, bearer token) for the first `with_tokens` users


async def seed_setlist(db: asyncpg.Connection, *, songs: int, users: int, with_tokens: int) -> Seeded:
    """Bulk-insert (COPY) a show with a setlist of `songs` songs and `users` voters, no argon2."""
    now = dt.datetime.now(dt.UTC)
    ts = (now, now)
    artist = await db.fetchval(
        "INSERT INTO artists (created_at, updated_at, name, slug, search_name, spotify_match, musicbrainz_match,"
        " genres, upcoming_event_count, songs_synced_at)"
        " VALUES ($1, $2, 'Bench', 'bench', 'bench', 'none', 'none', '[]', 1, $1)"
        " RETURNING id",
        *ts,
    )
    venue = await db.fetchval(
        "INSERT INTO venues (created_at, updated_at, ticketmaster_id, name, city, country_code)"
        " VALUES ($1, $2, 'V1', 'Hall', 'Chicago', 'US') RETURNING id",
        *ts,
    )
    starts = now + dt.timedelta(days=30)
    show = await db.fetchval(
        "INSERT INTO shows (created_at, updated_at, ticketmaster_id, name, headliner_id, venue_id, starts_at,"
        " local_date, status, synced_at) VALUES ($1, $2, 'S1', 'Bench live', $3, $4, $5, $6, 'onsale', $1)"
        " RETURNING id",
        *ts,
        artist,
        venue,
        starts,
        starts.date(),
    )
    setlist = await db.fetchval(
        "INSERT INTO setlists (created_at, updated_at, show_id, seeded_from) VALUES ($1, $2, $3, 'spotify_top_tracks')"
        " RETURNING id",
        *ts,
        show,
    )
    await db.copy_records_to_table(
        "songs",
        columns=["created_at", "updated_at", "spotify_id", "name", "rank", "cached_at", "artist_id"],
        records=[(now, now, f"bench{i:017d}", f"Song {i}", i, now, artist) for i in range(1, songs + 1)],
    )
    song_ids = [r["id"] for r in await db.fetch("SELECT id FROM songs ORDER BY rank")]
    await db.copy_records_to_table(
        "setlist_songs",
        columns=["created_at", "updated_at", "votes", "version", "suggested", "position", "setlist_id", "song_id"],
        records=[(now, now, 0, 0, False, position, setlist, song) for position, song in enumerate(song_ids, 1)],
    )
    entries = [r["id"] for r in await db.fetch("SELECT id FROM setlist_songs ORDER BY position")]
    voters, tokens = await seed_users(db, users=users, with_tokens=with_tokens)
    return Seeded(setlist=setlist, entries=entries, users=voters, tokens=tokens)


async def seed_users(
    db: asyncpg.Connection, *, users: int, with_tokens: int
) -> tuple[list[int], list[tuple[int, str]]]:
    """`users` users with consecutive ids, and a bearer token for each of the first `with_tokens`."""
    now = dt.datetime.now(dt.UTC)
    # Ids from a random base: the API's per-user rate-limit keys in Redis outlive a run by a minute.
    base = random.randrange(1_000_000, 2_000_000_000 - users)
    voters = list(range(base, base + users))
    await db.copy_records_to_table(
        "users",
        columns=["created_at", "updated_at", "id", "email", "password_hash", "display_name"],
        records=[(now, now, u, f"v{u}@bench.example", "-", "Voter") for u in voters],
    )
    tokens = [(u, new_token()) for u in voters[:with_tokens]]
    await db.copy_records_to_table(
        "auth_tokens",
        columns=["created_at", "updated_at", "token_hash", "expires_at", "user_id"],
        records=[(now, now, token_hash(t), now + dt.timedelta(days=1), u) for u, t in tokens],
    )
    return voters, tokens


@dataclass
class SeededShows:
    shows: list[int]  # every show's id; the first one's setlist takes the votes
    setlists: list[int]  # each show's setlist, in the order of `shows`
    entries: list[int]  # the first show's setlist_songs ids, by position (consecutive ids)


async def seed_shows(db: asyncpg.Connection, *, shows: int, acts: int, songs: int) -> SeededShows:
    """`shows` upcoming shows, each with the same `acts` acts and a setlist of the headliner's `songs` songs.

    Every show has rows of its own (show, lineup, setlist, setlist songs), so a show page of one
    show reads nothing another show's page read; the artists, venue and songs are shared.
    """
    now = dt.datetime.now(dt.UTC)
    ts = (now, now)
    artists = [
        await db.fetchval(
            "INSERT INTO artists (created_at, updated_at, name, slug, search_name, spotify_id, spotify_match,"
            " musicbrainz_match, image_url, genres, upcoming_event_count, songs_synced_at)"
            " VALUES ($1, $2, $3, $4, $4, $5, 'search', 'none', $6, '[\"rock\"]', $7, $1) RETURNING id",
            *ts,
            f"Bench Act {n}",
            f"bench-act-{n}",
            f"benchartist{n:011d}",
            f"https://i.scdn.co/image/bench{n}",
            shows,
        )
        for n in range(acts)
    ]
    venue = await db.fetchval(
        "INSERT INTO venues (created_at, updated_at, ticketmaster_id, name, city, country_code)"
        " VALUES ($1, $2, 'V1', 'Bench Hall', 'Chicago', 'US') RETURNING id",
        *ts,
    )
    await db.copy_records_to_table(
        "songs",
        columns=[
            "created_at",
            "updated_at",
            "spotify_id",
            "name",
            "album_name",
            "duration_ms",
            "preview_url",
            "rank",
            "cached_at",
            "artist_id",
        ],
        records=[
            (
                now,
                now,
                f"bench{i:017d}",
                f"Song {i}",
                f"Album {1 + i // 10}",
                180_000 + i * 1_000,
                f"https://p.scdn.co/mp3-preview/bench{i}",
                i,
                now,
                artists[0],
            )
            for i in range(1, songs + 1)
        ],
    )
    song_ids = [r["id"] for r in await db.fetch("SELECT id FROM songs WHERE artist_id = $1 ORDER BY rank", artists[0])]
    starts = now + dt.timedelta(days=30)
    await db.copy_records_to_table(
        "shows",
        columns=[
            "created_at",
            "updated_at",
            "ticketmaster_id",
            "name",
            "headliner_id",
            "venue_id",
            "starts_at",
            "local_date",
            "status",
            "synced_at",
        ],
        records=[
            (now, now, f"BENCH{n}", f"Bench night {n}", artists[0], venue, starts, starts.date(), "onsale", now)
            for n in range(shows)
        ],
    )
    show_ids = [r["id"] for r in await db.fetch("SELECT id FROM shows ORDER BY id")]
    await db.copy_records_to_table(
        "show_artists",
        columns=["created_at", "updated_at", "billing_order", "artist_id", "show_id"],
        records=[(now, now, order, artist, show) for show in show_ids for order, artist in enumerate(artists)],
    )
    await db.copy_records_to_table(
        "setlists",
        columns=["created_at", "updated_at", "show_id", "seeded_from"],
        records=[(now, now, show, "spotify_top_tracks") for show in show_ids],
    )
    setlist_of = {r["show_id"]: r["id"] for r in await db.fetch("SELECT id, show_id FROM setlists")}
    setlists = [setlist_of[show] for show in show_ids]
    await db.copy_records_to_table(
        "setlist_songs",
        columns=["created_at", "updated_at", "votes", "version", "suggested", "position", "setlist_id", "song_id"],
        records=[
            (now, now, 0, 0, False, position, setlist, song)
            for setlist in setlists
            for position, song in enumerate(song_ids, 1)
        ],
    )
    entries = [
        r["id"]
        for r in await db.fetch("SELECT id FROM setlist_songs WHERE setlist_id = $1 ORDER BY position", setlists[0])
    ]
    return SeededShows(shows=show_ids, setlists=setlists, entries=entries)
