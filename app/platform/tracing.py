"""Optional OpenTelemetry tracing: spans for HTTP requests, GraphQL operations, SQL, Redis and vendor calls.

Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; then spans go to that collector over OTLP/HTTP,
named for OTEL_SERVICE_NAME. Off costs nothing: this module is imported only when tracing is on,
and no middleware, extension or library patch is installed. The app factory (one per uvicorn
process) and the arq worker's startup each build one `Tracing`, which owns the tracer provider.

- HTTP: the ASGI instrumentation, for HTTP requests only (a websocket's lifetime is not a request;
  its GraphQL operations get their own spans). Probes and /metrics are left out.
- GraphQL: one span per operation (`mutation Vote`), none per field: a span for every resolved
  field would cost more than most fields do.
- SQL (asyncpg), Redis (redis-py) and vendor calls (httpx): the instrumentation packages, which
  patch those libraries for the whole process. Query parameters are not recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Tracer
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from app.errors import ErrorCode
from app.platform.observability import request_id_var
from app.settings import Settings

# Probes every few seconds and scrapes would drown the traces that matter.
UNTRACED_PATHS = "/healthz,/readyz,/metrics"


class Tracing:
    """One process' tracer provider and the instrumentation reporting to it."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self._instrumentors: list[Any] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> Tracing:
        """Spans batched to the OTLP/HTTP collector at OTEL_EXPORTER_OTLP_ENDPOINT."""
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        assert settings.otel_exporter_otlp_endpoint, "tracing is off without OTEL_EXPORTER_OTLP_ENDPOINT"
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: settings.otel_service_name}))
        # The variable is the collector's base URL, as in OpenTelemetry's own configuration.
        endpoint = f"{settings.otel_exporter_otlp_endpoint.rstrip('/')}/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        return cls(provider)

    def instrument_libraries(self) -> None:
        """Patch asyncpg, redis and httpx to report to this provider (once per process: later calls are no-ops)."""
        instrumentors = (
            AsyncPGInstrumentor(capture_parameters=False),  # type: ignore[no-untyped-call]  # unannotated __init__
            RedisInstrumentor(),
            HTTPXClientInstrumentor(),
        )
        for instrumentor in instrumentors:
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument(tracer_provider=self.provider)
                self._instrumentors.append(instrumentor)

    def middleware(self) -> Middleware:
        """The request-span middleware, to be the outermost one."""
        return Middleware(HttpSpans, tracer_provider=self.provider)

    def graphql_extension(self) -> Callable[[], SchemaExtension]:
        """A factory of the operation-span extension, for the schema's extensions."""
        tracer = self.provider.get_tracer("app.graphql")
        return lambda: OperationSpans(tracer)

    def flush(self) -> None:
        """Export the spans still batched (blocking: at most the exporter's timeout)."""
        self.provider.force_flush()

    def shutdown(self) -> None:
        """Undo the library patches this object made, and flush the spans still batched."""
        for instrumentor in self._instrumentors:
            instrumentor.uninstrument()
        self._instrumentors.clear()
        self.provider.shutdown()


class HttpSpans:
    """The ASGI instrumentation for HTTP requests; websockets pass straight through."""

    def __init__(self, app: ASGIApp, tracer_provider: TracerProvider) -> None:
        self.app = app
        self.traced = OpenTelemetryMiddleware(
            app, tracer_provider=tracer_provider, excluded_urls=UNTRACED_PATHS, exclude_spans=["receive", "send"]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.traced(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class OperationSpans(SchemaExtension):
    """One span per GraphQL operation, the current span while it runs (its SQL and Redis spans nest in it)."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def on_operation(self) -> Iterator[None]:
        with self.tracer.start_as_current_span("graphql", kind=SpanKind.INTERNAL) as span:
            yield
            context = self.execution_context
            try:
                kind = context.operation_type.value
            except RuntimeError:  # the document did not parse
                kind = "unknown"
            name = context.operation_name
            span.update_name(f"{kind} {name}" if name else kind)
            span.set_attribute("graphql.operation.type", kind)
            if name:
                span.set_attribute("graphql.operation.name", name[:64])
            span.set_attribute("theset.request_id", request_id_var.get())
            errors = getattr(context.result, "errors", None) or []
            if errors:
                unknown = ErrorCode.INTERNAL_SERVER_ERROR.value
                codes = [str((error.extensions or {}).get("code", unknown)) for error in errors]
                span.set_attribute("graphql.error_codes", codes)
