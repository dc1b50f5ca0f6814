"""Ticketmaster Discovery v2 client: music events, attractions and venues as pydantic models.

Facts behind the limits (see external-apis.md A):
- `size` max 200 (201+ gives DIS1036) and only items with `page*size < 1000` are reachable (DIS1035):
  `iter_event_pages` halves the date window until every window fits.
- Dates must be exactly `YYYY-MM-DDTHH:mm:ssZ` (anything else gives DIS1015).
- 5 requests/s with no burst (spike arrest, short retry) and 5,000 calls/day (quota 429: wait until
  `Rate-Limit-Reset`, epoch ms). Auth is the `apikey` query parameter, which the quota 429 body
  echoes back: it is redacted from every exception and from httpx's request log lines.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import AliasPath, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError

from app.catalog.matching import spotify_id_from_url
from app.clients.base import ApiClient
from app.clients.breaker import CircuitBreaker, MemoryBreaker
from app.clients.errors import (
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
    hide_in_logs,
    redact,
)
from app.clients.ratelimit import MemoryIntervalLimiter, RateLimiter, Sleep
from app.clients.retry import Guard, Retryable, RetryPolicy

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

SERVICE = "ticketmaster"
DEFAULT_BASE_URL = "https://app.ticketmaster.com"
MUSIC_SEGMENT_ID = "KZFzniwnSyZfZ7v7nJ"
MAX_PAGE_SIZE = 200  # DIS1036 above this
MAX_PAGING_DEPTH = 1000  # page * size must stay below this (DIS1035)
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Quota 429 without a usable Rate-Limit-Reset: the quota resets 24 h after the day's first call.
_QUOTA_FALLBACK_WAIT_SECONDS = 3600.0
_PLACEHOLDER_NAMES = frozenset({"undefined", "other"})


# --- models: only the fields the sync uses -----------------------------------------------------


def _clean_text(value: object) -> object:
    """Collapse stray whitespace (" Long Beach"); empty becomes None."""
    if isinstance(value, str):
        return " ".join(value.split()) or None
    return value


def _coordinate(value: object) -> float | None:
    """TM sends latitude/longitude as strings, and sometimes omits them."""
    try:
        return float(value) if isinstance(value, str | int | float) else None
    except ValueError:
        return None


def _best_image(value: object) -> str | None:
    """The widest non-fallback 16:9 image, else the widest image at all."""
    if not isinstance(value, list):
        return None
    images = [image for image in value if isinstance(image, dict) and image.get("url")]
    preferred = [image for image in images if image.get("ratio") == "16_9" and not image.get("fallback")]
    candidates = preferred or images
    return str(max(candidates, key=lambda image: image.get("width") or 0)["url"]) if candidates else None


def _primary_genre(value: object) -> str | None:
    """The primary classification's genre name; the "Undefined"/"Other" placeholders become None."""
    if not isinstance(value, list) or not value:
        return None
    primary = next((c for c in value if isinstance(c, dict) and c.get("primary")), value[0])
    genre = primary.get("genre") if isinstance(primary, dict) else None
    name = genre.get("name") if isinstance(genre, dict) else None
    return name if isinstance(name, str) and name.casefold() not in _PLACEHOLDER_NAMES else None


def _spotify_id(value: object) -> str | None:
    """The artist id from the first parsable `externalLinks.spotify[].url`."""
    if not isinstance(value, list):
        return None
    urls = (link.get("url") for link in value if isinstance(link, dict))
    return next((found for url in urls if isinstance(url, str) and (found := spotify_id_from_url(url))), None)


def _status(value: object) -> object:
    """Live TM spells it "cancelled", the Swagger enum "canceled": keep one spelling."""
    return "cancelled" if value == "canceled" else value


def _not_placeholder(value: object) -> object:
    """Onsale dates of 1900-01-01 are placeholders for "unknown"."""
    return None if isinstance(value, str) and value.startswith("1900-") else value


