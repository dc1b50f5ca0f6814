"""graphql-core's execution with a short path for plain attribute leaves (docs/decisions/0011-leaf-fields.md).

Most fields of a page are leaves read off a result object's attribute (`name`, `votes`, `id`, …).
graphql-core builds a resolve info for each, Strawberry's default resolver looks the attribute up
through two calls, and completion walks the non-null wrapper: about half of a show page's 330
fields' cost. For a field Strawberry itself marks as basic (no resolver, no permission classes or
field extensions, no exception handlers) whose type is a scalar or an enum, `execute_field` here
reads the attribute and serialises it directly. Anything unusual (a null in a non-null field, a
value the scalar refuses, a missing attribute) goes the whole way, which reports it as before.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# A leaf's attribute, whether it may be null, and its type (for serialize).
Leaf = tuple[str, bool, GraphQLLeafType]


def plain_leaves(schema: GraphQLSchema) -> dict[str, dict[str, Leaf]]:
    """Per object type and field name, the leaves Strawberry resolves by reading an attribute."""
    leaves: dict[str, dict[str, Leaf]] = {}
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in named.fields.items():
            definition = field.extensions.get("strawberry-definition")
            if definition is None or not getattr(field.resolve, "_is_default", False):
                continue
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if is_leaf_type(leaf):
                leaves.setdefault(type_name, {})[field_name] = (definition.python_name, nullable, leaf)
    return leaves


class LeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context; `leaves` (per schema: see `for_schema`) take the short path."""

    leaves: Mapping[str, Mapping[str, Leaf]] = MappingProxyType({})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core's helpers hold bound methods of the context: a reference cycle per request that
        # keeps the request, its Context and every result object until the garbage collector runs, and
        # the collector's passes set the tail latency (docs/decisions/0005-gc-tuning.md). The same
        # helpers, holding the context weakly.
        context = weakref.ref(self)

        def track(values: Sequence[Any]) -> None:
            alive = context()
            if alive is not None:
                alive.track_async_work(values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=_gather, track=track)

    @classmethod
    def for_schema(cls, schema: GraphQLSchema) -> type[LeafExecutionContext]:
        return type("SchemaLeafExecutionContext", (cls,), {"leaves": plain_leaves(schema)})

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        fields = self.leaves.get(parent_type.name)
        if fields is not None and self.middleware_manager is None:
            leaf = fields.get(field_details_list[0].node.name.value)
            if leaf is not None:
                attribute, nullable, leaf_type = leaf
                value = getattr(source, attribute, Undefined)
                if value is None and nullable:
                    return None
                if value is not None and value is not Undefined and not self.is_awaitable(value):
                    try:
                        serialized = leaf_type.serialize(value)
                    except Exception:  # the whole way reports it
                        serialized = None
                    if serialized is not None and serialized is not Undefined:
                        return serialized
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def _gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    """graphql-core's gather helper, which needs nothing of its execution context."""
    return gather_with_cancel(*values)
