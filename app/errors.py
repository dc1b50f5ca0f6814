"""Errors the services raise on purpose; the API turns each into a GraphQL error with a stable code.

AppError
 ├── BadUserInput        BAD_USER_INPUT       malformed or out-of-range input
 ├── NotFound            NOT_FOUND            no such object (or an id of the wrong type)
 ├── Unauthenticated     UNAUTHENTICATED      no, expired, revoked or forged token
 ├── Forbidden           FORBIDDEN            signed in, but not allowed (e.g. voting closed)
 ├── RateLimited         RATE_LIMITED         too many requests; carries retry_after seconds
 ├── UpstreamUnavailable UPSTREAM_UNAVAILABLE Spotify, Ticketmaster or a database is unreachable
 ├── PersistedQueryNotFound    PERSISTED_QUERY_NOT_FOUND     an APQ hash this process does not know: send the query
 ├── PersistedQueryNotSupported PERSISTED_QUERY_NOT_SUPPORTED an APQ version other than 1
 └── TrustedDocumentRequired   TRUSTED_DOCUMENT_REQUIRED     trusted-documents mode: not one of graphql/*.graphql

Anything else is unexpected: it is logged and masked as INTERNAL.
"""

from __future__ import annotations

from typing import ClassVar


class AppError(Exception):
    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code}


class BadUserInput(AppError):
    code = "BAD_USER_INPUT"


class NotFound(AppError):
    code = "NOT_FOUND"


class Unauthenticated(AppError):
    code = "UNAUTHENTICATED"


class Forbidden(AppError):
    code = "FORBIDDEN"


class RateLimited(AppError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "retryAfter": round(self.retry_after, 1)}


class UpstreamUnavailable(AppError):
    code = "UPSTREAM_UNAVAILABLE"


class PersistedQueryNotFound(AppError):
    """Apollo's APQ: the hash is unknown here; the client retries with the document (and its hash)."""

    code = "PERSISTED_QUERY_NOT_FOUND"


class PersistedQueryNotSupported(AppError):
    code = "PERSISTED_QUERY_NOT_SUPPORTED"


class TrustedDocumentRequired(AppError):
    code = "TRUSTED_DOCUMENT_REQUIRED"
