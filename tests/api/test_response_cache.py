"""Shared reads from the response cache, exactly invalidated, with each viewer's own viewerHasVoted; HTTP caching."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
from factories import make_setlist, make_show, make_song, make_token, make_user
from graphql_client import GraphQLClient, document
from sql_counter import QueryCounter

from app.api.ids import encode_id
from app.setlists.models import SetlistSong
from app.settings import Settings

Counter = Callable[[], AbstractContextManager[QueryCounter]]
PAGE = "ShowPageWithSetlist"


async def a_show_with_setlist(songs: int = 3) -> tuple[str, list[str]]:
    show = await make_show()
    setlist = await make_setlist(show, [await make_song(artist=await show.headliner) for _ in range(songs)])
    entries = await SetlistSong.filter(setlist=setlist).order_by("position")
    return encode_id("Show", show.id), [encode_id("SetlistSong", entry.id) for entry in entries]


def votes(data: dict[str, Any]) -> dict[str, tuple[int, bool]]:
    return {song["id"]: (song["votes"], song["viewerHasVoted"]) for song in data["show"]["setlist"]["songs"]}


async def get(http: httpx.AsyncClient, show: str, token: str | None = None, **headers: str) -> httpx.Response:
    params = {"query": document(PAGE), "variables": json.dumps({"id": show})}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.get("/graphql", params=params, headers={"accept": "application/json", **headers})


async def test_a_second_anonymous_read_is_the_same_bytes_and_reads_nothing(
    gql: GraphQLClient, count_queries: Counter
) -> None:
    show, _ = await a_show_with_setlist()
    first = await gql.post(document(PAGE), {"id": show})

    with count_queries() as counter:
        second = await gql.post(document(PAGE), {"id": show})

    assert "errors" not in first.json()
    assert second.content == first.content
    assert counter.statements == []


async def test_the_read_after_a_vote_shows_it(gql: GraphQLClient) -> None:
    show, songs = await a_show_with_setlist()
    voter = await make_token(await make_user())
    before = votes(await gql.data(PAGE, id=show))

    await gql.post(document("Vote"), {"setlistSongId": songs[1]}, authorization=f"Bearer {voter}")
    after = votes(await gql.data(PAGE, id=show))

    assert before[songs[1]] == (0, False)
    assert after[songs[1]] == (1, False)


async def test_each_viewer_sees_their_own_votes_from_the_one_cached_answer(
    gql: GraphQLClient, count_queries: Counter
) -> None:
    show, songs = await a_show_with_setlist()
    alice, bob = await make_token(await make_user()), await make_token(await make_user())
    for token, song in ((alice, songs[0]), (bob, songs[2])):
        await gql.post(document("Vote"), {"setlistSongId": song}, authorization=f"Bearer {token}")
    anonymous = votes(await gql.data(PAGE, id=show))  # builds the entry after both votes

    pages = {}
    for name, token in (("alice", alice), ("bob", bob)):
        gql.token = token
        await gql.data("Me")  # the token is now in the process's cache
        with count_queries() as counter:
            pages[name] = votes(await gql.data(PAGE, id=show))
        assert len(counter.statements) == 1  # their votes only
        assert "user_votes" in counter.statements[0]

    assert {song: voted for song, (_, voted) in anonymous.items()} == dict.fromkeys(songs, False)
    assert {song: voted for song, (_, voted) in pages["alice"].items()} == {
        songs[0]: True,
        songs[1]: False,
        songs[2]: False,
    }
    assert {song: voted for song, (_, voted) in pages["bob"].items()} == {
        songs[0]: False,
        songs[1]: False,
        songs[2]: True,
    }
    assert {song: count for song, (count, _) in pages["alice"].items()} == {songs[0]: 1, songs[1]: 0, songs[2]: 1}


async def test_each_viewer_sees_their_own_votes_left_from_the_one_cached_answer(
    gql: GraphQLClient, count_queries: Counter, settings: Settings
) -> None:
    show, songs = await a_show_with_setlist()
    alice, bob = await make_token(await make_user()), await make_token(await make_user())
    for song in songs[:2]:
        await gql.post(document("Vote"), {"setlistSongId": song}, authorization=f"Bearer {alice}")
    anonymous = await gql.data(PAGE, id=show)  # builds the entry after alice's votes
    budget = settings.votes_per_show

    left = {}
    for name, token in (("alice", alice), ("bob", bob)):
        gql.token = token
        await gql.data("Me")
        with count_queries() as counter:
            left[name] = (await gql.data(PAGE, id=show))["show"]["setlist"]["viewerVotesLeft"]
        assert len(counter.statements) == 1  # served from the cache: their votes only

    assert anonymous["show"]["setlist"]["viewerVotesLeft"] is None
    assert left == {"alice": budget - 2, "bob": budget}


async def test_get_answers_with_an_etag_and_if_none_match_gets_304_without_executing(
    gql: GraphQLClient, http: httpx.AsyncClient, count_queries: Counter
) -> None:
    show, songs = await a_show_with_setlist()
    first = await get(http, show)

    with count_queries() as counter:
        revalidated = await get(http, show, **{"if-none-match": first.headers["etag"]})
    voter = await make_token(await make_user())
    await gql.post(document("Vote"), {"setlistSongId": songs[0]}, authorization=f"Bearer {voter}")
    after_vote = await get(http, show, **{"if-none-match": first.headers["etag"]})

    assert first.status_code == 200
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert {"Accept", "Authorization"} <= {part.strip() for part in first.headers["vary"].split(",")}
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == first.headers["etag"]
    assert counter.statements == []
    assert after_vote.status_code == 200
    assert after_vote.headers["etag"] != first.headers["etag"]


async def test_signed_in_reads_are_private_and_mutations_are_not_stored(
    gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    show, songs = await a_show_with_setlist()
    token = await make_token(await make_user())

    signed_in = await get(http, show, token)
    vote = await gql.post(document("Vote"), {"setlistSongId": songs[0]}, authorization=f"Bearer {token}")
    other = await get(http, show, await make_token(await make_user()))

    assert signed_in.headers["cache-control"] == "private, no-cache"
    assert {"Accept", "Authorization"} <= {part.strip() for part in signed_in.headers["vary"].split(",")}
    assert other.headers["etag"] != signed_in.headers["etag"]  # per viewer, never shared
    assert vote.headers["cache-control"] == "no-store"
