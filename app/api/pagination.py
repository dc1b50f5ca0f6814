"""Relay cursor connections with keyset pagination: cursors encode the sort key of the last row."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from app.errors import BadUserInput

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")
CursorKey = list[str | int]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of `edges`, for clients that do not need cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def encode_cursor(key: CursorKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, arity: int) -> CursorKey:
    """The sort key inside a cursor; BAD_USER_INPUT when it is not one of ours."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadUserInput("Invalid cursor") from None
    if not isinstance(key, list) or len(key) != arity or not all(isinstance(k, str | int) for k in key):
        raise BadUserInput("Invalid cursor")
    return key


def check_page_size(first: int, maximum: int) -> int:
    """`first` when it is within 1..maximum; BAD_USER_INPUT otherwise."""
    if not 1 <= first <= maximum:
        raise BadUserInput(f"`first` must be between 1 and {maximum}")
    return first


def build_connection(
    rows: Sequence[RowT],
    first: int,
    key: Callable[[RowT], CursorKey],
    to_node: Callable[[RowT], NodeT],
) -> Connection[NodeT]:
    """A connection from `first + 1` fetched rows: the extra row only says there is a next page."""
    page = rows[:first]
    edges = [Edge(cursor=encode_cursor(key(row)), node=to_node(row)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None),
    )
