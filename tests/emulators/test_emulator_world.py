"""The generated world: deterministic, fast, and seeded with the traps a sync job must survive."""

from __future__ import annotations

import datetime as dt
import re

from app.emulators.world import PLACEHOLDER_SALES_START, World, build_world, normalize_name


def test_same_seed_gives_the_same_world(world: World) -> None:
    again = build_world(seed=7, today=world.today)
    assert list(again.events) == list(world.events)
    assert again.ground_truth() == world.ground_truth()
    assert list(build_world(seed=8, today=world.today).events) != list(world.events)


def test_ids_look_like_the_real_ones(world: World) -> None:
    assert all(re.fullmatch(r"[0-9A-Za-z]{22}", i) for i in [*world.artists, *world.albums, *world.tracks])
    assert all(re.fullmatch(r"K8vZ917[0-9A-Za-z]{7,11}", i) for i in world.attractions)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{13,21}", i) for i in world.events)
    assert all(i.startswith(("KovZpZA", "Z6r", "ZFr")) for i in world.venues)


def test_events_span_the_next_six_months_with_multi_artist_bills(world: World) -> None:
    dated = [e.local_date for e in world.events.values() if e.local_date]
    assert min(dated) > world.today
    assert max(dated) <= world.today + dt.timedelta(days=183)
    assert {len(e.attraction_ids) for e in world.events.values()} >= {0, 1, 2, 3, 4}
    missing_tz = sum(not e.show_timezone for e in world.events.values()) / len(world.events)
    assert 0.15 < missing_tz < 0.35
    assert any(e.sales_start == PLACEHOLDER_SALES_START for e in world.events.values())
    assert any(v.city != v.city.strip() for v in world.venues.values())


def test_upcoming_event_counts_match_the_events(world: World) -> None:
    for attraction in world.attractions.values():
        assert attraction.upcoming_events == len(world.events_for_attraction(attraction.id))
    music = [a for a in world.attractions.values() if a.role != "non_music"]
    assert all(a.upcoming_events >= 2 for a in music)


def test_headliners_are_linked_but_about_a_third_of_support_acts_are_not(world: World) -> None:
    supports = [a for a in world.attractions.values() if a.role == "support"]
    unlinked = [a for a in supports if a.spotify_link_id is None]
    assert 0.2 <= len(unlinked) / len(supports) <= 0.5
    headliners = [a for a in world.attractions.values() if a.role == "headliner"]
    assert sum(a.spotify_link_id is None for a in headliners) == 1  # only the near-name-only "The Midnight Owls"
    for attraction in world.attractions.values():
        if attraction.spotify_link_id is not None:
            assert attraction.spotify_link_id == world.spotify_artist_for_attraction(attraction.id)


def test_ground_truth_cases_are_what_their_names_say(world: World) -> None:
    for attraction in world.attractions_by_case("exact_name"):
        exact = world.spotify_artists_named(attraction.name)
        assert [a.id for a in exact] == [attraction.spotify_id]
    for attraction in world.attractions_by_case("normalized_name"):
        truth = world.artists[attraction.spotify_id or ""]
        assert truth.name != attraction.name
        assert normalize_name(truth.name) == normalize_name(attraction.name)
    near_only = world.attractions_by_case("near_name_only")
    assert len(near_only) >= 4
    for attraction in near_only:
        assert attraction.spotify_id is None
        assert not world.spotify_artists_named(attraction.name)
        assert not [a for a in world.artists.values() if normalize_name(a.name) == normalize_name(attraction.name)]
    harbor = world.attractions_named("Harbor")[0]
    same_name = world.spotify_artists_named("Harbor")
    assert len(same_name) == 2
    assert harbor.spotify_id == min(same_name, key=lambda a: a.popularity).id  # the link points at the obscure one


def test_discographies_have_top_tracks_and_shared_isrcs(world: World) -> None:
    for artist in world.artists.values():
        assert artist.album_ids
        assert 0 < len(artist.top_track_ids) <= 10
        assert all(world.tracks[t].artist_ids[0] == artist.id for t in artist.top_track_ids)
    isrcs = [t.isrc for t in world.tracks.values()]
    assert len(set(isrcs)) < len(isrcs)  # lead singles reappear on their albums
    assert any(t.preview_url is None for t in world.tracks.values())
    assert {a.release_date_precision for a in world.albums.values()} >= {"day", "year"}
