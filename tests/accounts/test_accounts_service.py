"""The accounts service: sign-up races, token resolution, the password policy."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from factories import make_token, make_user

from app.accounts import passwords, service
from app.accounts.models import AuthToken, User
from app.accounts.tokens import parse_authorization
from app.errors import BadUserInput
from app.platform.quotas import MemoryCounter

PASSWORD = "Listen to 5 songs"


async def test_concurrent_sign_ups_with_one_email_make_one_account(db: None) -> None:
    counter = MemoryCounter()

    outcomes = await asyncio.gather(
        *(
            service.sign_up(f" Fan@Example.com{' ' * n}", PASSWORD, "Fan", counter=counter, address="a")
            for n in range(4)
        ),
        return_exceptions=True,
    )

    sessions = [outcome for outcome in outcomes if isinstance(outcome, service.Session)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, BadUserInput)]
    assert len(sessions) == 1
    assert [refusal.message for refusal in refusals] == [service.EMAIL_TAKEN] * 3
    assert await User.filter(email="fan@example.com").count() == 1


async def test_user_for_token_finds_only_live_tokens(db: None) -> None:
    user = await make_user()
    live = await make_token(user)
    revoked = await make_token(user, revoked=True)
    expired = await make_token(user, expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))

    found = [await service.user_for_token(token) for token in (live, revoked, expired, "A" * 43)]

    assert [user_.id if user_ else None for user_ in found] == [user.id, None, None, None]


async def test_sign_out_revokes_only_that_token(db: None) -> None:
    user = await make_user()
    leaving, staying = await make_token(user), await make_token(user)

    assert await service.sign_out(leaving) is True
    assert await service.sign_out(leaving) is False

    assert await service.user_for_token(leaving) is None
    assert await service.user_for_token(staying) is not None
    assert await AuthToken.filter(user=user, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    "password",
    ["Short1", "alllowercaseletters", "ALLUPPERCASELETTERS", "12345678901", "!!!!!!!!!!!!", "Aa1" * 43],
)
def test_password_policy_refuses(password: str) -> None:
    with pytest.raises(BadUserInput):
        passwords.check_password(password)


@pytest.mark.parametrize(
    ("length", "accepted"),
    [
        (passwords.MIN_LENGTH - 1, False),
        (passwords.MIN_LENGTH, True),
        (passwords.MAX_LENGTH, True),
        (passwords.MAX_LENGTH + 1, False),
    ],
)
def test_password_length_is_checked_at_both_boundaries(length: int, accepted: bool) -> None:
    password = ("aB" * length)[:length]  # two classes at every length: only the length decides

    if accepted:
        passwords.check_password(password)
    else:
        with pytest.raises(BadUserInput, match="characters long"):
            passwords.check_password(password)


@pytest.mark.parametrize("password", ["lowercase and 1", "UPPER lower", "correcthorse!"])
def test_password_policy_accepts_ten_characters_of_two_classes(password: str) -> None:
    passwords.check_password(password)


async def test_verify_password_without_a_hash_is_false() -> None:
    assert await passwords.verify_password(None, PASSWORD) is False


@pytest.mark.parametrize(
    ("header", "token", "presented"),
    [
        (None, None, False),
        ("", None, False),
        ("Bearer " + "a" * 43, "a" * 43, True),
        ("bearer   " + "a" * 43 + " ", "a" * 43, True),
        ("Bearer " + "a" * 44, None, True),
        ("Token " + "a" * 43, None, True),
    ],
)
def test_parse_authorization(header: str | None, token: str | None, presented: bool) -> None:
    credentials = parse_authorization(header)

    assert (credentials.token, credentials.presented) == (token, presented)
