"""A small GraphQL test client that runs the `.graphql` documents clients send, over real ASGI HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

DOCUMENTS_DIR = Path(__file__).resolve().parents[2] / "graphql"


def document(name: str) -> str:
    """The text of `graphql/<name>.graphql`."""
    return (DOCUMENTS_DIR / f"{name}.graphql").read_text()


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token: str | None = None

    async def post(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        if self.token and "authorization" not in headers:
            headers["authorization"] = f"Bearer {self.token}"
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    async def run(self, name: str, **variables: Any) -> dict[str, Any]:
        """Run document `name` and return its JSON body (data and errors)."""
        response = await self.post(document(name), variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, name: str, **variables: Any) -> dict[str, Any]:
        """Run document `name`, assert it had no errors, and return its data."""
        body = await self.run(name, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data
