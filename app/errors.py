"""Errors the services raise on purpose; the API turns each into a GraphQL error with a stable code.

AppError
 ├── BadUserInput        BAD_USER_INPUT       malformed or out-of-range input
 ├── NotFound            NOT_FOUND            no such object (or an id of the wrong type)
 ├── Unauthenticated     UNAUTHENTICATED      no, expired, revoked or forged token
 ├── Forbidden           FORBIDDEN            signed in, but not allowed (e.g. voting closed)
 │    └── VoteBudgetSpent FORBIDDEN, reason VOTE_BUDGET_SPENT: the fan's VOTES_PER_SHOW votes are all cast
 ├── RateLimited         RATE_LIMITED         too many requests; carries retry_after seconds
 └── UpstreamUnavailable UPSTREAM_UNAVAILABLE Spotify, Ticketmaster or a database is unreachable

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
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "retryAfter": round(self.retry_after, 1)}


class UpstreamUnavailable(AppError):
    code = "UPSTREAM_UNAVAILABLE"
