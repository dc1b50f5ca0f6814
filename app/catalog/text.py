"""Text folding for search: case- and accent-insensitive comparison keys."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Letters that NFKD does not decompose into base letter + accent.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"})


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: 'Beyoncé  Knowles' -> 'beyonce knowles', 'Bjørk' -> 'bjork'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACES.sub(" ", stripped).strip()


def slugify(text: str) -> str:
    """A URL-safe slug: 'Beyoncé & Jay-Z' -> 'beyonce-jay-z'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "artist"
