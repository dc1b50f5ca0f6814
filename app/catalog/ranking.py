"""Which songs make an artist's catalog, and in what order: pure rules over Spotify's models.

The catalog is the artist's top tracks (extended-mode apps only) followed by the tracks of a few
releases, deduplicated by id and by song title, ranked, and cut to `max_songs`:

- Releases are opened in `opening_order`: singles newer than the newest album (a new era's songs),
  then albums newest first (many songs per call), then older singles newest first; at most
  `MAX_RELEASES_OPENED`, and none once `max_songs` songs are in. A one-track single whose title is
  already in (an album's lead single) is passed over without opening it: its song would be dropped.
- Ranking: top tracks in Spotify's order, then by popularity when known (extended mode), else newest
  release first, then disc and track number.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from app.catalog.matching import song_title_key
from app.clients.base import Model
from app.clients.spotify import SpotifyAlbum, SpotifyTrack

# Releases an artist's catalog draws on: a first refresh costs one call per release opened, and
# albums come early in the order, so a few releases give most of the songs (README: incremental song refresh).
MAX_RELEASES_OPENED = 5

Source = Literal["top_tracks", "album"]


class CatalogTrack(Model):
    """One song of an artist's catalog as ranked (rank 1 = most relevant)."""

    id: str
    name: str
    rank: int
    source: Source
    album_id: str | None
    album_name: str | None
    release_date: date | None
    release_date_precision: str | None
    duration_ms: int
    popularity: int | None
    preview_url: str | None
    track_number: int | None
    disc_number: int | None
    explicit: bool
    isrc: str | None


def _group(release: SpotifyAlbum) -> str:
    return release.album_group or release.album_type or "album"


def opening_order(releases: Iterable[SpotifyAlbum]) -> list[SpotifyAlbum]:
    """Singles since the newest album, then albums, then older singles; each newest first."""
    listed = list(releases)
    newest_album = max((r.release_day or date.min for r in listed if _group(r) == "album"), default=date.min)

    def key(release: SpotifyAlbum) -> tuple[int, int]:
        released = release.release_day or date.min
        tier = 1 if _group(release) == "album" else 0 if released > newest_album else 2
        return tier, -released.toordinal()

    return sorted(listed, key=key)  # stable: equal keys keep Spotify's listing order


class CatalogBuilder:
    """Collects an artist's tracks, deduplicated by id and by song title, and ranks them."""

    def __init__(self, artist_id: str) -> None:
        self.artist_id = artist_id
        self._tracks: dict[str, tuple[SpotifyTrack, SpotifyAlbum | None, Source]] = {}
        self._titles: set[str] = set()
        self._popularity: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._tracks)

    def has_title(self, title: str) -> bool:
        """Whether a song of this title (after `song_title_key`) is already in."""
        return song_title_key(title) in self._titles

    def passes_over(self, release: SpotifyAlbum) -> bool:
        """A one-track release whose song is already in: opening it could add nothing."""
        return release.total_tracks == 1 and self.has_title(release.name)

    def add(self, track: SpotifyTrack, album: SpotifyAlbum | None, source: Source) -> None:
        """Take `track` unless its id or its song title is already in; another act's track never counts."""
        if source == "album" and not any(artist.id == self.artist_id for artist in track.artists):
            return  # a split single's or a compilation's other act
        title = song_title_key(track.name)
        if track.id in self._tracks or title in self._titles:
            return
        self._tracks[track.id] = (track, album, source)
        self._titles.add(title)

    def ids_missing_popularity(self) -> list[str]:
        return [track.id for track, _, _ in self._tracks.values() if track.popularity is None]

    def set_popularity(self, tracks: Iterable[SpotifyTrack]) -> None:
        self._popularity.update((track.id, track.popularity) for track in tracks if track.popularity is not None)

    def ranked(self, max_songs: int) -> list[CatalogTrack]:
        """Top tracks in Spotify's order, then by popularity when known, else newest release first."""
        entries = list(self._tracks.values())
        top = [entry for entry in entries if entry[2] == "top_tracks"]
        rest = [entry for entry in entries if entry[2] == "album"]

        def key(entry: tuple[SpotifyTrack, SpotifyAlbum | None, Source]) -> tuple[bool, int, int, int, int]:
            track, album, _ = entry
            popularity = self._popularity.get(track.id, track.popularity)
            released = album.release_day if album else None
            return (
                popularity is None,
                -(popularity or 0),
                -(released or date.min).toordinal(),
                track.disc_number or 0,
                track.track_number or 0,
            )

        rest.sort(key=key)
        return [
            CatalogTrack(
                id=track.id,
                name=track.name,
                rank=rank,
                source=source,
                album_id=album.id if album else None,
                album_name=album.name if album else None,
                release_date=album.release_day if album else None,
                release_date_precision=album.release_date_precision if album else None,
                duration_ms=track.duration_ms,
                popularity=self._popularity.get(track.id, track.popularity),
                preview_url=track.preview_url,
                track_number=track.track_number,
                disc_number=track.disc_number,
                explicit=track.explicit,
                isrc=track.isrc,
            )
            for rank, (track, album, source) in enumerate((top + rest)[:max_songs], start=1)
        ]
