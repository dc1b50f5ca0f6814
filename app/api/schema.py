"""The Strawberry schema: root types assembled from the domain modules, with the hardening extensions."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    lexicographic_sort_schema,
    print_schema,
)
from graphql import build_schema as parse_sdl
from graphql.validation import ASTValidationRule, MaxIntrospectionDepthRule, NoSchemaIntrospectionCustomRule
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.types import ExecutionContext
from strawberry.types import ExecutionResult as StrawberryExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from app.api.accounts import AccountsMutation, AccountsQuery
from app.api.catalog import CatalogQuery
from app.api.cost import CostModel, max_cost_rule
from app.api.errors import CodedValidationCache, ErrorCodes, coded, is_expected, logger
from app.api.execution import LeafExecutionContext
from app.api.limits import RequestLimits, max_aliases_rule, max_depth_rule
from app.api.live import Subscription
from app.api.lookups import LookupsQuery
from app.api.nodes import NodeQuery
from app.api.setlists import SetlistsMutation
from app.api.sync import SyncQuery
from app.errors import error_code_table
from app.platform.observability import GraphQLMetrics, OperationLabels, record_operation
from app.settings import Settings, get_settings

# Strawberry prints no schema description (its printer leaves it out), so the one for the whole
# schema, the error codes among it, opens the Query type's description instead.
SCHEMA_DESCRIPTION = f"""TheSet: fans shape the setlists of the concerts they are going to.

Reads are open to anonymous clients; send `Authorization: Bearer <token>` (from `signUp` or `signIn`) to
vote and suggest. Lists are Relay connections; every object with an `id` is a `Node`.

Every error carries `extensions.code`, one of:

{error_code_table()}"""


@strawberry.type(description=SCHEMA_DESCRIPTION)
class Query(CatalogQuery, SyncQuery, AccountsQuery, LookupsQuery, NodeQuery):
    pass


@strawberry.type(description="Changes: accounts (sign up, in and out), votes and song suggestions.")
class Mutation(AccountsMutation, SetlistsMutation):
    pass


# Documents parsed and validated once, executed without the extension hooks afterwards.
PREPARED_DOCUMENTS = 512


@dataclass(frozen=True)
class Prepared:
    """A document that parsed, passed the token limit and validated with the schema's rules (cost included)."""

    document: DocumentNode
    operations: dict[str | None, tuple[OperationType, str | None]]  # name (None: the first) -> type, name

    @classmethod
    def of(cls, document: DocumentNode) -> Prepared:
        operations: dict[str | None, tuple[OperationType, str | None]] = {}
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                name = definition.name.value if definition.name else None
                entry = (OperationType(definition.operation.value), name)
                operations.setdefault(None, entry)
                if name is not None:
                    operations.setdefault(name, entry)
        return cls(document, operations)


class TheSetSchema(strawberry.Schema):
    """Strawberry's schema with a fast path for documents it has already prepared.

    Strawberry runs every extension's hooks through context managers built anew for each operation,
    whatever the hooks do: for `{ __typename }` they were most of the request. The built-in
    extensions do per-document work (parse and validation caches, the limits and the cost) and
    per-result work (error codes, metrics): once a document has been prepared, `execute` runs
    graphql-core directly and applies the per-result work itself. With extra extensions (tracing),
    which want every operation, there is no fast path.
    """

    def __init__(self, *args: Any, operation_labels: OperationLabels, fast_path: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operation_labels = operation_labels  # the metrics' operation names, bounded
        self._fast_path = fast_path
        self._prepared: OrderedDict[str, Prepared] = OrderedDict()
        self._execute_function = self._get_execute_function()
        self.execution_context_class = LeafExecutionContext.for_schema(self._schema)
        self._execute_kwargs = execution_context_class_kwargs(self.execution_context_class)

    def remember(self, query: str, document: DocumentNode) -> None:
        """Keep a document that parsed and validated, for the fast path."""
        if not self._fast_path:
            return
        self._prepared[query] = Prepared.of(document)
        if len(self._prepared) > PREPARED_DOCUMENTS:
            self._prepared.popitem(last=False)

    def prepared(self, query: str) -> Prepared | None:
        return self._prepared.get(query)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> StrawberryExecutionResult:
        # Plain HTTP cannot carry a stream: a subscription there is refused (400), not run into a null.
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES) - {OperationType.SUBSCRIPTION}
        prepared = self._prepared.get(query) if query else None
        if prepared is None:
            return await super().execute(
                query, variable_values, context_value, root_value, operation_name, allowed, operation_extensions
            )
        self._prepared.move_to_end(query)  # type: ignore[arg-type]  # prepared implies a query
        return await self._execute_prepared(
            prepared, variable_values, context_value, root_value, operation_name, allowed, operation_extensions
        )

    async def _execute_prepared(
        self,
        prepared: Prepared,
        variable_values: dict[str, Any] | None,
        context_value: Any | None,
        root_value: Any | None,
        operation_name: str | None,
        allowed: set[OperationType],
        operation_extensions: dict[str, Any] | None,
    ) -> StrawberryExecutionResult:
        started = time.perf_counter()
        operation = prepared.operations.get(operation_name)
        if operation is None:
            raise CannotGetOperationTypeError(operation_name)
        kind, name = operation
        if kind not in allowed:
            raise InvalidOperationTypeError(kind)
        result = self._execute_function(
            self._schema,
            prepared.document,
            root_value=root_value,
            variable_values=variable_values,
            operation_name=operation_name,
            context_value=context_value,
            is_awaitable=optimized_is_awaitable,
            operation_extensions=operation_extensions,
            **self._execute_kwargs,
        )
        if isawaitable(result):
            result = await result
        errors: list[GraphQLError] | None = result.errors
        if errors:
            self.process_errors(errors)
            errors = [coded(error) for error in errors]
        record_operation(
            self.operation_labels, operation_name or name, kind.value, errors or [], time.perf_counter() - started
        )
        return StrawberryExecutionResult(data=result.data, errors=errors)

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        # Websockets and multipart subscriptions: a syntax error is a result, not an escaped exception.
        source = await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )
        return _syntax_errors_as_results(source)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Expected errors (bad input, not found, upstream down) are answers, not incidents.
        for error in errors:
            if not is_expected(error):
                logger.error("Unexpected error in GraphQL operation", exc_info=error.original_error)


