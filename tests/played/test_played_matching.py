"""Played songs to catalog songs: suffixes only at the end, medleys, tapes and unknown names; which entry a show is."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from app.catalog.models import Song, Venue
from app.clients.setlistfm import Setlist
from app.played.matching import CatalogIndex, bare_title, is_scored, medley_parts
from app.played.service import choose_setlist, flatten

pytestmark = pytest.mark.usefixtures("orm")  # unsaved rows still need the ORM's field set-up
FIXTURES = Path(__file__).parents[1] / "clients" / "fixtures"


def song(song_id: int, name: str, rank: int | None = None) -> Song:
    return Song(
        id=song_id, spotify_id=f"s{song_id}", artist_id=1, name=name, rank=rank, cached_at=dt.datetime.now(dt.UTC)
    )


def test_version_and_featuring_suffixes_are_stripped_only_at_the_end() -> None:
    assert bare_title("Yellow (Live)") == "Yellow"
    assert bare_title("Yellow - Remastered 2011") == "Yellow"
    assert bare_title("Yellow (feat. Someone Else)") == "Yellow"
    assert bare_title("Yellow (feat. Someone) - Live at Wembley") == "Yellow"
    assert bare_title("Live Forever") == "Live Forever"  # a word of the title, not a suffix
    assert bare_title("Yellow (Live) Reprise") == "Yellow (Live) Reprise"
    assert bare_title("Yellow (Reprise)") == "Yellow (Reprise)"  # another song


def test_medleys_split_on_spaced_slashes_only() -> None:
    assert medley_parts("Intro / Yellow / Fix You") == ["Intro", "Yellow", "Fix You"]
    assert medley_parts("AC/DC Tribute") == ["AC/DC Tribute"]
    assert medley_parts("Yellow / ") == ["Yellow /"]


def test_tapes_and_unknown_names_are_kept_but_not_scored() -> None:
    assert not is_scored("Fanfare", tape=True)
    assert not is_scored("", tape=False)
    assert not is_scored(" ? ", tape=False)
    assert is_scored("Yellow", tape=False)


def test_the_catalog_index_matches_folded_names_and_prefers_the_best_ranked_duplicate() -> None:
    index = CatalogIndex.of(
        [song(1, "Beyoncé Song - Remastered 2011", rank=7), song(2, "Beyoncé Song", rank=2), song(3, "Other")]
    )
    assert index.match("BEYONCE SONG (Live)") == index.by_key["beyonce song"]
    assert index.match("beyonce song").id == 2  # type: ignore[union-attr]
    assert index.match("Beyonce Songs") is None  # a near name is another song
    assert index.match("?") is None


def sample(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_a_recorded_setlist_flattens_in_order_with_tapes_covers_medleys_and_encores() -> None:
    raw = sample("setlistfm_setlist_rammstein_63ab8613_2024.json")
    setlist = Setlist.model_validate(raw)
    catalog = [song(i, s.name) for i, s in enumerate(setlist.sets[0].songs[1:4], start=1) if s.name]
    rows = flatten(setlist, CatalogIndex.of(catalog))

    entries = [s for one in setlist.sets for s in one.songs]
    assert max(r.position for r in rows) == len(entries)
    assert len(rows) == sum(len(medley_parts(s.name)) for s in entries)
    assert [r.tape for r in rows if r.medley_part in (None, 1)] == [s.tape for s in entries]
    assert {r.song_id for r in rows if r.song_id} == {s.id for s in catalog}
    assert all(r.song_id is None for r in rows if r.tape)
    encores = [r for r in rows if r.encore]
    assert encores
    assert all(r.set_index > 0 for r in encores)
    covers = [s.cover.name for s in entries if s.cover]
    assert [r.cover_artist for r in rows if r.cover_artist and r.medley_part in (None, 1)] == covers


def entry(setlist_id: str, venue: str, city: str, mbid: str = "a") -> Setlist:
    return Setlist.model_validate(
        {
            "id": setlist_id,
            "versionId": "v1",
            "eventDate": "01-12-2026",
            "artist": {"mbid": mbid, "name": "A"},
            "venue": {"name": venue, "city": {"name": city, "country": {"code": "US"}}},
        }
    )


def test_two_entries_of_one_day_are_told_apart_by_venue_then_city_or_not_at_all() -> None:
    venue = Venue(name="The Ocean", city="Chicago")
    radio = entry("1", "KXRT Studios", "Chicago")
    show = entry("2", "The Ocean", "Chicago")
    elsewhere = entry("3", "Civic Hall", "Detroit")
    other_artist = entry("4", "The Ocean", "Chicago", mbid="b")

    assert choose_setlist([radio, show, other_artist], "a", venue) == show
    assert choose_setlist([elsewhere, entry("5", "Riverside", "Chicago")], "a", venue).id == "5"  # type: ignore[union-attr]
    assert choose_setlist([radio, entry("6", "Studio 4", "Chicago")], "a", venue) is None
    assert choose_setlist([other_artist], "a", venue) is None
    assert choose_setlist([elsewhere], "a", venue) == elsewhere  # the artist's one entry of the day
