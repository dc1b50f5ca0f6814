"""Request ids, JSON logs, and the metrics at /metrics: GraphQL, outbound API calls, breaker, fan-out lag."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from catalog_testing import on_spotify_emulator
from factories import make_setlist, make_setlist_song, make_show, make_token, make_user
from graphql_client import GraphQLClient, document
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from app.api.ids import encode_id
from app.clients.breaker import BreakerPolicy, MemoryBreaker, RedisBreaker
from app.clients.errors import CircuitOpen, UpstreamNotFound
from app.clients.ratelimit import NoLimit
from app.clients.retry import Guard, RetryPolicy
from app.emulators.server import running_server
from app.emulators.spotify import SpotifyState, create_spotify_app
from app.emulators.world import World, build_world
from app.main import create_app
from app.platform.broker import InProcessBroker
from app.platform.observability import (
    BREAKER_CLOSED,
    BREAKER_HALF_OPEN,
    BREAKER_OPEN,
    MAX_OPERATION_NAMES,
    JsonFormatter,
    RequestIdFilter,
    observe_fanout_lag,
    request_id_var,
)
from app.setlists.events import SongVotes, VoteCountsChanged, channel_for, publish_change
from app.settings import Settings


async def test_every_response_carries_a_request_id_in_its_header_and_identical_reads_are_identical_bytes(
    http: httpx.AsyncClient,
) -> None:
    first = await http.post("/graphql", json={"query": "{ __typename }"})
    second = await http.post("/graphql", json={"query": "{ __typename }"})

    assert len(first.headers["x-request-id"]) == 16
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.content == second.content == b'{"data":{"__typename":"Query"}}'


async def test_error_bodies_carry_the_request_id_for_support(http: httpx.AsyncClient) -> None:
    failed = await http.post("/graphql", json={"query": "{ nope }"})
    refused = await http.post("/graphql", content=b"[1", headers={"content-type": "application/json"})

    for response in (failed, refused):
        assert response.json()["errors"]
        assert response.json()["extensions"]["requestId"] == response.headers["x-request-id"]


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


async def test_committed_votes_and_unvotes_are_counted_by_kind(http: httpx.AsyncClient, db: None) -> None:
    entry = await make_setlist_song(await make_setlist(await make_show()))
    token = await make_token(await make_user())
    variables = {"setlistSongId": encode_id("SetlistSong", entry.id)}
    headers = {"authorization": f"Bearer {token}"}
    before = await _scrape(http)

    for name in ("Vote", "Vote", "Unvote"):  # the second vote is refused ("already voted"): not counted
        await http.post("/graphql", json={"query": document(name), "variables": variables}, headers=headers)
    after = await _scrape(http)

    def moved(kind: str) -> float:
        key = ("theset_votes_total", frozenset({("kind", kind)}))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert (moved("vote"), moved("unvote")) == (1.0, 1.0)


async def test_metrics_count_errors_under_the_code_the_client_gets(http: httpx.AsyncClient) -> None:
    # graphql-core raises variable coercion errors without a code: only the error extension gives one.
    query = "query CoercionProbe($first: Int!) { shows(first: $first) { edges { cursor } } }"
    response = await http.post("/graphql", json={"query": query, "variables": {"first": "ten"}})

    body = (await http.get("/metrics")).text

    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert 'theset_graphql_errors_total{code="BAD_USER_INPUT",operation="CoercionProbe"}' in body
    assert 'code="INTERNAL_SERVER_ERROR",operation="CoercionProbe"' not in body


async def test_invented_operation_names_share_one_label_past_the_bound(settings: Settings, orm: None) -> None:
    # The bound is per schema: an app of this test's own starts with none of its names taken.
    application = create_app(settings)
    names = [f"Invented{uuid.uuid4().hex}" for _ in range(MAX_OPERATION_NAMES + 20)]
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as http,
    ):
        for name in names:
            await http.post("/graphql", json={"query": f"query {name} {{ __typename }}"})
        samples = _parse((await http.get("/metrics")).text)
    labels = {dict(labels)["operation"] for metric, labels in samples if metric == "theset_graphql_operations_total"}

    assert labels & set(names) == set(names[:MAX_OPERATION_NAMES])  # the first ones, then no more
    assert "other" in labels


# --- outbound API calls, rate-limit waits, breaker state (app.clients) ------------------------------

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    return _parse(response.text)


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _calls(samples: Samples, outcome: str) -> float:
    return _value(samples, "theset_external_api_calls_total", api="spotify", outcome=outcome)


def _breaker(samples: Samples) -> float | None:
    return samples.get(("theset_circuit_breaker_state", frozenset({("api", "spotify")})))


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(seed=11, n_artists=20, n_venues=10, n_events=40)


@dataclass
class Spotify:
    url: str
    state: SpotifyState  # its faults and request counters


@pytest.fixture
async def spotify(world: World) -> AsyncIterator[Spotify]:
    emulator = create_spotify_app(world, mode="dev", requests_per_30s=10_000)
    async with running_server(emulator) as url:
        yield Spotify(url, emulator.state.emulator)


@pytest.fixture
async def spotify_http(settings: Settings, spotify: Spotify, db: None) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the Spotify emulator, with a client id of its own: a fresh limiter and breaker."""
    application = create_app(on_spotify_emulator(settings, spotify.url))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as http,
    ):
        yield http


