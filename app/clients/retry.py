"""One guarded HTTP call: breaker check, rate-limit slot, send, classify, retry with backoff.

A small loop rather than tenacity: each attempt must pass the breaker and the limiter, and a wait
longer than `max_sleep` turns into `UpstreamRateLimited` plus an opened breaker instead of a sleep;
written out, that reads more plainly than the same thing spread over tenacity callbacks.

Every attempt is counted in `theset_external_api_calls_total{api,outcome}` and every limiter wait in
`theset_rate_limit_wait_seconds{api}`, here, where all calls of both clients pass.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass

# httpx loads anyio's asyncio backend on a process's first request (70-170 ms measured here): load it
# now, or that first call leaves well after its rate-limit slot, close behind another process's call.
import anyio._backends._asyncio  # noqa: F401
import httpx
from redis.exceptions import RedisError

from app.clients.breaker import CircuitBreaker
from app.clients.errors import (
    CircuitOpen,
    EndpointRemoved,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from app.clients.ratelimit import RateLimiter, Sleep
from app.platform.observability import EXTERNAL_API_CALLS, RATE_LIMIT_WAIT

# Outcome label of an attempt that ended in an error, most specific class first (CALL_OUTCOMES).
_OUTCOMES: tuple[tuple[type[UpstreamError], str], ...] = (
    (UpstreamRateLimited, "rate_limited"),
    (UpstreamUnavailable, "unavailable"),
    (UpstreamNotFound, "not_found"),
    (UpstreamAuthError, "auth_error"),
    (EndpointRemoved, "endpoint_removed"),
    (UpstreamBadResponse, "bad_response"),
)


@dataclass
class CallStats:
    """Counters of the calls made inside one `counting_calls()` block (a sync job), journaled in sync_events."""

    api_calls: int = 0  # HTTP requests actually sent (token requests and auth re-sends included)
    rate_limit_wait_seconds: float = 0.0  # time spent waiting for our own limiter's slots
    retries: int = 0  # attempts after the first, for any retryable reason

    def as_dict(self) -> dict[str, float]:
        """The counters as a plain dict."""
        return asdict(self)


# The counters of the job running in this context: clients live as long as their process and serve
# every job and request at once, so a job's figures cannot be a client's.
_current_stats: ContextVar[CallStats | None] = ContextVar("theset_call_stats", default=None)


@contextmanager
def counting_calls() -> Iterator[CallStats]:
    """Count the vendor calls made in this block (and in tasks it starts) into a fresh CallStats."""
    stats = CallStats()
    token = _current_stats.set(stats)
    try:
        yield stats
    finally:
        _current_stats.reset(token)


def call_stats() -> CallStats:
    """The counters of the current `counting_calls()` block; a throwaway one outside any."""
    return _current_stats.get() or CallStats()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    # Longest server-requested wait we sleep through; longer ones raise UpstreamRateLimited so the
    # job defers itself (Spotify has answered Retry-After of 83,276 s; sleeping that long hangs workers).
    max_sleep: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter for retry number `attempt` (1-based)."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class Retryable(Exception):
    """Raised by a response classifier: retry after `wait` seconds (None: backoff), else raise `error`."""

    def __init__(
        self,
        error: UpstreamError,
        *,
        wait: float | None = None,
        breaker_failure: bool = False,
        outcome: str | None = None,
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait
        self.breaker_failure = breaker_failure
        # The metric label when the error class alone does not say it (timeouts, connection errors).
        self.outcome = outcome or _outcome(error)


def _outcome(error: UpstreamError) -> str:
    return next((label for kind, label in _OUTCOMES if isinstance(error, kind)), "rejected")


Classifier = Callable[[httpx.Response], None]


class Guard:
    """Runs calls through the breaker, the limiter and the retry policy, counting into the current `call_stats()`."""

    def __init__(
        self,
        service: str,
        *,
        limiter: RateLimiter,
        breaker: CircuitBreaker,
        policy: RetryPolicy,
        redact: Callable[[str], str],
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.service = service
        self.limiter = limiter
        self.breaker = breaker
        self.policy = policy
        self._redact = redact
        self._sleep = sleep
        self._waits = RATE_LIMIT_WAIT.labels(service)

    async def call(self, send: Callable[[], Awaitable[httpx.Response]], classify: Classifier) -> httpx.Response:
        """Send until `classify` accepts the response; raise an `UpstreamError` otherwise."""
        try:
            return await self._call(send, classify)
        except (RedisError, OSError) as error:  # httpx's own errors never get here (`_attempt`)
            # The shared limiter or breaker lives in Redis. Without it nothing is sent (the quota is
            # every process's), and callers see the vendor as unavailable: look-ups answer from their
            # last-good copy, new setlists are filled later, jobs journal the failure.
            self._count("limiter_unavailable")
            reason = f"shared rate limiter unreachable: {type(error).__name__}"
            raise UpstreamUnavailable(self.service, reason) from None

    async def _call(self, send: Callable[[], Awaitable[httpx.Response]], classify: Classifier) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                trial = await self.breaker.before_call()
            except CircuitOpen:
                self._count("circuit_open")
                raise
            waited = await self.limiter.acquire()
            self._waits.observe(waited)
            stats = call_stats()
            stats.rate_limit_wait_seconds += waited
            stats.api_calls += 1
            try:
                outcome = await self._attempt(send, classify)
            except asyncio.CancelledError:
                # The caller gave up waiting (a look-up's deadline): to the breaker, a call that did
                # not answer. Else a hanging vendor never opens it, and a cancelled half-open trial
                # would keep its slot (every caller refused) until the trial timeout.
                self._count("cancelled")
                await asyncio.shield(self.breaker.record_failure(trial))
                raise
            if isinstance(outcome, httpx.Response):
                self._count("ok")
                await self.breaker.record_success(trial)
                return outcome
            if isinstance(outcome, Retryable):
                self._count(outcome.outcome)
                retry = outcome
            else:
                # A definite answer (404, 401, bad body...): the service itself is up.
                self._count(_outcome(outcome))
                await self.breaker.record_success(trial)
                raise outcome
            if retry.breaker_failure:
                await self.breaker.record_failure(trial)
            else:
                await self.breaker.record_success(trial)
            if retry.wait is not None and retry.wait > self.policy.max_sleep:
                await self.breaker.open_for(retry.wait)
                raise UpstreamRateLimited(self.service, retry.wait, retry.error.message)
            if attempt >= self.policy.max_attempts:
                raise retry.error
            call_stats().retries += 1
            await self._sleep(retry.wait if retry.wait is not None else self.policy.backoff(attempt))

    async def _attempt(
        self, send: Callable[[], Awaitable[httpx.Response]], classify: Classifier
    ) -> httpx.Response | Retryable | UpstreamError:
        # Errors are returned, not raised, so that the raised UpstreamError carries no __context__
        # pointing at an httpx exception whose request URL holds the Ticketmaster API key.
        try:
            response = await send()
            classify(response)
        except Retryable as retry:
            return retry
        except UpstreamUnavailable as exc:  # e.g. the Spotify token endpoint answered 5xx
            return Retryable(exc, breaker_failure=True)
        except UpstreamError as exc:
            return exc
        except httpx.TimeoutException as exc:
            return Retryable(self._error(UpstreamUnavailable, "timeout", exc), breaker_failure=True, outcome="timeout")
        except httpx.TransportError as exc:
            return Retryable(
                self._error(UpstreamUnavailable, "connection error", exc),
                breaker_failure=True,
                outcome="connection_error",
            )
        except httpx.HTTPError as exc:
            return self._error(UpstreamBadResponse, "HTTP error", exc)
        return response

    def _count(self, outcome: str) -> None:
        EXTERNAL_API_CALLS.labels(self.service, outcome).inc()

    def _error(self, kind: type[UpstreamError], what: str, exc: Exception) -> UpstreamError:
        return kind(self.service, self._redact(f"{what}: {type(exc).__name__}: {exc}"))
