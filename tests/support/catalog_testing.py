"""Helpers for the sync tests: emulator control and settings, ground truth from the world, catalog invariants."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette
from tortoise import connections

from app.emulators.world import SpotifyAlbum, SpotifyTrack, TmClassification, TmEvent, World
from app.settings import Settings


@dataclass
class Emulator:
    """One emulator running on a socket, with its control endpoints."""

    app: Starlette
    url: str

    async def faults(self, **patch: Any) -> None:
        async with httpx.AsyncClient(base_url=self.url) as http:
            (await http.post("/_emulator/faults", json=patch)).raise_for_status()

    async def stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.get("/_emulator/stats")
            response.raise_for_status()
            stats: dict[str, Any] = response.json()
            return stats


def on_spotify_emulator(settings: Settings, url: str, client_id: str | None = None, secret: str = "secret") -> Settings:
    """`settings` with the Spotify client on the emulator at `url`, without its rate limit in the way.

    A fresh client id by default: the shared limiter and breaker keep their state per client id.
    """
    return settings.model_copy(
        update={
            "spotify_api_base_url": url,
            "spotify_accounts_base_url": url,
            "spotify_client_id": client_id or f"client-{uuid.uuid4().hex}",
            "spotify_client_secret": SecretStr(secret),
            "spotify_requests_per_30s": 10_000,
        }
    )


def music_events_between(world: World, first_day: int, last_day: int, country: str = "US") -> list[str]:
    """Ids of `country`'s music events with a bill, starting between today+first_day and today+last_day."""
    now = dt.datetime.now(dt.UTC)
    start, end = now + dt.timedelta(days=first_day), now + dt.timedelta(days=last_day)
    return [
        event.id
        for event in world.events.values()
        if event.classification.segment[1] == "Music"
        and event.attraction_ids
        and world.venues[event.venue_id].country_code == country
        and event.sort_instant is not None
        and start <= event.sort_instant <= end
    ]


SPORTS = TmClassification(
    ("KZFzniwnSyZfZ7v7nE", "Sports"), ("KnvZfZ7vAde", "Basketball"), ("KZazBEonSMnZfZ7vFJA", "NBA")
)


def add_sports_event(world: World) -> TmEvent:
    """A basketball game at a new arena with a music act at half-time: a Sports event with a secondary
    Music classification, which a music search returns. Its act is the headliner of a music event."""
    music = next(
        event
        for event in sorted(world.events.values(), key=lambda e: e.id)
        if event.classification.segment[1] == "Music" and event.attraction_ids and event.start_utc is not None
    )
    venue = replace(world.venues[music.venue_id], id="KovZpZAsportsArena01", name="City Arena")
    act = world.attractions[music.attraction_ids[0]]
    team = replace(
        act,
        id="K8vZ917sportsTeam001",
        name="City Hoopers",
        role="non_music",
        classification=SPORTS,
        match_case="non_music",
        spotify_id=None,
        external_links={},
        aliases=[],
    )
    game = replace(
        music,
        id="Z7r9jZ1AsportsGame001",
        name=f"City Hoopers vs. Rivals, half-time: {act.name}",
        venue_id=venue.id,
        attraction_ids=[team.id, act.id],
        classification=SPORTS,
        other_classifications=[music.classification],
    )
    world.venues[venue.id] = venue
    world.attractions[team.id] = team
    world.events[game.id] = game
    return game


def add_album(world: World, artist_id: str, name: str, released: dt.date, n_tracks: int) -> SpotifyAlbum:
    """A new album of `artist_id` on the Spotify side, with its tracks (ids are 22-character base62)."""
    serial = len(world.albums)
    album = SpotifyAlbum(
        id=f"NewAlbum{serial:014d}",
        name=name,
        album_type="album",
        artist_ids=[artist_id],
        release_date=released.isoformat(),
        release_date_precision="day",
        images=[],
        label="Self-released",
        popularity=50,
        upc=f"{serial:012d}",
    )
    for number in range(1, n_tracks + 1):
        track = SpotifyTrack(
            id=f"NewTrack{serial:08d}x{number:05d}",
            name=f"{name} Song {number}",
            album_id=album.id,
            artist_ids=[artist_id],
            duration_ms=200_000,
            track_number=number,
            disc_number=1,
            explicit=False,
            preview_url=None,
            popularity=55,
            isrc=f"USNEW{serial:04d}{number:03d}",
        )
        world.tracks[track.id] = track
        album.track_ids.append(track.id)
    world.albums[album.id] = album
    world.artists[artist_id].album_ids.append(album.id)
    return album


async def catalog_is_whole() -> bool:
    """Every show has its headliner first on its bill: no page was half-written."""
    _, rows = await connections.get("default").execute_query(
        """
        SELECT count(*) AS broken FROM shows s
        WHERE NOT EXISTS (
            SELECT 1 FROM show_artists sa
            WHERE sa.show_id = s.id AND sa.billing_order = 0 AND sa.artist_id = s.headliner_id
        )
        """
    )
    return int(rows[0]["broken"]) == 0


class ProgressRecorder:
    """A `tasks.Progress` that remembers what it was told."""

    def __init__(self) -> None:
        self.totals: list[tuple[int | None, str]] = []
        self.done = 0

    def total(self, total: int | None, unit: str) -> None:
        self.totals.append((total, unit))

    def advance(self, n: int = 1) -> None:
        self.done += n


def assert_one_shared_ticketmaster_pace(stats: dict[str, Any]) -> None:
    """Several processes paced by one shared limiter, judged from the Ticketmaster emulator's stats.

    Never past TM's 5 requests in any second: slots 300 ms apart give 4, unshared limiters measured 6-8.
    The emulator times arrivals on a busy 2-core machine, so one call handled late can land inside spike
    arrest's 200 ms after the previous one (the client retries it); unshared limiters measured 2-6.
    """
    assert stats["max_requests_in_any_window"] <= 5, stats
    assert stats["spike_arrest_violations"] <= 1, stats
