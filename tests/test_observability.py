"""Request ids on responses and log lines, JSON logs, and the /metrics endpoint."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from app.observability import JsonFormatter, RequestIdFilter, request_id_var


async def test_every_response_carries_a_request_id_also_in_graphql_extensions(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ __typename }"})

    request_id = response.headers["x-request-id"]
    assert len(request_id) == 16
    assert response.json()["extensions"]["requestId"] == request_id


async def test_a_safe_incoming_request_id_is_kept_and_an_unsafe_one_replaced(http: httpx.AsyncClient) -> None:
    kept = await http.get("/healthz", headers={"x-request-id": "edge-abc.123"})
    replaced = await http.get("/healthz", headers={"x-request-id": "bad id\r\ninjected"})

    assert kept.headers["x-request-id"] == "edge-abc.123"
    assert replaced.headers["x-request-id"] != "bad id\r\ninjected"
    assert len(replaced.headers["x-request-id"]) == 16


def test_json_log_lines_carry_the_request_id() -> None:
    record = logging.LogRecord("app.test", logging.WARNING, __file__, 1, "vote for %s", ("song",), None)
    token = request_id_var.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)

    line = json.loads(JsonFormatter().format(record))

    assert line["request_id"] == "req-42"
    assert line["message"] == "vote for song"
    assert line["level"] == "warning"


@pytest.mark.usefixtures("db")
async def test_metrics_count_graphql_operations_and_error_codes(http: httpx.AsyncClient) -> None:
    await http.post("/graphql", json={"query": "query MetricsProbe { shows { edges { cursor } } }"})
    await http.post("/graphql", json={"query": 'query MetricsProbe { show(id: "nope") { id } }'})

    body = (await http.get("/metrics")).text

    assert 'theset_graphql_operations_total{operation="MetricsProbe",outcome="ok",type="query"}' in body
    assert 'theset_graphql_errors_total{code="BAD_USER_INPUT",operation="MetricsProbe"}' in body
    assert "theset_graphql_operation_seconds_bucket" in body
