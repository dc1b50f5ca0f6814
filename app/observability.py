"""Logs, request ids and Prometheus metrics.

- Every log line carries the request id of the request (or job) it belongs to; production logs are
  JSON lines, development logs plain text.
- The request id comes from `X-Request-ID` when a proxy set one (a safe, short value), else a new
  one; it is echoed in the response header and in GraphQL responses' `extensions.requestId`.
- Metrics live in the default prometheus_client registry and are served at /metrics.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

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
ACTIVE_SUBSCRIBERS = Gauge("theset_active_subscribers", "Open vote-count subscriptions in this process")


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


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
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
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
            if scope["type"] == "http":
                HTTP_REQUESTS.labels(_route(scope["path"]), str(status["code"])).inc()
            request_id_var.reset(token)


def _route(path: str) -> str:
    # Bounded label values: unknown paths share one label.
    return path if path in ("/graphql", "/healthz", "/readyz", "/metrics") else "other"


class GraphQLMetrics(SchemaExtension):
    """Per-operation counts, latency and error codes; the request id in `extensions.requestId`."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = (context.operation_name or "anonymous")[:64]
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = "unknown"
        result = context.result
        errors = getattr(result, "errors", None) or []
        for error in errors:
            GRAPHQL_ERRORS.labels(name, str((error.extensions or {}).get("code", "INTERNAL"))).inc()
        GRAPHQL_OPERATIONS.labels(name, kind, "error" if errors else "ok").inc()
        GRAPHQL_LATENCY.labels(name).observe(time.perf_counter() - started)

    def get_results(self) -> dict[str, Any]:
        return {"requestId": request_id_var.get()}


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
