"""Tracing: a vote over real HTTP produces its request, GraphQL operation, SQL and Redis spans; off adds nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from factories import make_setlist, make_setlist_song, make_show, make_token, make_user
from graphql_client import document
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from servers import serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api.ids import encode_id
from app.emulators.server import running_server
from app.main import create_app
from app.platform.tracing import HttpSpans, OperationSpans, Tracing
from app.settings import Settings


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced_url(settings: Settings, redis_url: str, exporter: InMemorySpanExporter) -> AsyncIterator[str]:
    """The app with Redis and tracing into `exporter`, on a real socket; the library patches undone after."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing = Tracing(provider)
    try:
        app = create_app(settings.model_copy(update={"redis_url": redis_url}), tracing=tracing)
        async with app.router.lifespan_context(app), running_server(app) as url:
            yield url
    finally:
        tracing.shutdown()


def _in_trace_of(span: ReadableSpan, spans: list[ReadableSpan]) -> bool:
    assert span.context is not None
    trace_ids = {s.context.trace_id for s in spans if s.context is not None}
    return span.context.trace_id in trace_ids


async def test_one_vote_produces_its_request_operation_sql_and_redis_spans(
    traced_url: str, exporter: InMemorySpanExporter, db: None
) -> None:
    entry = await make_setlist_song(await make_setlist(await make_show()))
    token = await make_token(await make_user())
    exporter.clear()  # the set-up's own SQL

    async with httpx.AsyncClient(base_url=traced_url) as http:
        response = await http.post(
            "/graphql",
            json={"query": document("Vote"), "variables": {"setlistSongId": encode_id("SetlistSong", entry.id)}},
            headers={"authorization": f"Bearer {token}"},
        )
    assert response.json()["data"]["vote"]["votes"] == 1

    spans = list(exporter.get_finished_spans())
    requests = [s for s in spans if s.kind == SpanKind.SERVER and s.name.startswith("POST")]
    assert len(requests) == 1, [s.name for s in spans]
    request = requests[0]
    assert request.context is not None
    in_request = [s for s in spans if s.context is not None and s.context.trace_id == request.context.trace_id]
    operation = next(s for s in in_request if s.name == "mutation Vote")
    assert operation.context is not None
    assert operation.parent is not None
    assert operation.parent.span_id == request.context.span_id
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.name"] == "Vote"
    sql = [s for s in in_request if s.attributes and s.attributes.get("db.system") == "postgresql"]
    assert sql, [s.name for s in in_request]
    # The operation is the current span while resolvers run: their queries nest in it.
    assert any(s.parent is not None and s.parent.span_id == operation.context.span_id for s in sql)
    assert any(s.attributes and s.attributes.get("db.system") == "redis" for s in in_request), [
        s.name for s in in_request
    ]


async def test_probes_are_not_traced(traced_url: str, exporter: InMemorySpanExporter) -> None:
    async with httpx.AsyncClient(base_url=traced_url) as http:
        await http.get("/healthz")

    assert [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER] == []


def test_tracing_off_adds_no_middleware_and_no_extension(settings: Settings) -> None:
    assert settings.otel_exporter_otlp_endpoint is None
    app = create_app(settings)

    assert all(middleware.cls is not HttpSpans for middleware in app.user_middleware)
    graphql_route = next(route for route in app.routes if getattr(route, "path", None) == "/graphql")
    schema = graphql_route.endpoint.schema  # type: ignore[attr-defined]
    assert all(not isinstance(factory(), OperationSpans) for factory in schema.extensions)
    assert not AsyncPGInstrumentor().is_instrumented_by_opentelemetry
    assert not RedisInstrumentor().is_instrumented_by_opentelemetry
    assert not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry


@pytest.mark.slow
async def test_serve_with_an_otlp_endpoint_exports_its_spans_there(postgres_url: str, tmp_path: Path) -> None:
    received: list[bytes] = []

    async def traces(request: Request) -> Response:
        received.append(await request.body())
        return Response(ExportTraceServiceResponse().SerializeToString(), media_type="application/x-protobuf")

    collector = Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
    async with running_server(collector) as collector_url:
        log = tmp_path / "serve.log"
        async with serving(log, DATABASE_URL=postgres_url, OTEL_EXPORTER_OTLP_ENDPOINT=collector_url) as http:
            answer = await http.post("/graphql", json={"query": "query Probe { __typename }"})
        # Stopped: the process flushed its batched spans on the way out.
    assert answer.status_code == 200, log.read_text()

    exported = [ExportTraceServiceRequest.FromString(body) for body in received]
    services = {
        attribute.value.string_value
        for request in exported
        for resource_spans in request.resource_spans
        for attribute in resource_spans.resource.attributes
        if attribute.key == "service.name"
    }
    names = {
        span.name
        for request in exported
        for resource_spans in request.resource_spans
        for scope_spans in resource_spans.scope_spans
        for span in scope_spans.spans
    }
    assert services == {"theset"}, log.read_text()
    assert {"POST /graphql", "query Probe"} <= names
