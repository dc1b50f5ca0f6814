"""Test helpers for setlists: the Spotify emulator as the tests see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.catalog.matching import is_same_artist_name
from app.emulators.spotify import SpotifyState
from app.emulators.world import SpotifyArtist, World


@dataclass
class Spotify:
    """The emulator on its socket, with its in-process state (faults, counters)."""

    url: str
    state: SpotifyState
    world: World

    def faults(self, **patch: Any) -> None:
        self.state.faults.update(patch)

    def requests(self, path: str) -> int:
        """API requests so far whose route template is `path`, e.g. "/v1/search"."""
        return self.state.stats.requests_by_path[path]

    def headliner(self) -> SpotifyArtist:
        """An artist with at least ten songs whose name no other Spotify artist shares (matchable by name)."""
        artists = list(self.world.artists.values())
        for artist in sorted(artists, key=lambda a: -len(a.album_ids)):
            namesakes = [other for other in artists if is_same_artist_name(other.name, artist.name)]
            if len(namesakes) == 1 and sum(len(self.world.albums[a].track_ids) for a in artist.album_ids) >= 10:
                return artist
        raise AssertionError("the world has no suitable headliner")

    def other_artist(self, *not_these: SpotifyArtist) -> SpotifyArtist:
        taken = {artist.id for artist in not_these}
        return next(a for a in self.world.artists.values() if a.id not in taken and a.album_ids)

    def track_by(self, artist: SpotifyArtist, index: int = 0) -> str:
        """The id of one of the artist's tracks (from its own releases)."""
        tracks = [t for album in artist.album_ids for t in self.world.albums[album].track_ids]
        mine = [t for t in tracks if self.world.tracks[t].artist_ids[0] == artist.id]
        return mine[index]
