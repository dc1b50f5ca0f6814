"""The Relay Node interface: `node(id)` and `nodes(ids)` fetch any object with a global id, batched per type."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from factories import make_artist, make_setlist, make_show, make_song, make_token, make_user
from graphql import build_schema
from graphql_client import GraphQLClient
from sql_counter import QueryCounter

from app.api.ids import encode_id
from app.api.nodes import NODE_TYPES
from app.api.schema import schema_sdl
from app.catalog.models import SyncEvent
from app.settings import Settings

Counter = Callable[[], AbstractContextManager[QueryCounter]]

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


async def run(gql: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    body: dict[str, Any] = (await gql.post(query, variables)).json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


def test_every_type_with_a_global_id_implements_node_and_node_resolves_it() -> None:
    schema = build_schema(schema_sdl())
    implementing = {
        implementation.name for implementation in schema.get_implementations(schema.type_map["Node"]).objects
    }  # type: ignore[arg-type]
    with_ids = {
        name
        for name, graphql_type in schema.type_map.items()
        if not name.startswith("__") and "id" in getattr(graphql_type, "fields", {}) and name not in {"Query", "Node"}
    }

    assert implementing == with_ids == NODE_TYPES


async def test_node_fetches_each_type_by_its_global_id(gql: GraphQLClient) -> None:
    show = await make_show()
    song = await make_song(artist=await show.headliner)
    setlist = await make_setlist(show, [song])
    entry = await setlist.songs.all().first()
    assert entry is not None
    event = await SyncEvent.create(run_id=uuid.uuid4(), job="sync_popular_tours", message="started")
    ids = {
        "Show": encode_id("Show", show.id),
        "Artist": encode_id("Artist", show.headliner_id),
        "Venue": encode_id("Venue", show.venue_id),
        "Song": encode_id("Song", song.id),
        "Setlist": encode_id("Setlist", setlist.id),
        "SetlistSong": encode_id("SetlistSong", entry.id),
        "SyncEvent": encode_id("SyncEvent", event.id),
    }

    for type_name, global_id in ids.items():
        body = await run(gql, NODE, id=global_id)
        assert body["data"] == {"node": {"__typename": type_name, "id": global_id}}, body


async def test_node_answers_type_specific_fields_through_fragments(gql: GraphQLClient) -> None:
    show = await make_show(name="Night One")
    query = "query($id: ID!) { node(id: $id) { ... on Show { name artist { id } } } }"

    body = await run(gql, query, id=encode_id("Show", show.id))

    assert body["data"]["node"] == {"name": "Night One", "artist": {"id": encode_id("Artist", show.headliner_id)}}


async def test_node_of_an_id_that_names_nothing_is_null(gql: GraphQLClient) -> None:
    body = await run(gql, NODE, id=encode_id("Show", 2**31 - 1))

    assert body["data"] == {"node": None}
    assert "errors" not in body


@pytest.mark.parametrize(
    "value",
    [
        "not-an-id",
        base64.urlsafe_b64encode(b"Invoice:1").decode().rstrip("="),
        base64.urlsafe_b64encode(b"Show:x").decode().rstrip("="),
        "A" * 500,
    ],
    ids=["malformed", "foreign-type", "bad-key", "too-long"],
)
async def test_node_of_a_bad_or_foreign_id_is_bad_user_input(gql: GraphQLClient, value: str) -> None:
    body = await run(gql, NODE, id=value)

    assert body["data"] == {"node": None}
    assert codes(body) == ["BAD_USER_INPUT"]
    assert len(body["errors"][0]["message"]) < 100  # the id is cut short, not echoed whole


async def test_a_user_node_is_only_the_viewers_own(gql: GraphQLClient) -> None:
    me, someone = await make_user(display_name="Me"), await make_user()
    gql.token = await make_token(me)
    query = "query($id: ID!) { node(id: $id) { ... on User { displayName } } }"

    mine = await run(gql, query, id=encode_id("User", me.id))
    theirs = await run(gql, query, id=encode_id("User", someone.id))
    gql.token = None
    anonymous = await run(gql, query, id=encode_id("User", me.id))

    assert mine["data"] == {"node": {"displayName": "Me"}}
    assert theirs["data"] == {"node": None}
    assert anonymous["data"] == {"node": None}
    assert not any("errors" in body for body in (mine, theirs, anonymous))


async def test_nodes_answers_in_order_with_nulls_and_repeats(gql: GraphQLClient) -> None:
    show, artist = await make_show(), await make_artist()
    show_id, artist_id, missing = (
        encode_id("Show", show.id),
        encode_id("Artist", artist.id),
        encode_id("Song", 2**31 - 1),
    )

    body = await run(gql, NODES, ids=[artist_id, missing, show_id, artist_id])

    assert body["data"] == {
        "nodes": [
            {"__typename": "Artist", "id": artist_id},
            None,
            {"__typename": "Show", "id": show_id},
            {"__typename": "Artist", "id": artist_id},
        ]
    }
    assert "errors" not in body


async def test_nodes_refuses_more_ids_than_a_page(gql: GraphQLClient, settings: Settings) -> None:
    ids = [encode_id("Show", n) for n in range(1, settings.graphql_max_page_size + 2)]

    body = await run(gql, NODES, ids=ids)

    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert str(settings.graphql_max_page_size) in body["errors"][0]["message"]


async def test_nodes_with_one_bad_id_is_bad_user_input(gql: GraphQLClient) -> None:
    show = await make_show()

    body = await run(gql, NODES, ids=[encode_id("Show", show.id), "nope"])

    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]


async def _statements_for_nodes(gql: GraphQLClient, count_queries: Counter, each: int) -> int:
    shows = [await make_show() for _ in range(each)]
    ids = [encode_id("Show", show.id) for show in shows] + [encode_id("Venue", show.venue_id) for show in shows]
    with count_queries() as counter:
        body = await run(gql, NODES, ids=ids)
    assert [node["id"] for node in body["data"]["nodes"]] == ids
    return len(counter.statements)


async def test_nodes_costs_one_query_per_type_however_many_ids(gql: GraphQLClient, count_queries: Counter) -> None:
    few = await _statements_for_nodes(gql, count_queries, 1)
    many = await _statements_for_nodes(gql, count_queries, 20)

    assert few == many == 2  # the shows, the venues


async def test_aliased_node_fields_share_one_batch(gql: GraphQLClient, count_queries: Counter) -> None:
    shows = [await make_show() for _ in range(5)]
    fields = " ".join(f'n{i}: node(id: "{encode_id("Show", show.id)}") {{ id }}' for i, show in enumerate(shows))

    with count_queries() as counter:
        body = await run(gql, f"{{ {fields} }}")

    assert "errors" not in body
    assert len(counter.statements) == 1
