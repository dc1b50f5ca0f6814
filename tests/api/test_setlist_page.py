"""The show page with its setlist: created on the first visit, ordered by votes, personal to the viewer."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager

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
from graphql_client import GraphQLClient, document
from sql_counter import QueryCounter

from app.api.ids import encode_id
from app.setlists.models import Setlist, SetlistSong, UserVote

Counter = Callable[[], AbstractContextManager[QueryCounter]]


async def _fresh_artist(songs: int) -> tuple[object, list[object]]:
    artist = await make_artist(songs_synced_at=dt.datetime.now(dt.UTC))
    made = [await make_song(artist=artist, name=f"Hit {rank}", rank=rank) for rank in range(songs, 0, -1)]
    return artist, made


async def test_first_visit_creates_the_setlist_from_the_headliners_top_ten(gql: GraphQLClient) -> None:
    artist = await make_artist(songs_synced_at=dt.datetime.now(dt.UTC))
    for rank in range(12, 0, -1):
        await make_song(artist=artist, name=f"Hit {rank}", rank=rank)
    await make_song(artist=artist, name="Unranked", rank=None)
    show = await make_show(headliner=artist)

    data = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id))

    songs = data["show"]["setlist"]["songs"]
    assert [entry["song"]["name"] for entry in songs] == [f"Hit {rank}" for rank in range(1, 11)]
    assert [entry["position"] for entry in songs] == list(range(1, 11))
    assert {(entry["votes"], entry["suggested"], entry["viewerHasVoted"]) for entry in songs} == {(0, False, False)}


async def test_second_visit_returns_the_same_setlist(gql: GraphQLClient) -> None:
    artist = await make_artist(songs_synced_at=dt.datetime.now(dt.UTC))
    await make_song(artist=artist, rank=1)
    show = await make_show(headliner=artist)

    first = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id))
    second = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id))

    assert first["show"]["setlist"] == second["show"]["setlist"]
    assert await Setlist.filter(show_id=show.id).count() == 1


async def test_concurrent_first_visits_create_exactly_one_setlist(gql: GraphQLClient) -> None:
    artist = await make_artist(songs_synced_at=dt.datetime.now(dt.UTC))
    for rank in range(1, 11):
        await make_song(artist=artist, rank=rank)
    show = await make_show(headliner=artist)

    bodies = await asyncio.gather(*(gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id)) for _ in range(8)))

    assert len({body["show"]["setlist"]["id"] for body in bodies}) == 1
    assert await Setlist.filter(show_id=show.id).count() == 1
    assert await SetlistSong.filter(setlist__show_id=show.id).count() == 10


async def test_songs_are_ordered_by_votes_then_position(gql: GraphQLClient) -> None:
    show = await make_show()
    setlist = await make_setlist(show)
    low = await make_setlist_song(setlist, position=1, votes=1)
    high = await make_setlist_song(setlist, position=3, votes=5)
    tie = await make_setlist_song(setlist, position=2, votes=1)

    data = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id))

    ids = [entry["id"] for entry in data["show"]["setlist"]["songs"]]
    assert ids == [encode_id("SetlistSong", row.id) for row in (high, low, tie)]


async def test_viewer_has_voted_shows_the_signed_in_viewers_votes_only(gql: GraphQLClient) -> None:
    show = await make_show()
    setlist = await make_setlist(show)
    voted = await make_setlist_song(setlist, position=1, votes=1)
    await make_setlist_song(setlist, position=2)
    user = await make_user()
    await UserVote.create(user=user, setlist_song=voted, setlist=setlist, slot=1)

    gql.token = await make_token(user)
    mine = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id))
    gql.token = None
    anonymous = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id))

    assert [entry["viewerHasVoted"] for entry in mine["show"]["setlist"]["songs"]] == [True, False]
    assert [entry["viewerHasVoted"] for entry in anonymous["show"]["setlist"]["songs"]] == [False, False]


async def test_show_page_stays_readable_with_a_bad_token(gql: GraphQLClient) -> None:
    show = await make_show()
    await make_setlist_song(await make_setlist(show))

    response = await gql.post(document("ShowPageWithSetlist"), {"id": encode_id("Show", show.id)}, authorization="x")

    body = response.json()
    assert "errors" not in body
    assert body["data"]["show"]["setlist"]["songs"][0]["viewerHasVoted"] is False


async def _statements_for_show_page(gql: GraphQLClient, count_queries: Counter, songs: int) -> int:
    artist = await make_artist(songs_synced_at=dt.datetime.now(dt.UTC))
    show = await make_show(headliner=artist)
    await add_support(show, await make_artist(), await make_artist())
    setlist = await make_setlist(show, [await make_song(artist=artist, rank=i) for i in range(1, songs + 1)])
    user = await make_user()
    for slot, entry in enumerate(await SetlistSong.filter(setlist=setlist).limit(3), start=1):
        await UserVote.create(user=user, setlist_song=entry, setlist=setlist, slot=slot)
    gql.token = await make_token(user)
    with count_queries() as counter:
        data = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id))
    assert len(data["show"]["setlist"]["songs"]) == songs
    return len(counter.statements)


async def test_show_page_with_setlist_statement_count_does_not_grow_with_songs(
    gql: GraphQLClient, count_queries: Counter
) -> None:
    few = await _statements_for_show_page(gql, count_queries, 3)
    many = await _statements_for_show_page(gql, count_queries, 40)

    assert few == many
    # show, headliner, its predictability, venue, lineup, setlist, its songs, their catalog rows, the viewer,
    # their votes, votes left
    assert many <= 11
