"""SpotifyClient against httpx.MockTransport: real recorded samples, token flow, dev-mode detection."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from clients_testing import FakeSleep

from app.clients.base import parse
from app.clients.breaker import MemoryBreaker
from app.clients.errors import (
    CircuitOpen,
    EndpointRemoved,
    UpstreamAuthError,
    UpstreamNotFound,
    UpstreamRateLimited,
)
from app.clients.ratelimit import NoLimit
from app.clients.retry import CallStats, RetryPolicy
from app.clients.spotify import SERVICE, SpotifyAlbum, SpotifyArtist, SpotifyClient, artist_id_from_url

CLIENT_ID = "client-id-1234"
CLIENT_SECRET = "client-secret-s3cr3t-5678"
ARTIST = "0OdUWJ0sBjDrqHygGUXeCF"
TRACK = "3n3Ppam7vgaVa1iaRUc9Lp"
Handler = Callable[[httpx.Request], httpx.Response]
AnyHandler = Handler | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


def token_response(token: str = "tok-1", expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": expires_in})


def error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"status": status, "message": message}}, headers=headers)


def with_token(api: Handler) -> Handler:
    """Serve the token endpoint, pass API calls to `api`."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            return token_response()
        return api(request)

    return handler


def make_client(handler: AnyHandler, sleep: FakeSleep, **kwargs: Any) -> SpotifyClient:
    kwargs.setdefault("limiter", NoLimit())
    kwargs.setdefault("breaker", MemoryBreaker("spotify"))
    return SpotifyClient(
        CLIENT_ID,
        CLIENT_SECRET,
        api_base_url="https://api.spotify.test",
        accounts_base_url="https://accounts.spotify.test",
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        **kwargs,
    )


# --- token flow ---


async def test_client_credentials_token_is_fetched_once_and_sent_as_bearer(
    calls: CallStats, sample: Any, fake_sleep: FakeSleep
) -> None:
    token_requests: list[httpx.Request] = []
    api_requests: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            token_requests.append(request)
            await asyncio.sleep(0.01)  # slow enough for every concurrent caller to queue on the lock
            return token_response("tok-abc")
        api_requests.append(request)
        return httpx.Response(200, json=sample("spotify_get_track.json"))

    async with make_client(handler, fake_sleep) as client:
        tracks = await asyncio.gather(*(client.get_track(TRACK) for _ in range(10)))

    assert {track.name for track in tracks} == {"Mr. Brightside"}
    assert len(token_requests) == 1
    token_request = token_requests[0]
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert parse_qs(token_request.content.decode()) == {"grant_type": ["client_credentials"]}
    assert {request.headers["Authorization"] for request in api_requests} == {"Bearer tok-abc"}
    assert calls.api_calls == 11  # 10 API calls + 1 token request


async def test_expired_token_401_refreshes_once_and_retries(
    calls: CallStats, sample: Any, fake_sleep: FakeSleep
) -> None:
    tokens = iter(["tok-old", "tok-new"])
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            return token_response(next(tokens))
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer tok-old":
            return httpx.Response(401, json=sample("spotify_error_bodies.json")["401_expired_token"]["body"])
        return httpx.Response(200, json=sample("spotify_get_track.json"))

    async with make_client(handler, fake_sleep) as client:
        track = await client.get_track(TRACK)
    assert track.id == TRACK
    assert seen == ["Bearer tok-old", "Bearer tok-new"]
    assert client.auth.refreshes == 2
    assert calls.api_calls == 4  # token, 401, token, retry


async def test_concurrent_401s_trigger_a_single_refresh(sample: Any, fake_sleep: FakeSleep) -> None:
    issued: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            issued.append(f"tok-{len(issued)}")
            await asyncio.sleep(0.01)
            return token_response(issued[-1])
        if request.headers["Authorization"] == "Bearer tok-0":
            return error(401, "The access token expired")
        return httpx.Response(200, json=sample("spotify_get_track.json"))

    async with make_client(handler, fake_sleep) as client:
        await asyncio.gather(*(client.get_track(TRACK) for _ in range(5)))
    assert issued == ["tok-0", "tok-1"]


async def test_a_second_401_is_an_auth_error(fake_sleep: FakeSleep) -> None:
    async with make_client(with_token(lambda _: error(401, "Invalid access token")), fake_sleep) as client:
        with pytest.raises(UpstreamAuthError):
            await client.get_track(TRACK)
        assert client.auth.refreshes == 2


