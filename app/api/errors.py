"""Every GraphQL error leaves with a stable `extensions.code`; unexpected ones are masked as INTERNAL."""

from __future__ import annotations

import logging

import asyncpg
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from tortoise.exceptions import DBConnectionError

from app.errors import AppError

logger = logging.getLogger("app.api")

INTERNAL_MESSAGE = "Unexpected error."
DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly."
UNSTORABLE_TEXT_MESSAGE = "Text may not contain NUL characters."


def request_error(message: str) -> dict[str, object]:
    """The body of a request refused before execution (malformed JSON, wrong method, ...)."""
    return {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}


class ErrorCodes(MaskErrors):
    """MaskErrors that also gives every error its code.

    - AppError raised by a service: its message and code.
    - GraphQLError with no original error (parse, validation, depth/alias/token limits, variable
      coercion): graphql-core's message, code BAD_USER_INPUT.
    - Anything else: masked as INTERNAL (the full error is logged by the schema).
    """

    def __init__(self) -> None:
        super().__init__(error_message=INTERNAL_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return self.with_codes(errors)

    def with_codes(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        """The errors as clients see them: each with its code, the unexpected ones masked."""
        return [self._with_code(error) for error in errors]

    def _with_code(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, AppError):
            extensions = original.extensions
        elif is_database_unavailable(original):
            return GraphQLError(
                DATABASE_UNAVAILABLE_MESSAGE,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "UPSTREAM_UNAVAILABLE"},
            )
        elif is_unstorable_text(original):
            return GraphQLError(
                UNSTORABLE_TEXT_MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": "BAD_USER_INPUT"}
            )
        elif original is None or isinstance(original, GraphQLError):
            extensions = {"code": "BAD_USER_INPUT", **(error.extensions or {})}
        else:
            return GraphQLError(INTERNAL_MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL"})
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )


def is_database_unavailable(error: BaseException | None) -> bool:
    """The database cannot be reached (refused, reset, timed out): not a bug, an outage."""
    return isinstance(
        error,
        OSError
        | DBConnectionError
        | asyncpg.exceptions.CannotConnectNowError
        | asyncpg.exceptions.ConnectionDoesNotExistError,
    )


def is_unstorable_text(error: BaseException | None) -> bool:
    """PostgreSQL refused a NUL character in a string the client sent: bad input, not a bug."""
    cause = error.__cause__ if error is not None else None
    return isinstance(error, asyncpg.exceptions.CharacterNotInRepertoireError) or isinstance(
        cause, asyncpg.exceptions.CharacterNotInRepertoireError
    )


def is_expected(error: GraphQLError) -> bool:
    """True for errors that are the client's doing or a known upstream state: not worth a traceback."""
    original = error.original_error
    return (
        original is None
        or isinstance(original, AppError | GraphQLError)
        or is_database_unavailable(original)
        or is_unstorable_text(original)
    )
