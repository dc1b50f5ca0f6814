"""One guarded HTTP call: breaker check, rate-limit slot, send, classify, retry with backoff.

A small loop rather than tenacity: each attempt must pass the breaker and the limiter, and a wait
longer than `max_sleep` turns into `UpstreamRateLimited` plus an opened breaker instead of a sleep;
written out, that reads more plainly than the same thing spread over tenacity callbacks.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass

# httpx loads anyio's asyncio backend on a process's first request (70-170 ms measured here): load it
# now, or that first call leaves well after its rate-limit slot, close behind another process's call.
import anyio._backends._asyncio  # noqa: F401
import httpx

from app.clients.breaker import CircuitBreaker
from app.clients.errors import UpstreamBadResponse, UpstreamError, UpstreamRateLimited, UpstreamUnavailable
from app.clients.ratelimit import RateLimiter, Sleep


@dataclass
class CallStats:
    """Counters of one client instance, recorded by the sync jobs in sync_events."""

    api_calls: int = 0  # HTTP requests actually sent (token requests and auth re-sends included)
    rate_limit_wait_seconds: float = 0.0  # time spent waiting for our own limiter's slots
    retries: int = 0  # attempts after the first, for any retryable reason

    def as_dict(self) -> dict[str, float]:
        """The counters as a plain dict."""
        return asdict(self)


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

    def __init__(self, error: UpstreamError, *, wait: float | None = None, breaker_failure: bool = False) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait
        self.breaker_failure = breaker_failure


Classifier = Callable[[httpx.Response], None]


class Guard:
    """Runs calls through the breaker, the limiter and the retry policy, counting into `stats`."""

    def __init__(
        self,
        service: str,
        *,
        limiter: RateLimiter,
        breaker: CircuitBreaker,
        policy: RetryPolicy,
        stats: CallStats,
        redact: Callable[[str], str],
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.service = service
        self.limiter = limiter
        self.breaker = breaker
        self.policy = policy
        self.stats = stats
        self._redact = redact
        self._sleep = sleep

    async def call(self, send: Callable[[], Awaitable[httpx.Response]], classify: Classifier) -> httpx.Response:
        """Send until `classify` accepts the response; raise an `UpstreamError` otherwise."""
        attempt = 0
        while True:
            attempt += 1
            trial = await self.breaker.before_call()
            self.stats.rate_limit_wait_seconds += await self.limiter.acquire()
            self.stats.api_calls += 1
            outcome = await self._attempt(send, classify)
            if isinstance(outcome, httpx.Response):
                await self.breaker.record_success(trial)
                return outcome
            if isinstance(outcome, Retryable):
                retry = outcome
            else:
                # A definite answer (404, 401, bad body...): the service itself is up.
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
            self.stats.retries += 1
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
            return Retryable(self._error(UpstreamUnavailable, "timeout", exc), breaker_failure=True)
        except httpx.TransportError as exc:
            return Retryable(self._error(UpstreamUnavailable, "connection error", exc), breaker_failure=True)
        except httpx.HTTPError as exc:
            return self._error(UpstreamBadResponse, "HTTP error", exc)
        return response

    def _error(self, kind: type[UpstreamError], what: str, exc: Exception) -> UpstreamError:
        return kind(self.service, self._redact(f"{what}: {type(exc).__name__}: {exc}"))
