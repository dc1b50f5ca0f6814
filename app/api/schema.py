"""The Strawberry schema: root types assembled from the domain modules, with the hardening extensions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import aclosing
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError, lexicographic_sort_schema, print_schema
from graphql import build_schema as parse_sdl
from graphql.validation import ASTValidationRule, MaxIntrospectionDepthRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.types import ExecutionContext
from strawberry.types import ExecutionResult as StrawberryExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from app.api.accounts import AccountsMutation, AccountsQuery
from app.api.catalog import CatalogQuery
from app.api.cost import CostModel, max_cost_rule
from app.api.errors import CodedValidationCache, ErrorCodes, is_expected, logger
from app.api.limits import RequestLimits, max_aliases_rule, max_depth_rule
from app.api.live import Subscription
from app.api.lookups import LookupsQuery
from app.api.nodes import NodeQuery
from app.api.setlists import SetlistsMutation
from app.api.sync import SyncQuery
from app.errors import error_code_table
from app.platform.observability import GraphQLMetrics
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


class TheSetSchema(strawberry.Schema):
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
        return await super().execute(
            query, variable_values, context_value, root_value, operation_name, allowed, operation_extensions
        )

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


def build_schema(
    settings: Settings | None = None, extra_extensions: Iterable[Callable[[], SchemaExtension]] = ()
) -> strawberry.Schema:
    """The schema with the limits from settings (and `extra_extensions` last); the same SDL whatever the settings."""
    settings = settings or get_settings()
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
    extensions: list[Callable[[], SchemaExtension]] = [
        # graphql-core's validation is most of a trivial query: cache parse and validation
        # (docs/decisions/0006-performance-facts.md).
        lambda: ParserCache(maxsize=256),
        lambda: CodedValidationCache(maxsize=256),
        lambda: RequestLimits(settings.graphql_max_tokens, limit_rules),
        # Hooks unwind last-listed first: the metrics see the errors after ErrorCodes gave them their codes.
        GraphQLMetrics,
        ErrorCodes,
        *extra_extensions,
    ]
    schema = TheSetSchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
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
