"""DataLoaders, made per request: every list-to-foreign-key field is one query per batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from strawberry.dataloader import DataLoader

from app.catalog import service as catalog
from app.catalog.models import Artist, Show, Song, Venue

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one_each(fetch: Callable[[Sequence[K]], Awaitable[dict[K, V]]]) -> DataLoader[K, V | None]:
    """A loader that answers each key with its row, or None."""

    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _many_each(fetch: Callable[[Sequence[K]], Awaitable[dict[K, list[V]]]]) -> DataLoader[K, list[V]]:
    """A loader that answers each key with its list of rows (empty when none)."""

    async def load(keys: list[K]) -> list[list[V]]:
        found = await fetch(keys)
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    artist: DataLoader[int, Artist | None] = field(default_factory=lambda: _one_each(catalog.artists_by_ids))
    venue: DataLoader[int, Venue | None] = field(default_factory=lambda: _one_each(catalog.venues_by_ids))
    lineup: DataLoader[int, list[Artist]] = field(default_factory=lambda: _many_each(catalog.lineups_by_show_ids))
    artist_songs: DataLoader[int, list[Song]] = field(default_factory=lambda: _many_each(catalog.songs_by_artist_ids))
    artist_upcoming_shows: DataLoader[int, list[Show]] = field(
        default_factory=lambda: _many_each(catalog.upcoming_shows_by_artist_ids)
    )
