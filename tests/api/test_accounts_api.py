"""Accounts through the SignUp, SignIn, SignOut and Me documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from factories import TEST_PASSWORD, make_token, make_user
from graphql_client import GraphQLClient
from sql_counter import QueryCounter

from app.accounts.models import AuthToken, User
from app.accounts.tokens import token_hash
from app.platform import quotas

Counter = Callable[[], AbstractContextManager[QueryCounter]]

PASSWORD = "Listen to 5 songs"


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_sign_up_returns_a_token_that_signs_the_user_in(gql: GraphQLClient) -> None:
    data = await gql.data("SignUp", email="  Fan@Example.COM ", password=PASSWORD, displayName=" Ada ")

    gql.token = data["signUp"]["token"]
    me = await gql.data("Me")

    assert data["signUp"]["user"]["email"] == "fan@example.com"
    assert me["me"] == data["signUp"]["user"]
    assert me["me"]["displayName"] == "Ada"
    stored = await User.get(email="fan@example.com")
    assert stored.password_hash.startswith("$argon2id$")
    assert await AuthToken.filter(token_hash=token_hash(gql.token)).exists()


async def test_sign_up_with_a_taken_email_in_any_case_is_refused(gql: GraphQLClient) -> None:
    await make_user(email="taken@example.com")

    body = await gql.run("SignUp", email="TAKEN@example.com", password=PASSWORD, displayName="Again")

    assert _codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "email already registered"


@pytest.mark.parametrize(
    ("email", "password", "display_name"),
    [
        pytest.param("not-an-email", PASSWORD, "Ada", id="malformed-email"),
        pytest.param("fan@example.com", "Short1", "Ada", id="short-password"),
        pytest.param("fan@example.com", "onlylowercaseletters", "Ada", id="one-class-password"),
        pytest.param("fan@example.com", "A1" * 65, "Ada", id="overlong-password"),
        pytest.param("fan@example.com", PASSWORD, "x" * 65, id="overlong-display-name"),
        pytest.param("fan@example.com", PASSWORD, "   ", id="blank-display-name"),
    ],
)
async def test_sign_up_refuses_unacceptable_input(
    gql: GraphQLClient, email: str, password: str, display_name: str
) -> None:
    body = await gql.run("SignUp", email=email, password=password, displayName=display_name)

    assert _codes(body) == ["BAD_USER_INPUT"]
    assert await User.all().count() == 0


async def test_sign_in_returns_a_new_token(gql: GraphQLClient) -> None:
    user = await make_user(email="fan@example.com")

    data = await gql.data("SignIn", email="FAN@example.com ", password=TEST_PASSWORD)

    assert data["signIn"]["user"]["email"] == "fan@example.com"
    assert await AuthToken.filter(user=user, token_hash=token_hash(data["signIn"]["token"])).exists()


async def test_wrong_password_and_unknown_email_get_the_same_answer(gql: GraphQLClient) -> None:
    await make_user(email="fan@example.com")

    wrong_password = await gql.run("SignIn", email="fan@example.com", password="Wrong password 1")
    unknown_email = await gql.run("SignIn", email="nobody@example.com", password=TEST_PASSWORD)

    assert wrong_password["errors"] == unknown_email["errors"]
    assert _codes(wrong_password) == ["UNAUTHENTICATED"]


async def test_sign_in_attempts_past_the_per_account_limit_are_rate_limited(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quotas, "SIGN_IN_PER_EMAIL", quotas.Limit("sign_in:email", 3, 60, "Too many"))
    await make_user(email="fan@example.com")
    for _ in range(3):
        await gql.run("SignIn", email="fan@example.com", password="Wrong password 1")

    body = await gql.run("SignIn", email="fan@example.com", password=TEST_PASSWORD)

    assert _codes(body) == ["RATE_LIMITED"]
    assert body["errors"][0]["extensions"]["retryAfter"] > 0


async def test_sign_in_attempts_past_the_per_address_limit_are_rate_limited(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quotas, "SIGN_IN_PER_ADDRESS", quotas.Limit("sign_in:address", 3, 60, "Too many"))
    await make_user(email="fan@example.com")
    for n in range(3):
        await gql.run("SignIn", email=f"other{n}@example.com", password="Wrong password 1")

    body = await gql.run("SignIn", email="fan@example.com", password=TEST_PASSWORD)

    assert _codes(body) == ["RATE_LIMITED"]


async def test_sign_out_revokes_the_token(gql: GraphQLClient) -> None:
    gql.token = await make_token(await make_user())

    signed_out = await gql.data("SignOut")
    me = await gql.run("Me")

    assert signed_out == {"signOut": True}
    assert _codes(me) == ["UNAUTHENTICATED"]


async def test_sign_out_without_a_token_is_unauthenticated(gql: GraphQLClient) -> None:
    body = await gql.run("SignOut")

    assert _codes(body) == ["UNAUTHENTICATED"]


async def test_me_is_null_when_anonymous(gql: GraphQLClient) -> None:
    data = await gql.data("Me")

    assert data == {"me": None}


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer " + "A" * 43, id="unknown"),
        pytest.param("Bearer not-a-token", id="malformed"),
        pytest.param("Basic dXNlcjpwYXNz", id="other-scheme"),
    ],
)
async def test_me_is_unauthenticated_when_a_bad_token_is_presented(gql: GraphQLClient, authorization: str) -> None:
    response = await gql.post("query Me { me { id } }", authorization=authorization)

    assert _codes(response.json()) == ["UNAUTHENTICATED"]


async def test_expired_token_is_unauthenticated(gql: GraphQLClient) -> None:
    user = await make_user()
    gql.token = await make_token(user, expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))

    body = await gql.run("Me")

    assert _codes(body) == ["UNAUTHENTICATED"]


async def test_a_known_token_is_looked_up_once_per_process_and_a_sign_out_drops_it(
    gql: GraphQLClient, count_queries: Counter
) -> None:
    gql.token = await make_token(await make_user())
    await gql.data("Me")

    with count_queries() as cached:
        assert (await gql.data("Me"))["me"] is not None
    await gql.data("SignOut")
    with count_queries() as after_sign_out:
        body = await gql.run("Me")

    assert not any("auth_tokens" in statement for statement in cached.statements)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert any("auth_tokens" in statement for statement in after_sign_out.statements)
