"""Logs, request ids and Prometheus metrics.

- Every log line carries the request id of the request (or job) it belongs to; production logs are
  JSON lines, development logs plain text.
- The request id comes from `X-Request-ID` when a proxy set one (a safe, short value), else a new
  one; it is echoed in the response header, and in the `extensions.requestId` of GraphQL responses
  with errors (a successful read stays the same bytes for everyone, so caches can share it).
- Metrics live in the default prometheus_client registry and are served at /metrics; an arq worker
  serves the same registry on WORKER_METRICS_PORT (`serve_metrics`), since it makes most API calls.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import time
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any, Final
from wsgiref.simple_server import WSGIServer

from graphql import GraphQLError
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest, start_http_server
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from app.errors import ErrorCode

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

GRAPHQL_OPERATIONS = Counter(
    "theset_graphql_operations_total", "GraphQL operations by name, type and outcome", ["operation", "type", "outcome"]
)
GRAPHQL_ERRORS = Counter("theset_graphql_errors_total", "GraphQL errors by operation and code", ["operation", "code"])
GRAPHQL_LATENCY = Histogram(
    "theset_graphql_operation_seconds",
    "GraphQL operation latency (parse to result)",
    ["operation"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
HTTP_REQUESTS = Counter("theset_http_requests_total", "HTTP requests by route and status", ["route", "status"])
VOTES = Counter("theset_votes_total", "Vote changes committed", ["kind"])
# Each kind's child, looked up once: `labels()` validates and locks on every call of the vote path.
VOTES_BY_KIND: Final = MappingProxyType({kind: VOTES.labels(kind) for kind in ("vote", "unvote")})
ACTIVE_SUBSCRIBERS = Gauge("theset_active_subscribers", "Open vote-count subscriptions in this process")

# Live fan-out. Across processes the lag compares two hosts' wall clocks (NTP keeps them within ms).
FANOUT_LAG = Histogram(
    "theset_fanout_lag_seconds",
    "Seconds from a vote change's publish to its payload being handed to subscribers' sockets",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

# Outbound API calls (app.clients). Label values are bounded: `api` is a client's SERVICE
# ("ticketmaster" | "spotify"), `outcome` one of CALL_OUTCOMES.
CALL_OUTCOMES: Final = (
    "ok",  # a response the client accepted
    "rate_limited",  # 429 (Spotify Retry-After, Ticketmaster spike arrest or quota)
    "unavailable",  # 5xx
    "timeout",
    "connection_error",
    "not_found",  # 404 / DIS1004: the service is up
    "auth_error",  # credentials refused: a configuration problem
    "endpoint_removed",  # Spotify development-mode app
    "bad_response",  # unparseable body
    "rejected",  # any other 4xx
    "circuit_open",  # refused by the open breaker: nothing was sent
    "cancelled",  # the caller stopped waiting (a look-up's deadline): counted as a failure
    "limiter_unavailable",  # Redis (the shared limiter and breaker) unreachable: nothing was sent
)
EXTERNAL_API_CALLS = Counter(
    "theset_external_api_calls_total",
    "Ticketmaster/Spotify requests by outcome, one per attempt (retries count again; circuit_open: none sent)",
    ["api", "outcome"],
)
RATE_LIMIT_WAIT = Histogram(
    "theset_rate_limit_wait_seconds",
    "Seconds a call waited for its slot of the shared rate limiter (0 when one was free)",
    ["api"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
# Breaker state as a number, so one panel can plot it and alert on `== 2`.
BREAKER_CLOSED, BREAKER_HALF_OPEN, BREAKER_OPEN = 0, 1, 2
BREAKER_STATE = Gauge(
    "theset_circuit_breaker_state",
    "Circuit breaker state this process last saw (shared in Redis): 0 closed, 1 half-open, 2 open",
    ["api"],
)
BREAKER_TRANSITIONS = Counter(
    "theset_circuit_breaker_transitions_total",
    "Breaker transitions this process made, by the state entered (open, half_open, closed)",
    ["api", "state"],
)

# Ticketmaster events left out because their own data says they are no show of ours (`reason`:
# not_music, no_attractions, no_venue, no_date, unpopular, malformed), by where they came in
# (`source`: sync_tours, search_events).
EVENTS_SKIPPED = Counter(
    "theset_ticketmaster_events_skipped_total",
    "Ticketmaster events not imported or listed, by reason",
    ["source", "reason"],
)

# Sync health, read from the sync journal at each scrape of the API's /metrics (app.catalog.health):
# every process's runs count, whichever process ran them.
SYNC_LAST_SUCCESS_AGE = Gauge(
    "theset_sync_last_success_age_seconds",
    "Seconds since each sync job's last successful run (+Inf when it never succeeded)",
    ["job"],
)
SYNC_STATUS = Gauge(
    "theset_sync_status", "1 for each sync job's current health status, 0 for the others", ["job", "status"]
)

logger = logging.getLogger(__name__)


def observe_fanout_lag(published_at: float | None) -> None:
    """Record one change's fan-out lag; messages without `published_at` (older publishers) are skipped."""
    if published_at is not None:
        # Clock skew between hosts can make it negative: count it as no lag rather than drop it.
        FANOUT_LAG.observe(max(0.0, time.time() - published_at))


