"""SetlistFmClient against httpx.MockTransport: every recorded setlist.fm sample, errors, quota and budget."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from clients_testing import FakeSleep

from app.clients.breaker import MemoryBreaker
from app.clients.budget import MemoryDailyBudget
from app.clients.errors import (
    DailyQuotaExhausted,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from app.clients.ratelimit import NoLimit
from app.clients.retry import CallStats
from app.clients.setlistfm import Setlist, SetlistFmClient

API_KEY = "sfm-key-2f9d0c1b7a"
BASE = "https://api.setlist.fm/rest"
Handler = Callable[[httpx.Request], httpx.Response]
Sample = Callable[[str], Any]
STEREOPHONICS = "0bfba3d3-6a04-4779-bb0a-df07df5b0558"


def make_client(handler: Handler, sleep: FakeSleep, **kwargs: Any) -> SetlistFmClient:
    kwargs.setdefault("limiter", NoLimit())
    kwargs.setdefault("breaker", MemoryBreaker("setlistfm"))
    return SetlistFmClient(API_KEY, base_url=BASE, transport=httpx.MockTransport(handler), sleep=sleep, **kwargs)


def serve(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    return handler


class Recorder:
    """A handler answering from a list of responses (the last one repeats), keeping the requests."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]


# --- parser tests on every recorded sample ---------------------------------------------------------


async def test_artist_setlists_page_parses_the_real_tour_page(sample: Sample, fake_sleep: FakeSleep) -> None:
    async with make_client(serve(sample("setlistfm_artist_setlists_stereophonics_p1_2022.json")), fake_sleep) as c:
        page = await c.artist_setlists(STEREOPHONICS)

    assert (page.page, page.total, page.items_per_page, page.pages, page.skipped) == (1, 991, 20, 50, 0)
    assert len(page.setlists) == 20
    dates = [s.event_date for s in page.setlists]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert dates[0] == date(2022, 7, 5)
    first = page.setlists[0]
    assert (first.id, first.version_id, first.tour) == ("53b51b01", "g13f2ad71", "OocHya Tour 2022")
    assert first.artist.mbid == STEREOPHONICS
    assert first.artist.disambiguation is None  # "" means none
    assert (first.venue.name, first.venue.city, first.venue.country_code) == ("The Eden Project", "St Austell", "GB")
    assert first.url
    assert first.url.endswith("-53b51b01.html")
    assert [(s.encore, len(s.songs)) for s in first.sets] == [(None, 19), (1, 4)]
    assert first.sets[1].songs[2].cover is not None
    assert first.sets[1].songs[2].cover.name == "Mike d\u2019Abo"
    assert first.sets[0].songs[14].info == "Ukulele"
    o2 = next(s for s in page.setlists if s.id == "53894351")
    assert [s.name for s in o2.sets] == [None, "B Stage", "Main Stage", None]
    assert any(s.encore == 2 for p in page.setlists for s in p.sets)
    assert any(song.tape for p in page.setlists for s in p.sets for song in s.songs)
    guests = [song.guest.name for p in page.setlists for s in p.sets for song in s.songs if song.guest]
    assert guests
    radio = [s for s in page.setlists if s.tour is None]
    assert {s.venue.name for s in radio if s.venue} >= {"Virgin Radio", "Maida Vale Studios"}
    assert next(s for s in page.setlists if s.id == "bb449e2").event_date == date(2022, 6, 17)  # 7-char id


async def test_search_setlists_parses_covers_and_song_and_show_info(sample: Sample, fake_sleep: FakeSleep) -> None:
    async with make_client(serve(sample("setlistfm_search_setlists_foo_fighters_2021.json")), fake_sleep) as c:
        page = await c.search_setlists("67f66c07-6e61-4026-ade5-7e782fad3a5d", on=date(2021, 9, 15))

    assert (page.total, page.items_per_page, len(page.setlists)) == (1, 20, 1)
    show = page.setlists[0]
    assert show.event_date == date(2021, 9, 15)
    assert show.last_updated == datetime(2021, 11, 4, 15, 39, 55, tzinfo=UTC)
    assert show.tour == "26th Anniversary Tour"
    assert show.info is not None
    assert show.info.startswith("Set starts 90 minutes late")
    assert (show.venue.city, show.venue.country_code) == ("Syracuse", "US")
    songs = show.sets[0].songs
    assert len(show.sets) == 1
    assert len(songs) == 16
    covers = {song.name: song.cover for song in songs if song.cover}
    assert set(covers) == {"You Should Be Dancing", "Somebody to Love"}
    assert covers["Somebody to Love"].disambiguation == "UK rock group"
    assert songs[3].info == "Not on printed setlist"
    assert not show.is_stub


async def test_search_artists_parses_the_30_per_page_artist_list(sample: Sample, fake_sleep: FakeSleep) -> None:
    async with make_client(serve(sample("setlistfm_search_artists_stereophonics_2022.json")), fake_sleep) as c:
        page = await c.search_artists("Stereophonics")

    assert (page.page, page.total, page.items_per_page) == (1, 1, 30)
    assert [(a.mbid, a.name, a.disambiguation) for a in page.artists] == [(STEREOPHONICS, "Stereophonics", None)]


