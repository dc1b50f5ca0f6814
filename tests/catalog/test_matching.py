"""Name normalisation and the exact-name match of an act to a Spotify artist (app/catalog/matching.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.catalog.matching import find_spotify_artist, is_same_artist_name, normalize_artist_name, song_title_key
from app.clients.spotify import SpotifyArtist

SAMPLES = Path(__file__).parent.parent / "clients" / "fixtures"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mumford & Sons", "Mumford and Sons"),
        ("Beyoncé", "BEYONCE"),
        ("Sigur Rós", "sigur ros"),
        ("  The   Midnight Owls ", "The Midnight Owls"),
        ("Guns N' Roses", "Guns N Roses"),
        ("AC/DC", "AC-DC"),
        ("Mø", "MO"),
        ("!!!", "!!!"),
    ],
)
def test_same_artist_names(a: str, b: str) -> None:
    assert is_same_artist_name(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Midnight Owls", "The Midnight Owlz"),
        ("The Midnight Owls", "Midnight Owls"),
        ("Muse", "M.U.S.E."),
        ("Dethklok", "Metalocalypse: Dethklok"),
        ("ano", "ANOTR"),
        ("!!!", "???"),
    ],
)
def test_near_names_stay_different(a: str, b: str) -> None:
    assert not is_same_artist_name(a, b)


def test_normalize_artist_name() -> None:
    assert normalize_artist_name("  Florence + The Machine ") == "florence the machine"
    assert normalize_artist_name("Hall & Oates") == "hall and oates"


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Hey Jude - Remastered 2015", "hey jude"),
        ("Moonlight (Live at Wembley)", "moonlight"),
        ("Heaven (David Guetta & MORTEN Remix)", "heaven"),
        ("Something [Mono]", "something"),
        ("Live Forever", "live forever"),  # a word of the title, not a version suffix
        ("Take On Me", "take on me"),
    ],
)
def test_song_title_key(title: str, key: str) -> None:
    assert song_title_key(title) == key


class FakeSearch:
    """Spotify's artist search as pages of names (popular near-names first, as fuzzy search ranks them)."""

    def __init__(self, pages: list[list[str]], *, page_limit: int = 10) -> None:
        self.pages = pages
        self.page_limit = page_limit
        self.offsets: list[int] = []

    async def search_artists(self, q: str, limit: int = 10, offset: int = 0) -> list[SpotifyArtist]:
        self.offsets.append(offset)
        index = offset // self.page_limit
        names = self.pages[index] if index < len(self.pages) else []
        return [SpotifyArtist(id=f"id{offset + n:020d}", name=name) for n, name in enumerate(names)]


@pytest.mark.parametrize(
    ("query", "names", "expected"),
    [
        ("The Midnight Owls", ["The Midnight Owlz", "Midnight Owls", "The Midnight Owls Tribute"], None),
        ("Mumford & Sons", ["Mumford and Sons", "Mumford"], "Mumford and Sons"),
        ("Beyoncé", ["BEYONCE"], "BEYONCE"),
        ("Sigur Ros", ["Sigur Rós", "Sigur Rós"], None),  # two distinct ids, one name: ambiguous
    ],
)
async def test_find_spotify_artist(query: str, names: list[str], expected: str | None) -> None:
    found = await find_spotify_artist(FakeSearch([names]), query)
    assert (found.name if found else None) == expected


async def test_exact_name_rule_on_the_recorded_muse_search() -> None:
    # The recorded page holds both "Muse" and "MUSE": two different artists with one name.
    body = json.loads((SAMPLES / "spotify_search_artist.json").read_text())
    artists = [SpotifyArtist.model_validate(item) for item in body["artists"]["items"]]

    class Recorded(FakeSearch):
        async def search_artists(self, q: str, limit: int = 10, offset: int = 0) -> list[SpotifyArtist]:
            return artists

    assert await find_spotify_artist(Recorded([]), "Muse") is None
    found = await find_spotify_artist(Recorded([]), "Muse And The Forgetting")
    assert found is not None
    assert found.id == "5l8lZmnKzCAUKKtNZMzbVO"


async def test_exact_name_buried_by_fuzzy_search_is_found_on_a_later_page() -> None:
    search = FakeSearch([[f"Ano{suffix}" for suffix in "TRUVWXYZQP"], ["ano", "Anouk"]])
    found = await find_spotify_artist(search, "ANO")
    assert found is not None
    assert found.name == "ano"
    assert search.offsets == [0, 10]


async def test_at_most_three_pages_are_scanned() -> None:
    search = FakeSearch([[f"Ano{n}{suffix}" for suffix in "TRUVWXYZQP"] for n in range(5)])
    assert await find_spotify_artist(search, "ANO") is None
    assert search.offsets == [0, 10, 20]
