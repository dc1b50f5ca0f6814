"""Every GraphQL error leaves with a code from `ErrorCode`; unexpected ones are masked as INTERNAL_SERVER_ERROR.

`coded` is the one rule that gives an error its code. It runs in the schema (`ErrorCodes`) and, for
the errors that escape Strawberry's extensions (a syntax error raised by `ParserCache`, a fault in
an extension), in the HTTP and websocket transports; an error that already has a code keeps it.
Validation errors get theirs where validation runs (`CodedValidationCache`): afterwards they look
like any other error graphql-core raises without an original exception (variable coercion, ...).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import asyncpg
from graphql import GraphQLError, GraphQLSyntaxError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension, ValidationCache
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import StreamExecutionResult
from tortoise.exceptions import DBConnectionError

from app.errors import AppError, ErrorCode

logger = logging.getLogger("app.api")

INTERNAL_MESSAGE = "Unexpected error."
DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly."
REDIS_UNAVAILABLE_MESSAGE = "A service the API relies on is unavailable; try again shortly."
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
    return {"errors": [{"message": message, "extensions": {"code": ErrorCode.BAD_USER_INPUT.value}}]}


def error_code(error: GraphQLError) -> str | None:
    """The code `error` carries, if any."""
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def coded(error: GraphQLError) -> GraphQLError:
    """`error` as the client sees it: with its code, and masked unless it is the client's or a known outage.

    - It already has a code (an earlier pass, a validation error): unchanged.
    - AppError raised by a service: its message and code.
    - A syntax error, or a document over the token limit (the parser counts): GRAPHQL_PARSE_FAILED.
    - The database or Redis is unreachable or timed out: UPSTREAM_UNAVAILABLE; text PostgreSQL cannot
      store: BAD_USER_INPUT.
    - Any other GraphQLError with no original exception (variable coercion, ...): graphql-core's
      message, BAD_USER_INPUT.
    - Anything else: masked as INTERNAL_SERVER_ERROR (the schema logs the full error).
    """
    if error_code(error) is not None:
        return error
    original = error.original_error
    if isinstance(original, AppError):
        return _with(error, original.extensions)
    if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
        return _with(error, {"code": ErrorCode.GRAPHQL_PARSE_FAILED.value})
    if is_database_unavailable(original):
        return _with(error, {"code": ErrorCode.UPSTREAM_UNAVAILABLE.value}, DATABASE_UNAVAILABLE_MESSAGE)
    if is_redis_unavailable(original):
        return _with(error, {"code": ErrorCode.UPSTREAM_UNAVAILABLE.value}, REDIS_UNAVAILABLE_MESSAGE)
    if is_unstorable_text(original):
        return _with(error, {"code": ErrorCode.BAD_USER_INPUT.value}, UNSTORABLE_TEXT_MESSAGE)
    if isinstance(original, CLIENT_MISTAKES):  # Strawberry's refusals of the request itself
        return GraphQLError(
            client_mistake_message(original), nodes=error.nodes, extensions={"code": ErrorCode.BAD_USER_INPUT.value}
        )
    if original is None or isinstance(original, GraphQLError):
        return _with(error, {"code": ErrorCode.BAD_USER_INPUT.value, **(error.extensions or {})})
    return GraphQLError(
        INTERNAL_MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
    )


def _with(error: GraphQLError, extensions: dict[str, object], message: str | None = None) -> GraphQLError:
    return GraphQLError(
        shorten_message(message or error.message),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class CodedValidationCache(ValidationCache):
    """ValidationCache whose errors carry GRAPHQL_VALIDATION_FAILED, the limits' validation rules' too.

    Only here is an error known to come from validation; the code is set in the hook that already
    runs, rather than in one more extension hook per operation.
    """

    def on_validate(self) -> Iterator[None]:
        for _ in super().on_validate():  # ValidationCache validates before it yields
            context = self.execution_context
            if context.pre_execution_errors:
                code = ErrorCode.GRAPHQL_VALIDATION_FAILED.value
                # A rule's own extensions (the cost and the budget) stay beside the code.
                context.pre_execution_errors = [
                    _with(error, {**(error.extensions or {}), "code": code}) for error in context.pre_execution_errors
                ]
            yield


class ErrorCodes(SchemaExtension):
    """Gives every error of an operation's result, or of each streamed result, its code (`coded`)."""

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        # Streamed results were coded one by one (below): the last must not be processed again.
        if not self._streamed:
            _code_errors(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        self._streamed = True
        _code_errors(result)
        for part in (*(getattr(result, "incremental", None) or ()), *(getattr(result, "completed", None) or ())):
            _code_errors(part)
        yield


@runtime_checkable
class _WithErrors(Protocol):
    errors: list[GraphQLError] | None


def _code_errors(result: object) -> None:
    if isinstance(result, _WithErrors) and result.errors:
        result.errors = [coded(error) for error in result.errors]


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


def is_redis_unavailable(error: BaseException | None) -> bool:
    """Redis did not answer (refused, reset, timed out) where no fallback applied: an outage, not a bug."""
    return isinstance(error, RedisConnectionError | RedisTimeoutError)


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
        or is_redis_unavailable(original)
        or is_unstorable_text(original)
    )
