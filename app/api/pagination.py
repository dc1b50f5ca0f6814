"""Relay cursor connections with keyset pagination: cursors encode the sort key of the last row."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from app.errors import BadUserInput

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")
CursorKey = list[str | int]


@strawberry.type(description="Where a page of a connection sits in its list (the Relay connection spec's PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more edges follow this page: ask for them with `after: endCursor`."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first edge; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last edge (pass it as `after` for the next page); null when empty."
    )
    # Whether rows sort at or before `after`: asked of the database only when a client selects it.
    _earlier: strawberry.Private[Callable[[], Awaitable[bool]] | None] = None

    @strawberry.field(
        description="Whether edges come before this page: false for the first page (no `after`), else whether"
        " the list still holds an edge at or before the `after` cursor."
    )
    async def has_previous_page(self) -> bool:
        return await self._earlier() if self._earlier is not None else False


@strawberry.type(description="One node of a connection and the cursor that points at it.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque; pass it as `after` to get the edges that follow this one.")
    node: NodeT = strawberry.field(description="The object at this position of the list.")


@strawberry.type(description="A page of a list, in the Relay connection shape; page forward with `first` and `after`.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The page's nodes with their cursors, in list order.")
    page_info: PageInfo = strawberry.field(description="Cursors of the page's ends, and whether more edges exist.")

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
    *,
    earlier: Callable[[], Awaitable[bool]] | None = None,
) -> Connection[NodeT]:
    """A connection from `first + 1` fetched rows: the extra row only says there is a next page.

    `earlier` answers whether the list holds rows at or before the `after` cursor (None: there was
    no `after`, so this is the first page).
    """
    page = rows[:first]
    edges = [Edge(cursor=encode_cursor(key(row)), node=to_node(row)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            _earlier=earlier,
        ),
    )
