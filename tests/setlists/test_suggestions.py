"""Fans suggest Spotify tracks by acts on the bill, through the SuggestSong document."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from factories import (
    add_support,
    make_artist,
    make_setlist,
    make_setlist_song,
    make_show,
    make_song,
    make_token,
    make_user,
)
from graphql_client import GraphQLClient
from setlists_testing import Spotify
from starlette.applications import Starlette

from app.accounts.models import User
from app.api.ids import encode_id
from app.catalog.models import Artist, Show, ShowStatus, Song
from app.platform import quotas
from app.setlists import service
from app.setlists.events import VoteCountsChanged, channel_for
from app.setlists.models import Setlist, SetlistSong


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def _bill(spotify: Spotify, **show: Any) -> tuple[Show, Artist, Artist, Setlist]:
    """A show headlined by a world artist with a world support act, and its setlist of one opening song."""
    headliner_world = spotify.headliner()
    support_world = spotify.other_artist(headliner_world)
    headliner = await make_artist(name=headliner_world.name, spotify_id=headliner_world.id)
    support = await make_artist(name=support_world.name, spotify_id=support_world.id)
    made = await make_show(headliner=headliner, **show)
    await add_support(made, support)
    setlist = await make_setlist(made, [await make_song(artist=headliner, rank=1)])
    return made, headliner, support, setlist


async def _suggest(gql: GraphQLClient, setlist: Setlist, track_id: str) -> dict[str, Any]:
    return await gql.run("SuggestSong", setlistId=encode_id("Setlist", setlist.id), spotifyTrackId=track_id)


@pytest.fixture
async def fan(spotify_gql: GraphQLClient) -> User:
    user = await make_user()
    spotify_gql.token = await make_token(user)
    return user


async def test_suggesting_a_track_by_the_headliner_adds_it_at_the_end(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User
) -> None:
    _, headliner, _, setlist = await _bill(spotify)
    track_id = spotify.track_by(spotify.headliner())

    body = await _suggest(spotify_gql, setlist, track_id)

    entry = body["data"]["suggestSong"]
    assert (entry["suggested"], entry["votes"], entry["position"], entry["viewerHasVoted"]) == (True, 0, 2, False)
    assert entry["song"]["spotifyId"] == track_id
    song = await Song.get(spotify_id=track_id)
    assert (song.artist_id, song.rank) == (headliner.id, None)
    stored = await SetlistSong.get(setlist=setlist, song=song)
    assert stored.suggested_by_id == fan.id


async def test_a_track_by_a_support_act_may_be_suggested(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User
) -> None:
    _, _, support, setlist = await _bill(spotify)
    support_world = spotify.world.artists[support.spotify_id or ""]

    body = await _suggest(spotify_gql, setlist, spotify.track_by(support_world))

    assert _codes(body) == []
    assert (await Song.get(spotify_id=body["data"]["suggestSong"]["song"]["spotifyId"])).artist_id == support.id


async def test_a_track_by_an_artist_off_the_bill_is_refused(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User
) -> None:
    _, _, support, setlist = await _bill(spotify)
    stranger = spotify.other_artist(spotify.headliner(), spotify.world.artists[support.spotify_id or ""])

    body = await _suggest(spotify_gql, setlist, spotify.track_by(stranger))

    assert _codes(body) == ["BAD_USER_INPUT"]
    assert await SetlistSong.filter(setlist=setlist).count() == 1


async def test_suggesting_a_song_already_on_the_setlist_returns_that_entry(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User
) -> None:
    _, _, _, setlist = await _bill(spotify)
    opening = await SetlistSong.get(setlist=setlist).prefetch_related("song")

    body = await _suggest(spotify_gql, setlist, opening.song.spotify_id)

    assert body["data"]["suggestSong"]["id"] == encode_id("SetlistSong", opening.id)
    assert body["data"]["suggestSong"]["suggested"] is False
    assert spotify.state.stats.requests == 0
    assert await SetlistSong.filter(setlist=setlist).count() == 1


async def test_concurrent_suggestions_of_one_track_add_it_once(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User
) -> None:
    _, _, _, setlist = await _bill(spotify)
    track_id = spotify.track_by(spotify.headliner())

    bodies = await asyncio.gather(*(_suggest(spotify_gql, setlist, track_id) for _ in range(4)))

    assert {body["data"]["suggestSong"]["id"] for body in bodies if "errors" not in body} == {
        encode_id("SetlistSong", (await SetlistSong.get(setlist=setlist, suggested=True)).id)
    }
    assert await SetlistSong.filter(setlist=setlist).count() == 2


async def test_a_fan_may_suggest_at_most_five_songs_per_setlist(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User
) -> None:
    _, _, _, setlist = await _bill(spotify)
    tracks = [spotify.track_by(spotify.headliner(), index) for index in range(1, 7)]
    for track_id in tracks[: service.SUGGESTIONS_PER_USER]:
        assert _codes(await _suggest(spotify_gql, setlist, track_id)) == []

    body = await _suggest(spotify_gql, setlist, tracks[-1])

    assert _codes(body) == ["FORBIDDEN"]
    assert await SetlistSong.filter(setlist=setlist, suggested=True).count() == service.SUGGESTIONS_PER_USER


async def test_a_fan_making_suggestions_too_fast_across_setlists_is_rate_limited(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User
) -> None:
    # Each setlist takes five suggestions from a fan; the per-minute limit bounds them across setlists.
    headliner_world = spotify.headliner()
    headliner = await make_artist(name=headliner_world.name, spotify_id=headliner_world.id)
    setlists = [await make_setlist(await make_show(headliner=headliner), []) for _ in range(3)]
    tracks = [spotify.track_by(headliner_world, index) for index in range(service.SUGGESTIONS_PER_USER)]
    allowed = quotas.SUGGESTIONS_PER_USER.count
    assert allowed < len(setlists) * len(tracks)
    plan = [(setlist, track_id) for setlist in setlists for track_id in tracks][: allowed + 1]

    bodies = [await _suggest(spotify_gql, setlist, track_id) for setlist, track_id in plan]

    assert [_codes(body) for body in bodies] == [[]] * allowed + [["RATE_LIMITED"]]
    assert bodies[-1]["errors"][0]["extensions"]["retryAfter"] > 0
    assert await SetlistSong.filter(suggested=True).count() == allowed


@pytest.mark.parametrize(
    "show",
    [
        pytest.param({"starts_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)}, id="started"),
        pytest.param({"status": ShowStatus.CANCELLED}, id="cancelled"),
    ],
)
async def test_suggestions_close_with_voting(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User, show: dict[str, Any]
) -> None:
    _, _, _, setlist = await _bill(spotify, **show)

    body = await _suggest(spotify_gql, setlist, spotify.track_by(spotify.headliner()))

    assert _codes(body) == ["FORBIDDEN"]


async def test_suggesting_needs_a_signed_in_fan(spotify_gql: GraphQLClient, spotify: Spotify) -> None:
    _, _, _, setlist = await _bill(spotify)

    body = await _suggest(spotify_gql, setlist, spotify.track_by(spotify.headliner()))

    assert _codes(body) == ["UNAUTHENTICATED"]
    assert await SetlistSong.filter(setlist=setlist).count() == 1


@pytest.mark.parametrize("track_id", ["not-a-spotify-id", "0" * 22])
async def test_malformed_or_unknown_track_ids_are_bad_input(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User, track_id: str
) -> None:
    _, _, _, setlist = await _bill(spotify)

    body = await _suggest(spotify_gql, setlist, track_id)

    assert _codes(body) == ["BAD_USER_INPUT"]


async def test_spotify_unavailable_while_suggesting_is_upstream_unavailable(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User
) -> None:
    _, _, _, setlist = await _bill(spotify)
    spotify.faults(malformed_json_next_n=1)

    body = await _suggest(spotify_gql, setlist, spotify.track_by(spotify.headliner()))

    assert _codes(body) == ["UPSTREAM_UNAVAILABLE"]


async def test_a_suggestion_is_published_on_the_setlists_channel(
    spotify_gql: GraphQLClient, spotify: Spotify, spotify_app: Starlette, fan: User
) -> None:
    _, _, _, setlist = await _bill(spotify)

    async with spotify_app.state.resources.broker.subscribe(channel_for(setlist.id)) as subscription:
        body = await _suggest(spotify_gql, setlist, spotify.track_by(spotify.headliner()))
        message = await asyncio.wait_for(subscription.get(), timeout=5)

    assert isinstance(message, bytes)
    change = VoteCountsChanged.decode(message)
    entry_id = (await SetlistSong.get(setlist=setlist, suggested=True)).id
    assert (change.kind, [(s.setlist_song_id, s.votes) for s in change.songs]) == ("suggestion", [(entry_id, 0)])
    assert body["data"]["suggestSong"]["id"] == encode_id("SetlistSong", entry_id)


async def test_a_full_setlist_takes_no_more_suggestions(
    spotify_gql: GraphQLClient, spotify: Spotify, fan: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_SETLIST_SONGS", 2)
    _, _, _, setlist = await _bill(spotify)
    await make_setlist_song(setlist, position=2)

    body = await _suggest(spotify_gql, setlist, spotify.track_by(spotify.headliner()))

    assert _codes(body) == ["FORBIDDEN"]
