"""Spotify emulator over real HTTP: token flow, dev/extended split, fuzzy search, rolling-window 429s, faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import httpx
import pytest

from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.world import World

Authorize = Callable[..., Awaitable[dict[str, str]]]


async def test_token_flow_issues_bearer_tokens_and_rejects_wrong_credentials(world: World) -> None:
    app = create_spotify_app(world, client_id="my-id", client_secret="my-secret", token_ttl_seconds=1234)
    async with running_server(app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        form = {"grant_type": "client_credentials"}
        ok = await client.post("/api/token", data=form, auth=("my-id", "my-secret"))
        assert ok.status_code == 200
        body = ok.json()
        assert set(body) == {"access_token", "token_type", "expires_in"}
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 1234
        wrong = await client.post("/api/token", data=form, auth=("my-id", "nope"))
        assert wrong.status_code == 400
        assert wrong.json() == {"error": "invalid_client", "error_description": "Invalid client secret"}
        missing_grant = await client.post("/api/token", data={}, auth=("my-id", "my-secret"))
        assert missing_grant.status_code == 400
        assert missing_grant.json()["error"] == "unsupported_grant_type"
        artist_id = next(iter(world.artists))
        authorized = await client.get(
            f"/v1/artists/{artist_id}", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert authorized.status_code == 200
        assert authorized.json()["id"] == artist_id


async def test_missing_unknown_and_expired_tokens_are_401(world: World, authorize: Authorize) -> None:
    async with (
        running_server(create_spotify_app(world, token_ttl_seconds=1)) as base_url,
        httpx.AsyncClient(base_url=base_url) as client,
    ):
        path = f"/v1/artists/{next(iter(world.artists))}"
        assert (await client.get(path)).json() == {"error": {"status": 401, "message": "No token provided"}}
        unknown = await client.get(path, headers={"Authorization": "Bearer nope"})
        assert unknown.status_code == 401
        assert unknown.json()["error"]["message"] == "Invalid access token"
        headers = await authorize(client)
        assert (await client.get(path, headers=headers)).status_code == 200
        await asyncio.sleep(1.05)
        expired = await client.get(path, headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"error": {"status": 401, "message": "The access token expired"}}


async def test_expire_tokens_now_fault_expires_every_issued_token(spotify_dev: httpx.AsyncClient, world: World) -> None:
    path = f"/v1/artists/{next(iter(world.artists))}"
    assert (await spotify_dev.get(path)).status_code == 200
    await spotify_dev.post("/_emulator/faults", json={"expire_tokens_now": True})
    response = await spotify_dev.get(path)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The access token expired"
    assert (await spotify_dev.get("/_emulator/faults")).json()["expire_tokens_now"] is False


async def test_dev_mode_hides_top_tracks_batches_and_popularity_and_caps_limits_at_10(
    spotify_dev: httpx.AsyncClient, world: World
) -> None:
    artist = world.spotify_artists_named("Mirabé")[0]
    forbidden = {"error": {"status": 403, "message": "Forbidden"}}
    for path in (
        f"/v1/artists/{artist.id}/top-tracks",
        f"/v1/artists?ids={artist.id}",
        f"/v1/tracks?ids={artist.top_track_ids[0]}",
    ):
        response = await spotify_dev.get(path)
        assert response.status_code == 403, path
        assert response.json() == forbidden
    body = (await spotify_dev.get(f"/v1/artists/{artist.id}")).json()
    assert "popularity" not in body
    assert "followers" not in body
    assert body["name"] == "Mirabé"
    track = (await spotify_dev.get(f"/v1/tracks/{artist.top_track_ids[0]}")).json()
    assert "popularity" not in track
    assert "available_markets" not in track
    assert track["preview_url"] is None
    assert track["external_ids"]["isrc"]  # restored in Mar 2026
    search = (await spotify_dev.get("/v1/search", params={"q": "the", "type": "artist"})).json()
    assert search["artists"]["limit"] == 5  # the Feb 2026 default
    assert (await spotify_dev.get("/v1/search", params={"q": "the", "type": "artist", "limit": 10})).status_code == 200
    for path in ("/v1/search?q=the&type=artist&limit=11", f"/v1/artists/{artist.id}/albums?limit=20"):
        response = await spotify_dev.get(path)
        assert response.status_code == 400
        assert response.json() == {"error": {"status": 400, "message": "Invalid limit"}}
    albums = (await spotify_dev.get(f"/v1/artists/{artist.id}/albums")).json()
    assert albums["limit"] == 5
    assert all("album_group" not in a for a in albums["items"])


async def test_extended_mode_returns_top_tracks_batches_popularity_and_limit_50(
    spotify_ext: httpx.AsyncClient, world: World
) -> None:
    artist = world.spotify_artists_named("Mirabé")[0]
    top = (await spotify_ext.get(f"/v1/artists/{artist.id}/top-tracks", params={"market": "US"})).json()
    assert [t["id"] for t in top["tracks"]] == artist.top_track_ids
    assert 0 < len(top["tracks"]) <= 10
    assert all("popularity" in t and t["is_playable"] for t in top["tracks"])
    body = (await spotify_ext.get(f"/v1/artists/{artist.id}")).json()
    assert body["popularity"] == artist.popularity
    assert body["followers"] == {"href": None, "total": artist.followers}
    several = (await spotify_ext.get("/v1/artists", params={"ids": f"{artist.id},{'0' * 22}"})).json()
    assert several["artists"][0]["id"] == artist.id
    assert several["artists"][1] is None
    too_many = await spotify_ext.get("/v1/albums", params={"ids": ",".join([artist.album_ids[0]] * 21)})
    assert too_many.status_code == 400
    assert (await spotify_ext.get("/v1/search", params={"q": "the", "type": "track", "limit": 50})).status_code == 200
    albums = (await spotify_ext.get(f"/v1/artists/{artist.id}/albums", params={"limit": 50})).json()
    assert albums["limit"] == 50
    assert all("album_group" in a for a in albums["items"])


async def test_mode_endpoint_switches_dev_and_extended(spotify_dev: httpx.AsyncClient, world: World) -> None:
    path = f"/v1/artists/{next(iter(world.artists))}/top-tracks"
    assert (await spotify_dev.get(path)).status_code == 403
    assert (await spotify_dev.post("/_emulator/mode", json={"mode": "extended"})).json() == {"mode": "extended"}
    assert (await spotify_dev.get(path)).status_code == 200
    assert (await spotify_dev.post("/_emulator/mode", json={"mode": "turbo"})).status_code == 400


@pytest.mark.parametrize(
    ("query", "exact_count", "near_names"),
    [
        ("IZO", 1, {"IZOTOPE", "Izora", "IZZO"}),  # the short exact name is outranked by popular near-names
        ("The Midnight Owls", 0, {"The Midnight Owlz", "Midnight Owl"}),  # no exact match exists at all
        ("Velvet Static", 0, {"Velvet Statik", "The Velvet Static Experience"}),
        ("Harbor", 2, set()),  # two different artists share the name
    ],
)
async def test_artist_search_returns_exact_match_and_near_names(
    spotify_dev: httpx.AsyncClient, query: str, exact_count: int, near_names: set[str]
) -> None:
    body = (
        await spotify_dev.get("/v1/search", params={"q": f'artist:"{query}"', "type": "artist", "limit": 10})
    ).json()
    names = [a["name"] for a in body["artists"]["items"]]
    assert names.count(query) == exact_count
    assert near_names <= set(names)


async def test_search_ranks_popular_near_names_above_an_obscure_exact_name(spotify_ext: httpx.AsyncClient) -> None:
    items = (await spotify_ext.get("/v1/search", params={"q": "IZO", "type": "artist"})).json()["artists"]["items"]
    names = [a["name"] for a in items]
    assert names[0] != "IZO"
    assert "IZO" in names[:5]


async def test_search_folds_ampersand_and_accents(spotify_dev: httpx.AsyncClient) -> None:
    found = (await spotify_dev.get("/v1/search", params={"q": "Hollis & The Ferrymen", "type": "artist"})).json()
    assert found["artists"]["items"][0]["name"] == "Hollis and the Ferrymen"
    found = (await spotify_dev.get("/v1/search", params={"q": "Lea Fontaine", "type": "artist"})).json()
    assert found["artists"]["items"][0]["name"] == "Léa Fontaine"


async def test_search_validates_query_offset_and_pages(spotify_dev: httpx.AsyncClient, world: World) -> None:
    empty = await spotify_dev.get("/v1/search", params={"q": " ", "type": "artist"})
    assert empty.status_code == 400
    assert empty.json()["error"]["message"] == "No search query"
    assert (await spotify_dev.get("/v1/search", params={"q": "x", "type": "artist", "offset": 1001})).status_code == 400
    artist = world.spotify_artists_named("Mirabé")[0]
    track_name = world.tracks[artist.top_track_ids[0]].name
    q = f'track:"{track_name}" artist:"Mirabé"'
    tracks = (await spotify_dev.get("/v1/search", params={"q": q, "type": "track,artist"})).json()
    assert tracks["tracks"]["items"][0]["artists"][0]["id"] == artist.id
    assert set(tracks) == {"tracks", "artists"}
    first = (await spotify_dev.get("/v1/search", params={"q": "the", "type": "artist", "limit": 3})).json()["artists"]
    assert first["previous"] is None
    assert first["next"]
    assert first["total"] > 3
    second = (await spotify_dev.get(first["next"])).json()["artists"]
    assert second["offset"] == 3
    assert not {a["id"] for a in first["items"]} & {a["id"] for a in second["items"]}


async def test_artist_albums_and_album_tracks_page_with_absolute_next_links(
    spotify_dev: httpx.AsyncClient, world: World
) -> None:
    artist = max(world.artists.values(), key=lambda a: len(a.album_ids) + len(a.appears_on_ids))
    seen: list[str] = []
    url: str | None = f"/v1/artists/{artist.id}/albums?limit=2"
    while url:
        page = (await spotify_dev.get(url)).json()
        seen += [a["id"] for a in page["items"]]
        url = page["next"]
    assert sorted(seen) == sorted(artist.album_ids + artist.appears_on_ids)
    album = world.albums[artist.album_ids[0]]
    page = (await spotify_dev.get(f"/v1/albums/{album.id}/tracks", params={"limit": 50})).json()
    assert [t["id"] for t in page["items"]] == album.track_ids
    assert page["next"] is None
    assert all("album" not in t and t["type"] == "track" for t in page["items"])
    assert (await spotify_dev.get(f"/v1/albums/{album.id}/tracks", params={"limit": 51})).status_code == 400


async def test_bad_and_unknown_ids_are_400_and_404(spotify_dev: httpx.AsyncClient) -> None:
    bad = await spotify_dev.get("/v1/artists/not-an-id")
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "Invalid base62 id"
    assert (await spotify_dev.get(f"/v1/artists/{'0' * 22}")).status_code == 404
    assert (await spotify_dev.get("/v1/nothing-here")).json() == {
        "error": {"status": 404, "message": "Service not found"}
    }


async def test_rolling_window_over_the_limit_is_429_with_retry_after_and_counted(
    world: World, authorize: Authorize
) -> None:
    app = create_spotify_app(world, requests_per_30s=3, window_seconds=1.0)
    async with running_server(app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        client.headers.update(await authorize(client))
        path = f"/v1/artists/{next(iter(world.artists))}"
        statuses = [(await client.get(path)).status_code for _ in range(3)]
        limited = await client.get(path)
        stats = (await client.get("/_emulator/stats")).json()
        await asyncio.sleep(1.0)
        recovered = await client.get(path)
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}
    assert stats["limit_violations"] == 1
    assert stats["max_requests_in_any_window"] == 4
    assert recovered.status_code == 200


async def test_rate_limit_storm_sends_the_configured_retry_after(spotify_dev: httpx.AsyncClient, world: World) -> None:
    await spotify_dev.post("/_emulator/faults", json={"rate_limit_next_n": 2, "retry_after_seconds": 14000})
    path = f"/v1/artists/{next(iter(world.artists))}"
    storm = [await spotify_dev.get(path) for _ in range(2)]
    assert [(r.status_code, r.headers["Retry-After"]) for r in storm] == [(429, "14000")] * 2
    assert (await spotify_dev.get(path)).status_code == 200
    assert (await spotify_dev.get("/_emulator/stats")).json()["limit_violations"] == 2


async def test_malformed_json_fault_returns_a_truncated_200(spotify_dev: httpx.AsyncClient, world: World) -> None:
    await spotify_dev.post("/_emulator/faults", json={"malformed_json_next_n": 1})
    path = f"/v1/artists/{next(iter(world.artists))}"
    broken = await spotify_dev.get(path)
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        broken.json()
    assert (await spotify_dev.get(path)).json()["type"] == "artist"


async def test_stats_count_api_requests_by_path_but_not_control_calls(
    spotify_dev: httpx.AsyncClient, world: World
) -> None:
    artist_id = next(iter(world.artists))
    await spotify_dev.get(f"/v1/artists/{artist_id}")
    await spotify_dev.get(f"/v1/artists/{artist_id}/albums")
    await spotify_dev.get("/_emulator/faults")
    stats = (await spotify_dev.get("/_emulator/stats")).json()
    assert stats["requests_by_path"] == {"/api/token": 1, "/v1/artists/{id}": 1, "/v1/artists/{id}/albums": 1}
    assert stats["requests"] == 3
    assert stats["tokens_issued"] == 1
    assert stats["mode"] == "dev"
    assert stats["limit_violations"] == 0
    assert stats["max_requests_in_any_window"] == 2
    await spotify_dev.post("/_emulator/reset")
    assert (await spotify_dev.get("/_emulator/stats")).json()["requests"] == 0
