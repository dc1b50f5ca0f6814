"""Matching setlist.fm's played songs to the catalog (an artist's MBID: app.catalog.musicbrainz).

Strict, as the Spotify matching (app.catalog.matching): only differences of spelling that never tell two
artists or two songs apart are ignored, so a namesake's setlists or a similarly named song never count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.catalog.matching import normalize_artist_name
from app.catalog.models import Song
from app.clients.spotify import SpotifyClient, SpotifyTrack

# --- songs -------------------------------------------------------------------------------------------

# Words that make a version of a song, not another song: "Song (Live)", "Song - Remastered 2011".
_VERSION_WORDS = r"remaster(?:ed)?|live|version|edit|mix|remix|mono|stereo|demo|acoustic|single|unplugged"
# Each pattern matches only at the very end of a title: "Live Forever" and "(Reprise)" stay as they are.
_TRAILING = (
    re.compile(r"\s*[(\[]\s*(?:feat\.?|ft\.?|featuring|with)\s[^()\[\]]*[)\]]\s*$", re.IGNORECASE),
    re.compile(rf"\s*[(\[][^()\[\]]*\b(?:{_VERSION_WORDS})\b[^()\[\]]*[)\]]\s*$", re.IGNORECASE),
    re.compile(rf"\s+-\s+[^-]*\b(?:{_VERSION_WORDS})\b[^-]*$", re.IGNORECASE),
)
MEDLEY_SEPARATOR = " / "
# What setlist.fm users enter for a song nobody identified.
UNKNOWN_NAMES = frozenset({"", "?"})


def bare_title(title: str) -> str:
    """The title without its trailing version and featuring suffixes (repeatedly: "X (feat. Y) - Live")."""
    current = title.strip()
    while True:
        stripped = current
        for pattern in _TRAILING:
            stripped = pattern.sub("", stripped)
        if stripped == current or not stripped.strip():
            return current
        current = stripped.strip()


def title_key(title: str) -> str:
    """The comparison key of a song title: its bare title, folded as artist names are."""
    return normalize_artist_name(bare_title(title))


def medley_parts(name: str) -> list[str]:
    """The songs of a medley entry ("A / B" is two songs); a plain song is one part."""
    parts = [part.strip() for part in name.split(MEDLEY_SEPARATOR)]
    return parts if len(parts) > 1 and all(parts) else [name.strip()]


def is_scored(name: str, *, tape: bool) -> bool:
    """Whether a played song counts in the scores: performed (not a tape) and named."""
    return not tape and name.strip() not in UNKNOWN_NAMES


@dataclass
class CatalogIndex:
    """An artist's catalog songs by title key, the best ranked one for titles the catalog has twice."""

    by_key: dict[str, Song] = field(default_factory=dict)

    @classmethod
    def of(cls, songs: Iterable[Song]) -> CatalogIndex:
        index = cls()
        # Ranked songs first, best first: the first song of a key wins.
        for song in sorted(songs, key=lambda s: (s.rank is None, s.rank or 0, s.id)):
            index.by_key.setdefault(title_key(song.name), song)
        return index

    def match(self, name: str) -> Song | None:
        """The catalog song a played name is, or None (kept as a name-only row)."""
        if name.strip() in UNKNOWN_NAMES:
            return None
        return self.by_key.get(title_key(name))


def unmatched_names(names: Iterable[str], index: CatalogIndex) -> list[str]:
    """Scored names the catalog lacks, each once (by title key), in the order played."""
    seen: dict[str, str] = {}
    for name in names:
        if name.strip() not in UNKNOWN_NAMES and index.match(name) is None:
            seen.setdefault(title_key(name), name)
    return list(seen.values())


async def find_on_spotify(client: SpotifyClient, name: str, artist_name: str, spotify_id: str) -> SpotifyTrack | None:
    """The artist's own Spotify track of exactly this title (one search, within the artist), or None."""
    wanted = title_key(name)
    for track in await client.search_tracks(bare_title(name), limit=5, artist_name=artist_name):
        if any(ref.id == spotify_id for ref in track.artists) and title_key(track.name) == wanted:
            return track
    return None
