"""Helpers for tests/test_scale_out.py: the production shape (API processes, arq workers) in one test."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from catalog_testing import Emulator, catalog_is_whole, music_events_between
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from graphql_client import document
from servers import TEST_WORKER_ENV, THESET, stop

__all__ = [
    "ORIGIN",
    "Emulator",
    "Workers",
    "catalog_is_whole",
    "music_events_between",
    "production_env",
    "run_document",
    "running_workers",
    "take",
    "vote_counts",
]

# The one origin a browser page may open the websocket from (ALLOWED_ORIGINS); subscribers send it.
ORIGIN = "https://theset.example"
EVENT_TIMEOUT = 10.0
JOB_PICKUP_TIMEOUT = 30.0  # a worker that has just been started still has to import and connect


def production_env(
    *, ticketmaster_url: str, spotify_url: str, spotify_client_id: str, spotify_secret: str
) -> dict[str, str]:
    """The settings that matter in production (Procfile, deploy/compose.yaml), for every process alike."""
    return {
        "ENVIRONMENT": "production",  # JSON logs, no GraphiQL or introspection; refuses the placeholder key
        "ALLOWED_ORIGINS": ORIGIN,
        # 4 processes share one PostgreSQL with the rest of the suite: a small pool each.
        "DATABASE_POOL_SIZE": "4",
        "LOG_LEVEL": "WARNING",  # the workers' logs keep failures, not every HTTP request
        "TICKETMASTER_BASE_URL": ticketmaster_url,
        "TICKETMASTER_API_KEY": f"key-{secrets.token_hex(8)}",
        "SPOTIFY_API_BASE_URL": spotify_url,
        "SPOTIFY_ACCOUNTS_BASE_URL": spotify_url,
        "SPOTIFY_CLIENT_ID": spotify_client_id,
        "SPOTIFY_CLIENT_SECRET": spotify_secret,
        "SPOTIFY_REQUESTS_PER_30S": "10000",
        "SYNC_MIN_UPCOMING_EVENTS": "0",
        "SYNC_PAGE_SIZE": "25",  # several pages per run, so two runs interleave at Ticketmaster
    }


class Workers:
    """`theset worker` processes; each one's stderr goes to a file, shown when a job goes wrong."""

    def __init__(self, processes: list[asyncio.subprocess.Process], logs: list[Path]) -> None:
        self.processes = processes
        self.log_paths = logs

    def logs(self) -> str:
        return "\n".join(f"--- worker {i} ---\n{path.read_text()[-3000:]}" for i, path in enumerate(self.log_paths))

    async def enqueue_one_each(self, queue: ArqRedis, function: str) -> list[Job]:
        """Enqueue `function` once per worker and return once every run is in progress.

        The workers run one job at a time (WORKER_MAX_JOBS=1, `running_workers`), so runs in
        progress together are on different workers: one each.
        """
        jobs: list[Job] = []
        for _ in self.processes:
            job = await queue.enqueue_job(function)
            assert job is not None
            jobs.append(job)
        deadline = asyncio.get_running_loop().time() + JOB_PICKUP_TIMEOUT
        while True:
            statuses = [await job.status() for job in jobs]
            if all(status is JobStatus.in_progress for status in statuses):
                return jobs
            if JobStatus.complete in statuses:  # one finished before the other began: not side by side
                raise AssertionError(f"the runs of {function} did not overlap: {statuses}\n{self.logs()}")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the workers did not all take a {function} job: {statuses}\n{self.logs()}")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running_workers(count: int, env: dict[str, str], log_dir: Path) -> AsyncIterator[Workers]:
    """`count` arq workers (`theset worker`) with this environment, stopped at the end of the block."""
    logs = [log_dir / f"worker-{i}.log" for i in range(count)]
    processes: list[asyncio.subprocess.Process] = []
    try:
        for path in logs:
            with path.open("wb") as log:
                processes.append(
                    await asyncio.create_subprocess_exec(
                        str(THESET), "worker", env={**env, **TEST_WORKER_ENV, "WORKER_MAX_JOBS": "1"}, stderr=log
                    )
                )
        yield Workers(processes, logs)
    finally:
        await asyncio.gather(*(stop(process) for process in processes))


def ws_client(base_url: str) -> Client:
    """A graphql-transport-ws client (gql) that presents the allowed origin, as the live page would."""
    transport = WebsocketsTransport(
        url=base_url.replace("http://", "ws://") + "/graphql",
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        headers={"Origin": ORIGIN},
        close_timeout=0.5,
    )
    return Client(transport=transport)


@contextlib.asynccontextmanager
async def vote_counts(base_url: str, setlist_id: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """A voteCounts subscription on one API process; yields its stream of `voteCounts` payloads."""
    async with ws_client(base_url) as session:
        request = GraphQLRequest(document("VoteCounts"), variable_values={"setlistId": setlist_id})
        results = session.subscribe(request)

        async def payloads() -> AsyncGenerator[dict[str, Any], None]:
            async for result in results:
                yield result["voteCounts"]

        stream = payloads()
        try:
            yield stream
        finally:
            await stream.aclose()
            await results.aclose()  # gql sends `complete` for the subscription


async def take(stream: AsyncIterator[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The next `count` events of a stream, each within EVENT_TIMEOUT."""
    return [await asyncio.wait_for(anext(stream), EVENT_TIMEOUT) for _ in range(count)]


async def run_document(
    http: httpx.AsyncClient, name: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    """POST graphql/<name>.graphql; returns the body (data and errors)."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": document(name), "variables": variables}, headers=headers)
    body: dict[str, Any] = response.json()
    return body
