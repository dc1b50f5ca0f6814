"""Bearer tokens: random, shown to the client once, stored only as their SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

# 32 random bytes: 256 bits, beyond guessing; token_urlsafe spells them in 43 characters.
TOKEN_BYTES = 32
# A month between sign-ins; signOut revokes a token at once.
TOKEN_LIFETIME = dt.timedelta(days=30)

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh random token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database stores: a leaked table holds no usable token. (SHA-256 suffices: tokens are random.)"""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Credentials:
    """What a request presented: nothing (anonymous), a well-formed token, or something unusable."""

    token: str | None
    presented: bool

    @property
    def anonymous(self) -> bool:
        return not self.presented


ANONYMOUS = Credentials(token=None, presented=False)


def parse_authorization(value: str | None) -> Credentials:
    """Read `Authorization: Bearer <token>`; any other non-empty value is a malformed credential."""
    if value is None or not value.strip():
        return ANONYMOUS
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.casefold() != "bearer" or not _TOKEN_SHAPE.fullmatch(token):
        return Credentials(token=None, presented=True)
    return Credentials(token=token, presented=True)
