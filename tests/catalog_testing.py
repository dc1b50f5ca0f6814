"""Helpers for the sync tests: emulator control and settings, ground truth from the world, catalog invariants."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette
from tortoise import connections

from app.emulators.world import World
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
