"""GraphQL types and operations of accounts: sign-up, sign-in, sign-out, and `me`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.accounts import models
from app.accounts import service as accounts
from app.api.context import Info
from app.api.ids import Node, encode_id


@strawberry.type(description="The signed-in user (only ever shown to that user).")
class User(Node):
    email: str = strawberry.field(description="The account's email address, trimmed and lower-cased.")
    display_name: str = strawberry.field(description="The name the user chose to be shown by (1 to 64 characters).")

    @classmethod
    def from_model(cls, row: models.User) -> User:
        return cls(id=encode_id("User", row.id), email=row.email, display_name=row.display_name)


@strawberry.type(description="A bearer token (send it as `Authorization: Bearer <token>`) and its user.")
class AuthPayload:
    token: str = strawberry.field(
        description="The bearer token, valid for 30 days unless `signOut` revokes it; keep it secret."
    )
    user: User = strawberry.field(description="The user the token signs in.")

    @classmethod
    def from_session(cls, session: accounts.Session) -> AuthPayload:
        return cls(token=session.token, user=User.from_model(session.user))


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The signed-in user; null when anonymous; UNAUTHENTICATED for a bad token.")
    async def me(self, info: Info) -> User | None:
        user = await info.context.user()
        return User.from_model(user) if user is not None else None


_Email = Annotated[str, strawberry.argument(description="The email address; case and outer spaces are ignored.")]


@strawberry.type
class AccountsMutation:
    @strawberry.mutation(
        description="Create an account and sign in; BAD_USER_INPUT for a taken email or an unacceptable value."
    )
    async def sign_up(
        self,
        info: Info,
        email: _Email,
        password: Annotated[
            str,
            strawberry.argument(
                description="10 to 128 characters mixing at least two of: lower case, upper case, digits, other."
            ),
        ],
        display_name: Annotated[
            str, strawberry.argument(description="The name to be shown by: 1 to 64 characters, no control characters.")
        ],
    ) -> AuthPayload:
        context = info.context
        session = await accounts.sign_up(
            email, password, display_name, counter=context.resources.counter, address=context.client_address
        )
        return AuthPayload.from_session(session)

    @strawberry.mutation(
        description="A new bearer token for 30 days; a wrong email or password is UNAUTHENTICATED (one answer for"
        " both), and too many tries RATE_LIMITED."
    )
    async def sign_in(
        self,
        info: Info,
        email: _Email,
        password: Annotated[str, strawberry.argument(description="The account's password.")],
    ) -> AuthPayload:
        context = info.context
        session = await accounts.sign_in(
            email, password, counter=context.resources.counter, address=context.client_address
        )
        return AuthPayload.from_session(session)

    @strawberry.mutation(
        description="Revoke the bearer token this request presents (UNAUTHENTICATED without a valid one); true once"
        " it is revoked."
    )
    async def sign_out(self, info: Info) -> bool:
        await info.context.require_user()
        token = info.context.credentials.token
        return token is not None and await accounts.sign_out(token, info.context.resources.tokens)
