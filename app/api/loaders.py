"""DataLoaders, made per request: every list-to-foreign-key field is one query per batch. They only read.

(Writes a read may cause, such as a show's setlist made on its first visit, go through
`Context.setlists_on_first_visit`, named for what it does.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property
from typing import TypeVar

from strawberry.dataloader import DataLoader

from app.catalog import service as catalog
from app.catalog.models import Artist, Show, Song, Venue
from app.setlists import service as setlists
from app.setlists.models import SetlistSong

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


def _votes_loader() -> DataLoader[tuple[int, int], bool]:
    """Whether (user id, setlist song id) is a vote: one query for all the songs a page shows."""

    async def load(keys: list[tuple[int, int]]) -> list[bool]:
        found = await setlists.votes_of_users(keys)
        return [key in found for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """One request's DataLoaders, each made on first use: a vote needs one of the ten, a show page most.

    (Made eagerly, the ten loaders and their caches were ~60 garbage-collected objects per request.)
    """

    @cached_property
    def artist(self) -> DataLoader[int, Artist | None]:
        return _one_each(catalog.artists_by_ids)

    @cached_property
    def venue(self) -> DataLoader[int, Venue | None]:
        return _one_each(catalog.venues_by_ids)

    @cached_property
    def lineup(self) -> DataLoader[int, list[Artist]]:
        return _many_each(catalog.lineups_by_show_ids)

    @cached_property
    def artist_songs(self) -> DataLoader[int, list[Song]]:
        return _many_each(catalog.songs_by_artist_ids)

    @cached_property
    def artist_upcoming_shows(self) -> DataLoader[int, list[Show]]:
        return _many_each(catalog.upcoming_shows_by_artist_ids)

    @cached_property
    def show(self) -> DataLoader[int, Show | None]:
        return _one_each(setlists.shows_by_ids)

    @cached_property
    def song(self) -> DataLoader[int, Song | None]:
        return _one_each(setlists.catalog_songs_by_ids)

    @cached_property
    def setlist_songs(self) -> DataLoader[int, list[SetlistSong]]:
        return _many_each(setlists.songs_by_setlist_ids)

    @cached_property
    def viewer_votes(self) -> DataLoader[tuple[int, int], bool]:
        return _votes_loader()
