"""SpotifyClient against httpx.MockTransport: real recorded samples, token flow, dev-mode fallbacks."""

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
from app.clients.spotify import SpotifyClient

CLIENT_ID = "client-id-1234"
CLIENT_SECRET = "client-secret-s3cr3t-5678"
ARTIST = "0OdUWJ0sBjDrqHygGUXeCF"
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
        return httpx.Response(200, json=sample("spotify_get_artist.json"))

    async with make_client(handler, fake_sleep) as client:
        artists = await asyncio.gather(*(client.get_artist(ARTIST) for _ in range(10)))

    assert {artist.name for artist in artists} == {"Band of Horses"}
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
        return httpx.Response(200, json=sample("spotify_get_artist.json"))

    async with make_client(handler, fake_sleep) as client:
        artist = await client.get_artist(ARTIST)
    assert artist.id == ARTIST
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
        return httpx.Response(200, json=sample("spotify_get_artist.json"))

    async with make_client(handler, fake_sleep) as client:
        await asyncio.gather(*(client.get_artist(ARTIST) for _ in range(5)))
    assert issued == ["tok-0", "tok-1"]


async def test_a_second_401_is_an_auth_error(fake_sleep: FakeSleep) -> None:
    async with make_client(with_token(lambda _: error(401, "Invalid access token")), fake_sleep) as client:
        with pytest.raises(UpstreamAuthError):
            await client.get_artist(ARTIST)
        assert client.auth.refreshes == 2


async def test_token_is_renewed_before_it_expires(sample: Any, fake_sleep: FakeSleep) -> None:
    now = [1000.0]
    issued: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            issued.append(f"tok-{len(issued)}")
            return token_response(issued[-1], expires_in=3600)
        return httpx.Response(200, json=sample("spotify_get_artist.json"))

    async with make_client(handler, fake_sleep, clock=lambda: now[0]) as client:
        await client.get_artist(ARTIST)
        now[0] += 3550  # inside the 60 s safety margin before expiry
        await client.get_artist(ARTIST)
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
            await client.get_artist(ARTIST)
    assert "invalid_client" in raised.value.message
    assert CLIENT_SECRET not in str(raised.value)
    assert calls.retries == 0


# --- parsing the recorded samples ---


async def test_parses_the_recorded_samples(sample: Any, fake_sleep: FakeSleep) -> None:
    routes = {
        "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF": "spotify_get_artist.json",
        "/v1/artists/43ZHCT0cAZBISjO8DG9PnE/top-tracks": "spotify_artist_top_tracks.json",
        "/v1/artists/1vCWHaC5f2uS3yhpwWbIA6/albums": "spotify_artist_albums.json",
        "/v1/albums/6akEvsycLGftJxYudPjmqK/tracks": "spotify_album_tracks.json",
        "/v1/tracks/3n3Ppam7vgaVa1iaRUc9Lp": "spotify_get_track.json",
        "/v1/artists": "spotify_get_several_artists.json",
        "/v1/albums": "spotify_get_several_albums.json",
    }

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/search":
            kind = request.url.params["type"]
            return httpx.Response(200, json=sample(f"spotify_search_{kind}.json"))
        return httpx.Response(200, json=sample(routes[request.url.path]))

    async with make_client(with_token(api), fake_sleep) as client:
        artist = await client.get_artist(ARTIST)
        top = await client.top_tracks("43ZHCT0cAZBISjO8DG9PnE")
        albums = await client.artist_albums("1vCWHaC5f2uS3yhpwWbIA6", ("single",), limit=2)
        tracks = await client.album_tracks("6akEvsycLGftJxYudPjmqK", limit=2)
        track = await client.get_track("3n3Ppam7vgaVa1iaRUc9Lp")
        several = await client.get_artists(["0oSGxfWSnnOXhD2fKuz2Gy", "3dBVyJ7JuOMt4GE9607Qin"])
        several_albums = await client.get_albums(["41MnTivkwTO3UUJ8DrqEJJ"])
        found_artists = await client.search_artists("Muse")
        found_tracks = await client.search_tracks("Muse")

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
    assert [a.name for a in several] == ["David Bowie", "T. Rex"]
    assert several_albums[0].release_day == date(2013, 11, 8)
    assert len(found_artists) == 10
    assert found_tracks[0].name == "Supermassive Black Hole"
    assert client.dev_mode is False


