"""The ASGI application: GraphQL over HTTP and websockets, health and readiness probes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL
from tortoise import connections

from app.api.cors import cors_middleware
from app.api.documents import Documents
from app.api.http import GraphQLView
from app.api.limits import BodySizeLimit, WebSocketMessageLimit
from app.api.live_page import live_routes
from app.api.schema import build_schema
from app.catalog import health
from app.platform.db import close_db, init_db
from app.platform.observability import RequestIdMiddleware, configure_logging, metrics
from app.platform.readiness import MigrationStatus
from app.resources import Resources, open_resources
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from app.platform.tracing import Tracing

logger = logging.getLogger("app")


def create_app(
    settings: Settings | None = None, *, resources: Resources | None = None, tracing: Tracing | None = None
) -> Starlette:
    """The application for these settings (default: from the environment).

    `resources`: the process's already-open resources (the demo shares its sync's); else the lifespan opens its own.
    Tracing: the given one (tests), else one from the settings when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    """
    settings = settings or get_settings()
    if not logging.getLogger().handlers:  # each uvicorn worker process configures its own logging
        configure_logging(settings.log_level, json_lines=settings.is_production)
    if tracing is None and settings.otel_exporter_otlp_endpoint:
        from app.platform.tracing import Tracing  # imported only when on: off costs nothing

        tracing = Tracing.from_settings(settings)
    if tracing is not None:
        tracing.instrument_libraries()
    graphql = GraphQLView(
        build_schema(settings, [tracing.graphql_extension()] if tracing else []),
        settings=settings,
        documents=Documents(trusted_only=settings.trusted_documents),
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        # The legacy `graphql-ws` protocol stays off: it had an auth-bypass advisory. Multipart
        # subscriptions serve clients behind proxies that block websockets.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL),
        allowed_origins=settings.allowed_origins,
        connection_init_wait_timeout=timedelta(seconds=settings.ws_connection_init_timeout_seconds),
        max_subscriptions_per_connection=settings.ws_max_subscriptions_per_socket,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The app closes only what it opened: tests and the demo hand it an open ORM.
        opened = await init_db(settings.database_url, generate_schemas=settings.uses_sqlite)
        try:
            async with contextlib.AsyncExitStack() as stack:
                app.state.resources = resources or await stack.enter_async_context(open_resources(settings))
                yield
        finally:
            if opened:
                await close_db()
            if tracing is not None:
                # uvicorn ends on a re-raised SIGTERM, which skips the SDK's exit hook: flush here.
                await asyncio.to_thread(tracing.flush)

    async def metrics_with_sync_health(request: Request) -> Response:
        # The sync jobs run in the workers; their health is in the journal, read at each scrape.
        await health.refresh_metrics()
        return await metrics(request)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    migrations = MigrationStatus(uses_sqlite=settings.uses_sqlite, cache_seconds=settings.readiness_cache_seconds)

    async def readyz(request: Request) -> Response:
        checks = {"database": await _database_ready()}
        body: dict[str, object] = {}
        if checks["database"]:
            pending = await _pending_migrations(migrations)
            checks["migrations"] = pending == []
            if pending:
                body["pendingMigrations"] = pending
                body["hint"] = "run `theset migrate`"
        resources: Resources = request.app.state.resources
        if resources.redis is not None:
            checks["redis"] = await _redis_ready(resources.redis)
        ready = all(checks.values())
        body = {"status": "ready" if ready else "unavailable", "checks": checks, **body}
        return JSONResponse(body, 200 if ready else 503)

    return Starlette(
        routes=[
            Route("/graphql", graphql),  # every method: the view answers a wrong one with 405 and Allow
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_with_sync_health),
            live_routes,
            *graphql.ide_routes,
        ],
        middleware=[
            *([tracing.middleware()] if tracing else []),  # outermost: the request span covers every layer
            Middleware(RequestIdMiddleware),
            cors_middleware(settings),  # outside the body limit: a browser page can read its 413
            Middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes),
            Middleware(WebSocketMessageLimit, max_message_bytes=settings.ws_max_message_bytes),
        ],
        lifespan=lifespan,
    )


def server_app() -> Starlette:
    """The application as `theset serve` runs it: `create_app` in a process tuned for serving.

    A request leaves reference cycles (Starlette's, graphql-core's) that only the collector frees:
    young collections every 10,000 objects instead of 700 keep passes rare and short, and the
    startup objects (schema, modules) are frozen out of every pass (docs/decisions/0005-gc-tuning.md).
    """
    app = create_app()
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)
    return app


async def _redis_ready(redis: Redis) -> bool:
    try:
        await asyncio.wait_for(redis.ping(), timeout=1.0)
    except Exception:  # any failure means "not ready"
        logger.warning("Readiness: Redis unreachable", exc_info=True)
        return False
    return True


async def _pending_migrations(migrations: MigrationStatus) -> list[str] | None:
    """The migrations the database lacks ([] at head); None when they cannot be read."""
    try:
        return await asyncio.wait_for(migrations.pending(connections.get("default")), timeout=2.0)
    except Exception:  # any failure means "not ready"; the reason goes to the log
        logger.warning("Readiness: cannot read the applied migrations", exc_info=True)
        return None


async def _database_ready() -> bool:
    try:
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), timeout=2.0)
    except Exception:  # any failure means "not ready"; the reason goes to the log
        logger.warning("Readiness: database unreachable", exc_info=True)
        return False
    return True