async def _search_artists(http: httpx.AsyncClient) -> list[str]:
    """A look-up no cache can answer; the error codes it got."""
    body = await GraphQLClient(http).run("SearchArtists", query=f"artist {uuid.uuid4().hex[:8]}")
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_metrics_count_spotify_calls_and_rate_limit_waits(
    spotify_http: httpx.AsyncClient, spotify: Spotify
) -> None:
    before = await _scrape(spotify_http)

    assert await _search_artists(spotify_http) == []

    after = await _scrape(spotify_http)
    assert spotify.state.stats.requests_by_path["/v1/search"] == 1
    assert _calls(after, "ok") - _calls(before, "ok") == 1
    wait_count = "theset_rate_limit_wait_seconds_count"
    assert _value(after, wait_count, api="spotify") - _value(before, wait_count, api="spotify") == 1
    assert _breaker(after) == BREAKER_CLOSED


async def test_a_429_with_a_long_retry_after_counts_as_rate_limited_and_opens_the_breaker(
    spotify_http: httpx.AsyncClient, spotify: Spotify
) -> None:
    spotify.state.faults.update({"rate_limit_next_n": 1, "retry_after_seconds": 3600})
    before = await _scrape(spotify_http)

    assert await _search_artists(spotify_http) == ["RATE_LIMITED"]
    opened = await _scrape(spotify_http)
    assert await _search_artists(spotify_http) == ["RATE_LIMITED"]  # refused by the breaker: nothing sent
    after = await _scrape(spotify_http)

    assert spotify.state.stats.requests_by_path["/v1/search"] == 1
    assert _calls(opened, "rate_limited") - _calls(before, "rate_limited") == 1
    assert _breaker(opened) == BREAKER_OPEN
    transitions = "theset_circuit_breaker_transitions_total"
    assert (
        _value(opened, transitions, api="spotify", state="open")
        - _value(before, transitions, api="spotify", state="open")
        == 1
    )
    assert _calls(after, "circuit_open") - _calls(opened, "circuit_open") == 1
    assert _calls(after, "ok") == _calls(before, "ok")


async def test_the_breaker_state_goes_to_open_after_consecutive_failures(
    spotify_http: httpx.AsyncClient, spotify: Spotify, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt: 0.0)  # retry at once
    spotify.state.faults.update({"path_contains": "/v1/search", "fail_next_n": 100, "fail_status": 503})
    before = await _scrape(spotify_http)

    # RetryPolicy: 4 attempts, all 503; BreakerPolicy: the 5th failure in a row opens.
    assert await _search_artists(spotify_http) == ["UPSTREAM_UNAVAILABLE"]
    still_closed = await _scrape(spotify_http)
    assert await _search_artists(spotify_http) == ["RATE_LIMITED"]  # the breaker's retry-after
    after = await _scrape(spotify_http)

    assert _calls(still_closed, "unavailable") - _calls(before, "unavailable") == 4
    assert _breaker(still_closed) == BREAKER_CLOSED
    assert _calls(after, "unavailable") - _calls(before, "unavailable") == 5
    assert _calls(after, "circuit_open") - _calls(still_closed, "circuit_open") == 1
    assert _breaker(after) == BREAKER_OPEN


