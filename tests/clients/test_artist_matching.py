"""Name normalisation and Spotify id parsing (app/catalog/matching.py)."""

from __future__ import annotations

import pytest

from app.catalog.matching import is_same_artist_name, normalize_artist_name, song_title_key, spotify_id_from_url


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


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF", "0OdUWJ0sBjDrqHygGUXeCF"),
        ("https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF?si=a1b2c3", "0OdUWJ0sBjDrqHygGUXeCF"),
        (" http://open.spotify.com/intl-de/artist/0OdUWJ0sBjDrqHygGUXeCF/ ", "0OdUWJ0sBjDrqHygGUXeCF"),
        ("spotify:artist:0OdUWJ0sBjDrqHygGUXeCF", "0OdUWJ0sBjDrqHygGUXeCF"),
        ("https://open.spotify.com/track/0OdUWJ0sBjDrqHygGUXeCF", None),
        ("https://open.spotify.com/artist/tooShort", None),
        ("https://example.com/artist/0OdUWJ0sBjDrqHygGUXeCF", None),
    ],
)
def test_spotify_id_from_url(url: str, expected: str | None) -> None:
    assert spotify_id_from_url(url) == expected
