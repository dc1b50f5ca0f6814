"""What every API client shares: an httpx client it closes only when it created it, and response models."""

from __future__ import annotations

from types import TracebackType
from typing import Self, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from app.clients.errors import UpstreamBadResponse

M = TypeVar("M", bound=BaseModel)


class Model(BaseModel):
    """Base of the vendors' response models: immutable, filled by field name or by the vendor's alias."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)


def parse(model: type[M], body: object, service: str) -> M:
    """`body` as `model`; a body of another shape is the vendor's bad response, not our crash."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise UpstreamBadResponse(service, f"unexpected {model.__name__} shape: {exc.errors()[:3]}") from None


class ApiClient:
    """Base of the vendor clients: `async with client:` closes an HTTP client it made itself."""

    def __init__(self, http: httpx.AsyncClient | None, transport: httpx.AsyncBaseTransport | None) -> None:
        # An injected client (the process' shared pool) belongs to whoever made it.
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(transport=transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this instance created it."""
        if self._owns_http:
            await self._http.aclose()
