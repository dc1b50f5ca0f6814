"""DataLoaders, made per request: every list-to-foreign-key field is one query per batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import InitVar, dataclass, field
from typing import TypeVar

from strawberry.dataloader import DataLoader

from app.catalog import service as catalog
from app.catalog.models import Artist, Show, Song, Venue
from app.resources import Resources
from app.setlists import service as setlists
from app.setlists import tasks as setlist_tasks
from app.setlists.models import Setlist, SetlistSong

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


@dataclass
class Loaders:
    artist: DataLoader[int, Artist | None] = field(default_factory=lambda: _one_each(catalog.artists_by_ids))
    venue: DataLoader[int, Venue | None] = field(default_factory=lambda: _one_each(catalog.venues_by_ids))
    lineup: DataLoader[int, list[Artist]] = field(default_factory=lambda: _many_each(catalog.lineups_by_show_ids))
    artist_songs: DataLoader[int, list[Song]] = field(default_factory=lambda: _many_each(catalog.songs_by_artist_ids))
    artist_upcoming_shows: DataLoader[int, list[Show]] = field(
        default_factory=lambda: _many_each(catalog.upcoming_shows_by_artist_ids)
    )
    show: DataLoader[int, Show | None] = field(default_factory=lambda: _one_each(setlists.shows_by_ids))
    song: DataLoader[int, Song | None] = field(default_factory=lambda: _one_each(setlists.catalog_songs_by_ids))
    setlist_songs: DataLoader[int, list[SetlistSong]] = field(
        default_factory=lambda: _many_each(setlists.songs_by_setlist_ids)
    )
    viewer_votes: DataLoader[tuple[int, int], bool] = field(default_factory=_votes_loader)
    # Creates missing setlists, so it needs the process's resources (Spotify, the fill queue).
    setlist_of_show: DataLoader[int, Setlist | None] = field(init=False)
    resources: InitVar[Resources | None] = None

    def __post_init__(self, resources: Resources | None) -> None:
        async def ensure(show_ids: Sequence[int]) -> dict[int, Setlist]:
            if resources is None:
                raise RuntimeError("Loaders(resources) is needed to create setlists")
            return await setlists.ensure_setlists(show_ids, setlist_tasks.source_for(resources))

        self.setlist_of_show = _one_each(ensure)
