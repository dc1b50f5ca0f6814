"""Ticketmaster Discovery v2 emulator over real HTTP: envelope, limits, error bodies, faults, stats."""

from __future__ import annotations

import asyncio

import httpx

from app.emulators.faults import FaultSettings
from app.emulators.server import running_server
from app.emulators.ticketmaster import MUSIC_SEGMENT_ID, create_ticketmaster_app
from app.emulators.world import PLACEHOLDER_SALES_START, World

EVENTS = "/discovery/v2/events.json"


async def test_event_search_is_a_hal_envelope_whose_links_never_carry_the_apikey(tm: httpx.AsyncClient) -> None:
    response = await tm.get(EVENTS, params={"size": 5, "page": 1, "segmentId": MUSIC_SEGMENT_ID})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["_embedded", "_links", "page"]
    assert len(body["_embedded"]["events"]) == 5
    page = body["page"]
    assert page["size"] == 5
    assert page["number"] == 1
    assert page["totalPages"] == -(-page["totalElements"] // 5)
    assert set(body["_links"]) == {"self", "first", "prev", "next", "last"}
    for link in body["_links"].values():
        assert link["href"].startswith("/discovery/v2/events.json?")
        assert "apikey" not in link["href"]
        assert "test-key" not in response.text
    assert "page=2" in body["_links"]["next"]["href"]
    event = body["_embedded"]["events"][0]
    assert event["type"] == "event"
    assert len(event["_embedded"]["venues"]) == 1


async def test_empty_result_has_no_embedded_key_and_zero_pages(tm: httpx.AsyncClient) -> None:
    body = (await tm.get(EVENTS, params={"keyword": "Nonexistentword"})).json()
    assert "_embedded" not in body
    assert body["page"] == {"size": 20, "totalElements": 0, "totalPages": 0, "number": 0}


async def test_size_201_is_dis1036_while_200_works(tm: httpx.AsyncClient) -> None:
    assert (await tm.get(EVENTS, params={"size": 200})).status_code == 200
    response = await tm.get(EVENTS, params={"size": 201})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "DIS1036"
    assert error["status"] == "400 BAD_REQUEST"
    assert error["detail"] == 'Query param "size" must be less than 200'


async def test_page_times_size_over_1000_is_dis1035(tm: httpx.AsyncClient) -> None:
    assert (await tm.get(EVENTS, params={"size": 200, "page": 5})).status_code == 200  # exactly 1000 passes
    response = await tm.get(EVENTS, params={"size": 200, "page": 6})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "DIS1035"
    assert "Rate-Limit" not in response.headers  # 400s carry no rate-limit headers


async def test_dates_other_than_second_precision_utc_are_dis1015(tm: httpx.AsyncClient) -> None:
    ok = await tm.get(EVENTS, params={"startDateTime": "2026-07-01T00:00:00Z", "endDateTime": "2026-08-01T00:00:00Z"})
    assert ok.status_code == 200
    for bad in ("2026-07-01T00:00:00.000Z", "2026-07-01T00:00:00", "2026-07-01"):
        response = await tm.get(EVENTS, params={"startDateTime": bad})
        assert response.status_code == 400, bad
        error = response.json()["errors"][0]
        assert error["code"] == "DIS1015"
        assert error["_links"] == {"self": {"href": "/discovery/v2/errors.html#DIS1015"}}


async def test_unknown_event_id_is_the_recorded_dis1004_404(tm: httpx.AsyncClient) -> None:
    response = await tm.get("/discovery/v2/events/unknown")
    assert response.status_code == 404
    assert response.json() == {
        "errors": [
            {
                "code": "DIS1004",
                "detail": "Resource not found with provided criteria (locale=en-us, id=unknown)",
                "status": "404",
                "_links": {"about": {"href": "/discovery/v2/errors.html#DIS1004"}},
            }
        ]
    }


async def test_missing_or_unknown_apikey_is_401_invalid_apikey_fault(world: World) -> None:
    app = create_ticketmaster_app(world, rate_per_second=None, api_keys={"good-key"})
    async with running_server(app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        expected = {"fault": {"faultstring": "Invalid ApiKey", "detail": {"errorcode": "oauth.v2.InvalidApiKey"}}}
        for params in ({}, {"apikey": ""}, {"apikey": "wrong"}):
            response = await client.get(EVENTS, params=params)
            assert response.status_code == 401
            assert response.json() == expected
            assert "Rate-Limit" not in response.headers
        assert (await client.get(EVENTS, params={"apikey": "good-key"})).status_code == 200


async def test_second_request_within_200ms_is_spike_arrest_and_counted(world: World) -> None:
    async with (
        running_server(create_ticketmaster_app(world)) as base_url,  # the real 5/s, burst 1
        httpx.AsyncClient(base_url=base_url, params={"apikey": "k"}) as client,
    ):
        first, second = await client.get(EVENTS), await client.get(EVENTS)
        assert first.status_code == 200
        assert second.status_code == 429
        fault = second.json()["fault"]
        assert fault["detail"]["errorcode"] == "policies.ratelimit.SpikeArrestViolation"
        assert "maxBurstMessageCount=1.0" in fault["faultstring"]
        assert "Retry-After" not in second.headers
        await asyncio.sleep(0.21)
        assert (await client.get(EVENTS)).status_code == 200
        stats = (await client.get("/_emulator/stats")).json()
    assert stats["limit_violations"] == 1
    assert stats["spike_arrest_violations"] == 1
    assert stats["requests"] == 3  # the control endpoint is not counted
    assert stats["min_accepted_gap_seconds"] >= 0.2 > stats["min_gap_seconds"]
    assert stats["max_requests_in_any_window"] == 3  # all three arrived within one second


async def test_exhausted_daily_quota_is_429_quota_violation_naming_the_key(world: World) -> None:
    app = create_ticketmaster_app(world, daily_quota=3, rate_per_second=None)
    async with (
        running_server(app) as base_url,
        httpx.AsyncClient(base_url=base_url, params={"apikey": "quota-key"}) as client,
    ):
        responses = [await client.get(EVENTS, params={"size": 1}) for _ in range(4)]
        stats = (await client.get("/_emulator/stats")).json()
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["Rate-Limit-Available"] for r in responses[:3]] == ["2", "1", "0"]
    assert all(r.headers["Rate-Limit"] == "3" for r in responses)
    last = responses[-1]
    assert last.headers["Rate-Limit-Available"] == "0"
    assert last.headers["Rate-Limit-Over"] == "1"
    assert int(last.headers["Rate-Limit-Reset"]) > 1_700_000_000_000  # epoch milliseconds
    assert "Retry-After" not in last.headers
    fault = last.json()["fault"]
    assert fault["detail"]["errorcode"] == "policies.ratelimit.QuotaViolation"
    assert fault["faultstring"] == "Rate limit quota violation. Quota limit  exceeded. Identifier : quota-key"
    assert stats["limit_violations"] == 1
    assert stats["quota_violations"] == 1


async def test_detail_endpoints_return_bare_objects_with_or_without_json_suffix(
    tm: httpx.AsyncClient, world: World
) -> None:
    event = next(e for e in world.events.values() if e.attraction_ids)
    for path in (f"/discovery/v2/events/{event.id}", f"/discovery/v2/events/{event.id}.json"):
        body = (await tm.get(path)).json()
        assert body["id"] == event.id
        assert "page" not in body
        assert [a["id"] for a in body["_embedded"]["attractions"]] == event.attraction_ids
    attraction = world.attractions[event.attraction_ids[0]]
    body = (await tm.get(f"/discovery/v2/attractions/{attraction.id}.json")).json()
    assert body["name"] == attraction.name
    assert body["upcomingEvents"]["_total"] == attraction.upcoming_events
    venue = (await tm.get(f"/discovery/v2/venues/{event.venue_id}")).json()
    assert venue["id"] == event.venue_id
    assert venue["type"] == "venue"
    assert (await tm.get(f"/discovery/v2/attractions/{event.id}")).status_code == 404


async def test_attraction_id_filter_and_upcoming_counts_agree(tm: httpx.AsyncClient, world: World) -> None:
    attraction = world.attractions_named("The Midnight Owls")[0]
    params = {"attractionId": attraction.id, "size": "200", "includeTBA": "yes", "includeTBD": "yes"}
    body = (await tm.get(EVENTS, params=params)).json()
    found = body["_embedded"]["events"]
    assert len(found) == attraction.upcoming_events == body["page"]["totalElements"]
    assert all(attraction.id in [a["id"] for a in e["_embedded"]["attractions"]] for e in found)


async def test_classification_name_music_is_wider_than_segment_music(tm: httpx.AsyncClient) -> None:
    by_segment = (
        await tm.get(EVENTS, params={"segmentName": "Music", "includeTBA": "yes", "includeTBD": "yes"})
    ).json()
    by_name = (
        await tm.get(EVENTS, params={"classificationName": "music", "includeTBA": "yes", "includeTBD": "yes"})
    ).json()
    assert by_name["page"]["totalElements"] > by_segment["page"]["totalElements"] > 0


async def test_city_filter_ignores_stray_whitespace_and_keyword_needs_whole_words(
    tm: httpx.AsyncClient, world: World
) -> None:
    long_beach = (await tm.get(EVENTS, params={"city": "Long Beach"})).json()
    assert long_beach["page"]["totalElements"] > 0
    assert long_beach["_embedded"]["events"][0]["_embedded"]["venues"][0]["city"]["name"] == " Long Beach"
    assert (await tm.get(EVENTS, params={"keyword": "Midnight Owls"})).json()["page"]["totalElements"] > 0
    assert (await tm.get(EVENTS, params={"keyword": "Midnig"})).json()["page"]["totalElements"] == 0


async def test_tba_events_only_appear_when_asked_for(tm: httpx.AsyncClient, world: World) -> None:
    tba = [e for e in world.events.values() if e.date_tba]
    assert tba
    only = (await tm.get(EVENTS, params={"includeTBA": "only", "size": 200})).json()
    assert {e["id"] for e in only["_embedded"]["events"]} == {e.id for e in tba}
    assert all("localDate" not in e["dates"]["start"] for e in only["_embedded"]["events"])
    default = (await tm.get(EVENTS, params={"size": 200, "sort": "id,asc"})).json()
    assert default["page"]["totalElements"] == len(world.events) - len(tba) - sum(
        e.date_tbd for e in world.events.values()
    )


async def test_id_asc_paging_visits_every_event_once_in_byte_order(tm: httpx.AsyncClient, world: World) -> None:
    seen: list[str] = []
    for page in range(3):
        body = (
            await tm.get(
                EVENTS, params={"sort": "id,asc", "size": 200, "page": page, "includeTBA": "yes", "includeTBD": "yes"}
            )
        ).json()
        seen += [e["id"] for e in body.get("_embedded", {}).get("events", [])]
    assert seen == sorted(world.events)


async def test_event_shapes_include_the_optional_and_placeholder_cases(tm: httpx.AsyncClient) -> None:
    events = []
    for page in range(2):
        body = (await tm.get(EVENTS, params={"size": 200, "page": page, "includeTBA": "yes"})).json()
        events += body["_embedded"]["events"]
    assert any("timezone" not in e["dates"] for e in events)
    assert any("priceRanges" not in e for e in events)
    assert any("priceRanges" in e for e in events)
    assert any(e["sales"]["public"]["startDateTime"] == PLACEHOLDER_SALES_START for e in events)
    assert any("_embedded" in e and "attractions" not in e["_embedded"] for e in events)
    assert any(e["dates"]["start"].get("noSpecificTime") and "dateTime" not in e["dates"]["start"] for e in events)
    rescheduled = [e for e in events if e["dates"]["status"]["code"] == "rescheduled"]
    assert rescheduled
    assert all("initialStartDate" in e["dates"] for e in rescheduled)
    assert {e["dates"]["status"]["code"] for e in events} == {
        "onsale",
        "offsale",
        "cancelled",
        "postponed",
        "rescheduled",
    }
    venues = [e["_embedded"]["venues"][0] for e in events]
    assert all(isinstance(v["location"]["latitude"], str) for v in venues if "location" in v)
    assert any("location" not in v for v in venues)


async def test_malformed_json_fault_truncates_the_next_body_only(tm: httpx.AsyncClient) -> None:
    assert (await tm.post("/_emulator/faults", json={"malformed_json_next_n": 1})).status_code == 200
    broken = await tm.get(EVENTS)
    assert broken.status_code == 200
    assert broken.headers["content-type"] == "application/json"
    try:
        broken.json()
        raise AssertionError("body should not parse")
    except ValueError:
        pass
    assert (await tm.get(EVENTS)).json()["page"]["size"] == 20


async def test_fail_next_and_storm_faults_then_reset_clears_them_and_counters(tm: httpx.AsyncClient) -> None:
    await tm.post("/_emulator/faults", json={"fail_next_n": 1, "fail_status": 502})
    assert (await tm.get(EVENTS)).status_code == 502
    await tm.post("/_emulator/faults", json={"rate_limit_next_n": 2, "rate_limit_kind": "quota"})
    storm = [await tm.get(EVENTS) for _ in range(2)]
    assert [r.json()["fault"]["detail"]["errorcode"] for r in storm] == ["policies.ratelimit.QuotaViolation"] * 2
    await tm.post("/_emulator/faults", json={"quota_exhausted": True})
    assert (await tm.get(EVENTS)).status_code == 429
    stats = (await tm.get("/_emulator/stats")).json()
    assert stats["limit_violations"] == 3
    assert stats["responses_by_status"] == {"429": 3, "502": 1}
    assert (await tm.post("/_emulator/faults", json={"no_such_fault": 1})).status_code == 400
    await tm.post("/_emulator/reset")
    assert (await tm.get(EVENTS)).status_code == 200
    stats = (await tm.get("/_emulator/stats")).json()
    assert stats["requests"] == 1
    assert stats["limit_violations"] == 0


async def test_faults_can_be_set_in_process_and_target_one_path(world: World) -> None:
    faults = FaultSettings(fail_next_n=1, path_contains="/venues")
    async with (
        running_server(create_ticketmaster_app(world, faults=faults, rate_per_second=None)) as base_url,
        httpx.AsyncClient(base_url=base_url, params={"apikey": "k"}) as client,
    ):
        assert (await client.get(EVENTS)).status_code == 200
        assert (await client.get("/discovery/v2/venues.json")).status_code == 503
    assert faults.fail_next_n == 0


async def test_world_endpoint_exposes_ground_truth(tm: httpx.AsyncClient, world: World) -> None:
    body = (await tm.get("/_emulator/world")).json()
    assert body["counts"]["events"] == len(world.events)
    assert body["ground_truth"] == world.ground_truth()
