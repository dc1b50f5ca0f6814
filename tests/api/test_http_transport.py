"""GraphQL over HTTP: methods, media types, status codes and error codes for bad input."""

from __future__ import annotations

import httpx
import pytest
from factories import make_show
from graphql_client import document

from app.api.ids import encode_id
from app.settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"


def codes(body: dict[str, object]) -> list[object]:
    return [error["extensions"]["code"] for error in body["errors"]]  # type: ignore[attr-defined, index]


@pytest.mark.usefixtures("db")
async def test_get_runs_a_query(http: httpx.AsyncClient) -> None:
    show = await make_show()

    response = await http.get(
        "/graphql", params={"query": document("ShowPage"), "variables": f'{{"id": "{encode_id("Show", show.id)}"}}'}
    )

    assert response.status_code == 200
    assert response.json()["data"]["show"]["name"] == show.name


async def test_get_refuses_a_mutation(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "mutation { __typename }"})

    assert response.status_code == 405
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_graphql_response_json_answers_request_errors_with_400_and_no_data(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ nope }"}, headers={"accept": GRAPHQL_RESPONSE})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json()
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_plain_json_answers_request_errors_with_200(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ nope }"}, headers={"accept": "application/json"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert codes(response.json()) == ["BAD_USER_INPUT"]


@pytest.mark.usefixtures("db")
async def test_graphql_response_json_answers_a_valid_query_with_200(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ shows { edges { cursor } } }"}, headers={"accept": GRAPHQL_RESPONSE}
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"shows": {"edges": []}}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"query": "{ shows { edges { cursor } } "', "application/json"),
        (b"not json at all", "application/json"),
        (b'{"query": 42}', "application/json"),
        (b'{"query": "{ __typename }", "variables": [1]}', "application/json"),
        (b"query { __typename }", "text/plain"),
    ],
    ids=["truncated-json", "not-json", "query-not-a-string", "variables-not-an-object", "wrong-content-type"],
)
async def test_malformed_requests_get_a_400_with_a_code(
    http: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await http.post("/graphql", content=content, headers={"content-type": content_type})

    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ show(id: $id) { id } }", {}),
        ("query($id: ID!) { show(id: $id) { id } }", {"id": "not-an-id"}),
        ("query($id: ID!) { show(id: $id) { id } }", {"id": encode_id("Artist", 1)}),
        ("{ shows(first: 0) { edges { cursor } } }", {}),
        ("{ shows(first: 100000) { edges { cursor } } }", {}),
        ('{ shows(after: "garbage") { edges { cursor } } }', {}),
        ("{ shows { edges { node { unknownField } } } }", {}),
        ('{ shows(from: "yesterday") { edges { cursor } } }', {}),
    ],
    ids=[
        "undefined-variable",
        "malformed-id",
        "id-of-another-type",
        "page-size-zero",
        "page-size-too-large",
        "bad-cursor",
        "unknown-field",
        "bad-date",
    ],
)
@pytest.mark.usefixtures("db")
async def test_bad_input_gets_bad_user_input(http: httpx.AsyncClient, query: str, variables: dict[str, str]) -> None:
    response = await http.post("/graphql", json={"query": query, "variables": variables})

    assert response.status_code == 200
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_a_query_over_the_depth_limit_is_refused(http: httpx.AsyncClient, settings: Settings) -> None:
    nested = "id"
    for _ in range(settings.graphql_max_depth):
        nested = f"artist {{ upcomingShows(first: 1) {{ {nested} }} }}"  # one show a level: within the cost

    response = await http.post(
        "/graphql", json={"query": f"{{ shows(first: 1) {{ edges {{ node {{ {nested} }} }} }} }}"}
    )

    body = response.json()
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_a_syntax_error_gets_bad_user_input(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ shows "})

    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_too_many_aliases_are_refused(http: httpx.AsyncClient) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(50))

    response = await http.post("/graphql", json={"query": f"{{ {aliases} }}"})

    assert codes(response.json()) == ["BAD_USER_INPUT"]


@pytest.mark.usefixtures("db")
async def test_unexpected_errors_are_masked_as_internal(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.catalog import service

    async def explode(**_: object) -> None:
        raise RuntimeError("secret connection string postgres://user:pw@db")

    monkeypatch.setattr(service, "list_shows", explode)

    response = await http.post("/graphql", json={"query": "{ shows { edges { cursor } } }"})

    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert codes(body) == ["INTERNAL"]
    assert "postgres://" not in response.text


async def test_graphiql_is_served_in_development(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
