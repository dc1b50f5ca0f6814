"""Spotify look-ups through the SearchTracks and SearchArtists documents: cached, bounded, failing cleanly."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from factories import make_artist, make_token, make_user
from graphql_client import GraphQLClient
from redis.asyncio import Redis
from setlists_testing import Spotify

from app.api.ids import encode_id
from app.clients.errors import CircuitOpen, UpstreamBadResponse, UpstreamRateLimited, UpstreamUnavailable
from app.errors import RateLimited, TemporarilyUnavailable
from app.lookups import service as lookups
from app.platform import quotas


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_search_artists_finds_the_artist_by_name(spotify_gql: GraphQLClient, spotify: Spotify) -> None:
    wanted = spotify.headliner()

    data = await spotify_gql.data("SearchArtists", query=wanted.name)

    assert data["searchArtists"][0]["spotifyId"] == wanted.id
    assert data["searchArtists"][0]["name"] == wanted.name
    assert len(data["searchArtists"]) <= lookups.RESULTS


async def test_search_tracks_with_an_artist_keeps_that_artists_tracks(
    spotify_gql: GraphQLClient, spotify: Spotify
) -> None:
    wanted = spotify.headliner()
    track = spotify.world.tracks[spotify.track_by(wanted)]
    artist = await make_artist(name=wanted.name, spotify_id=wanted.id)

    data = await spotify_gql.data("SearchTracks", query=track.name, artistId=encode_id("Artist", artist.id))

    assert data["searchTracks"]
    assert all(wanted.name in result["artistNames"] for result in data["searchTracks"])
    assert track.id in [result["spotifyId"] for result in data["searchTracks"]]


async def test_the_same_search_twice_calls_spotify_once(spotify_gql: GraphQLClient, spotify: Spotify) -> None:
    name = spotify.headliner().name

    first = await spotify_gql.data("SearchArtists", query=name)
    second = await spotify_gql.data("SearchArtists", query=f"  {name.upper()} ")

    assert first == second
    assert spotify.requests("/v1/search") == 1


async def test_uncached_look_ups_of_a_process_share_one_spotify_token(
    spotify_gql: GraphQLClient, spotify: Spotify
) -> None:
    name = spotify.headliner().name

    for n in range(20):  # distinct queries: none is answered from the cache
        await spotify_gql.data("SearchArtists", query=f"{name} {n}")

    assert spotify.requests("/v1/search") == 20
    assert spotify.requests("/api/token") == 1


async def test_a_development_mode_app_learns_its_mode_once(spotify_gql: GraphQLClient, spotify: Spotify) -> None:
    artists = [artist for artist in spotify.world.artists.values() if artist.id is not None][:5]
    answers = []
    for artist in artists:
        stored = await make_artist(name=artist.name, spotify_id=artist.id)
        answers.append(await spotify_gql.data("ArtistTopTracks", artistId=encode_id("Artist", stored.id)))

    # The first 403 teaches the process's one client; the other artists go straight to their albums.
    assert spotify.requests("/v1/artists/{id}/top-tracks") == 1
    assert all(answer["artistTopTracks"] for answer in answers)


@pytest.mark.parametrize("query", ["", "   ", "x" * 101])
async def test_empty_or_overlong_queries_are_refused_before_spotify(
    spotify_gql: GraphQLClient, spotify: Spotify, query: str
) -> None:
    tracks = await spotify_gql.run("SearchTracks", query=query)
    artists = await spotify_gql.run("SearchArtists", query=query)

    assert _codes(tracks) == _codes(artists) == ["BAD_USER_INPUT"]
    assert spotify.state.stats.requests == 0


async def test_look_ups_past_the_per_caller_limit_are_rate_limited_and_a_signed_in_fan_counts_apart(
    spotify_gql: GraphQLClient, spotify: Spotify
) -> None:
    name = spotify.headliner().name
    allowed = quotas.LOOKUPS_PER_CALLER.count
    for _ in range(allowed):  # the same search: Spotify answers once, the cache the rest, each one counts
        await spotify_gql.data("SearchArtists", query=name)

    refused = await spotify_gql.run("SearchArtists", query=name)
    spotify_gql.token = await make_token(await make_user())  # same address, now a signed-in fan
    served = await spotify_gql.run("SearchArtists", query=name)

    assert _codes(refused) == ["RATE_LIMITED"]
    assert refused["errors"][0]["extensions"]["retryAfter"] > 0
    assert _codes(served) == []
    assert spotify.requests("/v1/search") == 1


async def test_search_tracks_of_an_unknown_artist_is_not_found(spotify_gql: GraphQLClient, spotify: Spotify) -> None:
    body = await spotify_gql.run("SearchTracks", query="song", artistId=encode_id("Artist", 999_999))

    assert _codes(body) == ["NOT_FOUND"]


async def test_spotify_rate_limiting_us_is_rate_limited_with_retry_after(
    spotify_gql: GraphQLClient, spotify: Spotify
) -> None:
    spotify.faults(rate_limit_next_n=1, retry_after_seconds=3600)

    body = await spotify_gql.run("SearchArtists", query="anyone")

    assert _codes(body) == ["RATE_LIMITED"]
    assert body["errors"][0]["extensions"]["retryAfter"] == pytest.approx(3600, abs=5)
    assert body["data"] is None


async def test_a_broken_spotify_answer_is_upstream_unavailable(spotify_gql: GraphQLClient, spotify: Spotify) -> None:
    spotify.faults(malformed_json_next_n=1)

    body = await spotify_gql.run("SearchTracks", query="anything")

    assert _codes(body) == ["UPSTREAM_UNAVAILABLE"]
    assert "Spotify" in body["errors"][0]["message"]


def test_upstream_errors_map_to_what_the_client_can_do() -> None:
    retry_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)

    rate_limited = lookups.as_app_error(UpstreamRateLimited("spotify", 120.0))
    breaker_open = lookups.as_app_error(CircuitOpen("spotify", retry_at))
    down = lookups.as_app_error(UpstreamUnavailable("spotify", "HTTP 503"))
    broken = lookups.as_app_error(UpstreamBadResponse("spotify", "not JSON"))

    assert isinstance(rate_limited, RateLimited)
    assert rate_limited.retry_after == 120.0
    assert isinstance(breaker_open, RateLimited)
    assert 80 < breaker_open.retry_after <= 90
    assert isinstance(down, TemporarilyUnavailable)
    assert isinstance(broken, TemporarilyUnavailable)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()
