"""The Strawberry schema: root types assembled from the domain modules, with the hardening extensions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from app.api.accounts import AccountsMutation, AccountsQuery
from app.api.catalog import CatalogQuery
from app.api.errors import ErrorCodes, is_expected, logger
from app.api.live import Subscription
from app.api.lookups import LookupsQuery
from app.api.setlists import SetlistsMutation
from app.api.sync import SyncQuery
from app.observability import GraphQLMetrics
from app.settings import Settings, get_settings


@strawberry.type
class Query(CatalogQuery, SyncQuery, AccountsQuery, LookupsQuery):
    pass


@strawberry.type
class Mutation(AccountsMutation, SetlistsMutation):
    pass


class TheSetSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Expected errors (bad input, not found, upstream down) are answers, not incidents.
        for error in errors:
            if not is_expected(error):
                logger.error("Unexpected error in GraphQL operation", exc_info=error.original_error)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the limits from settings; the same SDL whatever the settings."""
    settings = settings or get_settings()
    # The limiters' rule classes are made once: each QueryDepthLimiter/MaxAliasesLimiter instance
    # makes a new class, and new rules per request are a new key for the validation cache (a miss
    # every time: validation was 36 % of a Vote mutation).
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    # Factories: each request gets fresh extension instances (the caches live at module level).
    extensions: list[Callable[[], SchemaExtension]] = [
        # graphql-core's validation is ~86 % of a trivial query: cache parse and validation (DESIGN §8).
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: AddValidationRules(limit_rules),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        ErrorCodes,
        GraphQLMetrics,
    ]
    if not settings.introspection_enabled:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return TheSetSchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


def schema_sdl(**_: Any) -> str:
    """The SDL clients code against (`schema.graphql`)."""
    return build_schema().as_str() + "\n"
