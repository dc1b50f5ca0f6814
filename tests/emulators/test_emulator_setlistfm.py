"""The setlist.fm emulator over a real socket: shapes, 404s, limits, keys, edits, and its generated data."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import re
import statistics
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from app.emulators.faults import FaultSettings
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.setlistfm_world import SetlistFmWorld, SlSetlist, build_setlistfm_world
from app.emulators.world import World, build_world, normalize_name

KEY = "emulator-test-key"
_SPRING_KEYS = {"timestamp", "status", "error", "message", "path"}
_SUFFIX = re.compile(r"( \(Live\)| \(Acoustic\)| \(Live at the Forum\)| - Remastered \d{4}| \(feat\. [^)]+\))$")


@pytest.fixture(scope="module")
def history(world: World) -> SetlistFmWorld:
    return build_setlistfm_world(world)


@dataclass
class Emulator:
    app: Starlette
    api: httpx.AsyncClient  # /rest/1.0 with the key and the JSON Accept header
    control: httpx.AsyncClient  # the emulator's own root (/_emulator/...)

    def stats(self) -> dict[str, Any]:
        snapshot: dict[str, Any] = self.app.state.emulator.stats_snapshot()
        return snapshot


@pytest.fixture
async def sfm(world: World, history: SetlistFmWorld) -> AsyncIterator[Emulator]:
    """The emulator with its throttle off, so shape tests can send requests back to back."""
    async with emulator(world, history, rate_per_second=None) as running:
        yield running


@contextlib.asynccontextmanager
async def emulator(world: World, history: SetlistFmWorld, **options: Any) -> AsyncIterator[Emulator]:
    app = create_setlistfm_app(world, history=history, **options)
    headers = {"x-api-key": KEY, "Accept": "application/json"}
    async with (
        running_server(app) as url,
        httpx.AsyncClient(base_url=f"{url}/rest/1.0", headers=headers) as api,
        httpx.AsyncClient(base_url=url) as control,
    ):
        yield Emulator(app, api, control)


def ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def scored(setlist: SlSetlist) -> set[str]:
    """Names of the songs performed, suffixes folded and medleys split (what a matcher would compare)."""
    names = {
        normalize_name(_SUFFIX.sub("", part))
        for song in setlist.songs
        if not song.tape and song.name not in ("", "?")
        for part in song.name.split(" / ")
    }
    return names


# --- shapes --------------------------------------------------------------------------------------------


async def test_artist_setlists_have_the_real_envelope_nested_sets_and_newest_first(
    sfm: Emulator, history: SetlistFmWorld
) -> None:
    artist = max(history.performers(), key=lambda a: len(history.setlists_of(a.mbid)))
    total = len(history.setlists_of(artist.mbid))
    first = (await sfm.api.get(f"/artist/{artist.mbid}/setlists")).json()
    last_page = -(-total // 20)
    last = (await sfm.api.get(f"/artist/{artist.mbid}/setlists", params={"p": last_page})).json()
    beyond = await sfm.api.get(f"/artist/{artist.mbid}/setlists", params={"p": last_page + 1})

    assert {k: first[k] for k in ("type", "itemsPerPage", "page", "total")} == {
        "type": "setlists",
        "itemsPerPage": 20,
        "page": 1,
        "total": total,
    }
    assert len(first["setlist"]) == 20
    assert len(last["setlist"]) == total - 20 * (last_page - 1)
    assert beyond.status_code == 404
    dates = [tuple(reversed(s["eventDate"].split("-"))) for s in first["setlist"]]
    assert dates == sorted(dates, reverse=True)
    for setlist in first["setlist"]:
        assert re.fullmatch(r"[0-9a-f]{8}", setlist["id"])
        assert re.fullmatch(r"g[0-9a-f]{7,8}", setlist["versionId"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", setlist["lastUpdated"])
        assert setlist["artist"]["mbid"] == artist.mbid
        assert set(setlist["artist"]) == {"mbid", "name", "sortName", "disambiguation", "url"}
        assert isinstance(setlist["sets"]["set"], list)  # nested, as live; never the documented bare `set`
        assert "set" not in setlist
        assert setlist["venue"]["city"]["country"]["code"] in ("US", "CA", "GB")
        assert setlist["url"].startswith("https://www.setlist.fm/setlist/")
        assert setlist["url"].endswith(f"-{setlist['id']}.html")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/setlist/0badc0de", {}),
        (f"/artist/{uuid.UUID(int=1)}/setlists", {}),
        ("/search/setlists", {"artistName": "Nobody Plays Here"}),
        ("/search/artists", {"artistName": "Nobody Plays Here"}),
        ("/setlist/version/g00000000", {}),
    ],
)
async def test_nothing_found_is_a_404_with_the_recorded_body(sfm: Emulator, path: str, params: dict[str, str]) -> None:
    response = await sfm.api.get(path, params=params)

    assert response.status_code == 404
    body = response.json()
    assert set(body) == _SPRING_KEYS
    assert (body["status"], body["error"], body["path"]) == (404, "Not Found", f"/1.0{path}")


async def test_artist_search_pages_hold_30_and_relevance_puts_exact_names_first(
    sfm: Emulator, history: SetlistFmWorld
) -> None:
    expected = [a for a in history.artists.values() if "the" in normalize_name(a.name).split()]
    assert len(expected) > 30
    first = (await sfm.api.get("/search/artists", params={"artistName": "The"})).json()
    second = (await sfm.api.get("/search/artists", params={"artistName": "The", "p": 2})).json()
    harbor = (await sfm.api.get("/search/artists", params={"artistName": "harbor", "sort": "relevance"})).json()

    assert (first["type"], first["itemsPerPage"], first["total"]) == ("artists", 30, len(expected))
    assert len(first["artist"]) == 30
    assert len(second["artist"]) == len(expected) - 30
    sort_names = [a["sortName"].casefold() for a in first["artist"]]
    assert sort_names == sorted(sort_names)  # sortName is the default order
    namesakes = [a for a in harbor["artist"] if a["name"] == "Harbor"]
    assert len(namesakes) == 2
    assert harbor["artist"][:2] == namesakes
    assert len({a["disambiguation"] for a in namesakes}) == 2
    assert all(a["disambiguation"] for a in namesakes)


async def test_json_only_when_asked_and_bad_dates_are_a_400(sfm: Emulator, history: SetlistFmWorld) -> None:
    mbid = history.performers()[0].mbid
    xml = await sfm.api.get(f"/artist/{mbid}/setlists", headers={"Accept": "*/*"})
    bad = await sfm.api.get("/search/setlists", params={"artistMbid": mbid, "date": "2026-05-01"})
    unknown = await sfm.api.get("/no/such/resource")

    assert xml.status_code == 200
    assert xml.headers["content-type"].startswith("application/xml")
    assert bad.status_code == 400
    assert set(bad.json()) == _SPRING_KEYS
    assert unknown.status_code == 403
    assert unknown.json() == {"message": "Missing Authentication Token"}


# --- Ticketmaster shows <-> setlists ---------------------------------------------------------------


async def test_past_ticketmaster_shows_are_found_by_artist_and_local_date(
    sfm: Emulator, world: World, history: SetlistFmWorld
) -> None:
    checked = 0
    for event in world.past_events.values():
        assert event.local_date is not None
        assert world.today - dt.timedelta(days=7) <= event.local_date < world.today
        venue = world.venues[event.venue_id]
        for setlist in history.for_tm_event(event.id):
            if setlist.id not in history.setlists:
                continue
            found = await sfm.api.get(
                "/search/setlists", params={"artistMbid": setlist.artist, "date": ddmmyyyy(event.local_date)}
            )
            assert found.status_code == 200
            at_venue = [s for s in found.json()["setlist"] if s["venue"]["name"] == venue.name]
            assert [s["id"] for s in at_venue] == [setlist.id]
            assert at_venue[0]["venue"]["city"]["name"] == venue.city.strip()
            checked += 1
    assert checked >= len(world.past_events)


async def test_past_shows_include_one_not_posted_yet_and_one_stub(world: World, history: SetlistFmWorld) -> None:
    headliner_setlists = [
        next(s for s in history.for_tm_event(e.id) if s.artist == world.attractions[e.attraction_ids[0]].musicbrainz_id)
        for e in world.past_events.values()
    ]
    assert len([s for s in headliner_setlists if s.id in history.unpublished]) == 1
    assert len([s for s in headliner_setlists if s.id in history.setlists and not s.songs]) == 1
    assert sum(1 for s in headliner_setlists if len(s.songs) >= 10) >= len(world.past_events) - 2


async def test_ticketmaster_attractions_carry_the_musicbrainz_ids_of_the_setlistfm_artists(
    tm: httpx.AsyncClient, world: World, history: SetlistFmWorld
) -> None:
    performers = world.performers()
    for attraction in performers:
        body = (await tm.get(f"/discovery/v2/attractions/{attraction.id}")).json()
        links = body.get("externalLinks", {}).get("musicbrainz")
        assert attraction.musicbrainz_id in history.artists
        assert history.artists[attraction.musicbrainz_id].attraction_id == attraction.id
        if attraction.role == "headliner":
            assert links == [{"id": attraction.musicbrainz_id}]
        if links:
            assert uuid.UUID(links[0]["id"]).version == 4
    assert any(a.musicbrainz_link_id is None for a in performers if a.role == "support")
    assert all(a.musicbrainz_id is None for a in world.attractions.values() if a.role == "non_music")
    again = build_world(seed=world.seed, today=world.today)
    assert {a.id: a.musicbrainz_id for a in again.performers()} == {a.id: a.musicbrainz_id for a in performers}


async def test_ticketmaster_lists_past_shows_only_when_asked_from_the_past(tm: httpx.AsyncClient, world: World) -> None:
    week_ago = dt.datetime.combine(world.today - dt.timedelta(days=8), dt.time(0), dt.UTC)
    since = (
        await tm.get(
            "/discovery/v2/events",
            params={"startDateTime": f"{week_ago:%Y-%m-%dT%H:%M:%SZ}", "size": 200, "sort": "date,asc"},
        )
    ).json()
    default = (await tm.get("/discovery/v2/events", params={"size": 200, "sort": "date,asc"})).json()
    one = await tm.get(f"/discovery/v2/events/{next(iter(world.past_events))}")

    listed = {e["id"] for e in since["_embedded"]["events"]}
    assert set(world.past_events) <= listed
    assert not set(world.past_events) & {e["id"] for e in default["_embedded"]["events"]}
    assert one.status_code == 200
    assert one.json()["dates"]["status"]["code"] == "offsale"
    assert one.json()["_embedded"]["attractions"]


# --- the generated data -----------------------------------------------------------------------------


def test_fixed_set_artists_repeat_their_show_and_rotating_ones_do_not(history: SetlistFmWorld) -> None:
    def consecutive_similarity(mbid: str) -> float | None:
        shows = [scored(s) for s in history.setlists_of(mbid) if len(scored(s)) >= 10]
        if len(shows) < 5:
            return None
        return statistics.mean(len(a & b) / len(a | b) for a, b in itertools.pairwise(shows))

    fixed = [j for a in history.performers("fixed") if (j := consecutive_similarity(a.mbid)) is not None]
    rotating = [j for a in history.performers("rotating") if (j := consecutive_similarity(a.mbid)) is not None]
    assert fixed
    assert rotating
    assert statistics.mean(fixed) > 0.7
    assert statistics.mean(rotating) < 0.4
    assert max(rotating) < min(fixed)
    assert min(len(history.repertoires[a.mbid]) for a in history.performers("rotating")) >= 36


def test_setlists_carry_every_trap_of_the_real_data(world: World, history: SetlistFmWorld) -> None:
    setlists = list(history.setlists.values())
    songs = [song for s in setlists for song in s.songs]
    sets = [one_set for s in setlists for one_set in s.sets]
    assert any(song.tape and song.cover for song in songs)  # a tape intro that is someone else's recording
    assert any(song.tape and not song.cover for song in songs)
    assert any(song.cover and not song.tape for song in songs)
    assert any(song.guest for song in songs)
    assert any(" / " in song.name for song in songs)
    assert {one_set.encore for one_set in sets} >= {None, 1, 2}
    assert {one_set.name for one_set in sets} >= {"Set 1:", "Set 2:", "B Stage"}
    assert {song.name for song in songs} >= {"", "?"}
    assert any(_SUFFIX.search(song.name) for song in songs)
    assert any(song.info for song in songs)
    stubs = [s for s in setlists if not s.songs]
    assert any(s.event_date < world.today for s in stubs)
    assert any(s.event_date > world.today for s in stubs)  # announced shows are entered ahead
    assert any(s.tour is None and 0 < len(s.songs) <= 3 for s in setlists)  # radio sessions
    assert any(s.tour and len(s.songs) == 1 for s in setlists)  # partial entries


def test_song_names_are_mostly_the_artists_catalog_titles(world: World, history: SetlistFmWorld) -> None:
    in_catalog = total = 0
    for artist in history.performers():
        if artist.spotify_id is None:
            continue
        titles = {normalize_name(t.name) for t in world.tracks.values() if t.artist_ids[0] == artist.spotify_id}
        titles |= {normalize_name(t.name.split(" (feat. ")[0]) for t in world.tracks.values()}
        for setlist in history.setlists_of(artist.mbid):
            for song in setlist.songs:
                total += 1
                in_catalog += normalize_name(song.name) in titles
    assert 0.6 < in_catalog / total < 0.9  # the rest: covers, tapes, medleys, unreleased songs, suffixes


# --- limits and keys --------------------------------------------------------------------------------


async def test_the_throttle_allows_no_burst(world: World, history: SetlistFmWorld) -> None:
    mbid = history.performers()[0].mbid
    async with emulator(world, history, rate_per_second=0.01) as sfm:  # 100 s between two requests
        first = await sfm.api.get(f"/artist/{mbid}/setlists")
        second = await sfm.api.get(f"/artist/{mbid}/setlists")
        other_key = await sfm.api.get(f"/artist/{mbid}/setlists", headers={"x-api-key": "another-key"})
        stats = sfm.stats()

    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json() == {"message": "Too Many Requests"}
    assert second.headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert other_key.status_code == 200  # the throttle is per key
    assert stats["throttle_violations"] == 1
    assert stats["quota_used_by_key"] == {KEY: 1, "another-key": 1}  # a throttled request costs no quota


async def test_the_daily_quota_answers_limit_exceeded(world: World, history: SetlistFmWorld) -> None:
    mbid = history.performers()[0].mbid
    async with emulator(world, history, rate_per_second=None, daily_quota=2) as sfm:
        statuses = [(await sfm.api.get(f"/artist/{mbid}/setlists")).status_code for _ in range(2)]
        over = await sfm.api.get(f"/artist/{mbid}/setlists")
        stats = sfm.stats()

    assert statuses == [200, 200]
    assert over.status_code == 429
    assert over.json() == {"message": "Limit Exceeded"}
    assert over.headers["x-amzn-errortype"] == "LimitExceededException"
    assert (stats["quota_violations"], stats["limit_violations"]) == (1, 1)


async def test_missing_unknown_and_deactivated_keys_are_forbidden(world: World, history: SetlistFmWorld) -> None:
    mbid = history.performers()[0].mbid
    async with emulator(world, history, api_keys={KEY, "old-key"}, deactivated_keys={"old-key"}) as sfm:
        missing = await sfm.api.get(f"/artist/{mbid}/setlists", headers={"x-api-key": ""})
        unknown = await sfm.api.get(f"/artist/{mbid}/setlists", headers={"x-api-key": "who-is-this"})
        deactivated = await sfm.api.get(f"/artist/{mbid}/setlists", headers={"x-api-key": "old-key"})
        good = await sfm.api.get(f"/artist/{mbid}/setlists")

    assert [r.status_code for r in (missing, unknown, deactivated, good)] == [403, 403, 403, 200]
    assert deactivated.json() == {"message": "Forbidden"}


async def test_faults_answer_with_gateway_bodies(world: World, history: SetlistFmWorld) -> None:
    mbid = history.performers()[0].mbid
    faults = FaultSettings(fail_next_n=1, rate_limit_next_n=1, rate_limit_kind="quota", malformed_json_next_n=1)
    async with emulator(world, history, rate_per_second=None, faults=faults) as sfm:
        storm = await sfm.api.get(f"/artist/{mbid}/setlists")
        failed = await sfm.api.get(f"/artist/{mbid}/setlists")
        truncated = await sfm.api.get(f"/artist/{mbid}/setlists")
        fine = await sfm.api.get(f"/artist/{mbid}/setlists")
        stats = (await sfm.control.get("/_emulator/stats")).json()

    assert (storm.status_code, storm.json()) == (429, {"message": "Limit Exceeded"})
    assert (failed.status_code, failed.json()) == (503, {"message": "Service Unavailable"})
    assert truncated.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        truncated.json()
    assert fine.json()["type"] == "setlists"
    assert stats["requests"] == 4
    assert stats["responses_by_status"] == {"200": 2, "429": 1, "503": 1}


# --- edits, late posts, additions -----------------------------------------------------------------


async def test_an_edit_bumps_the_version_and_the_old_version_stays_readable(
    sfm: Emulator, history: SetlistFmWorld
) -> None:
    setlist = next(s for a in history.performers() for s in history.setlists_of(a.mbid)[:20] if len(s.songs) >= 10)
    before = (await sfm.api.get(f"/setlist/{setlist.id}")).json()
    edit = await sfm.control.post(f"/_emulator/setlists/{setlist.id}/edit")
    after = (await sfm.api.get(f"/setlist/{setlist.id}")).json()
    old = (await sfm.api.get(f"/setlist/version/{before['versionId']}")).json()
    listed = (await sfm.api.get(f"/artist/{setlist.artist}/setlists")).json()["setlist"]

    assert edit.status_code == 200
    assert after["versionId"] != before["versionId"]
    assert after["lastUpdated"] > before["lastUpdated"]
    assert after["sets"] != before["sets"]
    assert old == before
    assert [s["versionId"] for s in listed if s["id"] == setlist.id] == [after["versionId"]]
    assert history.setlists[setlist.id] is setlist  # the shared world is never changed by an app's edits


async def test_an_edit_fills_an_empty_stub(sfm: Emulator, history: SetlistFmWorld) -> None:
    stub = next(s for s in history.setlists.values() if not s.songs)
    filled = (await sfm.control.post(f"/_emulator/setlists/{stub.id}/edit")).json()

    assert filled["sets"]["set"]
    assert len(filled["sets"]["set"][0]["song"]) >= 12
    assert filled["versionId"] != stub.version_id


async def test_a_held_back_setlist_is_not_found_until_posted(sfm: Emulator, history: SetlistFmWorld) -> None:
    held = next(iter(history.unpublished.values()))
    params = {"artistMbid": held.artist, "date": ddmmyyyy(held.event_date)}
    before = await sfm.api.get(f"/setlist/{held.id}")
    search_before = await sfm.api.get("/search/setlists", params=params)
    posted = await sfm.control.post(f"/_emulator/setlists/{held.id}/publish")
    after = await sfm.api.get(f"/setlist/{held.id}")
    search_after = (await sfm.api.get("/search/setlists", params=params)).json()
    again = await sfm.control.post(f"/_emulator/setlists/{held.id}/publish")

    assert before.status_code == 404
    assert held.id not in [s["id"] for s in (search_before.json().get("setlist", []))]
    assert posted.status_code == 200
    assert after.status_code == 200
    assert held.id in [s["id"] for s in search_after["setlist"]]
    assert again.status_code == 404


async def test_a_setlist_added_for_a_ticketmaster_show_is_found_at_its_venue(
    sfm: Emulator, world: World, history: SetlistFmWorld
) -> None:
    event = next(e for e in world.events.values() if e.local_date and e.attraction_ids)
    mbid = world.attractions[event.attraction_ids[0]].musicbrainz_id
    assert event.local_date is not None
    added = await sfm.control.post("/_emulator/setlists", json={"tmEventId": event.id, "songs": ["Intro", "Finale"]})
    found = (
        await sfm.api.get("/search/setlists", params={"artistMbid": mbid, "date": ddmmyyyy(event.local_date)})
    ).json()
    by_hand = await sfm.control.post(
        "/_emulator/setlists",
        json={"artistMbid": mbid, "eventDate": "02-05-2026", "venueName": "A Barn", "cityName": "Nowhere"},
    )
    bad = await sfm.control.post("/_emulator/setlists", json={"artistMbid": mbid, "eventDate": "2026-05-02"})

    assert added.status_code == 201
    mine = [s for s in found["setlist"] if s["id"] == added.json()["id"]]
    assert len(mine) == 1
    assert mine[0]["venue"]["name"] == world.venues[event.venue_id].name
    assert [song["name"] for song in mine[0]["sets"]["set"][0]["song"]] == ["Intro", "Finale"]
    assert by_hand.status_code == 201
    assert by_hand.json()["venue"]["city"]["name"] == "Nowhere"
    assert len(by_hand.json()["sets"]["set"][0]["song"]) >= 12
    assert bad.status_code == 400


async def test_the_world_summary_maps_past_shows_to_their_setlists(sfm: Emulator, world: World) -> None:
    summary = (await sfm.control.get("/_emulator/world")).json()

    assert summary["counts"]["fixed"] > 0
    assert summary["counts"]["rotating"] > 0
    assert set(summary["past_events"]) == set(world.past_events)
    assert sum(not s["posted"] for entries in summary["past_events"].values() for s in entries) == 1
    assert {a["style"] for a in summary["artists"]} == {"fixed", "rotating"}
