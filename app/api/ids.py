"""Opaque global ids: base64url("Type:pk"), so clients never build or compare raw keys."""

from __future__ import annotations

import base64
import binascii

import strawberry

from app.errors import BadUserInput

# Longer ids are never ours; refuse them before decoding anything.
_MAX_ID_LENGTH = 64


def encode_id(type_name: str, pk: int) -> strawberry.ID:
    """The public id of row `pk` of `type_name`."""
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("="))


def decode_id(value: str, type_name: str) -> int:
    """The primary key inside a public id; BAD_USER_INPUT when it is malformed or of another type."""
    error = BadUserInput(f"Invalid {type_name} id: {value[:_MAX_ID_LENGTH]!r}")
    if len(value) > _MAX_ID_LENGTH:
        raise error
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise error from None
    prefix, _, pk = raw.partition(":")
    if prefix != type_name or not pk.isascii() or not pk.isdigit() or len(pk) > 10:
        raise error
    number = int(pk)
    if number > 2**31 - 1:  # PostgreSQL INT primary keys
        raise error
    return number