async def test_unknown_artist_is_not_found(fake_sleep: FakeSleep) -> None:
    async with make_client(with_token(lambda _: error(404, "Resource not found")), fake_sleep) as client:
        with pytest.raises(UpstreamNotFound):
            await client.get_artist("0000000000000000000000")


# --- matching by exact name ---


def search_page(names: list[str], total: int | None = None, offset: int = 0) -> dict[str, Any]:
    items = [{"id": f"id{offset + index:020d}", "name": name, "popularity": 10} for index, name in enumerate(names)]
    return {"artists": {"items": items, "total": total or len(items), "limit": 10, "offset": offset, "next": None}}


async def test_exact_name_rule_on_the_recorded_muse_search(sample: Any, fake_sleep: FakeSleep) -> None:
    # The recorded page holds both "Muse" and "MUSE": two different artists with one name.
    body = sample("spotify_search_artist.json")
    async with make_client(with_token(lambda _: httpx.Response(200, json=body)), fake_sleep) as client:
        assert await client.find_artist_by_exact_name("Muse") is None
        found = await client.find_artist_by_exact_name("Muse And The Forgetting")
    assert found is not None
    assert found.id == "5l8lZmnKzCAUKKtNZMzbVO"


@pytest.mark.parametrize(
    ("query", "names", "expected"),
    [
        ("The Midnight Owls", ["The Midnight Owlz", "Midnight Owls", "The Midnight Owls Tribute"], None),
        ("Mumford & Sons", ["Mumford and Sons", "Mumford"], "Mumford and Sons"),
        ("Beyoncé", ["BEYONCE"], "BEYONCE"),
        ("Sigur Ros", ["Sigur Rós", "Sigur Rós"], None),  # two distinct ids, one name: ambiguous
    ],
)
async def test_find_artist_by_exact_name(
    fake_sleep: FakeSleep, query: str, names: list[str], expected: str | None
) -> None:
    body = search_page(names)
    async with make_client(with_token(lambda _: httpx.Response(200, json=body)), fake_sleep) as client:
        found = await client.find_artist_by_exact_name(query)
    assert (found.name if found else None) == expected