async def test_one_setlist_parses_tapes_covers_guests_and_both_encores(sample: Sample, fake_sleep: FakeSleep) -> None:
    async with make_client(serve(sample("setlistfm_setlist_rammstein_63ab8613_2024.json")), fake_sleep) as c:
        show = await c.get_setlist("63ab8613")

    assert show is not None
    assert (show.id, show.version_id, show.event_date) == ("63ab8613", "g43ae3717", date(2024, 7, 31))
    assert show.last_updated == datetime(2024, 8, 4, 17, 37, 55, 869000, tzinfo=UTC)
    assert [(s.encore, len(s.songs)) for s in show.sets] == [(None, 16), (1, 5), (2, 5)]
    intro = show.sets[0].songs[0]
    assert intro.tape
    assert intro.cover is not None
    assert intro.cover.name == "George Frideric Handel"
    assert intro.cover.disambiguation == "German\u2010British baroque composer"
    engel = show.sets[1].songs[0]
    assert engel.guest is not None
    assert engel.guest.name == "ABÉLARD"
    assert engel.info == "Piano version; performed on B-Stage"
    assert [song.tape for song in show.sets[2].songs] == [False, False, True, True, True]
    assert show.url == "https://www.setlist.fm/setlist/rammstein/2024/veltins-arena-gelsenkirchen-germany-63ab8613.html"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_setlist("nope"),
        lambda c: c.artist_setlists(STEREOPHONICS, page=60),
        lambda c: c.search_setlists(STEREOPHONICS, on=date(2030, 1, 1)),
        lambda c: c.search_artists("Nobody At All"),
    ],
    ids=["setlist", "artist_setlists", "search_setlists", "search_artists"],
)
async def test_the_real_404_means_nothing_yet_not_an_error(
    calls: CallStats, sample: Sample, fake_sleep: FakeSleep, call: Callable[[SetlistFmClient], Any]
) -> None:
    handler = Recorder(httpx.Response(404, json=sample("setlistfm_error_404_search_artists_2017.json")))
    async with make_client(handler, fake_sleep) as client:
        result = await call(client)

    if isinstance(result, Setlist) or result is None:
        assert result is None
    else:
        assert result.total == 0
        assert not getattr(result, "setlists", getattr(result, "artists", None))
    assert len(handler.requests) == 1  # a 404 is an answer: never retried
    assert calls.retries == 0


async def test_the_documented_bare_set_list_and_empty_stubs_parse_too(sample: Sample, fake_sleep: FakeSleep) -> None:
    deployed = sample("setlistfm_setlist_rammstein_63ab8613_2024.json")
    documented = {k: v for k, v in deployed.items() if k != "sets"} | {"set": deployed["sets"]["set"]}
    stub = {k: v for k, v in deployed.items() if k != "sets"} | {"sets": {"set": []}}

    assert Setlist.model_validate(documented).sets == Setlist.model_validate(deployed).sets
    assert Setlist.model_validate(stub).is_stub
    assert Setlist.model_validate(stub).sets == []


async def test_a_malformed_setlist_is_skipped_not_the_page(sample: Sample, fake_sleep: FakeSleep) -> None:
    body = sample("setlistfm_artist_setlists_stereophonics_p1_2022.json")
    body["setlist"][3]["eventDate"] = "2022-06-17"  # not dd-MM-yyyy
    async with make_client(serve(body), fake_sleep) as client:
        page = await client.artist_setlists(STEREOPHONICS)

    assert (len(page.setlists), page.skipped) == (19, 1)


# --- requests -----------------------------------------------------------------------------------


async def test_requests_carry_the_key_header_json_accept_and_the_dd_mm_yyyy_date(
    sample: Sample, fake_sleep: FakeSleep
) -> None:
    handler = Recorder(httpx.Response(200, json=sample("setlistfm_search_setlists_foo_fighters_2021.json")))
    async with make_client(handler, fake_sleep) as client:
        await client.search_setlists("mbid-1", on=date(2021, 9, 5), page=2)
        handler.responses = [httpx.Response(200, json=sample("setlistfm_search_artists_stereophonics_2022.json"))]
        await client.search_artists("Stereophonics")

    search, artists = handler.requests
    assert search.url.path == "/rest/1.0/search/setlists"
    assert dict(search.url.params) == {"artistMbid": "mbid-1", "p": "2", "date": "05-09-2021"}
    assert search.headers["x-api-key"] == API_KEY
    assert search.headers["accept"] == "application/json"
    assert API_KEY not in str(search.url)
    assert artists.url.path == "/rest/1.0/search/artists"
    assert dict(artists.url.params) == {"artistName": "Stereophonics", "p": "1", "sort": "relevance"}


