"""DataLoaders, made per request: every list-to-foreign-key field is one query per batch. They only read.

(Writes a read may cause, such as a show's setlist made on its first visit, go through
`Context.setlists_on_first_visit`, named for what it does.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Hashable
from functools import cached_property
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

from app.catalog import journal
from app.catalog import service as catalog
from app.catalog.models import SyncEvent
from app.platform.rawsql import Row
from app.played import service as played
from app.played.models import PlayedSetlist, PlayedSong
from app.played.service import ScoreInputs
from app.setlists import service as setlists
from app.setlists.models import Setlist, SetlistSong

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Later(Generic[V]):
    """A field value loaded only when the query asks for it: graphql-core awaits it like any awaitable.

    Set as a plain attribute, it keeps the field a basic one (no resolver call, no Info object) for
    the rows that came with their parent, which are most of them.
    """

    __slots__ = ("_load",)

    def __init__(self, load: Callable[[], Awaitable[V]]) -> None:
        self._load = load

    def __await__(self) -> Generator[Any, None, V]:
        return self._load().__await__()


def _one_each(fetch: Callable[[list[K]], Awaitable[dict[K, V]]]) -> DataLoader[K, V | None]:
    """A loader that answers each key with its row, or None."""

    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _many_each(fetch: Callable[[list[K]], Awaitable[dict[K, list[V]]]]) -> DataLoader[K, list[V]]:
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
    """One request's DataLoaders, each made on first use: a vote needs one of them, a show page a few.

    (Made eagerly, the loaders and their caches were ~60 garbage-collected objects per request.)
    They load plain rows (raw SQL); the API's types are built from those.
    """

    def __init__(self) -> None:
        self._setlist_songs: dict[int | None, DataLoader[int, list[Row]]] = {}

    @cached_property
    def artist(self) -> DataLoader[int, Row | None]:
        return _one_each(catalog.artist_rows_by_ids)

    @cached_property
    def venue(self) -> DataLoader[int, Row | None]:
        return _one_each(catalog.venue_rows_by_ids)

    @cached_property
    def lineup(self) -> DataLoader[int, list[Row]]:
        return _many_each(catalog.lineup_rows_by_show_ids)

    @cached_property
    def artist_songs(self) -> DataLoader[int, list[Row]]:
        return _many_each(catalog.song_rows_by_artist_ids)

    @cached_property
    def artist_upcoming_shows(self) -> DataLoader[int, list[Row]]:
        return _many_each(catalog.upcoming_show_rows_by_artist_ids)

    @cached_property
    def show(self) -> DataLoader[int, Row | None]:
        """Shows with their headliner, venue and setlist id (setlists.show_rows_by_ids)."""
        return _one_each(setlists.show_rows_by_ids)

    @cached_property
    def song(self) -> DataLoader[int, Row | None]:
        return _one_each(catalog.song_rows_by_ids)

    def setlist_songs(self, viewer: int | None) -> DataLoader[int, list[Row]]:
        """Setlists' songs with their catalog songs and, for a viewer, whether they voted: one statement."""
        loader = self._setlist_songs.get(viewer)
        if loader is None:
            loader = self._setlist_songs[viewer] = _many_each(
                lambda ids: setlists.song_rows_by_setlist_ids(ids, viewer)
            )
        return loader

    # By id, for `node` and `nodes` (the types other fields reach through the loaders above).
    @cached_property
    def setlist(self) -> DataLoader[int, Setlist | None]:
        return _one_each(setlists.setlists_by_ids)

    @cached_property
    def setlist_song(self) -> DataLoader[int, SetlistSong | None]:
        return _one_each(setlists.setlist_songs_by_ids)

    @cached_property
    def sync_event(self) -> DataLoader[int, SyncEvent | None]:
        return _one_each(journal.sync_events_by_ids)

    @cached_property
    def played_setlist(self) -> DataLoader[int, PlayedSetlist | None]:
        """A show's imported played setlist, by show id."""
        return _one_each(played.played_setlists_by_show_ids)

    @cached_property
    def played_songs(self) -> DataLoader[int, list[PlayedSong]]:
        """A played setlist's songs in the order played, by played setlist id."""
        return _many_each(played.played_songs_by_setlist_ids)

    @cached_property
    def voted_songs(self) -> DataLoader[tuple[int, int], list[int]]:
        """The setlist song ids (user id, setlist id) voted for."""
        return _many_each(setlists.voted_songs)

    @cached_property
    def score_inputs(self) -> DataLoader[int, ScoreInputs | None]:
        """What a setlist's scores are computed from, by setlist id; None until its show's setlist is imported."""
        return _one_each(played.score_inputs_by_setlist_ids)

    @cached_property
    def viewer_votes(self) -> DataLoader[tuple[int, int], bool]:
        return _votes_loader()