async def test_exact_name_buried_by_fuzzy_search_is_found_on_a_later_page(fake_sleep: FakeSleep) -> None:
    offsets: list[int] = []

    def api(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        offsets.append(offset)
        names = [f"Ano{suffix}" for suffix in "TRUVWXYZQP"] if offset == 0 else ["ano", "Anouk"]
        return httpx.Response(200, json=search_page(names, total=12, offset=offset))

    async with make_client(with_token(api), fake_sleep, dev_mode=True) as client:
        found = await client.find_artist_by_exact_name("ANO")
    assert found is not None
    assert found.name == "ano"
    assert offsets == [0, 10]


# --- rate limits and the breaker ---


async def test_short_retry_after_is_slept_exactly(calls: CallStats, sample: Any, fake_sleep: FakeSleep) -> None:
    responses = [
        error(429, "API rate limit exceeded", {"Retry-After": "7"}),
        httpx.Response(200, json=sample("spotify_get_artist.json")),
    ]
    async with make_client(with_token(lambda _: responses.pop(0)), fake_sleep) as client:
        await client.get_artist(ARTIST)
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
            await client.get_artist(ARTIST)
    assert raised.value.retry_after_seconds == 13749
    assert fake_sleep.calls == []
    assert len(api_calls) == 1
    assert 13000 < opened.value.retry_after_seconds <= 13749


# --- development mode ---


def track(
    track_id: str, name: str, number: int, *, artist: str = ARTIST, popularity: int | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": track_id,
        "name": name,
        "duration_ms": 200_000 + number,
        "track_number": number,
        "disc_number": 1,
        "explicit": False,
        "preview_url": None,
        "artists": [{"id": artist, "name": "The Midnight Owls"}],
    }
    if popularity is not None:
        item["popularity"] = popularity
    return item


class FakeSpotify:
    """A tiny Spotify with one artist, switchable between development and extended mode."""

    releases: list[dict[str, Any]] = [  # noqa: RUF012 - read-only test data
        {
            "id": "ALB0",
            "name": "First Light",
            "album_type": "album",
            "release_date": "2019",
            "release_date_precision": "year",
            "total_tracks": 3,
        },
        {
            "id": "ALB1",
            "name": "Night Flight",
            "album_type": "album",
            "release_date": "2024-05-10",
            "release_date_precision": "day",
            "total_tracks": 4,
        },
        {
            "id": "SGL1",
            "name": "Owl Song",
            "album_type": "single",
            "release_date": "2024-03-01",
            "release_date_precision": "day",
            "total_tracks": 1,
        },
        {
            "id": "SGL2",
            "name": "New Thing",
            "album_type": "single",
            "release_date": "2025-01-15",
            "release_date_precision": "day",
            "total_tracks": 3,
        },
    ]
    album_tracks: dict[str, list[dict[str, Any]]] = {  # noqa: RUF012
        "ALB0": [track("t-dawn", "Dawn", 1), track("t-moon-live", "Moonlight (Live)", 2), track("t-dusk", "Dusk", 3)],
        "ALB1": [
            track("t-owl", "Owl Song", 1),
            track("t-moon", "Moonlight", 2),
            track("t-feathers", "Feathers", 3),
            track("t-wings", "Wings", 4),
        ],
        "SGL1": [track("t-owl-single", "Owl Song", 1)],
        "SGL2": [
            track("t-new", "New Thing", 1),
            track("t-new-edit", "New Thing - Radio Edit", 2),
            track("t-split", "Someone Else's Song", 3, artist="0000000000000000000000"),
        ],
    }
    popularity = {"t-dawn": 60, "t-feathers": 80, "t-owl": 70, "t-moon": 40, "t-wings": 10, "t-dusk": 30, "t-new": 50}  # noqa: RUF012

    def __init__(self, *, dev: bool) -> None:
        self.dev = dev
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, request.url.params
        if path == "/api/token":
            return token_response()
        self.paths.append(path)
        if path == f"/v1/artists/{ARTIST}/top-tracks":
            if self.dev:
                return error(404, "Not found.")
            top = [track("t-feathers", "Feathers", 3, popularity=80), track("t-dawn", "Dawn", 1, popularity=60)]
            top[0]["album"], top[1]["album"] = self.releases[1], self.releases[0]
            return httpx.Response(200, json={"tracks": top})
        if path == f"/v1/artists/{ARTIST}/albums":
            limit, offset = int(params["limit"]), int(params["offset"])
            if limit > (10 if self.dev else 50):
                return error(400, "Invalid limit")
            groups = params["include_groups"].split(",")
            found = [r for r in self.releases if r["album_type"] in groups]
            found.sort(key=lambda r: r["release_date"], reverse=True)
            page = found[offset : offset + limit]
            next_url = "https://api.spotify.test/next" if offset + limit < len(found) else None
            return httpx.Response(
                200, json={"items": page, "total": len(found), "limit": limit, "offset": offset, "next": next_url}
            )
        if path.startswith("/v1/albums/") and path.endswith("/tracks"):
            items = self.album_tracks[path.split("/")[3]]
            return httpx.Response(
                200, json={"items": items, "total": len(items), "limit": 50, "offset": 0, "next": None}
            )
        if path == "/v1/tracks":
            if self.dev:
                return error(403, "Forbidden")
            ids = params["ids"].split(",")
            return httpx.Response(
                200, json={"tracks": [{**track(i, i, 1), "popularity": self.popularity.get(i, 0)} for i in ids]}
            )
        if path == "/v1/search":
            if self.dev and int(params["limit"]) > 10:
                return error(400, "Invalid limit")
            return httpx.Response(200, json=search_page(["The Midnight Owls"]))
        return error(404, "Not found.")


async def test_dev_mode_catalog_falls_back_to_recent_releases(fake_sleep: FakeSleep) -> None:
    spotify = FakeSpotify(dev=True)
    async with make_client(spotify, fake_sleep) as client:
        catalog = await client.artist_catalog(ARTIST)
        assert client.dev_mode is True
        spotify.paths.clear()
        again = await client.artist_catalog(ARTIST, max_songs=5)

    # Newest release first, track order within a release; single "Owl Song", "New Thing - Radio Edit"
    # and "Moonlight (Live)" are the same songs as tracks already taken; the split single's other act is out.
    assert [t.name for t in catalog] == ["New Thing", "Owl Song", "Moonlight", "Feathers", "Wings", "Dawn", "Dusk"]
    assert [t.rank for t in catalog] == list(range(1, 8))
    assert {t.source for t in catalog} == {"album"}
    assert {t.popularity for t in catalog} == {None}
    first = catalog[0]
    assert (first.album_id, first.album_name, first.release_date) == ("SGL2", "New Thing", date(2025, 1, 15))
    assert catalog[-1].release_date == date(2019, 1, 1)
    assert catalog[-1].release_date_precision == "year"
    # Remembered: no top-tracks or several-tracks attempt, and it stops opening releases at max_songs.
    assert [t.name for t in again] == ["New Thing", "Owl Song", "Moonlight", "Feathers", "Wings"]
    assert f"/v1/artists/{ARTIST}/top-tracks" not in spotify.paths
    assert "/v1/tracks" not in spotify.paths
    assert "/v1/albums/ALB0/tracks" not in spotify.paths


async def test_extended_mode_catalog_ranks_top_tracks_then_popularity(fake_sleep: FakeSleep) -> None:
    spotify = FakeSpotify(dev=False)
    async with make_client(spotify, fake_sleep) as client:
        catalog = await client.artist_catalog(ARTIST)
        assert client.dev_mode is False

    assert [t.name for t in catalog] == ["Feathers", "Dawn", "Owl Song", "New Thing", "Moonlight", "Dusk", "Wings"]
    assert [t.source for t in catalog[:3]] == ["top_tracks", "top_tracks", "album"]
    assert [t.popularity for t in catalog] == [80, 60, 70, 50, 40, 30, 10]
    assert catalog[0].album_name == "Night Flight"
    assert spotify.paths.count("/v1/tracks") == 1  # popularity hydrated in one batch


async def test_invalid_limit_switches_to_dev_mode_and_retries_with_10(fake_sleep: FakeSleep) -> None:
    spotify = FakeSpotify(dev=True)
    async with make_client(spotify, fake_sleep) as client:
        found = await client.search_artists("The Midnight Owls", limit=50)
        assert client.dev_mode is True
        assert client.page_limit == 10
    assert [a.name for a in found] == ["The Midnight Owls"]
    assert spotify.paths == ["/v1/search", "/v1/search"]


async def test_missing_popularity_reveals_dev_mode(sample: Any, fake_sleep: FakeSleep) -> None:
    body = {k: v for k, v in sample("spotify_get_artist.json").items() if k not in ("popularity", "followers")}
    async with make_client(with_token(lambda _: httpx.Response(200, json=body)), fake_sleep) as client:
        artist = await client.get_artist(ARTIST)
        assert client.dev_mode is True
    assert artist.popularity is None
    assert artist.followers is None


async def test_several_ids_fall_back_to_single_calls_in_dev_mode(sample: Any, fake_sleep: FakeSleep) -> None:
    paths: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/v1/artists":
            return error(403, "Forbidden")
        return httpx.Response(200, json=sample("spotify_get_artist.json"))

    async with make_client(with_token(api), fake_sleep) as client:
        artists = await client.get_artists([ARTIST, ARTIST])
        assert client.dev_mode is True
        with pytest.raises(EndpointRemoved):
            await client.top_tracks(ARTIST)  # known removed: no request
    assert len(artists) == 2
    assert paths == ["/v1/artists", f"/v1/artists/{ARTIST}", f"/v1/artists/{ARTIST}"]
