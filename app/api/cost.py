"""Query cost: how many values a document can make the server resolve, computed before execution.

Every field counts 1 each time it can be resolved; a list multiplies what is selected inside it by
its size. The size of a list is declared where the field is defined, with `@listSize` (the names of
the IBM/Apollo cost directives):

- `slicingArguments: ["first"]`: the size is the argument's literal value, its schema default when
  the document leaves it out, and the field's `assumedSize` (else `GRAPHQL_MAX_PAGE_SIZE`) when the
  document passes a variable: the validation cache keys on the document alone, so a variable's value
  is not known there, and the resolvers refuse a value over that cap anyway.
- `assumedSize: n` alone: a list the resolver never lets grow past n.
- `sizedFields: ["edges", "nodes"]`: a connection; the size applies to these lists of the type the
  field returns, not to the field.

Introspection (`__schema`, `__type`) counts 1: graphql-core's MaxIntrospectionDepthRule bounds it.
Each fragment's cost is computed once per place it can be sized in (`max_depth_rule`'s approach), so
the walk stays linear in the document whatever the fragments spread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.pyutils import Undefined
from strawberry.schema_directive import Location
from strawberry.types.field import StrawberryField

# A document costing more than this is refused whatever the budget: it also keeps the numbers small.
COST_CEILING = 10**12
# Field levels walked: past GRAPHQL_MAX_DEPTH the depth rule refuses the document anyway.
_MAX_WALK_LEVELS = 64


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="listSize",
    description="How many items a list field returns at most: the server's query cost counts with it.",
)
class ListSize:
    assumed_size: int | None = strawberry.field(
        default=strawberry.UNSET, description="The most items; with slicingArguments, when the argument is a variable."
    )
    slicing_arguments: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Arguments whose value is the number of items (`first`)."
    )
    sized_fields: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Lists of the returned type the size applies to (a connection's edges)."
    )


def list_size(
    assumed_size: int | None = None,
    slicing_arguments: Iterable[str] | None = None,
    sized_fields: Iterable[str] | None = None,
) -> ListSize:
    """A `@listSize` for a field's `directives=[...]`, leaving out what is not given."""
    return ListSize(
        assumed_size=strawberry.UNSET if assumed_size is None else assumed_size,
        slicing_arguments=strawberry.UNSET if slicing_arguments is None else list(slicing_arguments),
        sized_fields=strawberry.UNSET if sized_fields is None else list(sized_fields),
    )


@dataclass(frozen=True)
class _Bound:
    assumed: int | None
    slicing: tuple[str, ...]
    sized_fields: frozenset[str]


def _declared(field: GraphQLField) -> ListSize | None:
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return None
    return next((d for d in definition.directives if isinstance(d, ListSize)), None)


def _bound_of(declaration: ListSize) -> _Bound:
    def given(value: object) -> bool:
        return value is not strawberry.UNSET and value is not None

    return _Bound(
        assumed=declaration.assumed_size if given(declaration.assumed_size) else None,
        slicing=tuple(declaration.slicing_arguments or ()) if given(declaration.slicing_arguments) else (),
        sized_fields=frozenset(declaration.sized_fields or ()) if given(declaration.sized_fields) else frozenset(),
    )


def _is_list(field: GraphQLField) -> bool:
    return isinstance(get_nullable_type(field.type), GraphQLList)


def _is_object_list(field: GraphQLField) -> bool:
    return _is_list(field) and isinstance(get_named_type(field.type), GraphQLObjectType | GraphQLInterfaceType)


def _bounds(schema: GraphQLSchema) -> dict[tuple[str, str], _Bound]:
    """Every declared `@listSize`, by (type, field); a ValueError for a list of objects declaring none."""
    bounds: dict[tuple[str, str], _Bound] = {}
    sized_by_a_parent: set[tuple[str, str]] = set()
    types = [t for name, t in schema.type_map.items() if not name.startswith("__")]
    for named in types:
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for name, field in named.fields.items():
            declaration = _declared(field)
            if declaration is None:
                continue
            bound = bounds[(named.name, name)] = _bound_of(declaration)
            returned = get_named_type(field.type)
            sized_by_a_parent.update((returned.name, sized) for sized in bound.sized_fields)
    unbounded = [
        f"{named.name}.{name}"
        for named in types
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        for name, field in named.fields.items()
        if _is_object_list(field) and (named.name, name) not in bounds and (named.name, name) not in sized_by_a_parent
    ]
    if unbounded:
        raise ValueError(f"List fields without @listSize (the query cost needs their size): {', '.join(unbounded)}")
    return bounds