async def test_token_is_renewed_before_it_expires(sample: Any, fake_sleep: FakeSleep) -> None:
    now = [1000.0]
    issued: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            issued.append(f"tok-{len(issued)}")
            return token_response(issued[-1], expires_in=3600)
        return httpx.Response(200, json=sample("spotify_get_track.json"))

    async with make_client(handler, fake_sleep, clock=lambda: now[0]) as client:
        await client.get_track(TRACK)
        now[0] += 3550  # inside the 60 s safety margin before expiry
        await client.get_track(TRACK)
    assert issued == ["tok-0", "tok-1"]


async def test_bad_credentials_are_an_auth_error_without_the_secret(
    calls: CallStats, sample: Any, fake_sleep: FakeSleep
) -> None:
    body = dict(sample("spotify_error_bodies.json")["token_endpoint_invalid_client"]["body"])
    body["error_description"] = f"Invalid client secret {CLIENT_SECRET}"  # even if it were echoed

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=body)

    async with make_client(handler, fake_sleep) as client:
        with pytest.raises(UpstreamAuthError) as raised:
            await client.get_track(TRACK)
    assert "invalid_client" in raised.value.message
    assert CLIENT_SECRET not in str(raised.value)
    assert calls.retries == 0


# --- parsing the recorded samples ---


async def test_parses_the_recorded_samples(sample: Any, fake_sleep: FakeSleep) -> None:
    routes = {
        "/v1/artists/43ZHCT0cAZBISjO8DG9PnE/top-tracks": "spotify_artist_top_tracks.json",
        "/v1/artists/1vCWHaC5f2uS3yhpwWbIA6/albums": "spotify_artist_albums.json",
        "/v1/albums/6akEvsycLGftJxYudPjmqK/tracks": "spotify_album_tracks.json",
        "/v1/tracks/3n3Ppam7vgaVa1iaRUc9Lp": "spotify_get_track.json",
    }

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/search":
            kind = request.url.params["type"]
            return httpx.Response(200, json=sample(f"spotify_search_{kind}.json"))
        return httpx.Response(200, json=sample(routes[request.url.path]))

    async with make_client(with_token(api), fake_sleep) as client:
        top = await client.top_tracks("43ZHCT0cAZBISjO8DG9PnE")
        albums = await client.artist_albums("1vCWHaC5f2uS3yhpwWbIA6", ("single",), limit=2)
        tracks = await client.album_tracks("6akEvsycLGftJxYudPjmqK", limit=2)
        track = await client.get_track("3n3Ppam7vgaVa1iaRUc9Lp")
        found_artists = await client.search_artists("Muse")
        found_tracks = await client.search_tracks("Muse")
    artist = parse(SpotifyArtist, sample("spotify_get_artist.json"), SERVICE)
    several_albums = [
        parse(SpotifyAlbum, item, SERVICE) for item in sample("spotify_get_several_albums.json")["albums"]
    ]

    assert (artist.name, artist.popularity, artist.followers) == ("Band of Horses", 59, 306565)
    assert artist.genres == ["indie folk", "indie pop"]
    assert artist.image_url == "https://i.scdn.co/image/eb266625dab075341e8c4378a177a27370f91903"
    (elvis,) = top
    assert (elvis.name, elvis.popularity, elvis.duration_ms) == ("Can't Help Falling in Love", 70, 179773)
    assert elvis.album is not None
    assert elvis.album.name == "Blue Hawaii"
    assert elvis.album.release_date is None  # the 2018 recording predates release_date on this shape
    assert elvis.isrc == "USRC16101350"
    assert (albums.total, albums.limit, albums.next is not None) == (64, 2, True)
    assert albums.items[0].release_day == date(2019, 8, 23)
    assert albums.items[0].album_group == "single"
    assert [t.name for t in tracks.items] == ["All I Want", "Someday"]
    assert tracks.items[0].album is None
    assert tracks.items[0].popularity is None
    assert (track.name, track.popularity) == ("Mr. Brightside", 73)
    assert several_albums[0].release_day == date(2013, 11, 8)
    assert len(found_artists) == 10
    assert found_tracks[0].name == "Supermassive Black Hole"
    assert client.dev_mode is False


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
def test_artist_id_from_url(url: str, expected: str | None) -> None:
    assert artist_id_from_url(url) == expected


