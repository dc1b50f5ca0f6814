"""Which songs count and how: title keys, medleys, tape and unknown songs, predictability, the seed's order."""

from __future__ import annotations

import datetime as dt

import pytest

from app.clients.setlistfm import Setlist
from app.tours.service import PastShow, current_tour, most_played, played_songs, predictability_of, title_key


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Yellow (Live)", "yellow"),
        ("Yellow - Remastered 2011", "yellow"),
        ("Yellow (feat. Someone Else)", "yellow"),
        ("Yellow (Live) (feat. Someone)", "yellow"),
        ("Live and Let Die", "live and let die"),  # a version word inside a title is the title
        ("(Live) Forever", "live forever"),
        ("The Remix Song Reprise", "the remix song reprise"),
        ("Harvest (Reprise)", "harvest reprise"),  # a reprise is another song
        ("Beyoncé's  Song!", "beyonces song"),
    ],
)
def test_version_suffixes_are_stripped_only_at_the_end(title: str, key: str) -> None:
    assert title_key(title) == key


def setlist(*songs: dict[str, object]) -> Setlist:
    return Setlist.model_validate(
        {
            "id": "1",
            "versionId": "g1",
            "eventDate": "01-06-2026",
            "artist": {"mbid": "m", "name": "A"},
            "sets": {"set": [{"song": list(songs)}]},
        }
    )


def test_medleys_split_and_tape_and_unknown_songs_are_not_scored() -> None:
    songs = played_songs(
        setlist(
            {"name": "Intro", "tape": True},
            {"name": "One / Two (Live)"},
            {"name": "?"},
            {"name": ""},
            {"name": "Cover Song", "cover": {"mbid": "x", "name": "B"}},
        )
    )

    assert [(s.name, s.key, s.medley_part, s.cover) for s in songs] == [
        ("Intro", "", None, False),
        ("One", "one", 1, False),
        ("Two (Live)", "two", 2, False),
        ("?", "", None, False),
        ("", "", None, False),
        ("Cover Song", "cover song", None, True),
    ]


def test_predictability_is_the_mean_jaccard_of_consecutive_full_shows() -> None:
    a = {f"s{i}" for i in range(10)}
    b = {f"s{i}" for i in range(2, 12)}  # 8 shared of 12: 2/3
    stub: set[str] = set()
    short = {"s1", "s2"}  # a radio session: ignored

    assert predictability_of([a, stub, short, b, a]) == pytest.approx((8 / 12 + 8 / 12) / 2, abs=1e-4)
    assert predictability_of([a, stub]) is None


def show(day: int, keys: list[str], tour: str | None = "T") -> PastShow:
    return PastShow(dt.date(2026, 5, day), tour, set(keys), keys)


def test_most_played_weighs_recent_shows_more_and_breaks_ties_by_position() -> None:
    filler = [f"f{i}" for i in range(8)]
    newest = show(30, ["new", "b", "a", *filler])
    older = [show(29 - i, ["old", "a", "b", *filler]) for i in range(1)]

    ranked = most_played([newest, *older])

    # "a" and "b" are played at both shows: "a" comes first on average; "new" (newest show) beats "old".
    assert ranked.index("a") < ranked.index("b")
    assert ranked.index("new") < ranked.index("old")


def test_the_current_tour_is_the_newest_full_shows_tour_else_the_last_six_months() -> None:
    songs = [f"s{i}" for i in range(10)]
    shows = [show(30, songs[:3], "Next"), show(29, songs, "Now"), show(28, songs, "Now"), show(1, songs, "Then")]
    assert [s.event_date.day for s in current_tour(shows, dt.date(2026, 6, 1))] == [29, 28]

    untoured = [
        PastShow(dt.date(2026, 5, 1), None, set(songs), songs),
        PastShow(dt.date(2025, 1, 1), None, set(songs), songs),
    ]
    assert [s.event_date.year for s in current_tour(untoured, dt.date(2026, 6, 1))] == [2026]
