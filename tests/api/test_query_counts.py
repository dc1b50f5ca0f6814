"""DataLoaders keep the number of SQL statements flat however many rows a page shows."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from factories import add_support, make_artist, make_played_setlist, make_show, make_song, make_venue
from graphql_client import GraphQLClient
from sql_counter import QueryCounter
from starlette.applications import Starlette

from app.api.ids import encode_id

Counter = Callable[[], AbstractContextManager[QueryCounter]]


async def _statements_for_show_list(gql: GraphQLClient, count_queries: Counter, shows: int) -> int:
    venues = [await make_venue() for _ in range(3)]
    for i in range(shows):
        show = await make_show(venue=venues[i % 3])
        await add_support(show, await make_artist())
    with count_queries() as counter:
        data = await gql.data("ShowList", first=100)
    assert len(data["shows"]["edges"]) == shows
    return len(counter.statements)


async def test_show_list_statement_count_does_not_grow_with_shows(
    gql: GraphQLClient, count_queries: Counter, app: Starlette
) -> None:
    few = await _statements_for_show_list(gql, count_queries, 5)
    await _truncate(gql)
    await app.state.resources.versions.bump_catalog()  # a catalog write: the cached list is stale
    many = await _statements_for_show_list(gql, count_queries, 50)

    assert few == many
    assert 1 <= many <= 4  # the shows, their headliners, their venues; no per-show query


async def test_show_page_statement_count_does_not_grow_with_the_lineup(
    gql: GraphQLClient, count_queries: Counter
) -> None:
    small = await make_show()
    await add_support(small, await make_artist())
    big = await make_show()
    await add_support(big, *[await make_artist() for _ in range(12)])

    with count_queries() as small_counter:
        await gql.data("ShowPage", id=encode_id("Show", small.id))
    with count_queries() as big_counter:
        await gql.data("ShowPage", id=encode_id("Show", big.id))

    assert len(small_counter.statements) == len(big_counter.statements)


async def test_artist_page_statement_count_does_not_grow_with_songs_or_shows(
    gql: GraphQLClient, count_queries: Counter
) -> None:
    quiet, busy = await make_artist(), await make_artist()
    await make_song(artist=quiet)
    await make_show(headliner=quiet)
    for _ in range(20):
        await make_song(artist=busy)
        await make_show(headliner=busy)

    with count_queries() as quiet_counter:
        await gql.data("ArtistPage", id=encode_id("Artist", quiet.id), songs=50, shows=50)
    with count_queries() as busy_counter:
        await gql.data("ArtistPage", id=encode_id("Artist", busy.id), songs=50, shows=50)

    assert len(quiet_counter.statements) == len(busy_counter.statements)


async def test_past_show_page_statement_count_does_not_grow_with_the_played_songs(
    gql: GraphQLClient, count_queries: Counter
) -> None:
    short, long = await make_show(), await make_show()
    await make_played_setlist(short, [await make_song(artist=await short.headliner), "Unknown"])
    songs = [await make_song(artist=await long.headliner) for _ in range(25)]
    await make_played_setlist(long, [*songs, "Unreleased", "?"])

    with count_queries() as short_counter:
        await gql.data("PastShowPage", id=encode_id("Show", short.id))
    with count_queries() as long_counter:
        await gql.data("PastShowPage", id=encode_id("Show", long.id))

    assert len(short_counter.statements) == len(long_counter.statements)


async def _truncate(gql: GraphQLClient) -> None:
    from tortoise import connections

    await connections.get("default").execute_script(
        "TRUNCATE show_artists, shows, venues, artists RESTART IDENTITY CASCADE"
    )
