"""Exceptions raised by the outbound API clients; callers never see raw httpx errors.

    UpstreamError                  any failure talking to Ticketmaster, Spotify or setlist.fm
    ├── UpstreamUnavailable        5xx after retries, timeouts, connection errors: defer and retry later
    │   └── CircuitOpen            the shared breaker is open: no request was sent (see `retry_at`)
    ├── UpstreamRateLimited        a wait longer than we sleep through (TM quota, long Spotify Retry-After)
    │   └── DailyQuotaExhausted    setlist.fm: today's budget or quota is spent; defer to `resets_at`, no retry
    ├── UpstreamBadResponse        the body is not JSON or does not match the expected shape
    ├── UpstreamNotFound           the resource does not exist (TM DIS1004, Spotify 404)
    ├── UpstreamAuthError          bad API key or client credentials: a configuration problem
    ├── UpstreamRejected           a 4xx we do not retry (e.g. TM DIS1035 paging depth): a bug on our side
    └── EndpointRemoved            Spotify development-mode app: the endpoint is gone since Feb 2026

Messages never contain secrets: the Ticketmaster quota 429 echoes the API key, so clients pass every
upstream text through `redact` before it reaches an exception or a log line.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import UTC, datetime

_REDACTED = "***"


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every non-empty secret replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return text


class UpstreamError(Exception):
    """Base class: `service` is "ticketmaster", "spotify" or "setlistfm"."""

    def __init__(self, service: str, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.message = message
        self.status = status
        self.code = code


class UpstreamUnavailable(UpstreamError):
    """The service failed or did not answer; worth retrying later."""


class CircuitOpen(UpstreamUnavailable):
    """Fail-fast: the breaker shared by all processes is open until `retry_at`."""

    def __init__(self, service: str, retry_at: datetime) -> None:
        super().__init__(service, f"circuit open until {retry_at.isoformat()}")
        self.retry_at = retry_at

    @property
    def retry_after_seconds(self) -> float:
        return max(0.0, (self.retry_at - datetime.now(UTC)).total_seconds())


class UpstreamRateLimited(UpstreamError):
    """The service asks us to wait `retry_after_seconds`, longer than a caller should sleep."""

    def __init__(self, service: str, retry_after_seconds: float, message: str = "rate limited") -> None:
        super().__init__(service, message, status=429)
        self.args = (f"{service}: {message} (retry after {retry_after_seconds:.0f}s)",)
        self.retry_after_seconds = retry_after_seconds


class DailyQuotaExhausted(UpstreamRateLimited):
    """No more calls today: our daily budget is spent (nothing was sent) or the vendor said its quota is.

    Never retried within the day; `resets_at` is when our budget starts afresh (the next UTC midnight).
    """

    def __init__(self, service: str, resets_at: datetime, message: str, *, by_vendor: bool = False) -> None:
        wait = max(0.0, (resets_at - datetime.now(UTC)).total_seconds())
        super().__init__(service, wait, message)
        self.resets_at = resets_at
        self.by_vendor = by_vendor  # True: the vendor answered 429 "Limit Exceeded"; False: refused before sending


class UpstreamBadResponse(UpstreamError):
    """The response could not be parsed into the expected model."""


class UpstreamNotFound(UpstreamError):
    """The requested resource does not exist upstream."""


class UpstreamAuthError(UpstreamError):
    """The API key or client credentials were refused."""


class UpstreamRejected(UpstreamError):
    """The service refused the request as invalid (a non-retryable 4xx)."""


class EndpointRemoved(UpstreamError):
    """The endpoint is not available to this app (Spotify development mode since Feb 2026)."""


def defer_seconds(error: UpstreamError, *, default: float = 60.0) -> float | None:
    """How long a job should defer itself after `error`, or None when retrying cannot help."""
    if isinstance(error, UpstreamRateLimited):
        return max(1.0, math.ceil(error.retry_after_seconds))
    if isinstance(error, CircuitOpen):
        return max(1.0, math.ceil(error.retry_after_seconds))
    if isinstance(error, UpstreamUnavailable):
        return default
    return None


class _RedactingFilter(logging.Filter):
    """Rewrites log records that mention a secret (httpx logs every request URL at INFO)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_log_filter = _RedactingFilter()


def hide_in_logs(secret: str, loggers: Iterable[str] = ("httpx",)) -> None:
    """Redact `secret` from every record of the named loggers (idempotent)."""
    if not secret:
        return
    _log_filter.secrets.add(secret)
    for name in loggers:
        logger = logging.getLogger(name)
        if _log_filter not in logger.filters:
            logger.addFilter(_log_filter)
