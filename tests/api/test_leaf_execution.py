"""The short path for plain attribute leaves: the same answers and errors as graphql-core's whole way."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from graphql import FieldNode, GraphQLField, GraphQLObjectType, execute, parse
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.api.execution import LeafExecutionContext, plain_leaves
from app.api.schema import build_schema
from app.settings import Settings


@strawberry.enum
class Kind(enum.Enum):
    OPENER = "opener"
    ENCORE = "encore"


@strawberry.type
class Item:
    name: str
    count: int
    kind: Kind
    note: str | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@dataclass
class Row:
    """What a resolver may hand over instead of an Item: any object with the attributes."""

    name: Any
    count: Any
    kind: Any
    note: Any


ROWS: list[Any] = []


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ROWS


def counting(base: type[StrawberryGraphQLCoreExecutionContext]) -> tuple[type[Any], list[str]]:
    """`base` that records the field of every resolve info it builds."""
    built: list[str] = []

    class Counting(base):  # type: ignore[valid-type,misc]
        def build_resolve_info(
            self, field_def: GraphQLField, field_nodes: list[FieldNode], parent_type: GraphQLObjectType, path: Path
        ) -> Any:
            built.append(field_nodes[0].name.value)
            return super().build_resolve_info(field_def, field_nodes, parent_type, path)

    return Counting, built


def run(context: type[Any], rows: list[Any], document: str = "{ items { name count kind note shout } }") -> Any:
    """As the app's prepared documents run: graphql-core's execute, no middleware."""
    schema = strawberry.Schema(query=Query)._schema
    if issubclass(context, LeafExecutionContext):
        context = context.for_schema(schema)
    ROWS[:] = rows
    return execute(schema, parse(document), executor_class=context)


def both(rows: list[Any], document: str = "{ items { name count kind note shout } }") -> tuple[Any, Any]:
    return run(StrawberryGraphQLCoreExecutionContext, rows, document), run(LeafExecutionContext, rows, document)


def test_plain_leaves_are_the_attribute_scalars_and_enums_without_resolvers() -> None:
    schema = strawberry.Schema(query=Query)
    leaves = plain_leaves(schema._schema)
    assert {name: (attribute, nullable) for name, (attribute, nullable, _) in leaves["Item"].items()} == {
        "name": ("name", False),
        "count": ("count", False),
        "kind": ("kind", False),
        "note": ("note", True),
    }
    assert "Query" not in leaves  # `items` has a resolver


def test_leaves_build_no_resolve_info() -> None:
    context, built = counting(LeafExecutionContext)
    result = run(context, [Item(name="a", count=1, kind=Kind.OPENER, note=None)] * 3)
    assert result.errors is None
    assert built == ["items", "shout", "shout", "shout"]  # the resolver fields only


def test_the_short_path_answers_as_the_whole_way() -> None:
    rows = [Item(name="a", count=1, kind=Kind.ENCORE, note="n"), Row(name="b", count=2, kind=Kind.OPENER, note=None)]
    stock, leaf = both(rows)
    assert stock.errors is None
    assert leaf.errors is None
    assert (
        leaf.data
        == stock.data
        == {
            "items": [
                {"name": "a", "count": 1, "kind": "ENCORE", "note": "n", "shout": "A"},
                {"name": "b", "count": 2, "kind": "OPENER", "note": None, "shout": "B"},
            ]
        }
    )


@pytest.mark.parametrize(
    "row",
    [
        Row(name=None, count=1, kind=Kind.OPENER, note=None),  # null in a non-null field
        Row(name="a", count="many", kind=Kind.OPENER, note=None),  # a value Int refuses
        Row(name="a", count=2**40, kind=Kind.OPENER, note=None),  # beyond Int's 32 bits
        Row(name="a", count=1, kind="encore?", note=None),  # not a value of the enum
    ],
)
def test_bad_values_give_the_whole_ways_errors(row: Row) -> None:
    stock, leaf = both([row], "{ items { name count kind note } }")
    assert stock.errors, "the case must be an error to compare"
    assert leaf.data == stock.data
    assert [(e.message, e.path) for e in leaf.errors] == [(e.message, e.path) for e in stock.errors]


def test_a_missing_attribute_gives_the_whole_ways_error() -> None:
    @dataclass
    class Partial:
        name: str

    stock, leaf = both([Partial("a")], "{ items { name count } }")
    assert stock.errors
    assert leaf.data == stock.data
    assert [(e.message, e.path) for e in leaf.errors] == [(e.message, e.path) for e in stock.errors]


def test_the_apps_schema_executes_with_its_leaves() -> None:
    schema = build_schema(Settings())
    leaves = schema.execution_context_class.leaves  # type: ignore[attr-defined]
    assert {"id", "votes", "viewerHasVoted"} <= set(leaves["SetlistSong"])
    assert "song" not in leaves["SetlistSong"]  # an object, not a leaf
