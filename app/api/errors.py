"""Every GraphQL error leaves with a stable `extensions.code`; unexpected ones are masked as INTERNAL."""

from __future__ import annotations

import logging
import re

import asyncpg
from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from tortoise.exceptions import DBConnectionError

from app.errors import AppError

logger = logging.getLogger("app.api")

INTERNAL_MESSAGE = "Unexpected error."
DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly."
UNSTORABLE_TEXT_MESSAGE = "Text may not contain NUL characters."
MISSING_QUERY_MESSAGE = "No GraphQL query found in the request"


# Names and values a message quotes are cut to QUOTED_MAX characters, the message to MESSAGE_MAX:
# a client's 200 KB field name is not sent back whole.
QUOTED_MAX = 64
MESSAGE_MAX = 1000
_LONG_QUOTED = re.compile(f"'([^']{{{QUOTED_MAX}}})[^']+'")


def shorten_message(message: str) -> str:
    """`message` with long quoted names and values cut short, and at most MESSAGE_MAX characters."""
    shortened = _LONG_QUOTED.sub(r"'\1…'", message)
    return shortened if len(shortened) <= MESSAGE_MAX else shortened[: MESSAGE_MAX - 1] + "…"


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
        elif isinstance(original, CLIENT_MISTAKES):
            return GraphQLError(
                client_mistake_message(original), nodes=error.nodes, extensions={"code": "BAD_USER_INPUT"}
            )
        elif original is None or isinstance(original, GraphQLError):
            extensions = {"code": "BAD_USER_INPUT", **(error.extensions or {})}
        else:
            return GraphQLError(INTERNAL_MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL"})
        return GraphQLError(
            shorten_message(error.message),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )


# Strawberry's refusals of a request raised as exceptions (an empty document, an operation name the
# document lacks, a query over multipart subscriptions): over streams they reach the errors.
CLIENT_MISTAKES = MissingQueryError | CannotGetOperationTypeError | InvalidOperationTypeError


def client_mistake_message(error: MissingQueryError | CannotGetOperationTypeError | InvalidOperationTypeError) -> str:
    """What the client got wrong, in the words GraphQL over HTTP answers the same request with."""
    if isinstance(error, MissingQueryError):
        return MISSING_QUERY_MESSAGE
    if isinstance(error, CannotGetOperationTypeError):
        return error.as_http_error_reason()
    return error.as_http_error_reason("multipart subscriptions")  # the one stream that refuses a type


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
        or isinstance(original, AppError | GraphQLError | CLIENT_MISTAKES)
        or is_database_unavailable(original)
        or is_unstorable_text(original)
    )
