"""Seeding for the vote and live benchmarks: one upcoming show, its setlist, voters with tokens."""

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
        "INSERT INTO artists (created_at, updated_at, name, slug, search_name, spotify_match, genres,"
        " upcoming_event_count, songs_synced_at) VALUES ($1, $2, 'Bench', 'bench', 'bench', 'none', '[]', 1, $1)"
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
        "INSERT INTO setlists (created_at, updated_at, show_id) VALUES ($1, $2, $3) RETURNING id", *ts, show
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
    # Ids from a random base: the API's per-user rate-limit keys in Redis outlive a run by a minute.
    base = random.randrange(1_000_000, 2_000_000_000)
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
    return Seeded(setlist=setlist, entries=entries, users=voters, tokens=tokens)
