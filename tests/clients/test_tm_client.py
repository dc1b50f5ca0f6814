"""TicketmasterClient against httpx.MockTransport serving the real recorded samples."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from clients_testing import FakeSleep

from app.clients.breaker import MemoryBreaker
from app.clients.errors import (
    CircuitOpen,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from app.clients.ratelimit import NoLimit
from app.clients.retry import CallStats, RetryPolicy
from app.clients.ticketmaster import MUSIC_SEGMENT_ID, TicketmasterClient, reachable_items

API_KEY = "tmKEY-9f8e7d6c5b4a39281706"
START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def make_client(handler: Handler, sleep: FakeSleep, **kwargs: Any) -> TicketmasterClient:
    kwargs.setdefault("limiter", NoLimit())
    kwargs.setdefault("breaker", MemoryBreaker("ticketmaster"))
    return TicketmasterClient(
        API_KEY, base_url="https://tm.test", transport=httpx.MockTransport(handler), sleep=sleep, **kwargs
    )


def modern_event(**overrides: Any) -> dict[str, Any]:
    """A 2024-shaped event: no dates.timezone, venue with stray whitespace, linked and unlinked acts."""
    event: dict[str, Any] = {
        "id": "vvG1iZ9YHxXkKz",
        "name": "The Midnight Owls & Friends",
        "url": "https://www.ticketmaster.com/event/0C005F4E12345678",
        "dates": {
            "start": {
                "localDate": "2026-11-14",
                "localTime": "19:30:00",
                "dateTime": "2026-11-15T03:30:00Z",
                "dateTBD": False,
                "dateTBA": False,
                "timeTBA": False,
                "noSpecificTime": False,
            },
            "status": {"code": "canceled"},
        },
        "sales": {"public": {"startDateTime": "1900-01-01T18:00:00Z", "startTBD": False}},
        "classifications": [{"primary": True, "segment": {"name": "Music"}, "genre": {"name": "Rock"}}],
        "_embedded": {
            "venues": [
                {
                    "id": "KovZpZAEA76A",
                    "name": "Long Beach Arena",
                    "city": {"name": " Long Beach"},
                    "state": {"stateCode": "CA"},
                    "country": {"countryCode": "US"},
                    "timezone": "America/Los_Angeles",
                    "location": {"longitude": "-118.1893", "latitude": "33.7643"},
                }
            ],
            "attractions": [
                {
                    "id": "K8vZ9171ob7",
                    "name": "The Midnight Owls",
                    "externalLinks": {
                        "spotify": [{"url": "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF?si=x"}]
                    },
                    "upcomingEvents": {"_total": 12, "ticketmaster": 10, "tmr": 2},
                },
                {"id": "K8vZ917Kew0", "name": "KidCutUp", "upcomingEvents": {"_total": 3}},
            ],
        },
    }
    event.update(overrides)
    return event


async def test_search_events_parses_the_2016_recording(sample: Any, fake_sleep: FakeSleep) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=sample("tm_events_search_cassette_2016.json"))

    async with make_client(handler, fake_sleep) as client:
        page = await client.search_events(START, END, country_code="US", size=20)

    params = requests[0].url.params
    assert requests[0].url.path == "/discovery/v2/events"
    assert params["startDateTime"] == "2026-11-01T00:00:00Z"
    assert params["endDateTime"] == "2026-12-01T00:00:00Z"
    assert (params["segmentId"], params["countryCode"], params["size"], params["page"]) == (
        MUSIC_SEGMENT_ID,
        "US",
        "20",
        "0",
    )
    assert params["apikey"] == API_KEY
    assert (page.number, page.size, page.total_elements, page.total_pages) == (0, 20, 75568, 3779)
    assert len(page.events) == 20
    assert page.skipped == 0
    events = {event.id: event for event in page.events}
    first = events["LvZ184j83k1A5TPn6ZZgc"]
    assert first.start == datetime(2015, 8, 7, 2, 15, tzinfo=UTC)
    assert (first.local_date, first.local_time) == (date(2015, 8, 6), time(22, 15))
    assert first.timezone == "America/Toronto"
    assert first.venue is None
    assert first.attractions == []
    assert first.price_ranges == []
    assert events["G5dIZfeoHM32h"].status == "rescheduled"
    # No localTime/dateTime on this one (noSpecificTime-style), but it has priceRanges.
    cruise = events["1Ae7ZfdGkSp307Y"]
    assert cruise.start is None
    assert cruise.local_date is not None
    assert cruise.price_ranges
    assert cruise.price_ranges[0].currency
    whitehall = events["vvG1FZf1Xg_Sex"]
    assert whitehall.venue is not None
    assert whitehall.venue.city == "Whitehall"
    assert whitehall.venue.latitude == pytest.approx(40.662617)
    assert [attraction.name for attraction in whitehall.attractions] == ["SayWeCanFly", "7 Minutes In Heaven"]
    assert whitehall.attractions[0].spotify_id is None  # no externalLinks in 2016
    cancun = events["1Av8Zf6GkUNPP3p"]
    assert cancun.venue is not None
    assert cancun.venue.latitude is None
    assert cancun.venue.longitude is None


async def test_modern_event_shape(fake_sleep: FakeSleep) -> None:
    body = {"_embedded": {"events": [modern_event()]}, "page": {"size": 200, "totalElements": 1, "totalPages": 1}}
    async with make_client(lambda _: httpx.Response(200, json=body), fake_sleep) as client:
        (event,) = (await client.search_events(START, END)).events

    assert event.status == "cancelled"  # Swagger spelling normalised to the live one
    assert event.timezone is None
    assert event.effective_timezone == "America/Los_Angeles"
    assert event.onsale_start is None  # the 1900 placeholder
    assert event.genre == "Rock"
    assert event.venue is not None
    assert (event.venue.city, event.venue.latitude, event.venue.longitude) == ("Long Beach", 33.7643, -118.1893)
    linked, support = event.attractions
    assert (linked.spotify_id, linked.upcoming_events) == ("0OdUWJ0sBjDrqHygGUXeCF", 12)
    assert (support.spotify_id, support.upcoming_events) == (None, 3)


async def test_empty_result_has_no_embedded(fake_sleep: FakeSleep) -> None:
    body = {
        "_links": {"self": {"href": "/discovery/v2/events.json?size=200"}},
        "page": {"size": 200, "totalElements": 0, "totalPages": 0, "number": 0},
    }
    async with make_client(lambda _: httpx.Response(200, json=body), fake_sleep) as client:
        page = await client.search_events(START, END)
    assert page.events == []
    assert page.total_elements == 0


async def test_malformed_event_is_skipped_not_fatal(fake_sleep: FakeSleep) -> None:
    body = {
        "_embedded": {"events": [modern_event(), {"id": "broken"}]},
        "page": {"size": 2, "totalElements": 2, "totalPages": 1},
    }
    async with make_client(lambda _: httpx.Response(200, json=body), fake_sleep) as client:
        page = await client.search_events(START, END)
    assert [event.id for event in page.events] == ["vvG1iZ9YHxXkKz"]
    assert page.skipped == 1


async def test_get_venue_and_attraction(sample: Any, fake_sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/discovery/v2/venues/KovZpZAEA76A":
            return httpx.Response(200, json=sample("tm_venue_get_cassette_2016.json"))
        if request.url.path == "/discovery/v2/attractions/K8vZ917Kew0":
            return httpx.Response(200, json=sample("tm_attraction_get_cassette_2016.json"))
        return httpx.Response(404, json=sample("tm_event_get_404_DIS1004_cassette_2016.json"))

    async with make_client(handler, fake_sleep) as client:
        venue = await client.get_venue("KovZpZAEA76A")
        attraction = await client.get_attraction("K8vZ917Kew0")
        with pytest.raises(UpstreamNotFound) as not_found:
            await client.get_event("unknown-id")

    assert (venue.name, venue.city, venue.state_code, venue.timezone) == (
        "The Pavilion at Montage Mountain",
        "Scranton",
        "PA",
        "America/New_York",
    )
    assert venue.latitude == pytest.approx(41.3479758)
    assert venue.longitude == pytest.approx(-75.6638888)
    assert attraction.name == "Susquehanna Breakdown Music Festival"
    assert attraction.genre is None  # "Undefined" placeholder
    assert attraction.image_url
    assert attraction.image_url.endswith("TABLET_LANDSCAPE_LARGE_16_9.jpg")
    assert not_found.value.code == "DIS1004"
    assert not_found.value.status == 404


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("401_invalid_apikey", UpstreamAuthError),
        ("400_DIS1035_deep_paging", UpstreamRejected),
        ("400_DIS1036_size_too_large", UpstreamRejected),
        ("400_DIS1015_bad_date", UpstreamRejected),
    ],
)
async def test_client_errors_are_not_retried(
    calls: CallStats, sample: Any, fake_sleep: FakeSleep, entry: str, error: type[Exception]
) -> None:
    recorded = sample("tm_error_bodies.json")[entry]
    client = make_client(lambda _: httpx.Response(recorded["status"], json=recorded["body"]), fake_sleep)
    with pytest.raises(error):
        await client.get_attraction("K8vZ917Kew0")
    assert (calls.api_calls, calls.retries, fake_sleep.calls) == (1, 0, [])
    await client.aclose()


async def test_quota_429_redacts_the_key_defers_and_opens_the_breaker(sample: Any, fake_sleep: FakeSleep) -> None:
    recorded = sample("tm_error_bodies.json")["429_daily_quota"]
    body = {"fault": {**recorded["body"]["fault"]}}
    body["fault"]["faultstring"] = body["fault"]["faultstring"].replace("{apikey}", API_KEY)
    now = 1_800_000_000.0
    reset_ms = int((now + 5 * 3600) * 1000)
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, json=body, headers={"Rate-Limit-Reset": str(reset_ms)})

    client = make_client(handler, fake_sleep, clock=lambda: now)
    with pytest.raises(UpstreamRateLimited) as raised:
        await client.get_venue("KovZpZAEA76A")
    error = raised.value
    assert error.retry_after_seconds == pytest.approx(5 * 3600)
    assert "quota" in error.message.casefold()
    for text in (str(error), repr(error), error.message):
        assert API_KEY not in text
    assert error.__context__ is None
    assert error.__cause__ is None
    assert fake_sleep.calls == []  # never sleeps through a quota reset

    with pytest.raises(CircuitOpen):
        await client.get_venue("KovZpZAEA76A")
    assert len(calls) == 1  # the breaker failed fast without a request
    await client.aclose()


async def test_spike_arrest_is_retried_after_a_short_backoff(
    calls: CallStats, sample: Any, fake_sleep: FakeSleep
) -> None:
    spike = sample("tm_error_bodies.json")["429_spike_arrest"]
    responses = [
        httpx.Response(429, json=spike["body"]),
        httpx.Response(200, json=sample("tm_venue_get_cassette_2016.json")),
    ]
    client = make_client(lambda _: responses.pop(0), fake_sleep)
    venue = await client.get_venue("KovZpZAEA76A")
    assert venue.id == "KovZpZAEA76A"
    assert (calls.api_calls, calls.retries) == (2, 1)
    assert len(fake_sleep.calls) == 1
    assert 0 <= fake_sleep.calls[0] <= RetryPolicy().base_delay
    await client.aclose()


async def test_5xx_retried_then_unavailable_and_breaker_opens(stats: CallStats, fake_sleep: FakeSleep) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text="upstream connect error")

    breaker = MemoryBreaker("ticketmaster")
    client = make_client(handler, fake_sleep, breaker=breaker, retry=RetryPolicy(max_attempts=3))
    with pytest.raises(UpstreamUnavailable) as raised:
        await client.get_venue("KovZpZAEA76A")
    assert raised.value.status == 503
    assert not isinstance(raised.value, CircuitOpen)
    assert (stats.api_calls, stats.retries, len(fake_sleep.calls)) == (3, 2, 2)
    # 3 failures so far; the 5th consecutive one opens the breaker (default threshold 5).
    with pytest.raises(CircuitOpen) as opened:
        await client.get_venue("KovZpZAEA76A")
    assert len(calls) == 5
    assert opened.value.retry_at > datetime.now(UTC)
    await client.aclose()


async def test_timeouts_become_unavailable_without_leaking_the_url(calls: CallStats, fake_sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout(f"timed out connecting for {request.url}", request=request)

    client = make_client(handler, fake_sleep, retry=RetryPolicy(max_attempts=2))
    with pytest.raises(UpstreamUnavailable) as raised:
        await client.get_venue("KovZpZAEA76A")
    assert "timeout" in raised.value.message
    assert API_KEY not in str(raised.value)
    assert raised.value.__context__ is None  # no chained httpx error holding the request URL
    assert calls.api_calls == 2
    await client.aclose()


async def test_httpx_request_log_lines_never_show_the_key(
    sample: Any, fake_sleep: FakeSleep, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    client = make_client(lambda _: httpx.Response(200, json=sample("tm_venue_get_cassette_2016.json")), fake_sleep)
    await client.get_venue("KovZpZAEA76A")
    await client.aclose()
    messages = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert messages
    assert all(API_KEY not in message for message in messages)
    assert "apikey=***" in messages[0]


async def test_non_json_body_is_a_bad_response(fake_sleep: FakeSleep) -> None:
    client = make_client(lambda _: httpx.Response(200, text="<html>maintenance</html>"), fake_sleep)
    with pytest.raises(UpstreamBadResponse):
        await client.get_venue("KovZpZAEA76A")
    await client.aclose()


async def test_arguments_are_validated_before_any_request(calls: CallStats, fake_sleep: FakeSleep) -> None:
    client = make_client(lambda _: httpx.Response(500), fake_sleep)
    with pytest.raises(ValueError, match="timezone-aware"):
        await client.search_events(datetime(2026, 11, 1), END)  # noqa: DTZ001 - the naive date under test
    with pytest.raises(ValueError, match="size"):
        await client.search_events(START, END, size=201)
    with pytest.raises(ValueError, match="page"):
        await client.search_events(START, END, page=5, size=200)
    assert calls.api_calls == 0
    await client.aclose()


def test_reachable_items_follows_the_paging_depth_rule() -> None:
    assert reachable_items(200) == 1000  # pages 0..4
    assert reachable_items(199) == 1194  # pages 0..5: 5*199 = 995 < 1000
    assert reachable_items(20) == 1000


class FakeCatalog:
    """Answers event searches from a list of start times the way TM does, inclusive at both ends."""

    def __init__(self, starts: list[datetime]) -> None:
        self.starts = starts
        self.requests: list[httpx.QueryParams] = []
        self.served: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        self.requests.append(params)
        start = datetime.strptime(params["startDateTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        end = datetime.strptime(params["endDateTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        page, size = int(params["page"]), int(params["size"])
        if page * size >= 1000:
            return httpx.Response(
                400, json={"errors": [{"code": "DIS1035", "detail": "Max paging depth exceeded", "status": "400"}]}
            )
        matching = sorted((f"E{index:05d}", when) for index, when in enumerate(self.starts) if start <= when <= end)
        chunk = matching[page * size : (page + 1) * size]
        self.served.extend(event_id for event_id, _ in chunk)
        body: dict[str, Any] = {
            "page": {
                "size": size,
                "totalElements": len(matching),
                "totalPages": -(-len(matching) // size),
                "number": page,
            }
        }
        if chunk:
            body["_embedded"] = {
                "events": [
                    {
                        "id": event_id,
                        "name": event_id,
                        "dates": {"start": {"dateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ")}},
                    }
                    for event_id, when in chunk
                ]
            }
        return httpx.Response(200, json=body)


async def test_iter_event_pages_splits_windows_to_reach_every_event(fake_sleep: FakeSleep) -> None:
    # 2,600 events: a uniform spread plus 900 on one busy evening, and one exactly on the first split point.
    starts = [START + timedelta(minutes=17 * index) for index in range(1700)]
    starts += [datetime(2026, 11, 20, 19, 0, tzinfo=UTC) + timedelta(seconds=index) for index in range(899)]
    starts.append(START + (END - START) / 2)
    catalog = FakeCatalog(starts)
    client = make_client(catalog, fake_sleep)

    seen: list[str] = []
    async for page in client.iter_event_pages(START, END, country_code="US"):
        seen.extend(event.id for event in page.events)
    await client.aclose()

    assert len(seen) == len(set(seen)) == len(starts)
    for params in catalog.requests:
        assert int(params["page"]) * int(params["size"]) < 1000
        assert params["startDateTime"].endswith("Z")
        assert len(params["startDateTime"]) == 20
    windows = {(params["startDateTime"], params["endDateTime"]) for params in catalog.requests}
    assert len(windows) > 3  # it did split
    boundary_id = f"E{len(starts) - 1:05d}"
    assert catalog.served.count(boundary_id) >= 2  # served by both halves, yielded once
