"""What every API client shares: an httpx client it closes only when it created it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx


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
