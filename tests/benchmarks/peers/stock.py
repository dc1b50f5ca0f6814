"""The stock peer of bench_http: what a user gets from Strawberry by writing the obvious code.

One small Strawberry app, served by uvicorn with the same flags as TheSet (one worker):
- `show(id)`: the shape `graphql/ShowPageWithSetlist.graphql` asks for, from in-memory dataclasses
  loaded once at startup from the benchmark's seeded rows (no database per request, no DataLoader);
- `hello`: the cheapest field there is;
- `vote(setlistSongId)`: the bearer token looked up by its hash in the project's `auth_tokens`
  table, then the project's own `VOTE_SQL` through an asyncpg pool: no rate limit, no publish.
The schema has Strawberry's `ParserCache` and `ValidationCache` and nothing else. Deliberately not
tuned: it stands for the baseline a new user would write, not for the fastest possible server.

Run by bench_http: `uvicorn tests.benchmarks.peers.stock:create_app --factory` with DATABASE_URL.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from app.accounts.tokens import token_hash
from app.setlists.service import VOTE_SQL

# The same VOTES_PER_SHOW bench_http gives TheSet.
VOTE_BUDGET = 100

# As TheSet's default DATABASE_POOL_SIZE: the same number of PostgreSQL connections on both sides.
POOL_SIZE = 8


def encode_id(type_name: str, pk: int) -> strawberry.ID:
    # The same opaque ids as TheSet's, so both servers answer the same request bodies.
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("="))


def decode_id(value: str) -> int:
    return int(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().partition(":")[2])


@strawberry.enum
class ShowStatus(enum.Enum):
    ONSALE = "onsale"
    OFFSALE = "offsale"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    RESCHEDULED = "rescheduled"


@strawberry.enum
class SeedSource(enum.Enum):
    TOUR_HISTORY = "tour_history"
    SPOTIFY_TOP_TRACKS = "spotify_top_tracks"
    EMPTY = "empty"


@strawberry.type
class Artist:
    id: strawberry.ID
    name: str
    spotify_id: str | None
    image_url: str | None
    predictability: float | None = None


@strawberry.type
class Venue:
    id: strawberry.ID
    name: str
    city: str


@strawberry.type
class Song:
    id: strawberry.ID
    spotify_id: str
    name: str
    album_name: str | None
    duration_ms: int | None
    preview_url: str | None


@strawberry.type
class SetlistSong:
    id: strawberry.ID
    votes: int
    suggested: bool
    position: int
    viewer_has_voted: bool
    song: Song


@strawberry.type
class Setlist:
    id: strawberry.ID
    seeded_from: SeedSource
    songs: list[SetlistSong]
    # The page asks for it; the peer knows no budgets, so a constant (TheSet counts the viewer's votes).
    viewer_votes_left: int | None = None


@strawberry.type
class Show:
    id: strawberry.ID
    name: str
    starts_at: dt.datetime | None
    local_date: dt.date
    status: ShowStatus
    artist: Artist
    venue: Venue
    lineup: list[Artist]
    setlist: Setlist


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "Hello, world!"

    @strawberry.field
    def show(self, info: strawberry.Info, id: strawberry.ID) -> Show | None:
        shows: dict[int, Show] = info.context["request"].app.state.shows
        return shows.get(decode_id(id))


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def vote(self, info: strawberry.Info, setlist_song_id: strawberry.ID) -> SetlistSong:
        request = info.context["request"]
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        now = dt.datetime.now(dt.UTC)
        async with request.app.state.pool.acquire() as conn:
            user_id = await conn.fetchval(
                "SELECT user_id FROM auth_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
                token_hash(token),
                now,
            )
            if user_id is None:
                raise PermissionError("Not signed in")
            row = await conn.fetchrow(VOTE_SQL, now, user_id, decode_id(setlist_song_id), now.date(), VOTE_BUDGET)
        if row is None:
            raise ValueError("Vote refused")
        song: Song = request.app.state.songs[row["song_id"]]
        return SetlistSong(
            id=encode_id("SetlistSong", row["id"]),
            votes=row["votes"],
            suggested=row["suggested"],
            position=row["position"],
            viewer_has_voted=True,
            song=song,
        )


async def load_shows(conn: asyncpg.Connection) -> tuple[dict[int, Show], dict[int, Song]]:
    """Every show of the database with its setlist, as the dataclasses above (songs by votes, then position)."""
    artists = {
        r["id"]: Artist(
            id=encode_id("Artist", r["id"]), name=r["name"], spotify_id=r["spotify_id"], image_url=r["image_url"]
        )
        for r in await conn.fetch("SELECT id, name, spotify_id, image_url FROM artists")
    }
    venues = {
        r["id"]: Venue(id=encode_id("Venue", r["id"]), name=r["name"], city=r["city"])
        for r in await conn.fetch("SELECT id, name, city FROM venues")
    }
    songs = {
        r["id"]: Song(
            id=encode_id("Song", r["id"]),
            spotify_id=r["spotify_id"],
            name=r["name"],
            album_name=r["album_name"],
            duration_ms=r["duration_ms"],
            preview_url=r["preview_url"],
        )
        for r in await conn.fetch("SELECT id, spotify_id, name, album_name, duration_ms, preview_url FROM songs")
    }
    lineups: dict[int, list[Artist]] = {}
    for r in await conn.fetch("SELECT show_id, artist_id FROM show_artists ORDER BY show_id, billing_order"):
        lineups.setdefault(r["show_id"], []).append(artists[r["artist_id"]])
    entries: dict[int, list[SetlistSong]] = {}
    for r in await conn.fetch("SELECT * FROM setlist_songs ORDER BY setlist_id, votes DESC, position"):
        entries.setdefault(r["setlist_id"], []).append(
            SetlistSong(
                id=encode_id("SetlistSong", r["id"]),
                votes=r["votes"],
                suggested=r["suggested"],
                position=r["position"],
                viewer_has_voted=False,
                song=songs[r["song_id"]],
            )
        )
    shows: dict[int, Show] = {}
    query = "SELECT s.*, sl.id AS setlist_id, sl.seeded_from FROM shows s JOIN setlists sl ON sl.show_id = s.id"
    for r in await conn.fetch(query):
        shows[r["id"]] = Show(
            id=encode_id("Show", r["id"]),
            name=r["name"],
            starts_at=r["starts_at"],
            local_date=r["local_date"],
            status=ShowStatus(r["status"]),
            artist=artists[r["headliner_id"]],
            venue=venues[r["venue_id"]],
            lineup=lineups.get(r["id"], []),
            setlist=Setlist(
                id=encode_id("Setlist", r["setlist_id"]),
                seeded_from=SeedSource(r["seeded_from"]),
                songs=entries.get(r["setlist_id"], []),
            ),
        )
    return shows, songs


def create_app() -> Starlette:
    database_url = os.environ["DATABASE_URL"]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with asyncpg.create_pool(database_url, min_size=POOL_SIZE, max_size=POOL_SIZE) as pool:
            async with pool.acquire() as conn:
                app.state.shows, app.state.songs = await load_shows(conn)
            app.state.pool = pool
            yield

    # The two caches live in the schema's extensions, so the schema belongs to the app, not the module.
    schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=[ParserCache(), ValidationCache()])
    graphql: GraphQL[Any, Any] = GraphQL(schema)
    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])], lifespan=lifespan)
