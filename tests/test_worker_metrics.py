"""An arq worker serves its own Prometheus metrics: the API calls its jobs make are counted there."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.jobs import Job
from prometheus_client.parser import text_string_to_metric_families
from servers import TEST_WORKER_ENV, THESET, free_port, stop

from app.catalog.tasks import TOURS_JOB
from app.emulators.faults import EmulatorState
from app.emulators.server import running_server
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import build_world
from app.platform.observability import serve_metrics
from app.settings import Settings


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


@dataclass
class Ticketmaster:
    url: str
    state: EmulatorState  # its request counters


@pytest.fixture
async def ticketmaster() -> AsyncIterator[Ticketmaster]:
    # A small world: the tours job needs only a few pages at Ticketmaster's 5 requests/s.
    app = create_ticketmaster_app(build_world(seed=3, n_artists=10, n_venues=5, n_events=30))
    async with running_server(app) as url:
        yield Ticketmaster(url, app.state.emulator)


@pytest.mark.slow
@pytest.mark.usefixtures("db")
async def test_a_worker_serves_the_api_calls_of_the_jobs_it_ran(
    ticketmaster: Ticketmaster, settings: Settings, redis_url: str
) -> None:
    queue_name = f"theset-test:{uuid.uuid4().hex}"
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": redis_url,
        "WORKER_QUEUE_NAME": queue_name,
        **TEST_WORKER_ENV,
        "WORKER_METRICS_PORT": str(port),
        "TICKETMASTER_BASE_URL": ticketmaster.url,
        "TICKETMASTER_API_KEY": f"key-{uuid.uuid4().hex}",  # its own shared limiter and breaker
        "SYNC_MIN_UPCOMING_EVENTS": "0",
    }
    worker = await asyncio.create_subprocess_exec(str(THESET), "worker", env=env, stderr=asyncio.subprocess.DEVNULL)
    try:
        queue = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
        try:
            job = await queue.enqueue_job(TOURS_JOB, _queue_name=queue_name)
            assert isinstance(job, Job)
            result = await job.result(timeout=60)
            async with httpx.AsyncClient() as http:
                response = await http.get(f"http://127.0.0.1:{port}/metrics")
        finally:
            await queue.aclose()
    finally:
        await stop(worker)

    assert result["outcome"] == "finished"
    sent = ticketmaster.state.stats.requests
    samples = _samples(response.text)
    assert sent > 0
    assert samples[_key("theset_external_api_calls_total", api="ticketmaster", outcome="ok")] == sent
    assert samples[_key("theset_rate_limit_wait_seconds_count", api="ticketmaster")] == sent
    assert samples[_key("theset_circuit_breaker_state", api="ticketmaster")] == 0


def test_serve_metrics_serves_the_registry_on_the_port() -> None:
    port = free_port()
    server = serve_metrics(port, "127.0.0.1")
    assert server is not None
    try:
        body = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        server.shutdown()
        server.server_close()

    assert "# TYPE theset_external_api_calls_total counter" in body


def test_a_busy_metrics_port_is_logged_and_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with caplog.at_level(logging.ERROR, logger="app.platform.observability"):
            server = serve_metrics(port, "127.0.0.1")

    assert server is None
    assert f"cannot listen on 127.0.0.1:{port}" in caplog.text