Text = Annotated[str | None, BeforeValidator(_clean_text)]
Coordinate = Annotated[float | None, BeforeValidator(_coordinate)]
ImageUrl = Annotated[str | None, BeforeValidator(_best_image)]
Genre = Annotated[str | None, BeforeValidator(_primary_genre)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class Venue(_Model):
    id: str
    name: Text = None
    url: str | None = None
    city: Text = Field(default=None, validation_alias=AliasPath("city", "name"))
    state_code: str | None = Field(default=None, validation_alias=AliasPath("state", "stateCode"))
    country_code: str | None = Field(default=None, validation_alias=AliasPath("country", "countryCode"))
    postal_code: str | None = Field(default=None, validation_alias="postalCode")
    address: Text = Field(default=None, validation_alias=AliasPath("address", "line1"))
    timezone: str | None = None
    latitude: Coordinate = Field(default=None, validation_alias=AliasPath("location", "latitude"))
    longitude: Coordinate = Field(default=None, validation_alias=AliasPath("location", "longitude"))


class Attraction(_Model):
    id: str
    name: str
    url: str | None = None
    spotify_id: Annotated[str | None, BeforeValidator(_spotify_id)] = Field(
        default=None, validation_alias=AliasPath("externalLinks", "spotify")
    )
    upcoming_events: int | None = Field(default=None, validation_alias=AliasPath("upcomingEvents", "_total"))
    genre: Genre = Field(default=None, validation_alias="classifications")
    image_url: ImageUrl = Field(default=None, validation_alias="images")
    aliases: list[str] = Field(default_factory=list)


class PriceRange(_Model):
    type: str | None = None
    currency: str | None = None
    min: float | None = None
    max: float | None = None


class Event(_Model):
    id: str
    name: str
    url: str | None = None
    status: Annotated[str | None, BeforeValidator(_status)] = Field(
        default=None, validation_alias=AliasPath("dates", "status", "code")
    )
    # Missing on about 1 in 4 events: `effective_timezone` falls back to the venue's.
    timezone: str | None = Field(default=None, validation_alias=AliasPath("dates", "timezone"))
    local_date: date | None = Field(default=None, validation_alias=AliasPath("dates", "start", "localDate"))
    local_time: time_of_day | None = Field(default=None, validation_alias=AliasPath("dates", "start", "localTime"))
    # Absent when noSpecificTime is true.
    start: AwareDatetime | None = Field(default=None, validation_alias=AliasPath("dates", "start", "dateTime"))
    date_tba: bool = Field(default=False, validation_alias=AliasPath("dates", "start", "dateTBA"))
    time_tba: bool = Field(default=False, validation_alias=AliasPath("dates", "start", "timeTBA"))
    no_specific_time: bool = Field(default=False, validation_alias=AliasPath("dates", "start", "noSpecificTime"))
    onsale_start: Annotated[AwareDatetime | None, BeforeValidator(_not_placeholder)] = Field(
        default=None, validation_alias=AliasPath("sales", "public", "startDateTime")
    )
    price_ranges: list[PriceRange] = Field(default_factory=list, validation_alias="priceRanges")
    genre: Genre = Field(default=None, validation_alias="classifications")
    image_url: ImageUrl = Field(default=None, validation_alias="images")
    venues: list[Venue] = Field(default_factory=list, validation_alias=AliasPath("_embedded", "venues"))
    attractions: list[Attraction] = Field(default_factory=list, validation_alias=AliasPath("_embedded", "attractions"))

    @property
    def venue(self) -> Venue | None:
        """The event's venue (exactly one was seen on every real event)."""
        return self.venues[0] if self.venues else None

    @property
    def effective_timezone(self) -> str | None:
        """`dates.timezone`, else the venue's IANA zone."""
        return self.timezone or (self.venue.timezone if self.venue else None)


class _PageInfo(_Model):
    size: int = 0
    total_elements: int = Field(default=0, validation_alias="totalElements")
    total_pages: int = Field(default=0, validation_alias="totalPages")
    number: int = 0


class EventPage(_Model):
    events: list[Event]
    number: int
    size: int
    total_elements: int
    total_pages: int
    skipped: int = 0  # malformed events left out rather than failing the whole page


# --- client -------------------------------------------------------------------------------------


def format_tm_datetime(value: datetime) -> str:
    """`YYYY-MM-DDTHH:mm:ssZ` in UTC, the only format TM accepts."""
    if value.tzinfo is None:
        raise ValueError("Ticketmaster dates must be timezone-aware")
    return value.astimezone(UTC).strftime(_DATE_FORMAT)


def reachable_items(size: int) -> int:
    """How many results paging can reach at this page size (pages with page*size < 1000)."""
    return ((MAX_PAGING_DEPTH - 1) // size + 1) * size


class TicketmasterClient(ApiClient):
    """Async client of the Discovery v2 API with shared rate limiting, breaker and retries."""

    def __init__(
        self,
        api_key: SecretStr | str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        breaker: CircuitBreaker | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api_key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        key = self._api_key.get_secret_value()
        self._secrets = (key, quote(key, safe=""))
        for secret in self._secrets:
            hide_in_logs(secret)
        self._base_url = base_url.rstrip("/")
        super().__init__(http, transport)
        self._timeout = httpx.Timeout(timeout)
        self._clock = clock
        self.quota_remaining: int | None = None  # Rate-Limit-Available of the last 200
        self._quota_reset: float | None = None  # epoch seconds, from Rate-Limit-Reset
        self._guard = Guard(
            SERVICE,
            limiter=limiter or MemoryIntervalLimiter(0.2, sleep=sleep),
            breaker=breaker or MemoryBreaker(SERVICE),
            policy=retry or RetryPolicy(),
            redact=self._redact,
            sleep=sleep,
        )

    async def search_events(
        self,
        start: datetime,
        end: datetime | None = None,
        *,
        keyword: str | None = None,
        city: str | None = None,
        country_code: str | None = None,
        page: int = 0,
        size: int = MAX_PAGE_SIZE,
        segment_id: str | None = MUSIC_SEGMENT_ID,
        sort: str = "id,asc",
    ) -> EventPage:
        """One page of events starting in [start, end] (no end: from start on), by `keyword` and `city` if given.

        `id,asc` is the only strictly stable sort (the sync pages by it); look-ups ask for `date,asc`.
        """
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"size must be 1..{MAX_PAGE_SIZE}")
        if page < 0 or page * size >= MAX_PAGING_DEPTH:
            raise ValueError(f"page*size must be below {MAX_PAGING_DEPTH}")
        params: dict[str, str | int] = {
            "startDateTime": format_tm_datetime(start),
            "size": size,
            "page": page,
            "sort": sort,
        }
        optional = {
            "endDateTime": format_tm_datetime(end) if end is not None else None,
            "keyword": keyword,
            "city": city,
            "countryCode": country_code,
            "segmentId": segment_id,
        }
        params.update({name: value for name, value in optional.items() if value})
        return self._event_page(await self._get_json("/discovery/v2/events", params))

    async def iter_event_pages(
        self,
        start: datetime,
        end: datetime,
        *,
        country_code: str | None = None,
        size: int = MAX_PAGE_SIZE,
        segment_id: str | None = MUSIC_SEGMENT_ID,
    ) -> AsyncIterator[EventPage]:
        """Every event in [start, end]: windows whose total exceeds what paging reaches are halved."""
        seen: set[str] = set()  # an event exactly on a split boundary can come back in both halves
        windows = [(_whole_second(start), _whole_second(end))]
        while windows:
            window_start, window_end = windows.pop()
            first = await self.search_events(
                window_start, window_end, country_code=country_code, size=size, segment_id=segment_id
            )
            if first.total_elements > reachable_items(size) and window_end - window_start > timedelta(seconds=1):
                middle = _whole_second(window_start + (window_end - window_start) / 2)
                windows.extend([(middle, window_end), (window_start, middle)])  # a stack: earlier half first
                continue
            if first.total_elements > reachable_items(size):
                logger.warning("ticketmaster: %d events in one second; only %d reachable", first.total_elements, size)
            page = first
            while True:
                yield _without_seen(page, seen)
                next_number = page.number + 1
                if not page.events or next_number >= page.total_pages or next_number * size >= MAX_PAGING_DEPTH:
                    break
                page = await self.search_events(
                    window_start,
                    window_end,
                    country_code=country_code,
                    page=next_number,
                    size=size,
                    segment_id=segment_id,
                )

    async def get_event(self, event_id: str) -> Event:
        """One event by id."""
        return _parse(Event, await self._get_json(f"/discovery/v2/events/{quote(event_id, safe='')}", {}))

    async def get_attraction(self, attraction_id: str) -> Attraction:
        """One attraction by id (upcoming event count, Spotify link)."""
        path = f"/discovery/v2/attractions/{quote(attraction_id, safe='')}"
        return _parse(Attraction, await self._get_json(path, {}))

    async def get_venue(self, venue_id: str) -> Venue:
        """One venue by id."""
        return _parse(Venue, await self._get_json(f"/discovery/v2/venues/{quote(venue_id, safe='')}", {}))

    # --- plumbing ---

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    async def _get_json(self, path: str, params: Mapping[str, str | int]) -> dict[str, Any]:
        url = f"{self._base_url}{path}"
        query = {**params, "apikey": self._api_key.get_secret_value()}
        response = await self._guard.call(
            lambda: self._http.get(url, params=query, timeout=self._timeout), self._classify
        )
        self._remember_quota(response.headers)
        try:
            body = response.json()
        except ValueError:
            raise UpstreamBadResponse(SERVICE, "response is not JSON", status=response.status_code) from None
        if not isinstance(body, dict):
            raise UpstreamBadResponse(SERVICE, "response is not a JSON object", status=response.status_code)
        return body

    def _classify(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        code, detail = self._error_details(response)
        if status == 429:
            if code and "QuotaViolation" in code:
                wait = self._quota_wait(response.headers)
                raise Retryable(UpstreamRateLimited(SERVICE, wait, f"daily quota exceeded: {detail}"), wait=wait)
            # Spike arrest (5/s, burst 1): our limiter should prevent it; back off briefly and retry.
            raise Retryable(UpstreamRateLimited(SERVICE, 1.0, f"spike arrest: {detail}"))
        if status >= 500:
            error = UpstreamUnavailable(SERVICE, f"HTTP {status}: {detail}", status=status, code=code)
            raise Retryable(error, breaker_failure=True)
        if status in (401, 403):
            raise UpstreamAuthError(SERVICE, f"HTTP {status}: {detail}", status=status, code=code)
        if status == 404:
            raise UpstreamNotFound(SERVICE, detail, status=status, code=code)
        raise UpstreamRejected(SERVICE, f"HTTP {status}: {detail}", status=status, code=code)

    def _error_details(self, response: httpx.Response) -> tuple[str | None, str]:
        """(code, detail) from either error family: Apigee `fault` or Discovery `errors[]`."""
        try:
            body = response.json()
        except ValueError:
            return None, self._redact(response.text[:200])
        code: object = None
        detail: object = None
        if isinstance(body, dict) and isinstance(body.get("fault"), dict):
            fault = body["fault"]
            detail = fault.get("faultstring")
            code = fault.get("detail", {}).get("errorcode") if isinstance(fault.get("detail"), dict) else None
        elif isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
            first = body["errors"][0]
            if isinstance(first, dict):
                code, detail = first.get("code"), first.get("detail")
        code_text = str(code) if code is not None else None
        return code_text, self._redact(str(detail) if detail is not None else str(body)[:200])

    def _remember_quota(self, headers: httpx.Headers) -> None:
        if (available := headers.get("Rate-Limit-Available")) is not None and available.isdigit():
            self.quota_remaining = int(available)
        if (reset := _epoch_ms_header(headers)) is not None:
            self._quota_reset = reset

    def _quota_wait(self, headers: httpx.Headers) -> float:
        reset = _epoch_ms_header(headers) or self._quota_reset
        now = self._clock()
        return reset - now if reset is not None and reset > now else _QUOTA_FALLBACK_WAIT_SECONDS

    def _event_page(self, body: dict[str, Any]) -> EventPage:
        info = _parse(_PageInfo, body.get("page") or {})
        raw_events = (body.get("_embedded") or {}).get("events") or []  # no `_embedded` at all when empty
        events: list[Event] = []
        for raw in raw_events:
            try:
                events.append(Event.model_validate(raw))
            except ValidationError as exc:
                logger.warning("ticketmaster: skipping malformed event %r: %s", _raw_id(raw), exc.errors()[:1])
        return EventPage(
            events=events,
            number=info.number,
            size=info.size,
            total_elements=info.total_elements,
            total_pages=info.total_pages,
            skipped=len(raw_events) - len(events),
        )


def _parse(model: type[M], body: object) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise UpstreamBadResponse(SERVICE, f"unexpected {model.__name__} shape: {exc.errors()[:3]}") from None


def _raw_id(raw: object) -> object:
    return raw.get("id") if isinstance(raw, dict) else None


def _epoch_ms_header(headers: httpx.Headers) -> float | None:
    value = headers.get("Rate-Limit-Reset")
    return int(value) / 1000 if value and value.isdigit() else None


def _whole_second(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def _without_seen(page: EventPage, seen: set[str]) -> EventPage:
    fresh = [event for event in page.events if event.id not in seen]
    seen.update(event.id for event in fresh)
    return page if len(fresh) == len(page.events) else page.model_copy(update={"events": fresh})


__all__ = [
    "MUSIC_SEGMENT_ID",
    "Attraction",
    "Event",
    "EventPage",
    "PriceRange",
    "TicketmasterClient",
    "Venue",
]