async def _syntax_errors_as_results(source: StreamResult) -> StreamResult:
    """`source`, with a syntax error raised before its first result yielded as a PreExecutionError.

    `ParserCache` parses in its `on_parse` hook, outside the try in which Strawberry turns a
    syntax error into a result, so the error escaped the stream.
    """
    async with aclosing(source):
        try:
            first = await anext(source)
        except StopAsyncIteration:
            return
        except GraphQLSyntaxError as error:
            yield PreExecutionError(data=None, errors=[error])
            return
        yield first
        async for result in source:
            yield result


class PreparedDocuments(SchemaExtension):
    """Hands every document that validated to the schema's fast path (`TheSetSchema.remember`)."""

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.query and context.graphql_document is not None and not context.pre_execution_errors:
            schema = context.schema
            if isinstance(schema, TheSetSchema):
                schema.remember(context.query, context.graphql_document)


def build_schema(
    settings: Settings | None = None, extra_extensions: Iterable[Callable[[], SchemaExtension]] = ()
) -> strawberry.Schema:
    """The schema with the limits from settings (and `extra_extensions` last); the same SDL whatever the settings."""
    settings = settings or get_settings()
    extra_extensions = tuple(extra_extensions)
    labels = OperationLabels()
    # The limit rules' classes are made once: new rule classes per request would be a new key for
    # the validation cache, a miss every time (docs/decisions/0004-graphql-limit-rules.md).
    limit_rules: list[type[ASTValidationRule]] = [
        max_depth_rule(settings.graphql_max_depth),  # linear: Strawberry's walks every fragment path
        max_aliases_rule(settings.graphql_max_aliases),  # linear: Strawberry's is exponential in fragments
    ]
    if settings.introspection_enabled:
        # graphql-core's recommended bound on introspection (`fields { type { fields ...`), which the
        # query cost leaves to it; Strawberry does not add it.
        limit_rules.append(MaxIntrospectionDepthRule)
    else:
        limit_rules.append(NoSchemaIntrospectionCustomRule)
    # Factories: each request gets fresh extension instances (the caches live at module level).
    # Each built-in one is per-document work, which the fast path skips once a document is
    # prepared, or per-result work, which the fast path does itself (TheSetSchema._execute_prepared).
    extensions: list[Callable[[], SchemaExtension]] = [
        PreparedDocuments,  # first: it sees the outcome of every other extension's validation
        # graphql-core's validation is most of a trivial query: cache parse and validation
        # (docs/decisions/0006-performance-facts.md).
        lambda: ParserCache(maxsize=256),
        lambda: CodedValidationCache(maxsize=256),
        lambda: RequestLimits(settings.graphql_max_tokens, limit_rules),
        # Hooks unwind last-listed first: the metrics see the errors after ErrorCodes gave them their codes.
        lambda: GraphQLMetrics(labels),  # per result: record_operation on the fast path
        ErrorCodes,  # per result: `coded` on the fast path
        *extra_extensions,
    ]
    schema = TheSetSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        fast_path=not extra_extensions,
        operation_labels=labels,
    )
    # The cost rule reads the list sizes off the built schema; the extension factories above read
    # `limit_rules` per request, so it is in place before the first one.
    cost_model = CostModel(schema._schema, settings.graphql_max_page_size)
    limit_rules.append(max_cost_rule(cost_model, settings.graphql_max_cost))
    return schema


def schema_sdl(**_: Any) -> str:
    """The SDL clients code against (`schema.graphql`), its fields, arguments and enum values in name order.

    Sorted in print only: the order schema linters expect. Strawberry's own `sort_schema` option
    rebuilds its enum types as plain graphql-core ones, which then cannot serialise a value.
    """
    printed = parse_sdl(build_schema().as_str())
    return print_schema(lexicographic_sort_schema(printed)) + "\n"
