"""CORS headers over HTTP: preflights answered for ALLOWED_ORIGINS (with credentials, the clients'
headers and the max age), allow headers only for listed origins, X-Request-ID readable by pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.api.cors import ALLOWED_HEADERS
from app.main import create_app
from app.settings import Settings

ORIGIN = "https://app.example"
OTHER_ORIGIN = "https://evil.example"
MAX_AGE = 1234


@pytest.fixture(scope="module")
async def cors_http(settings: Settings, orm: None) -> AsyncIterator[httpx.AsyncClient]:
    """An app allowing ORIGIN (given as the setting is written: upper case, default port)."""
    configured = Settings(
        **{**settings.model_dump(), "allowed_origins": "HTTPS://App.Example:443", "cors_max_age_seconds": MAX_AGE}
    )
    application = create_app(configured)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as client,
    ):
        yield client


def preflight_headers(origin: str, method: str = "POST", headers: str | None = None) -> dict[str, str]:
    requested = headers if headers is not None else ", ".join(h.lower() for h in ALLOWED_HEADERS)
    return {"origin": origin, "access-control-request-method": method, "access-control-request-headers": requested}


async def test_a_preflight_from_an_allowed_origin_is_answered(cors_http: httpx.AsyncClient) -> None:
    response = await cors_http.options("/graphql", headers=preflight_headers(ORIGIN))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-max-age"] == str(MAX_AGE)
    assert {m.strip() for m in response.headers["access-control-allow-methods"].split(",")} == {"GET", "POST"}
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "x-request-id",
        "apollographql-client-name",
        "apollographql-client-version",
        "apollo-require-preflight",
        "x-apollo-operation-name",
    } <= allowed
    assert "origin" in response.headers["vary"].lower()


@pytest.mark.parametrize(
    "headers",
    [
        preflight_headers(OTHER_ORIGIN),
        preflight_headers(ORIGIN, method="DELETE"),
        preflight_headers(ORIGIN, headers="authorization, x-not-allowed"),
    ],
    ids=["other-origin", "other-method", "other-header"],
)
async def test_a_preflight_outside_the_policy_is_refused(cors_http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await cors_http.options("/graphql", headers=headers)

    assert response.status_code == 400
    if headers["origin"] == OTHER_ORIGIN:
        assert "access-control-allow-origin" not in response.headers


async def test_a_request_from_an_allowed_origin_gets_the_allow_headers(cors_http: httpx.AsyncClient) -> None:
    response = await cors_http.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": ORIGIN})

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"].lower() == "x-request-id"
    assert response.headers["x-request-id"]
    assert "origin" in response.headers["vary"].lower()


async def test_a_request_from_another_origin_gets_no_allow_origin(cors_http: httpx.AsyncClient) -> None:
    response = await cors_http.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": OTHER_ORIGIN})

    assert "access-control-allow-origin" not in response.headers
    assert "origin" in response.headers["vary"].lower()  # a shared cache must not reuse another origin's answer


async def test_a_refusal_by_the_body_limit_is_readable_by_an_allowed_page(
    cors_http: httpx.AsyncClient, settings: Settings
) -> None:
    response = await cors_http.post(
        "/graphql",
        content=b" " * (settings.max_body_bytes + 1),
        headers={"origin": ORIGIN, "content-type": "application/json"},
    )

    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_a_wildcard_setting_allows_any_origin_with_credentials(settings: Settings, orm: None) -> None:
    application = create_app(Settings(**{**settings.model_dump(), "allowed_origins": "*"}))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as client,
    ):
        preflight = await client.options("/graphql", headers=preflight_headers(OTHER_ORIGIN))
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": OTHER_ORIGIN})

    assert preflight.status_code == 200
    # With credentials the origin is echoed: browsers refuse `*` on a credentialed request.
    assert preflight.headers["access-control-allow-origin"] == OTHER_ORIGIN
    assert response.headers["access-control-allow-origin"] == OTHER_ORIGIN
