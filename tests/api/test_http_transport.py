"""GraphQL over HTTP: methods, media types, status codes and error codes for bad input."""

from __future__ import annotations

import uuid

import httpx
import pytest
import starlette.requests
from factories import make_show
from graphql_client import document
from starlette.datastructures import QueryParams

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


@pytest.mark.usefixtures("db")
async def test_a_get_query_string_is_parsed_once_and_answered_the_same(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    show = await make_show()
    parsed: list[bytes] = []

    class CountedQueryParams(QueryParams):
        def __init__(self, raw: bytes) -> None:
            parsed.append(raw)
            super().__init__(raw)

    monkeypatch.setattr(starlette.requests, "QueryParams", CountedQueryParams)
    query = f"# {uuid.uuid4()}\n{document('ShowPage')}"  # a URL no earlier test sent
    params = {"query": query, "variables": f'{{"id": "{encode_id("Show", show.id)}"}}'}

    first, again = [await http.get("/graphql", params=params) for _ in range(2)]
    other = await http.get("/graphql", params={**params, "operationName": "ShowPage"})

    assert first.content == again.content
    assert again.json()["data"]["show"]["name"] == show.name
    assert len(parsed) == 2  # the repeated URL was not parsed again; another URL was
    assert other.json()["data"]["show"]["name"] == show.name


async def test_get_refuses_a_mutation_with_405_allowing_post(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "mutation { __typename }"})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert codes(response.json()) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_other_methods_get_405_allowing_get_and_post_with_a_graphql_error(
    http: httpx.AsyncClient, method: str
) -> None:
    response = await http.request(method, "/graphql", json={"query": "{ __typename }"})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"].startswith("application/json")
    assert codes(response.json()) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (f"{GRAPHQL_RESPONSE};q=0, application/json", "application/json"),
        (f"application/json;q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.9", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("text/html, */*;q=0.1", "application/json"),
        (None, "application/json"),
    ],
    ids=[
        "graphql-response-q0",
        "graphql-response-preferred",
        "both-named",
        "json-preferred",
        "any",
        "application-wildcard",
        "browser-like",
        "no-accept",
    ],
)
async def test_accept_picks_the_media_type_by_quality(
    http: httpx.AsyncClient, accept: str | None, expected: str
) -> None:
    request = http.build_request("POST", "/graphql", json={"query": "{ nope }"})
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept

    response = await http.send(request)

    assert response.headers["content-type"].split(";")[0] == expected
    # The request error's status follows the media type: 400 only under graphql-response+json.
    assert response.status_code == (400 if expected == GRAPHQL_RESPONSE else 200)
    assert codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    "accept",
    ["*/*;q=0", "text/html", "application/xml, text/plain;q=0.5", "application/json;q=0, */*"],
    ids=["nothing", "html-only", "other-types", "json-refused-by-name"],
)
async def test_an_accept_allowing_neither_json_type_gets_406_with_a_graphql_error(
    http: httpx.AsyncClient, accept: str
) -> None:
    response = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"accept": accept})

    assert response.status_code == 406
    assert response.headers["content-type"].startswith("application/json")
    assert codes(response.json()) == ["BAD_USER_INPUT"]
    assert GRAPHQL_RESPONSE in response.json()["errors"][0]["message"]


async def test_the_body_size_limit_negotiates_like_the_view(http: httpx.AsyncClient, settings: Settings) -> None:
    response = await http.post(
        "/graphql",
        content=b" " * (settings.max_body_bytes + 1),
        headers={"content-type": "application/json", "accept": f"{GRAPHQL_RESPONSE};q=0, application/json"},
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_graphql_response_json_answers_request_errors_with_400_and_no_data(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ nope }"}, headers={"accept": GRAPHQL_RESPONSE})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json()
    assert codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_plain_json_answers_request_errors_with_200(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ nope }"}, headers={"accept": "application/json"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


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


VALIDATION = "GRAPHQL_VALIDATION_FAILED"
BAD = "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ show(id: $id) { id } }", {}, VALIDATION),
        ("query($id: ID!) { show(id: $id) { id } }", {"id": "not-an-id"}, BAD),
        ("query($id: ID!) { show(id: $id) { id } }", {"id": encode_id("Artist", 1)}, BAD),
        ("query($first: Int!) { shows(first: $first) { edges { cursor } } }", {"first": "ten"}, BAD),
        ("{ shows(first: 0) { edges { cursor } } }", {}, BAD),
        # Refused by the query cost at validation, before the resolver's own page-size check.
        ("{ shows(first: 100000) { edges { cursor } } }", {}, VALIDATION),
        ('{ shows(after: "garbage") { edges { cursor } } }', {}, BAD),
        ("{ shows { edges { node { unknownField } } } }", {}, VALIDATION),
        ('{ shows(from: "yesterday") { edges { cursor } } }', {}, VALIDATION),
    ],
    ids=[
        "undefined-variable",
        "malformed-id",
        "id-of-another-type",
        "variable-of-the-wrong-type",
        "page-size-zero",
        "page-size-too-large",
        "bad-cursor",
        "unknown-field",
        "bad-date-literal",
    ],
)
@pytest.mark.usefixtures("db")
async def test_bad_input_gets_its_code(
    http: httpx.AsyncClient, query: str, variables: dict[str, str], code: str
) -> None:
    response = await http.post("/graphql", json={"query": query, "variables": variables})

    assert response.status_code == 200
    assert codes(response.json()) == [code]


async def test_a_query_over_the_depth_limit_is_refused(http: httpx.AsyncClient, settings: Settings) -> None:
    nested = "id"
    for _ in range(settings.graphql_max_depth):
        nested = f"artist {{ upcomingShows(first: 1) {{ {nested} }} }}"  # one show a level: within the cost

    response = await http.post(
        "/graphql", json={"query": f"{{ shows(first: 1) {{ edges {{ node {{ {nested} }} }} }} }}"}
    )

    body = response.json()
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_a_syntax_error_gets_graphql_parse_failed(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ shows "})

    assert codes(response.json()) == ["GRAPHQL_PARSE_FAILED"]


async def test_a_document_over_the_token_limit_gets_graphql_parse_failed(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    fields = " ".join("__typename" for _ in range(settings.graphql_max_tokens))

    response = await http.post("/graphql", json={"query": f"{{ {fields} }}"})

    body = response.json()
    assert codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert "tokens" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(http: httpx.AsyncClient) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(50))

    response = await http.post("/graphql", json={"query": f"{{ {aliases} }}"})

    assert codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.usefixtures("db")
async def test_unexpected_errors_are_masked_as_internal_server_error(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.catalog import service

    async def explode(**_: object) -> None:
        raise RuntimeError("secret connection string postgres://user:pw@db")

    monkeypatch.setattr(service, "list_shows", explode)

    response = await http.post("/graphql", json={"query": "{ shows { edges { cursor } } }"})

    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert "postgres://" not in response.text


async def test_graphiql_is_served_in_development(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_graphiql_is_not_served_when_accept_refuses_html(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html;q=0, application/json"})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert codes(response.json()) == ["BAD_USER_INPUT"]
