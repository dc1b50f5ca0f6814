"""The Strawberry schema: root types assembled from the domain modules, with the hardening extensions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, MaxIntrospectionDepthRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext
from strawberry.types import ExecutionResult as StrawberryExecutionResult
from strawberry.types.graphql import OperationType

from app.api.accounts import AccountsMutation, AccountsQuery
from app.api.catalog import CatalogQuery
from app.api.cost import CostModel, max_cost_rule
from app.api.errors import ErrorCodes, is_expected, logger
from app.api.limits import RequestLimits, max_aliases_rule, max_depth_rule
from app.api.live import Subscription
from app.api.lookups import LookupsQuery
from app.api.setlists import SetlistsMutation
from app.api.sync import SyncQuery
from app.platform.observability import GraphQLMetrics
from app.settings import Settings, get_settings


@strawberry.type
class Query(CatalogQuery, SyncQuery, AccountsQuery, LookupsQuery):
    pass


@strawberry.type
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

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Expected errors (bad input, not found, upstream down) are answers, not incidents.
        for error in errors:
            if not is_expected(error):
                logger.error("Unexpected error in GraphQL operation", exc_info=error.original_error)


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
    if settings.introspection_enabled:
        # graphql-core's recommended bound on introspection (`fields { type { fields ...`), which the
        # query cost leaves to it; Strawberry does not add it.
        limit_rules.append(MaxIntrospectionDepthRule)
    else:
        limit_rules.append(NoSchemaIntrospectionCustomRule)
    # Factories: each request gets fresh extension instances (the caches live at module level).
    extensions: list[Callable[[], SchemaExtension]] = [
        # graphql-core's validation is ~86 % of a trivial query: cache parse and validation (DESIGN §8).
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: RequestLimits(settings.graphql_max_tokens, limit_rules),
        ErrorCodes,
        GraphQLMetrics,
    ]
    schema = TheSetSchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
    # The cost rule reads the list sizes off the built schema; the extension factories above read
    # `limit_rules` per request, so it is in place before the first one.
    cost_model = CostModel(schema._schema, settings.graphql_max_page_size)
    limit_rules.append(max_cost_rule(cost_model, settings.graphql_max_cost))
    return schema


def schema_sdl(**_: Any) -> str:
    """The SDL clients code against (`schema.graphql`)."""
    return build_schema().as_str() + "\n"