async def test_an_xml_answer_is_a_bad_response(fake_sleep: FakeSleep) -> None:
    xml = httpx.Response(200, text='<?xml version="1.0"?><setlists/>', headers={"content-type": "application/xml"})
    async with make_client(Recorder(xml), fake_sleep) as client:
        with pytest.raises(UpstreamBadResponse):
            await client.get_setlist("63ab8613")


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_key_is_a_plain_configuration_error_never_retried(status: int, fake_sleep: FakeSleep) -> None:
    handler = Recorder(httpx.Response(status, json={"message": "Forbidden"}))
    async with make_client(handler, fake_sleep) as client:
        with pytest.raises(UpstreamAuthError) as raised:
            await client.search_setlists("mbid-1")

    assert "missing, wrong or deactivated" in str(raised.value)
    assert API_KEY not in str(raised.value)
    assert len(handler.requests) == 1


async def test_limit_exceeded_is_the_daily_quota_not_retried_and_stops_later_calls(
    calls: CallStats, fake_sleep: FakeSleep
) -> None:
    quota = httpx.Response(
        429, json={"message": "Limit Exceeded"}, headers={"x-amzn-errortype": "LimitExceededException"}
    )
    handler = Recorder(quota)
    budget = MemoryDailyBudget(1400)
    async with make_client(handler, fake_sleep, budget=budget) as client:
        with pytest.raises(DailyQuotaExhausted) as first:
            await client.get_setlist("63ab8613")
        with pytest.raises(DailyQuotaExhausted) as second:
            await client.get_setlist("63ab8613")

    assert first.value.by_vendor
    assert not second.value.by_vendor
    assert isinstance(first.value, UpstreamRateLimited)
    assert "tomorrow" in str(first.value)
    tomorrow = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    assert first.value.resets_at == tomorrow
    assert 0 < first.value.retry_after_seconds <= 86_400
    assert len(handler.requests) == 1  # neither retried nor sent again once the quota said no
    assert calls.api_calls == 1
    assert fake_sleep.calls == []


async def test_the_per_second_throttle_is_retried_after_a_short_backoff(
    calls: CallStats, sample: Sample, fake_sleep: FakeSleep
) -> None:
    handler = Recorder(
        httpx.Response(429, json={"message": "Too Many Requests"}),
        httpx.Response(200, json=sample("setlistfm_setlist_rammstein_63ab8613_2024.json")),
    )
    async with make_client(handler, fake_sleep) as client:
        show = await client.get_setlist("63ab8613")

    assert show is not None
    assert len(handler.requests) == 2
    assert calls.retries == 1
    assert len(fake_sleep.calls) == 1
    assert fake_sleep.calls[0] <= 0.5


async def test_server_errors_are_retried_then_reported_unavailable(fake_sleep: FakeSleep) -> None:
    handler = Recorder(httpx.Response(503, json={"message": "Service Unavailable"}))
    async with make_client(handler, fake_sleep) as client:
        with pytest.raises(UpstreamUnavailable):
            await client.artist_setlists(STEREOPHONICS)

    assert len(handler.requests) == 4  # RetryPolicy.max_attempts


async def test_a_spent_daily_budget_sends_nothing_until_the_next_utc_day(
    calls: CallStats, sample: Sample, fake_sleep: FakeSleep
) -> None:
    day = [date(2026, 6, 1)]
    budget = MemoryDailyBudget(2, today=lambda: day[0])
    handler = Recorder(httpx.Response(200, json=sample("setlistfm_setlist_rammstein_63ab8613_2024.json")))
    async with make_client(handler, fake_sleep, budget=budget) as client:
        await client.get_setlist("a")
        await client.get_setlist("b")
        with pytest.raises(DailyQuotaExhausted) as raised:
            await client.get_setlist("c")
        sent_today = len(handler.requests)
        day[0] = date(2026, 6, 2)
        assert await client.get_setlist("d") is not None

    assert sent_today == 2
    assert not raised.value.by_vendor
    assert raised.value.resets_at == datetime(2026, 6, 2, tzinfo=UTC)
    assert calls.api_calls == 3  # the refused call was never counted as sent
    assert len(handler.requests) == 3


async def test_retries_spend_the_budget_too(fake_sleep: FakeSleep) -> None:
    handler = Recorder(httpx.Response(500, json={"message": "Internal server error"}))
    budget = MemoryDailyBudget(3)
    async with make_client(handler, fake_sleep, budget=budget) as client:
        with pytest.raises(DailyQuotaExhausted):
            await client.get_setlist("63ab8613")

    assert len(handler.requests) == 3  # the fourth attempt found the budget spent
    assert await budget.used() == 4


def test_samples_are_the_recorded_bodies_unchanged(sample: Sample) -> None:
    # The 404 sample is the one real body on record: the tests above serve it as is.
    body = sample("setlistfm_error_404_search_artists_2017.json")
    assert json.dumps(body, separators=(",", ":")).startswith('{"timestamp":1507422307666,"status":404')