async def test_unknown_track_is_not_found(fake_sleep: FakeSleep) -> None:
    async with make_client(with_token(lambda _: error(404, "Resource not found")), fake_sleep) as client:
        with pytest.raises(UpstreamNotFound):
            await client.get_track("0000000000000000000000")


# --- rate limits and the breaker ---


async def test_short_retry_after_is_slept_exactly(calls: CallStats, sample: Any, fake_sleep: FakeSleep) -> None:
    responses = [
        error(429, "API rate limit exceeded", {"Retry-After": "7"}),
        httpx.Response(200, json=sample("spotify_get_track.json")),
    ]
    async with make_client(with_token(lambda _: responses.pop(0)), fake_sleep) as client:
        await client.get_track(TRACK)
    assert fake_sleep.calls == [7.0]
    assert calls.retries == 1


async def test_long_retry_after_raises_rate_limited_and_opens_the_breaker(sample: Any, fake_sleep: FakeSleep) -> None:
    recorded = sample("spotify_error_bodies.json")["429_empty_body_variant"]  # body {} + retry-after 13749
    api_calls: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        api_calls.append(request)
        return httpx.Response(429, json=recorded["body"], headers=recorded["headers"])

    breaker = MemoryBreaker("spotify")
    async with make_client(with_token(api), fake_sleep, breaker=breaker, retry=RetryPolicy(max_sleep=30)) as client:
        with pytest.raises(UpstreamRateLimited) as raised:
            await client.search_artists("Muse")
        with pytest.raises(CircuitOpen) as opened:
            await client.get_track(TRACK)
    assert raised.value.retry_after_seconds == 13749
    assert fake_sleep.calls == []
    assert len(api_calls) == 1
    assert 13000 < opened.value.retry_after_seconds <= 13749


# --- development mode ---


def search_page(names: list[str], *, popularity: int | None = 10) -> dict[str, Any]:
    items: list[dict[str, Any]] = [{"id": f"id{index:020d}", "name": name} for index, name in enumerate(names)]
    if popularity is not None:
        for item in items:
            item["popularity"] = popularity
    return {"artists": {"items": items, "total": len(items), "limit": 10, "offset": 0, "next": None}}


async def test_invalid_limit_switches_to_dev_mode_and_retries_with_10(fake_sleep: FakeSleep) -> None:
    limits: list[int] = []

    def api(request: httpx.Request) -> httpx.Response:
        limits.append(int(request.url.params["limit"]))
        if limits[-1] > 10:
            return error(400, "Invalid limit")
        return httpx.Response(200, json=search_page(["The Midnight Owls"]))

    async with make_client(with_token(api), fake_sleep) as client:
        found = await client.search_artists("The Midnight Owls", limit=50)
        assert client.dev_mode is True
        assert client.page_limit == 10
    assert [a.name for a in found] == ["The Midnight Owls"]
    assert limits == [50, 10]


async def test_missing_popularity_reveals_dev_mode(fake_sleep: FakeSleep) -> None:
    body = search_page(["Band of Horses"], popularity=None)
    async with make_client(with_token(lambda _: httpx.Response(200, json=body)), fake_sleep) as client:
        (artist,) = await client.search_artists("Band of Horses")
        assert client.dev_mode is True
    assert artist.popularity is None


async def test_several_tracks_come_in_batches_of_50_without_unknown_ids(sample: Any, fake_sleep: FakeSleep) -> None:
    batches: list[list[str]] = []

    def api(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        batches.append(ids)
        found = [{**sample("spotify_get_track.json"), "id": i} if i != "unknown" else None for i in ids]
        return httpx.Response(200, json={"tracks": found})

    ids = [f"t{n:021d}" for n in range(60)] + ["unknown"]
    async with make_client(with_token(api), fake_sleep) as client:
        tracks = await client.get_tracks(ids)
    assert [len(batch) for batch in batches] == [50, 11]
    assert [track.id for track in tracks] == ids[:60]
    assert {track.popularity for track in tracks} == {73}


async def test_a_removed_several_tracks_endpoint_reveals_dev_mode(fake_sleep: FakeSleep) -> None:
    paths: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return error(403, "Forbidden")

    async with make_client(with_token(api), fake_sleep) as client:
        with pytest.raises(EndpointRemoved):
            await client.get_tracks([TRACK])
        assert client.dev_mode is True
        with pytest.raises(EndpointRemoved):
            await client.top_tracks(ARTIST)  # known removed: no request
        with pytest.raises(EndpointRemoved):
            await client.get_tracks([TRACK])
    assert paths == ["/v1/tracks"]