class CostModel:
    """The cost of documents against one schema (bounds read once, when the schema is built)."""

    def __init__(self, schema: GraphQLSchema, page_cap: int) -> None:
        self.schema = schema
        self.page_cap = page_cap
        self.bounds = _bounds(schema)

    def cost(self, document: DocumentNode) -> dict[OperationDefinitionNode, int]:
        """Each operation's cost, at most COST_CEILING."""
        return _DocumentCost(self, document).operations()

    def list_size(self, parent: str, field_name: str, field: GraphQLField, node: FieldNode) -> int:
        bound = self.bounds.get((parent, field_name))
        if bound is None:
            return self.page_cap  # cannot happen for objects (_bounds); a list of scalars has no children
        if bound.slicing:
            return max(self._sliced(bound, field, node, name) for name in bound.slicing)
        return bound.assumed if bound.assumed is not None else self.page_cap

    def _sliced(self, bound: _Bound, field: GraphQLField, node: FieldNode, argument: str) -> int:
        unknown = bound.assumed if bound.assumed is not None else self.page_cap
        given = next((a.value for a in node.arguments or () if a.name.value == argument), None)
        if isinstance(given, IntValueNode):
            return max(0, int(given.value))
        if isinstance(given, VariableNode) or given is not None:
            return unknown  # known only at execution; the resolver caps it
        definition = field.args.get(argument)
        default = definition.default_value if definition is not None else Undefined
        return max(0, default) if isinstance(default, int) else unknown


# Within a connection, the fields whose items the connection's size counts, and that size.
_Sizing = tuple[frozenset[str], int] | None


class _DocumentCost:
    def __init__(self, model: CostModel, document: DocumentNode) -> None:
        self.model = model
        self.document = document
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, _Sizing], int] = {}
        self.in_progress: set[tuple[str, _Sizing]] = set()

    def operations(self) -> dict[OperationDefinitionNode, int]:
        costs: dict[OperationDefinitionNode, int] = {}
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                root = self.model.schema.get_root_type(definition.operation)
                costs[definition] = self.selections(definition.selection_set, root, None, 0) if root else 0
        return costs

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, sizing: _Sizing, level: int
    ) -> int:
        """The cost of one item of `parent` with this selection; each fragment counted once per set."""
        if selection_set is None or parent is None or level > _MAX_WALK_LEVELS:
            return 0
        total = 0
        spread: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, sizing, level)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.model.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, on, sizing, level)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
                # graphql-core collects a fragment once per selection set, however often it is spread.
                spread.add(selection.name.value)
                total += self.fragment(selection.name.value, sizing, level)
            if total >= COST_CEILING:
                return COST_CEILING
        return total

    def fragment(self, name: str, sizing: _Sizing, level: int) -> int:
        key = (name, sizing)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or key in self.in_progress:
            return 0  # unknown or cyclic: other rules refuse the document
        self.in_progress.add(key)
        on = self.model.schema.get_type(definition.type_condition.name.value)
        self.memo[key] = self.selections(definition.selection_set, on, sizing, level)
        self.in_progress.discard(key)
        return self.memo[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType, sizing: _Sizing, level: int) -> int:
        name = node.name.value
        if name == "__typename":
            return 0  # no resolver, and same-named fields merge into one value
        if name in {"__schema", "__type"}:
            return 1  # the schema alone answers it, within MaxIntrospectionDepthRule's bound
        field = parent.fields.get(name) if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else None
        if field is None:
            return 0  # an unknown field: FieldsOnCorrectType refuses it
        if node.selection_set is None:
            return 1
        returned = get_named_type(field.type)
        bound = self.model.bounds.get((parent.name, name))
        if bound is not None and bound.sized_fields:
            size = self.model.list_size(parent.name, name, field, node)
            return 1 + self.selections(node.selection_set, returned, (bound.sized_fields, size), level + 1)
        if sizing is not None and name in sizing[0]:
            items = sizing[1]
        elif _is_list(field):
            items = self.model.list_size(parent.name, name, field, node)
        else:
            items = 1
        inner = self.selections(node.selection_set, returned, None, level + 1)
        return min(COST_CEILING, 1 + items * inner)


def max_cost_rule(model: CostModel, max_cost: int) -> type[ValidationRule]:
    """A validation rule refusing operations of `model`'s schema costing more than `max_cost`."""

    class MaxCost(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for operation, cost in model.cost(context.document).items():
                if cost > max_cost:
                    name = operation.name.value if operation.name else "anonymous"
                    shown = f"more than {COST_CEILING}" if cost >= COST_CEILING else str(cost)
                    context.report_error(
                        GraphQLError(
                            f"'{name}' costs {shown}, over the budget of {max_cost}"
                            " (each list multiplies what it selects by its size: ask for fewer items or fields)",
                            operation,
                            extensions={"cost": min(cost, COST_CEILING), "maxCost": max_cost},
                        )
                    )

    return MaxCost
