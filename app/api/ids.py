"""Opaque global ids: base64url("Type:pk"), so clients never build or compare raw keys; the Relay Node interface."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection

import strawberry

from app.errors import BadUserInput

# Longer ids are never ours; refuse them before decoding anything.
_MAX_ID_LENGTH = 64


@strawberry.interface(
    description="An object with a global id (the Relay Node interface): `node(id)` and `nodes(ids)` fetch it again."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="The object's global id: opaque, stable, and unique across every type of the schema."
    )


def encode_id(type_name: str, pk: int) -> strawberry.ID:
    """The public id of row `pk` of `type_name`."""
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("="))


def decode_id(value: str, type_name: str) -> int:
    """The primary key inside a public id; BAD_USER_INPUT when it is malformed or of another type."""
    decoded = _decode(value)
    if decoded is None or decoded[0] != type_name:
        raise BadUserInput(f"Invalid {type_name} id: {value[:_MAX_ID_LENGTH]!r}")
    return decoded[1]


def decode_global_id(value: str, type_names: Collection[str]) -> tuple[str, int]:
    """The type and primary key inside a public id of one of `type_names`; BAD_USER_INPUT otherwise."""
    decoded = _decode(value)
    if decoded is None or decoded[0] not in type_names:
        raise BadUserInput(f"Invalid id: {value[:_MAX_ID_LENGTH]!r}")
    return decoded


def _decode(value: str) -> tuple[str, int] | None:
    if len(value) > _MAX_ID_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, pk = raw.partition(":")
    if not pk.isascii() or not pk.isdigit() or len(pk) > 10:
        return None
    number = int(pk)
    if number > 2**31 - 1:  # PostgreSQL INT primary keys
        return None
    return prefix, number
