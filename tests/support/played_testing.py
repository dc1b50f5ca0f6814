"""Helpers for the played-setlist tests: a world with past shows, its catalog in the database, the emulator."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr
from tortoise.transactions import in_transaction

from app.catalog.ingest import ingest_events
from app.catalog.models import Artist, Show, Song
from app.clients.budget import MemoryDailyBudget
from app.clients.factory import build_ticketmaster_client
from app.clients.ratelimit import MemoryIntervalLimiter
from app.clients.setlistfm import SetlistFmClient
from app.emulators.setlistfm_world import SetlistFmWorld, SlSetlist
from app.emulators.world import World
from app.played.models import PlayedSetlist
from app.settings import Settings


async def load_past_shows(world: World, ticketmaster_url: str, settings: Settings) -> list[Show]:
    """The world's shows of the last 8 days, through the Ticketmaster client, with their headliners' songs."""
    tm_settings = settings.model_copy(
        update={"ticketmaster_base_url": ticketmaster_url, "ticketmaster_api_key": SecretStr(f"key-{uuid.uuid4().hex}")}
    )
    now = dt.datetime.now(dt.UTC)
    async with build_ticketmaster_client(tm_settings, None) as client:
        async for page in client.iter_event_pages(now - dt.timedelta(days=8), now):
            async with in_transaction() as conn:
                await ingest_events(page.events, conn=conn, now=now)
    for artist in await Artist.filter(spotify_id__isnull=False):
        spotify = world.artists.get(artist.spotify_id or "")
        if spotify is None:
            continue
        tracks = [world.tracks[t] for album in spotify.album_ids for t in world.albums[album].track_ids]
        for rank, track in enumerate({t.id: t for t in tracks}.values(), start=1):
            if not await Song.exists(spotify_id=track.id):
                await Song.create(spotify_id=track.id, artist=artist, name=track.name, rank=rank, cached_at=now)
    return await Show.filter(ticketmaster_id__in=list(world.past_events)).select_related("headliner")


def headliner_setlist(world: World, history: SetlistFmWorld, show: Show) -> SlSetlist | None:
    """Ground truth: the headliner's setlist of a show (posted or not)."""
    event = world.past_events[show.ticketmaster_id]
    mbid = world.attractions[event.attraction_ids[0]].musicbrainz_id
    return next((s for s in history.for_tm_event(event.id) if s.artist == mbid), None)


@dataclass
class Day:
    """A settable UTC day for the daily budget."""

    today: dt.date

    def __call__(self) -> dt.date:
        return self.today


def setlistfm_client(url: str, *, budget: int = 1000, day: Callable[[], dt.date] | None = None) -> SetlistFmClient:
    """A client of the emulator at `url` with a fresh key, no spacing to wait for, and its own budget."""
    return SetlistFmClient(
        f"sfm-{uuid.uuid4().hex}",
        base_url=f"{url}/rest",
        limiter=MemoryIntervalLimiter(0.0),
        budget=MemoryDailyBudget(budget, today=day or (lambda: dt.datetime.now(dt.UTC).date())),
    )


async def control(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post(path, json=body or {})
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


async def make_due(*show_ids: int) -> None:
    """As if the next poll's time had come."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    query = PlayedSetlist.filter(show_id__in=list(show_ids)) if show_ids else PlayedSetlist.all()
    await query.update(next_poll_at=past)
