"""Matching Ticketmaster acts to Spotify artists by name, and song titles to each other.

Deliberately strict: fuzzy matching is how a similarly named act ends up with another artist's songs
(docs/vendors.md, "Names across services"). Normalisation only removes differences of spelling that never distinguish
two artists (case, accents, "&" vs "and", punctuation, spacing); it never drops or changes letters,
so "The Midnight Owlz" and "The Midnight Owls" stay different.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from app.catalog.text import fold
from app.clients.spotify import SpotifyArtist

logger = logging.getLogger(__name__)

_NON_WORD = re.compile(r"[\W_]+")
# Apostrophes join ("Guns N' Roses" = "Guns N Roses", "Don't" = "Dont"); dots separate, because
# "M.U.S.E." and "Muse" are different Spotify artists.
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")
_AMPERSAND = re.compile(r"\s*&\s*")
# Version suffixes that do not make a different song: "Song - Remastered 2011", "Song (Live)".
_VERSION_WORDS = r"remaster(?:ed)?|live|version|edit|mix|remix|mono|stereo|demo|acoustic|single"
_VERSION_SUFFIX = re.compile(
    rf"\s+-\s+[^-]*\b(?:{_VERSION_WORDS})\b.*$|\s*[(\[][^)\]]*\b(?:{_VERSION_WORDS})\b[^)\]]*[)\]]",
    re.IGNORECASE,
)
# Extra result pages scanned when the first has no exact match: a short name such as "ano" is buried
# under ANOTR, Anor, Anouk by fuzzy search.
_EXACT_SEARCH_EXTRA_PAGES = 2


def normalize_artist_name(name: str) -> str:
    """Casefolded, accent-free, "&" as "and", punctuation and runs of spaces as one space."""
    folded = _APOSTROPHES.sub("", _AMPERSAND.sub(" and ", fold(name)))
    normalized = _NON_WORD.sub(" ", folded).strip()
    # A name made only of punctuation ("!!!") keeps its characters rather than becoming "".
    return normalized or " ".join(folded.split())


def is_same_artist_name(a: str, b: str) -> bool:
    """True when the two names are equal after `normalize_artist_name`."""
    return normalize_artist_name(a) == normalize_artist_name(b)


def song_title_key(title: str) -> str:
    """A de-duplication key for song titles: normalised, without remaster/live/edit suffixes."""
    return normalize_artist_name(_VERSION_SUFFIX.sub("", title)) or normalize_artist_name(title)


class ArtistSearch(Protocol):
    """The part of the Spotify client the exact-name match uses."""

    @property
    def page_limit(self) -> int: ...

    async def search_artists(self, q: str, limit: int = 10, offset: int = 0) -> list[SpotifyArtist]: ...


async def find_spotify_artist(spotify: ArtistSearch, name: str) -> SpotifyArtist | None:
    """The one Spotify artist whose normalised name equals `name`'s; None when none or several do.

    A result counts only if `is_same_artist_name` holds (near-names never count). Exactly one distinct
    exact match is accepted: two or more are different artists sharing a name, and picking the more
    popular one is how a wrong-artist show reaches customers, so the act stays unlinked. The first
    page is scanned, and up to two more only if it had no exact match.
    """
    matches: dict[str, SpotifyArtist] = {}
    offset = 0
    for _ in range(1 + _EXACT_SEARCH_EXTRA_PAGES):
        limit = spotify.page_limit
        results = await spotify.search_artists(name, limit=limit, offset=offset)
        matches.update((artist.id, artist) for artist in results if is_same_artist_name(artist.name, name))
        # page_limit again: the search may just have taught the client it is a development-mode app.
        if matches or len(results) < min(limit, spotify.page_limit):
            break
        offset += len(results)
    if len(matches) > 1:
        logger.info("spotify: %d artists named %r; leaving it unmatched", len(matches), name)
    return next(iter(matches.values())) if len(matches) == 1 else None
