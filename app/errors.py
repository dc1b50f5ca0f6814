"""The error codes the API promises, and the errors the services raise on purpose.

`ErrorCode` is the one table of `extensions.code` values: the README's error table and the schema's
description are written from it, and every other module names its members. The codes Apollo's
ecosystem defines keep Apollo's names, so its clients and tools recognise them.

AppError
 ├── BadUserInput        BAD_USER_INPUT       malformed or out-of-range input
 ├── NotFound            NOT_FOUND            no such object (or an id of the wrong type)
 ├── Unauthenticated     UNAUTHENTICATED      no, expired, revoked or forged token
 ├── Forbidden           FORBIDDEN            signed in, but not allowed (e.g. voting closed)
 │    └── VoteBudgetSpent FORBIDDEN, reason VOTE_BUDGET_SPENT: the fan's VOTES_PER_SHOW votes are all cast
 ├── RateLimited         RATE_LIMITED         too many requests; carries retry_after seconds
 ├── TemporarilyUnavailable UPSTREAM_UNAVAILABLE Spotify, Ticketmaster, a database or live updates unreachable
 ├── PersistedQueryNotFound    PERSISTED_QUERY_NOT_FOUND     an APQ hash this process does not know: send the query
 ├── PersistedQueryNotSupported PERSISTED_QUERY_NOT_SUPPORTED an APQ version other than 1
 └── TrustedDocumentRequired   TRUSTED_DOCUMENT_REQUIRED     trusted-documents mode: not one of graphql/*.graphql

Anything else is unexpected: it is logged and masked as INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorCode(StrEnum):
    """Every `extensions.code` a GraphQL error can carry, with what it tells a client."""

    description: str

    def __new__(cls, value: str, description: str) -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    GRAPHQL_PARSE_FAILED = (
        "GRAPHQL_PARSE_FAILED",
        "The document is not GraphQL (a syntax error), or has more than `GRAPHQL_MAX_TOKENS` tokens. Nothing ran.",
    )
    GRAPHQL_VALIDATION_FAILED = (
        "GRAPHQL_VALIDATION_FAILED",
        "The document does not fit the schema (an unknown field, a literal of the wrong type, an undefined"
        " variable) or breaks a limit checked while validating: depth (`GRAPHQL_MAX_DEPTH`), aliases"
        " (`GRAPHQL_MAX_ALIASES`), introspection where it is off. Nothing ran.",
    )
    PERSISTED_QUERY_NOT_FOUND = (
        "PERSISTED_QUERY_NOT_FOUND",
        "Automatic persisted queries: the server does not hold the document of that `sha256Hash`;"
        " send the request again with the document and its hash (Apollo's PersistedQueryLink does).",
    )
    PERSISTED_QUERY_NOT_SUPPORTED = (
        "PERSISTED_QUERY_NOT_SUPPORTED",
        "The request's `extensions.persistedQuery` has a version other than 1 (a malformed hash, or a"
        " document that does not match its hash, is BAD_USER_INPUT).",
    )
    TRUSTED_DOCUMENT_REQUIRED = (
        "TRUSTED_DOCUMENT_REQUIRED",
        "`TRUSTED_DOCUMENTS` is on: only the operations of the project's `graphql/` folder (by document or"
        " hash) are accepted. Nothing ran.",
    )
    BAD_USER_INPUT = (
        "BAD_USER_INPUT",
        "Input the server cannot use: an unreadable request (JSON, method, content type, a body over"
        " `MAX_BODY_BYTES`), a variable of the wrong type, a malformed id or cursor, a page size out of range,"
        " a value out of bounds (a password, a search), or something already done (a second vote).",
    )
    UNAUTHENTICATED = (
        "UNAUTHENTICATED",
        "The operation needs a signed-in user, or the bearer token is malformed, expired or revoked: sign in.",
    )
    FORBIDDEN = (
        "FORBIDDEN",
        "Signed in but not allowed: voting and suggesting have closed, or a per-setlist cap is reached.",
    )
    NOT_FOUND = (
        "NOT_FOUND",
        "The id names nothing where the operation needs an object (a vote for a removed song);"
        " fields that look an id up answer null instead.",
    )
    RATE_LIMITED = (
        "RATE_LIMITED",
        "Too many requests: wait `extensions.retryAfter` seconds before trying again.",
    )
    UPSTREAM_UNAVAILABLE = (
        "UPSTREAM_UNAVAILABLE",
        "Spotify, Ticketmaster, the database or live updates cannot be reached: try again shortly.",
    )
    INTERNAL_SERVER_ERROR = (
        "INTERNAL_SERVER_ERROR",
        "A fault on the server: the message is masked and the details are logged.",
    )


def error_code_table() -> str:
    """The codes as a Markdown table (the README's and the schema description's)."""
    rows = [f"| `{code.value}` | {code.description} |" for code in ErrorCode]
    return "\n".join(["| code | meaning |", "|---|---|", *rows])


class AppError(Exception):
    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code.value}


class BadUserInput(AppError):
    code = ErrorCode.BAD_USER_INPUT


class NotFound(AppError):
    code = ErrorCode.NOT_FOUND


class Unauthenticated(AppError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(AppError):
    code = ErrorCode.FORBIDDEN


class VoteBudgetSpent(Forbidden):
    """Every one of the fan's votes of this show is cast: unvote a song to vote for another."""

    def __init__(self, votes_per_show: int) -> None:
        super().__init__(
            f"You have cast all {votes_per_show} votes a fan has per show: take one back to vote for another song"
        )
        self.votes_per_show = votes_per_show

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "reason": "VOTE_BUDGET_SPENT", "votesPerShow": self.votes_per_show}


class RateLimited(AppError):
    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code.value, "retryAfter": round(self.retry_after, 1)}


class TemporarilyUnavailable(AppError):
    """A vendor, the database or live updates cannot be reached (the API's face of app.clients.errors.UpstreamError)."""

    code = ErrorCode.UPSTREAM_UNAVAILABLE


class PersistedQueryNotFound(AppError):
    """Apollo's APQ: the hash is unknown here; the client retries with the document (and its hash)."""

    code = ErrorCode.PERSISTED_QUERY_NOT_FOUND


class PersistedQueryNotSupported(AppError):
    code = ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED


class TrustedDocumentRequired(AppError):
    code = ErrorCode.TRUSTED_DOCUMENT_REQUIRED
