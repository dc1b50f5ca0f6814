"""The typed per-request context every resolver receives."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cached_property

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from app.accounts import service as accounts
from app.accounts.models import User
from app.accounts.tokens import Credentials, parse_authorization
from app.api.loaders import Loaders
from app.api.response_cache import Recorder
from app.errors import Unauthenticated
from app.resources import Resources
from app.setlists import service as setlists
from app.setlists import tasks as setlist_tasks
from app.settings import Settings


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    resources: Resources
    # The credentials, as an `Authorization` value ("Bearer …"). None: the request's header is read.
    # The websocket transport sets it from the connection_init payload.
    authorization: str | None = None
    # Websockets: the connection_init payload (Strawberry fills it in).
    connection_params: dict[str, object] | None = None
    # Set while a shared read is executed for the response cache: anonymous, dependencies recorded.
    recorder: Recorder | None = None
    _user_lookup: asyncio.Future[User | None] | None = field(default=None, init=False, repr=False)
    _credentials: Credentials | None = field(default=None, init=False, repr=False)

    @cached_property
    def loaders(self) -> Loaders:
        # Made on first use: most websockets and many requests never need one (10 DataLoaders, ~7 KB).
        return Loaders()

    @cached_property
    def setlists_on_first_visit(self) -> DataLoader[int, setlists.SetlistRef]:
        """Shows' setlists, each CREATED on its show's first visit (a write: Spotify calls, inserts), batched."""
        source = setlist_tasks.source_for(self.resources)

        async def get_or_create(show_ids: list[int]) -> list[setlists.SetlistRef]:
            found = await setlists.get_or_create_setlists(show_ids, source)
            return [found[show_id] for show_id in show_ids]

        return DataLoader(load_fn=get_or_create)

    @property
    def credentials(self) -> Credentials:
        # Parsed once: the HTTP layer and several resolvers of one request ask.
        if self._credentials is None:
            raw = self.authorization if self.authorization is not None else self.request.headers.get("authorization")
            self._credentials = parse_authorization(raw)
        return self._credentials

    def present(self, authorization: str) -> None:
        """Credentials from elsewhere than the request's header (a websocket's connection_init)."""
        self.authorization = authorization
        self._credentials = None
        self._user_lookup = None

    @property
    def client_address(self) -> str:
        """The client's address (behind a proxy, run uvicorn with --proxy-headers so it is the client's)."""
        client = self.request.client
        return client.host if client is not None else "unknown"

    async def user(self) -> User | None:
        """The signed-in user; None when anonymous; UNAUTHENTICATED when the presented token is bad."""
        if self.credentials.anonymous:
            return None
        user = await self._resolve_user()
        if user is None:
            raise Unauthenticated("Invalid, expired or revoked token: sign in again")
        return user

    async def require_user(self) -> User:
        """The signed-in user; UNAUTHENTICATED for anonymous requests and bad tokens."""
        user = await self.user()
        if user is None:
            raise Unauthenticated("Sign in first")
        return user

    async def viewer_id(self) -> int | None:
        """The user id for personal touches on open reads (viewerHasVoted): None for anonymous or bad tokens."""
        user = await self._resolve_user() if not self.credentials.anonymous else None
        return user.id if user is not None else None

    async def caller(self) -> str:
        """Whom per-client limits count: the signed-in user, else the client's address."""
        viewer = await self.viewer_id()
        return f"user:{viewer}" if viewer is not None else f"address:{self.client_address}"

    async def _resolve_user(self) -> User | None:
        # One query per request, however many fields ask. Every waiter of the one task resumes in the
        # same loop iteration, so the DataLoader loads they make next still form one batch.
        if self._user_lookup is None:
            token = self.credentials.token
            cached = accounts.cached_user(token, self.resources.tokens) if token is not None else None
            if cached is not None:  # the usual case: a done future, no task, no query
                self._user_lookup = asyncio.get_running_loop().create_future()
                self._user_lookup.set_result(cached)
            else:
                self._user_lookup = asyncio.ensure_future(self._lookup(token))
        return await self._user_lookup

    async def _lookup(self, token: str | None) -> User | None:
        return await accounts.user_for_token(token, self.resources.tokens) if token is not None else None


Info = StrawberryInfo[Context, None]
