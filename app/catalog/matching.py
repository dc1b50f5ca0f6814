"""Matching names and ids across Ticketmaster and Spotify.

Deliberately strict: fuzzy matching is how a similarly named act ends up with another artist's songs
(docs/vendors.md, "Names across services"). Normalisation only removes differences of spelling that never distinguish
two artists (case, accents, "&" vs "and", punctuation, spacing); it never drops or changes letters,
so "The Midnight Owlz" and "The Midnight Owls" stay different.
"""

from __future__ import annotations

import re

from app.catalog.text import fold

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
_SPOTIFY_ARTIST_URL = re.compile(
    r"^(?:https?://open\.spotify\.com/(?:intl-[a-z]{2}(?:-[a-z]{2})?/)?artist/|spotify:artist:)"
    r"([0-9A-Za-z]{22})(?:[/?#].*)?$",
    re.IGNORECASE,
)


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


def spotify_id_from_url(url: str) -> str | None:
    """The 22-character artist id from `https://open.spotify.com/artist/<id>[?...]`, else None."""
    match = _SPOTIFY_ARTIST_URL.match(url.strip())
    # The base62 id is case-sensitive: only the URL prefix is matched case-insensitively.
    return match.group(1) if match else None
