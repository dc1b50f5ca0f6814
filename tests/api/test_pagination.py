"""Connections' PageInfo follows the Relay connection spec on keyset pages: both cursors, and both directions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from factories import in_days, make_artist, make_show, make_venue
from graphql_client import GraphQLClient
from sql_counter import QueryCounter

from app.catalog.models import SyncEvent

Counter = Callable[[], AbstractContextManager[QueryCounter]]

PAGE_INFO = "pageInfo { hasPreviousPage hasNextPage startCursor endCursor }"
SHOWS = f"""query($first: Int!, $after: String, $city: String) {{
  shows(first: $first, after: $after, city: $city) {{ edges {{ cursor }} {PAGE_INFO} }}
}}"""
ARTISTS = f"""query($first: Int!, $after: String, $search: String) {{
  artists(first: $first, after: $after, search: $search) {{ edges {{ cursor }} {PAGE_INFO} }}
}}"""
SYNC_EVENTS = f"""query($first: Int!, $after: String, $job: String) {{
  syncEvents(first: $first, after: $after, job: $job) {{ edges {{ cursor }} {PAGE_INFO} }}
}}"""


async def page(gql: GraphQLClient, query: str, field: str, **variables: Any) -> dict[str, Any]:
    response = await gql.post(query, variables)
    body = response.json()
    assert "errors" not in body, body["errors"]
    connection: dict[str, Any] = body["data"][field]
    return connection


async def test_show_pages_report_both_ends_and_both_directions(gql: GraphQLClient) -> None:
    for days in range(5):
        await make_show(local_date=in_days(1 + days))

    first = await page(gql, SHOWS, "shows", first=2)
    middle = await page(gql, SHOWS, "shows", first=2, after=first["pageInfo"]["endCursor"])
    last = await page(gql, SHOWS, "shows", first=2, after=middle["pageInfo"]["endCursor"])

    assert first["pageInfo"] == {
        "hasPreviousPage": False,
        "hasNextPage": True,
        "startCursor": first["edges"][0]["cursor"],
        "endCursor": first["edges"][1]["cursor"],
    }
    assert middle["pageInfo"]["hasPreviousPage"] is True
    assert middle["pageInfo"]["hasNextPage"] is True
    assert middle["pageInfo"]["startCursor"] == middle["edges"][0]["cursor"]
    assert last["pageInfo"] == {
        "hasPreviousPage": True,
        "hasNextPage": False,
        "startCursor": last["edges"][0]["cursor"],
        "endCursor": last["edges"][0]["cursor"],
    }


async def test_has_previous_page_counts_only_the_rows_of_the_same_list(gql: GraphQLClient) -> None:
    austin, chicago = await make_venue(city="Austin"), await make_venue(city="Chicago")
    await make_show(venue=austin, local_date=in_days(1))
    await make_show(venue=chicago, local_date=in_days(2))
    await make_show(venue=chicago, local_date=in_days(3))
    everything = await page(gql, SHOWS, "shows", first=10)
    austin_cursor = everything["edges"][0]["cursor"]  # sorts before every Chicago show

    in_chicago = await page(gql, SHOWS, "shows", first=10, after=austin_cursor, city="Chicago")

    assert len(in_chicago["edges"]) == 2
    assert in_chicago["pageInfo"]["hasPreviousPage"] is False  # nothing in Chicago at or before it


async def test_an_empty_page_has_no_cursors(gql: GraphQLClient) -> None:
    empty = await page(gql, SHOWS, "shows", first=5)

    assert empty["pageInfo"] == {"hasPreviousPage": False, "hasNextPage": False, "startCursor": None, "endCursor": None}


async def test_artist_pages_report_a_previous_page_within_the_search(gql: GraphQLClient) -> None:
    for name in ("Alpha Band", "Beta Band", "Gamma Band", "Delta Solo"):
        await make_artist(name=name)

    first = await page(gql, ARTISTS, "artists", first=1, search="band")
    second = await page(gql, ARTISTS, "artists", first=5, after=first["pageInfo"]["endCursor"], search="band")
    all_artists = await page(gql, ARTISTS, "artists", first=5)
    after_delta = all_artists["edges"][2]["cursor"]  # alpha, beta, delta, gamma: after "delta solo"
    gamma_only = await page(gql, ARTISTS, "artists", first=5, after=after_delta, search="gamma")

    assert first["pageInfo"]["hasPreviousPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert len(second["edges"]) == 2
    assert len(gamma_only["edges"]) == 1
    assert gamma_only["pageInfo"]["hasPreviousPage"] is False


async def test_sync_event_pages_report_a_previous_page_newest_first(gql: GraphQLClient) -> None:
    run = uuid.uuid4()
    for message in ("one", "two", "three"):
        await SyncEvent.create(run_id=run, job="sync_popular_tours", message=message)

    first = await page(gql, SYNC_EVENTS, "syncEvents", first=2)
    second = await page(gql, SYNC_EVENTS, "syncEvents", first=2, after=first["pageInfo"]["endCursor"])

    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["startCursor"] == second["edges"][0]["cursor"]


async def test_has_previous_page_costs_a_query_only_when_selected(gql: GraphQLClient, count_queries: Counter) -> None:
    for days in range(3):
        await make_show(local_date=in_days(1 + days))
    cursor = (await page(gql, SHOWS, "shows", first=1))["pageInfo"]["endCursor"]
    without = SHOWS.replace("hasPreviousPage ", "")

    with count_queries() as plain:
        await page(gql, without, "shows", first=1, after=cursor)
    with count_queries() as asking:
        await page(gql, SHOWS, "shows", first=1, after=cursor)

    assert len(asking.statements) == len(plain.statements) + 1
