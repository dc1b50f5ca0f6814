"""GraphQL types and operations of accounts: sign-up, sign-in, sign-out, and `me`."""

from __future__ import annotations

import strawberry

from app.accounts import models
from app.accounts import service as accounts
from app.api.context import Info
from app.api.ids import encode_id


@strawberry.type(description="The signed-in user (only ever shown to that user).")
class User:
    id: strawberry.ID
    email: str
    display_name: str

    @classmethod
    def from_model(cls, row: models.User) -> User:
        return cls(id=encode_id("User", row.id), email=row.email, display_name=row.display_name)


@strawberry.type(description="A bearer token (send it as `Authorization: Bearer <token>`) and its user.")
class AuthPayload:
    token: str
    user: User

    @classmethod
    def from_session(cls, session: accounts.Session) -> AuthPayload:
        return cls(token=session.token, user=User.from_model(session.user))


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The signed-in user; null when anonymous; UNAUTHENTICATED for a bad token.")
    async def me(self, info: Info) -> User | None:
        user = await info.context.user()
        return User.from_model(user) if user is not None else None


@strawberry.type
class AccountsMutation:
    @strawberry.mutation(description="Create an account (password: 10+ characters of two kinds) and sign in.")
    async def sign_up(self, info: Info, email: str, password: str, display_name: str) -> AuthPayload:
        context = info.context
        session = await accounts.sign_up(
            email, password, display_name, counter=context.resources.counter, address=context.client_address
        )
        return AuthPayload.from_session(session)

    @strawberry.mutation(description="A new bearer token for 30 days.")
    async def sign_in(self, info: Info, email: str, password: str) -> AuthPayload:
        context = info.context
        session = await accounts.sign_in(
            email, password, counter=context.resources.counter, address=context.client_address
        )
        return AuthPayload.from_session(session)

    @strawberry.mutation(description="Revoke the bearer token this request presents.")
    async def sign_out(self, info: Info) -> bool:
        await info.context.require_user()
        token = info.context.credentials.token
        return token is not None and await accounts.sign_out(token, info.context.resources.tokens)
