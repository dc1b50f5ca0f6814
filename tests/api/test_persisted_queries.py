"""Automatic persisted queries (Apollo's protocol) over POST and GET, and trusted-documents mode."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql_client import document
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings

AD_HOC = "query AdHoc { __typename }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


async def test_an_unknown_hash_is_not_found_then_registered_with_its_document_over_post_and_get(
    http: httpx.AsyncClient,
) -> None:
    text = "query Registered { __typename }"
    unknown = await http.post("/graphql", json={"extensions": persisted(text)})
    registered = await http.post("/graphql", json={"query": text, "extensions": persisted(text)})
    by_post = await http.post("/graphql", json={"extensions": persisted(text)})
    by_get = await http.get("/graphql", params={"extensions": json.dumps(persisted(text))})

    assert codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"  # what Apollo's link also reads
    for response in (registered, by_post, by_get):
        assert response.json() == {"data": {"__typename": "Query"}}


async def test_the_projects_own_documents_are_known_by_hash_without_registering(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"extensions": json.dumps(persisted(document("Me")))})

    assert response.json() == {"data": {"me": None}}


async def test_a_document_that_does_not_match_its_hash_is_refused(http: httpx.AsyncClient) -> None:
    wrong = await http.post("/graphql", json={"query": AD_HOC, "extensions": persisted("{ other }")})
    version = await http.post(
        "/graphql", json={"extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha(AD_HOC)}}}
    )
    malformed = await http.post("/graphql", json={"extensions": {"persistedQuery": {"sha256Hash": "nope"}}})

    assert codes(wrong) == ["BAD_USER_INPUT"]
    assert codes(version) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
    assert codes(malformed) == ["BAD_USER_INPUT"]


@pytest.fixture
async def trusted_http(settings: Settings, orm: None) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(settings.model_copy(update={"trusted_documents": True}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_trusted_documents_mode_runs_graphql_dir_documents_only(trusted_http: httpx.AsyncClient) -> None:
    by_text = await trusted_http.post("/graphql", json={"query": document("Me")})
    by_hash = await trusted_http.post("/graphql", json={"extensions": persisted(document("Me"))})
    ad_hoc = await trusted_http.post("/graphql", json={"query": AD_HOC})
    registering = await trusted_http.post("/graphql", json={"query": AD_HOC, "extensions": persisted(AD_HOC)})
    then_by_hash = await trusted_http.post("/graphql", json={"extensions": persisted(AD_HOC)})

    assert by_text.json() == by_hash.json() == {"data": {"me": None}}
    assert codes(ad_hoc) == ["TRUSTED_DOCUMENT_REQUIRED"]
    assert codes(registering) == ["TRUSTED_DOCUMENT_REQUIRED"]
    assert codes(then_by_hash) == ["PERSISTED_QUERY_NOT_FOUND"]