def serve_metrics(port: int, addr: str = "0.0.0.0") -> WSGIServer | None:
    """Serve this process' registry on `port` (a thread); None when the port cannot be bound.

    A busy port (two workers on one host with the same setting) is logged, not fatal: the worker's
    jobs matter more than its metrics, and the scrape target going down is what alerts.
    """
    try:
        server, _thread = start_http_server(port, addr)
    except OSError as error:
        logger.error("Metrics not served: cannot listen on %s:%s (%s); set WORKER_METRICS_PORT", addr, port, error)
        return None
    logger.info("Metrics served at http://%s:%s/metrics", addr, port)
    return server


def new_request_id() -> str:
    return secrets.token_hex(8)  # 16 random hex digits, without building a UUID on every request


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: what log shippers want in production."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    """Root logging: JSON lines or plain text, each with the request id."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class RequestIdMiddleware:
    """Gives each HTTP request and websocket a request id (pure ASGI: no buffering of bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = next((value for name, value in scope["headers"] if name == b"x-request-id"), b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        if scope["type"] == "websocket":
            # Its messages go out untouched: no wrapper on every frame a live subscriber is sent.
            try:
                await self.app(scope, receive, send)
            finally:
                request_id_var.reset(token)
            return
        status = {"code": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            HTTP_REQUESTS.labels(_route(scope["path"]), str(status["code"])).inc()
            request_id_var.reset(token)


def _route(path: str) -> str:
    # Bounded label values: unknown paths share one label.
    return path if path in ("/graphql", "/healthz", "/readyz", "/metrics") else "other"


# Operation names come from clients: the first MAX_OPERATION_NAMES distinct names get series of
# their own, later ones share "other", so a client inventing names cannot grow the registry forever.
MAX_OPERATION_NAMES = 200


class OperationLabels:
    """The `operation` label values of one schema's operations (bounded cardinality); the schema owns it."""

    def __init__(self, max_names: int = MAX_OPERATION_NAMES) -> None:
        self._max = max_names
        self._names: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        name = name[:64]
        if name not in self._names:
            if len(self._names) >= self._max:
                return "other"
            self._names.add(name)
        return name


def record_operation(
    labels: OperationLabels, operation_name: str | None, kind: str, errors: list[GraphQLError], seconds: float
) -> None:
    """Count one GraphQL operation (its errors by code) and its latency."""
    name = labels.label(operation_name)
    for error in errors:
        code = (error.extensions or {}).get("code", ErrorCode.INTERNAL_SERVER_ERROR.value)
        GRAPHQL_ERRORS.labels(name, str(code)).inc()
    GRAPHQL_OPERATIONS.labels(name, kind, "error" if errors else "ok").inc()
    GRAPHQL_LATENCY.labels(name).observe(seconds)


class GraphQLMetrics(SchemaExtension):
    """Per-operation counts, latency and error codes."""

    def __init__(self, labels: OperationLabels) -> None:
        super().__init__()
        self._labels = labels

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = "unknown"
        errors = getattr(context.result, "errors", None) or []
        record_operation(self._labels, context.operation_name, kind, errors, time.perf_counter() - started)


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