async def test_every_attempt_is_counted_by_what_ended_it() -> None:
    api = f"test-{uuid.uuid4().hex[:8]}"
    request = httpx.Request("GET", "http://upstream.test/thing")
    answers: list[Exception | httpx.Response] = [
        httpx.ConnectTimeout("slow", request=request),
        httpx.ConnectError("refused", request=request),
        httpx.Response(404, request=request),
    ]

    async def send() -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def classify(response: httpx.Response) -> None:
        if response.status_code == 404:
            raise UpstreamNotFound(api, "no such thing", status=404)

    async def no_sleep(_: float) -> None:
        return None

    guard = Guard(
        api,
        limiter=NoLimit(),
        breaker=MemoryBreaker(api),
        policy=RetryPolicy(),
        redact=str,
        sleep=no_sleep,
    )
    with pytest.raises(UpstreamNotFound):
        await guard.call(send, classify)

    counted = {
        outcome: REGISTRY.get_sample_value("theset_external_api_calls_total", {"api": api, "outcome": outcome})
        for outcome in ("timeout", "connection_error", "not_found", "ok")
    }
    assert counted == {"timeout": 1, "connection_error": 1, "not_found": 1, "ok": None}
    assert REGISTRY.get_sample_value("theset_rate_limit_wait_seconds_count", {"api": api}) == 3


async def test_each_process_gauge_shows_the_shared_breaker_state_it_last_saw(redis_url: str) -> None:
    # Two "processes" (own connections, own label) on one Redis breaker key.
    first, second = f"test-a-{uuid.uuid4().hex[:8]}", f"test-b-{uuid.uuid4().hex[:8]}"
    key = f"theset-test:breaker:{uuid.uuid4().hex}"
    # A cool-down long enough for b's look on a busy machine; its end is awaited on Redis, not slept.
    policy = BreakerPolicy(failure_threshold=1, cooldown_seconds=2.0)

    def state(api: str) -> float | None:
        return REGISTRY.get_sample_value("theset_circuit_breaker_state", {"api": api})

    def transitions(api: str, to: str) -> float | None:
        return REGISTRY.get_sample_value("theset_circuit_breaker_transitions_total", {"api": api, "state": to})

    async with Redis.from_url(redis_url) as redis_a, Redis.from_url(redis_url) as redis_b:
        a, b = RedisBreaker(redis_a, key, first, policy), RedisBreaker(redis_b, key, second, policy)
        await a.record_failure(await a.before_call())
        assert (state(first), transitions(first, "open")) == (BREAKER_OPEN, 1)
        assert state(second) is None  # b has not looked yet
        with pytest.raises(CircuitOpen):
            await b.before_call()
        assert state(second) == BREAKER_OPEN

        while await redis_a.pttl(f"{key}:open") > 0:  # the cool-down ends: a takes the trial, b is refused
            await asyncio.sleep(0.05)
        assert await a.before_call() is True
        with pytest.raises(CircuitOpen):
            await b.before_call()
        assert (state(first), transitions(first, "half_open")) == (BREAKER_HALF_OPEN, 1)
        assert state(second) == BREAKER_HALF_OPEN

        await a.record_success(trial=True)
        assert (state(first), transitions(first, "closed")) == (BREAKER_CLOSED, 1)
        assert await b.before_call() is False
        assert state(second) == BREAKER_CLOSED
        assert transitions(second, "open") is None  # b saw the changes, it made none


# --- the live fan-out's lag ------------------------------------------------------------------------


async def test_publish_change_stamps_the_publish_time_and_older_messages_still_decode() -> None:
    broker = InProcessBroker()
    change = VoteCountsChanged(setlist_id=7, kind="vote", songs=[SongVotes(setlist_song_id=3, votes=1, version=1)])

    async with broker.subscribe(channel_for(7)) as subscription:
        published = time.time()
        await publish_change(broker, change)
        message = await subscription.get()
        received = time.time()

    assert isinstance(message, bytes)
    decoded = VoteCountsChanged.decode(message)
    assert decoded.published_at is not None
    assert published <= decoded.published_at <= received
    assert decoded.model_copy(update={"published_at": None}) == change.model_copy(update={"sequence": 1})
    legacy = VoteCountsChanged.decode(b'{"setlist_id":7,"kind":"vote","songs":[],"sequence":3}')
    assert legacy.published_at is None


def test_fanout_lag_is_the_time_since_publish_and_skips_unstamped_messages() -> None:
    def count_and_sum() -> tuple[float, float]:
        count = REGISTRY.get_sample_value("theset_fanout_lag_seconds_count") or 0.0
        total = REGISTRY.get_sample_value("theset_fanout_lag_seconds_sum") or 0.0
        return count, total

    count, total = count_and_sum()
    observe_fanout_lag(time.time() - 0.25)
    observe_fanout_lag(None)  # an older publisher's message: nothing to measure
    observe_fanout_lag(time.time() + 5)  # a clock ahead of ours: no negative lag

    new_count, new_total = count_and_sum()
    assert new_count - count == 2
    assert new_total - total == pytest.approx(0.25, abs=0.05)
