"""The query cost: lists multiply what they select by their declared size; over GRAPHQL_MAX_COST is refused."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import strawberry
from graphql import parse
from graphql_client import DOCUMENTS_DIR
from sql_counter import QueryCounter
from starlette.applications import Starlette

from app.api.cost import COST_CEILING, CostModel, list_size
from app.api.schema import build_schema
from app.demo import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_SPOTIFY_BUDGET_PER_30S,
    demo_settings,
    load_demo_catalog,
)
from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import build_world
from app.main import create_app
from app.resources import open_resources
from app.settings import Settings

DOCUMENTS = sorted(DOCUMENTS_DIR.glob("*.graphql"))
DEFAULT_MAX_COST = Settings.model_fields["graphql_max_cost"].default
DEFAULT_PAGE_CAP = Settings.model_fields["graphql_max_page_size"].default
BOMB = (
    "{ shows { nodes { lineup { upcomingShows { lineup { upcomingShows { lineup { upcomingShows"
    " { lineup { upcomingShows { id } } } } } } } } } } }"
)


@functools.cache
def cost_model(page_cap: int) -> CostModel:
    schema = build_schema(Settings(environment="test", graphql_max_page_size=page_cap))
    return CostModel(schema._schema, page_cap)


def cost_of(query: str, graphql_max_page_size: int = DEFAULT_PAGE_CAP) -> int:
    (cost,) = cost_model(graphql_max_page_size).cost(parse(query)).values()
    return cost


@pytest.mark.parametrize("path", DOCUMENTS, ids=[path.stem for path in DOCUMENTS])
def test_every_document_costs_within_the_default_budget(path: Path) -> None:
    assert cost_of(path.read_text()) <= DEFAULT_MAX_COST


def test_a_list_multiplies_what_it_selects_by_first() -> None:
    # shows 1, nodes 1, then id and name for each of the 7 shows; pageInfo is not per show.
    assert cost_of("{ shows(first: 7) { nodes { id name } pageInfo { hasNextPage } } }") == 1 + 1 + 7 * 2 + 1 + 1


def test_nested_lists_multiply() -> None:
    # nodes: 2 shows; each: lineup 1 + up to 20 acts, each: upcomingShows 1 + 3 shows' id.
    query = "{ shows(first: 2) { nodes { lineup { upcomingShows(first: 3) { id } } } } }"

    assert cost_of(query) == 1 + 1 + 2 * (1 + 20 * (1 + 3 * 1))


def test_an_absent_first_counts_its_default() -> None:
    assert cost_of("{ shows { nodes { id } } }") == 1 + 1 + 20


def test_a_variable_first_counts_the_page_cap() -> None:
    query = "query($n: Int!) { shows(first: $n) { nodes { id } } }"

    assert cost_of(query) == 1 + 1 + 100
    assert cost_of(query, graphql_max_page_size=30) == 1 + 1 + 30


def test_a_variable_first_of_a_nested_list_counts_its_declared_bound() -> None:
    query = 'query($n: Int!) { artist(id: "x") { songs(first: $n) { id } } }'

    assert cost_of(query) == 1 + 1 + 50


def test_a_fragment_costs_what_it_selects_where_it_is_spread() -> None:
    spread = "{ shows(first: 5) { nodes { ...F } } show(id: 1) { ...F } } fragment F on Show { id name }"

    assert cost_of(spread) == (1 + 1 + 5 * 2) + (1 + 2)


def test_a_fragment_spread_twice_in_one_selection_counts_once() -> None:
    # graphql-core collects it once: the answer holds one `id` per show.
    assert cost_of("{ shows(first: 5) { nodes { ...F ...F } } } fragment F on Show { id }") == 1 + 1 + 5


def test_fragments_doubling_at_every_level_are_costed_without_expanding_them() -> None:
    # 2**40 paths through the spreads: an expanding walk would never finish; this one visits each once.
    levels = 40
    fragments = [
        f"fragment {name}{i} on Show {{ {field} ...A{i + 1} ...B{i + 1} }}"
        for i in range(levels)
        for name, field in (("A", "id"), ("B", "name"))
    ]
    query = "{ show(id: 1) { ...A0 ...B0 } } " + " ".join(fragments) + f" fragment A{levels} on Show {{ id }}"
    query += f" fragment B{levels} on Show {{ id }}"

    assert cost_of(query) == COST_CEILING


def test_the_cost_bomb_costs_billions() -> None:
    # 20 shows, each 20 acts, each 10 upcoming shows, four times over.
    assert cost_of(BOMB) > 10**10


@strawberry.type
class Item:
    id: int


@strawberry.type
class Undeclared:
    unbounded: list[Item]
    bounded: list[Item] = strawberry.field(directives=[list_size(assumed_size=3)])
    labels: list[str]  # scalars select nothing to multiply


def test_a_list_of_objects_must_declare_its_size() -> None:
    with pytest.raises(ValueError, match=r"Undeclared\.unbounded") as raised:
        CostModel(strawberry.Schema(query=Undeclared)._schema, page_cap=10)
    assert "Undeclared.bounded" not in str(raised.value)
    assert "Undeclared.labels" not in str(raised.value)


# --- over HTTP --------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def client_of(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.mark.usefixtures("db")
async def test_the_cost_bomb_is_refused_before_execution_with_its_cost_and_the_budget(
    http: httpx.AsyncClient,
    settings: Settings,
    count_queries: Callable[[], contextlib.AbstractContextManager[QueryCounter]],
) -> None:
    with count_queries() as queries:
        response = await http.post("/graphql", json={"query": BOMB})

    body = response.json()
    assert "data" not in body or body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    cost = error["extensions"]["cost"]
    assert cost == cost_of(BOMB)
    assert error["extensions"]["maxCost"] == settings.graphql_max_cost
    assert str(cost) in error["message"]
    assert str(settings.graphql_max_cost) in error["message"]
    assert queries.statements == []


@pytest.mark.usefixtures("db")
async def test_the_budget_is_the_graphql_max_cost_setting(settings: Settings) -> None:
    query = "query($n: Int!) { shows(first: $n) { nodes { id name } } }"  # 1 + 1 + 100 * 2
    async with client_of(settings.model_copy(update={"graphql_max_cost": 202})) as http:
        accepted = (await http.post("/graphql", json={"query": query, "variables": {"n": 5}})).json()
    async with client_of(settings.model_copy(update={"graphql_max_cost": 201})) as http:
        refused = (await http.post("/graphql", json={"query": query, "variables": {"n": 5}})).json()

    assert "errors" not in accepted, accepted
    assert [error["extensions"]["code"] for error in refused["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert "202" in refused["errors"][0]["message"]


# --- the worst accepted documents on the demo catalog ----------------------------------------

# Shapes that get the most out of a budget: `{n}` is raised as far as the budget allows.
WORST_SHAPES = {
    "bomb-trimmed": (
        "{{ shows(first: {n}) {{ nodes {{ lineup {{ upcomingShows(first: 1) {{ lineup {{ id name }} }} }} }} }} }}"
    ),
    "wide-shows": (
        "{{ shows(first: {n}) {{ edges {{ cursor node {{ id name startsAt localDate localTime status url"
        " priceRange {{ min max currency }} artist {{ id name slug spotifyId imageUrl genres popularity }}"
        " venue {{ id name city stateCode countryCode address postalCode latitude longitude timezone }}"
        " lineup {{ id name slug imageUrl genres }} }} }} }} }}"
    ),
    "setlists": (
        "{{ shows(first: {n}) {{ nodes {{ setlist {{ id songs {{ id votes position"
        " song {{ name albumName previewUrl }} }} }} }} }} }}"
    ),
    "artist-pages": (
        "{{ artists(first: {n}) {{ nodes {{ name songs(first: 50) {{ id name albumName previewUrl }}"
        " upcomingShows(first: 50) {{ id name venue {{ name city }} }} }} }} }}"
    ),
    "journal": "{{ syncEvents(first: {n}) {{ nodes {{ id runId job level entity message details apiCalls }} }} }}",
}
MAX_RESPONSE_BYTES = 5 * 1024 * 1024


def fill_budget(shape: str, budget: int) -> int:
    """The largest `n` (up to the page cap) for which `shape` costs within `budget`."""
    n = 1
    while n < DEFAULT_PAGE_CAP and cost_of(shape.format(n=n + 1)) <= budget:
        n += 1
    assert cost_of(shape.format(n=n)) <= budget, shape
    return n


@pytest.fixture
async def demo_catalog(db: None) -> None:
    """The catalog `theset demo` serves: its world synced through the real jobs into the test database."""
    world = build_world()
    ticketmaster = create_ticketmaster_app(world, rate_per_second=None)
    spotify = create_spotify_app(
        world,
        mode="dev",
        requests_per_30s=DEMO_SPOTIFY_BUDGET_PER_30S,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
    )
    async with running_server(ticketmaster) as tm_url, running_server(spotify) as spotify_url:
        base = Settings(environment="test", redis_url=None)
        async with open_resources(demo_settings(base, tm_url, spotify_url)) as resources:
            await load_demo_catalog(resources)


@pytest.mark.slow
@pytest.mark.usefixtures("demo_catalog")
async def test_the_worst_accepted_documents_answer_small_on_the_demo_catalog(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    for name, shape in WORST_SHAPES.items():
        n = fill_budget(shape, settings.graphql_max_cost)

        response = await http.post("/graphql", json={"query": shape.format(n=n)})
        more = (await http.post("/graphql", json={"query": shape.format(n=n + 1)})).json()

        body = response.json()
        assert "errors" not in body, f"{name}: {body['errors']}"
        assert len(response.content) < MAX_RESPONSE_BYTES, f"{name}: {len(response.content)} bytes"
        # One more item is over the budget (or over the page cap): this was the most accepted.
        # Refused by the cost at validation, or by the resolver's page-size cap (a variable `first`).
        assert [error["extensions"]["code"] for error in more["errors"]] in (
            ["GRAPHQL_VALIDATION_FAILED"],
            ["BAD_USER_INPUT"],
        ), name
