"""The Strawberry schema: root types assembled from the domain modules, with the hardening extensions."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext
from strawberry.types import ExecutionResult as StrawberryExecutionResult
from strawberry.types.graphql import OperationType

from app.api.accounts import AccountsMutation, AccountsQuery
from app.api.catalog import CatalogQuery
from app.api.errors import ErrorCodes, is_expected, logger
from app.api.limits import RequestLimits, max_aliases_rule, max_depth_rule
from app.api.live import Subscription
from app.api.lookups import LookupsQuery
from app.api.setlists import SetlistsMutation
from app.api.sync import SyncQuery
from app.platform.observability import GraphQLMetrics, record_operation
from app.settings import Settings, get_settings


@strawberry.type
class Query(CatalogQuery, SyncQuery, AccountsQuery, LookupsQuery):
    pass


@strawberry.type
class Mutation(AccountsMutation, SetlistsMutation):
    pass


# Documents parsed and validated once, executed without the extension hooks afterwards.
PREPARED_DOCUMENTS = 512


@dataclass(frozen=True)
class Prepared:
    """A document that parsed, passed the token limit and validated with the schema's rules."""

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
    whatever the hooks do: for `{ __typename }` they were most of the request. The extensions here
    do per-document work (parse and validation caches, the limits) and per-result work (error
    codes, metrics): once a document has been prepared, `execute` runs graphql-core directly and
    applies the per-result work itself. A new extension must say which kind it is (`build_schema`).
    """

    def __init__(self, *args: Any, error_codes: ErrorCodes, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepared: OrderedDict[str, Prepared] = OrderedDict()
        self._error_codes = error_codes
        self._execute_function = self._get_execute_function()
        self._execute_kwargs = execution_context_class_kwargs(self.execution_context_class)

    def remember(self, query: str, document: DocumentNode) -> None:
        """Keep a document that parsed and validated, for the fast path."""
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
            errors = self._error_codes.with_codes(errors)
        record_operation(operation_name or name, kind.value, errors or [], time.perf_counter() - started)
        return StrawberryExecutionResult(data=result.data, errors=errors)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Expected errors (bad input, not found, upstream down) are answers, not incidents.
        for error in errors:
            if not is_expected(error):
                logger.error("Unexpected error in GraphQL operation", exc_info=error.original_error)


class PreparedDocuments(SchemaExtension):
    """Hands every document that validated to the schema's fast path (`TheSetSchema.remember`)."""

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.query and context.graphql_document is not None and not context.pre_execution_errors:
            schema = context.schema
            if isinstance(schema, TheSetSchema):
                schema.remember(context.query, context.graphql_document)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the limits from settings; the same SDL whatever the settings."""
    settings = settings or get_settings()
    # The limit rules' classes are made once: each QueryDepthLimiter/MaxAliasesLimiter instance
    # made a new class, and new rules per request are a new key for the validation cache (a miss
    # every time: validation was 36 % of a Vote mutation).
    limit_rules: list[type[ASTValidationRule]] = [
        max_depth_rule(settings.graphql_max_depth),  # linear: Strawberry's walks every fragment path
        max_aliases_rule(settings.graphql_max_aliases),  # linear: Strawberry's is exponential in fragments
    ]
    if not settings.introspection_enabled:
        limit_rules.append(NoSchemaIntrospectionCustomRule)
    # Factories: each request gets fresh extension instances (the caches live at module level).
    # Each is per-document work, which the fast path skips once a document is prepared, or
    # per-result work, which the fast path does itself (TheSetSchema._execute_prepared).
    error_codes = ErrorCodes()
    extensions: list[Callable[[], SchemaExtension]] = [
        PreparedDocuments,  # first: it sees the outcome of every other extension's validation
        # graphql-core's validation is ~86 % of a trivial query: cache parse and validation.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: RequestLimits(settings.graphql_max_tokens, limit_rules),  # per document
        ErrorCodes,  # per result: error_codes.with_codes on the fast path
        GraphQLMetrics,  # per result: record_operation on the fast path
    ]
    return TheSetSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions, error_codes=error_codes
    )


def schema_sdl(**_: Any) -> str:
    """The SDL clients code against (`schema.graphql`)."""
    return build_schema().as_str() + "\n"
