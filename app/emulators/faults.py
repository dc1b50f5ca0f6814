"""Switchable faults, request statistics and the `/_emulator/*` control endpoints shared by both emulators.

Faults are "next N requests" counters rather than random rates wherever possible, so tests are repeatable.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class FaultSettings(BaseModel):
    """Faults to inject; mutate in place (in-process) or POST a partial JSON to `/_emulator/faults`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # Only requests whose path contains this substring are affected (None: every API request).
    path_contains: str | None = None
    # Server errors: the next N requests fail with `fail_status`; plus an optional seeded random rate.
    fail_next_n: int = Field(default=0, ge=0)
    fail_status: Literal[500, 502, 503] = 503
    status_5xx_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    # Rate-limit storm: the next N requests get a 429 whatever the real limiter says.
    rate_limit_next_n: int = Field(default=0, ge=0)
    rate_limit_kind: Literal["spike", "quota"] = "spike"  # Ticketmaster: which Apigee fault the storm sends
    retry_after_seconds: int = Field(default=2, ge=0)  # Spotify storm; real values reach 83,276 s (B.4)
    empty_429_body: bool = False  # Spotify's observed `{}` body variant (B.4)
    quota_exhausted: bool = False  # Ticketmaster: every request gets QuotaViolation until cleared
    # Latency: every response is delayed; a hang sleeps far beyond any sane client timeout.
    slow_seconds: float = Field(default=0.0, ge=0.0)
    hang: bool = False
    hang_next_n: int = Field(default=0, ge=0)
    hang_seconds: float = Field(default=3600.0, ge=0.0)
    # 200 with a truncated JSON body.
    malformed_json_next_n: int = Field(default=0, ge=0)
    # Spotify: an action, not a state -- every issued token expires, then the flag clears itself.
    expire_tokens_now: bool = False
    # Ticketmaster: shuffle ties under `sort=date,*` per request, as the live API does at page boundaries (A.3).
    unstable_date_sort: bool = False


class FaultInjector:
    """Holds the settings object (kept by identity so in-process callers can mutate it) and consumes counters."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self.settings = settings if settings is not None else FaultSettings()
        self._rng = random.Random(0)

    def update(self, patch: dict[str, Any]) -> None:
        """Merge a partial settings dict (validated as a whole before anything changes)."""
        merged = FaultSettings.model_validate({**self.settings.model_dump(), **patch})
        for name in patch:
            setattr(self.settings, name, getattr(merged, name))

    def reset(self) -> None:
        """Back to no faults at all."""
        for name, value in FaultSettings().model_dump().items():
            setattr(self.settings, name, value)
        self._rng = random.Random(0)

    def applies_to(self, path: str) -> bool:
        """Whether faults target this request path."""
        wanted = self.settings.path_contains
        return wanted is None or wanted in path

    def _take(self, name: Literal["fail_next_n", "rate_limit_next_n", "hang_next_n", "malformed_json_next_n"]) -> bool:
        remaining: int = getattr(self.settings, name)
        if remaining <= 0:
            return False
        setattr(self.settings, name, remaining - 1)
        return True

    async def delay(self, request: Request) -> None:
        """Apply `slow_seconds`, then hang (returning early once the client has gone away)."""
        if self.settings.slow_seconds > 0:
            await asyncio.sleep(self.settings.slow_seconds)
        if self.settings.hang or self._take("hang_next_n"):
            deadline = time.monotonic() + self.settings.hang_seconds
            while time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                if await request.is_disconnected():
                    break

    def take_storm(self) -> bool:
        """Consume one storm 429, if any is pending."""
        return self._take("rate_limit_next_n")

    def take_failure(self) -> int | None:
        """The 5xx status to answer with now, or None."""
        if self._take("fail_next_n"):
            return self.settings.fail_status
        if self.settings.status_5xx_rate and self._rng.random() < self.settings.status_5xx_rate:
            return self.settings.fail_status
        return None

    def take_malformed(self) -> bool:
        """Consume one truncated-body fault, if any is pending."""
        return self._take("malformed_json_next_n")


def truncate_json(response: Response) -> Response:
    """The same response with its body cut in half: parsing it must fail."""
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
    return Response(bytes(response.body)[: len(response.body) // 2], response.status_code, headers, "application/json")


class RequestStats:
    """Counters the tests and demo read back: how hard did the client hit us, and how often did we say 429."""

    def __init__(self, window_seconds: float) -> None:
        self.window_seconds = window_seconds
        self.reset()

    def reset(self) -> None:
        """Forget everything."""
        self.requests = 0
        self.requests_by_path: Counter[str] = Counter()
        self.responses_by_status: Counter[int] = Counter()
        self.limit_violations = 0
        self.max_requests_in_any_window = 0
        self.min_gap_seconds: float | None = None
        self._recent: dict[str, deque[float]] = {}
        self._last: dict[str, float] = {}

    def arrival(self, path: str) -> None:
        """Count one API request (control endpoints are never counted)."""
        self.requests += 1
        self.requests_by_path[path] += 1

    def keyed(self, key: str, now: float) -> None:
        """Track one request by client key: sliding-window peak and smallest gap between two requests."""
        recent = self._recent.setdefault(key, deque())
        while recent and recent[0] <= now - self.window_seconds:
            recent.popleft()
        recent.append(now)
        self.max_requests_in_any_window = max(self.max_requests_in_any_window, len(recent))
        last = self._last.get(key)
        if last is not None:
            gap = now - last
            self.min_gap_seconds = gap if self.min_gap_seconds is None else min(self.min_gap_seconds, gap)
        self._last[key] = now

    def response(self, status: int) -> None:
        """Count one response; every 429 is a limit violation."""
        self.responses_by_status[status] += 1
        if status == 429:
            self.limit_violations += 1

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready counters."""
        return {
            "requests": self.requests,
            "requests_by_path": dict(self.requests_by_path),
            "responses_by_status": {str(k): v for k, v in sorted(self.responses_by_status.items())},
            "limit_violations": self.limit_violations,
            "window_seconds": self.window_seconds,
            "max_requests_in_any_window": self.max_requests_in_any_window,
            "min_gap_seconds": self.min_gap_seconds,
        }


class EmulatorState:
    """Per-app state on `app.state.emulator`: faults + stats; subclasses add limiter state."""

    def __init__(self, faults: FaultSettings | None, window_seconds: float) -> None:
        self.faults = FaultInjector(faults)
        self.stats = RequestStats(window_seconds)

    def reset(self) -> None:
        """Clear faults and counters."""
        self.faults.reset()
        self.stats.reset()

    def stats_snapshot(self) -> dict[str, Any]:
        """What `GET /_emulator/stats` returns."""
        return self.stats.snapshot()

    def world_summary(self) -> dict[str, Any]:
        """What `GET /_emulator/world` returns."""
        return {}


def control_routes(state: EmulatorState) -> list[Route]:
    """`/_emulator/stats|faults|reset|world`: never rate-limited, never counted."""

    async def stats(_: Request) -> Response:
        return JSONResponse(state.stats_snapshot())

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                patch = await request.json()
                if not isinstance(patch, dict):
                    raise TypeError("expected a JSON object")
                state.faults.update(patch)
            except (ValueError, TypeError, ValidationError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(state.faults.settings.model_dump())

    async def reset(_: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    async def world(_: Request) -> Response:
        return JSONResponse(state.world_summary())

    return [
        Route("/_emulator/stats", stats, methods=["GET"]),
        Route("/_emulator/faults", faults, methods=["GET", "POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/world", world, methods=["GET"]),
    ]
