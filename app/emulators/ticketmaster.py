"""Ticketmaster Discovery v2 emulator: HAL envelopes, Apigee limits and the real error bodies.

Section numbers (A.x) refer to /work/shared/external-apis.md.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.emulators.faults import EmulatorState, FaultSettings, control_routes, truncate_json
from app.emulators.world import Image, TmAttraction, TmClassification, TmEvent, TmVenue, World, normalize_name

Handler = Callable[[Request], Awaitable[Response]]
API = "/discovery/v2"
MUSIC_SEGMENT_ID = "KZFzniwnSyZfZ7v7nJ"
MAX_SIZE = 200  # 201+ -> DIS1036 (A.3)
MAX_DEPTH = 1000  # page*size > 1000 -> DIS1035 (A.4, the observed rule)
QUOTA_WINDOW_MS = 86_400_000  # the reset is 24 h after the first call, not at midnight (A.7)
# The only accepted date format (A.3): no milliseconds, mandatory Z.
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_UNDEFINED = {"id": "KZAyXgnZfZ7v7nI", "name": "Undefined"}
_EVENT_LIST_PARAMS = (
    "id",
    "attractionId",
    "venueId",
    "segmentId",
    "segmentName",
    "classificationName",
    "classificationId",
    "countryCode",
    "stateCode",
    "city",
    "postalCode",
)

# ---------------------------------------------------------------------------------------------- error bodies (A.8)


def _fault(status: int, faultstring: str, errorcode: str, headers: dict[str, str] | None = None) -> Response:
    body = {"fault": {"faultstring": faultstring, "detail": {"errorcode": errorcode}}}
    return JSONResponse(body, status_code=status, headers=headers)


def _invalid_key() -> Response:
    return _fault(401, "Invalid ApiKey", "oauth.v2.InvalidApiKey")


def _spike_arrest(rate: float) -> Response:
    allowed = f"MessageRate{{messagesPerPeriod={rate:g}, periodInMicroseconds=1000000, maxBurstMessageCount=1.0}}"
    return _fault(429, f"Spike arrest violation. Allowed rate : {allowed}", "policies.ratelimit.SpikeArrestViolation")


def _quota_violation(apikey: str, headers: dict[str, str]) -> Response:
    # The real faultstring echoes the key (and has a double space after "limit"): clients must redact it.
    text = f"Rate limit quota violation. Quota limit  exceeded. Identifier : {apikey}"
    return _fault(429, text, "policies.ratelimit.QuotaViolation", headers)


def _server_error(status: int) -> Response:
    # Apigee's standard gateway faults; exact 5xx bodies were never recorded for Discovery [assumed].
    text, code = {
        500: ("Internal Server Error", "messaging.adaptors.http.flow.InternalServerError"),
        502: ("Unexpected EOF at target", "messaging.adaptors.http.flow.UnexpectedEOFAtTarget"),
        503: ("The Service is temporarily unavailable", "messaging.adaptors.http.flow.ServiceUnavailable"),
    }[status]
    return _fault(status, text, code)


def _dis_error(http_status: int, code: str, detail: str, status: str, link: str = "about") -> Response:
    error = {"_links": {link: {"href": f"{API}/errors.html#{code}"}}, "code": code, "detail": detail, "status": status}
    return JSONResponse({"errors": [error]}, status_code=http_status)


def _not_found(resource_id: str) -> Response:
    # Key order and text exactly as the recorded 404 (samples/tm_event_get_404_DIS1004_cassette_2016.json).
    detail = f"Resource not found with provided criteria (locale=en-us, id={resource_id})"
    error = {
        "code": "DIS1004",
        "detail": detail,
        "status": "404",
        "_links": {"about": {"href": f"{API}/errors.html#DIS1004"}},
    }
    return JSONResponse({"errors": [error]}, status_code=404)


class _BadRequest(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


# ---------------------------------------------------------------------------------------------- state


@dataclass(slots=True)
class _KeyQuota:
    used: int = 0
    over: int = 0
    reset_epoch_ms: int = 0


class TicketmasterState(EmulatorState):
    """Limiter, quota and render caches; lives on `app.state.emulator`."""

    def __init__(
        self,
        world: World,
        faults: FaultSettings | None,
        daily_quota: int,
        rate_per_second: float | None,
        api_keys: Collection[str] | None,
    ) -> None:
        super().__init__(faults, window_seconds=1.0)
        self.world = world
        self.daily_quota = daily_quota
        self.rate_per_second = rate_per_second
        self.api_keys = set(api_keys) if api_keys is not None else None
        self._cache: dict[str, dict[str, Any]] = {}
        self._reset_limits()

    def reset(self) -> None:
        """Clear faults, counters, spike-arrest and quota state."""
        super().reset()
        self._reset_limits()

    def _reset_limits(self) -> None:
        self.last_accepted: dict[str, float] = {}
        self.min_accepted_gap_seconds: float | None = None
        self.spike_arrest_violations = 0
        self.quota_violations = 0
        self.quotas: dict[str, _KeyQuota] = {}

    def key_ok(self, apikey: str) -> bool:
        """Default: any non-empty key is valid."""
        return bool(apikey) and (self.api_keys is None or apikey in self.api_keys)

    def spike_ok(self, apikey: str, now: float) -> bool:
        """Spike arrest with burst 1 (A.7): a request closer than 1/rate to the last accepted one is refused."""
        last = self.last_accepted.get(apikey)
        if self.rate_per_second is not None and last is not None and now - last < 1.0 / self.rate_per_second:
            self.spike_arrest_violations += 1
            return False
        if last is not None:
            gap, best = now - last, self.min_accepted_gap_seconds
            self.min_accepted_gap_seconds = gap if best is None else min(gap, best)
        self.last_accepted[apikey] = now
        return True

    def charge_quota(self, apikey: str) -> tuple[bool, dict[str, str]]:
        """Count one call against the daily quota; returns (allowed, Rate-Limit-* headers)."""
        now_ms = int(time.time() * 1000)
        quota = self.quotas.setdefault(apikey, _KeyQuota())
        if quota.reset_epoch_ms <= now_ms:
            quota.used, quota.over, quota.reset_epoch_ms = 0, 0, now_ms + QUOTA_WINDOW_MS
        allowed = quota.used < self.daily_quota and not self.faults.settings.quota_exhausted
        if allowed:
            quota.used += 1
        else:
            quota.over += 1
            self.quota_violations += 1
        available = 0 if self.faults.settings.quota_exhausted else self.daily_quota - quota.used
        headers = {
            "Rate-Limit": str(self.daily_quota),
            "Rate-Limit-Available": str(available),
            "Rate-Limit-Over": str(quota.over),
            "Rate-Limit-Reset": str(quota.reset_epoch_ms),
        }
        return allowed, headers

    def stats_snapshot(self) -> dict[str, Any]:
        """Shared counters plus the spike/quota breakdown."""
        return {
            **super().stats_snapshot(),
            "min_accepted_gap_seconds": self.min_accepted_gap_seconds,
            "spike_arrest_violations": self.spike_arrest_violations,
            "quota_violations": self.quota_violations,
            "quota_used_by_key": {k: q.used for k, q in self.quotas.items()},
        }

    def world_summary(self) -> dict[str, Any]:
        """Counts and the attraction -> Spotify ground truth, for demos running the emulator out of process."""
        return {"counts": self.world.counts(), "ground_truth": self.world.ground_truth()}

    # ---- rendering (cached: the world never changes)

    def event(self, event: TmEvent) -> dict[str, Any]:
        """Event object as embedded in search results and returned by the detail endpoint."""
        cached = self._cache.get(event.id)
        if cached is None:
            cached = self._cache[event.id] = _render_event(self, event)
        return cached

    def venue(self, venue: TmVenue) -> dict[str, Any]:
        """Venue object."""
        cached = self._cache.get(venue.id)
        if cached is None:
            cached = self._cache[venue.id] = _render_venue(venue)
        return cached

    def attraction(self, attraction: TmAttraction) -> dict[str, Any]:
        """Attraction object."""
        cached = self._cache.get(attraction.id)
        if cached is None:
            cached = self._cache[attraction.id] = _render_attraction(attraction)
        return cached


# ---------------------------------------------------------------------------------------------- rendering


def _images(images: list[Image]) -> list[dict[str, Any]]:
    return [{"ratio": i.ratio, "url": i.url, "width": i.width, "height": i.height, "fallback": False} for i in images]


def _classifications(c: TmClassification) -> list[dict[str, Any]]:
    return [
        {
            "primary": True,
            "segment": {"id": c.segment[0], "name": c.segment[1]},
            "genre": {"id": c.genre[0], "name": c.genre[1]},
            "subGenre": {"id": c.sub_genre[0], "name": c.sub_genre[1]},
            "type": dict(_UNDEFINED),
            "subType": dict(_UNDEFINED),
            "family": False,
        }
    ]


def _self_link(kind: str, resource_id: str) -> dict[str, str]:
    return {"href": f"{API}/{kind}/{resource_id}?locale=en-us"}


def _render_venue(v: TmVenue) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": v.name,
        "type": "venue",
        "id": v.id,
        "test": False,
        "url": v.url,
        "locale": "en-us",
        "postalCode": v.postal_code,
        "timezone": v.timezone,
        "city": {"name": v.city},
    }
    if v.state_code is not None:
        body["state"] = {"name": v.state_name, "stateCode": v.state_code}
    body["country"] = {"name": v.country_name, "countryCode": v.country_code}
    body["address"] = {"line1": v.address_line1}
    if v.latitude is not None:
        body["location"] = {"longitude": v.longitude, "latitude": v.latitude}  # strings (A.5)
    body["markets"] = [{"name": v.market[1], "id": v.market[0]}]
    body["dmas"] = [{"id": v.dma_id}]
    body["upcomingEvents"] = {"_total": v.upcoming_events, "ticketmaster": v.upcoming_events, "_filtered": 0}
    body["_links"] = {"self": _self_link("venues", v.id)}
    return body


def _render_attraction(a: TmAttraction) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": a.name,
        "type": "attraction",
        "id": a.id,
        "test": False,
        "url": a.url,
        "locale": "en-us",
    }
    if a.external_links:
        body["externalLinks"] = a.external_links
    if a.aliases:
        body["aliases"] = a.aliases
    body["images"] = _images(a.images)
    body["classifications"] = _classifications(a.classification)
    body["upcomingEvents"] = {"_total": a.upcoming_events, "ticketmaster": a.upcoming_events, "_filtered": 0}
    body["_links"] = {"self": _self_link("attractions", a.id)}
    return body


def _z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _render_dates(e: TmEvent) -> dict[str, Any]:
    start: dict[str, Any] = {}
    if e.local_date is not None:
        start["localDate"] = e.local_date.isoformat()
    if e.local_time is not None and e.start_utc is not None:
        start["localTime"] = e.local_time.strftime("%H:%M:%S")
        start["dateTime"] = _z(e.start_utc)
    start |= {"dateTBD": e.date_tbd, "dateTBA": e.date_tba, "timeTBA": e.time_tba, "noSpecificTime": e.no_specific_time}
    dates: dict[str, Any] = {"start": start}
    if e.show_timezone:
        dates["timezone"] = e.timezone
    dates["status"] = {"code": e.status}
    dates["spanMultipleDays"] = False
    if e.initial_start is not None:
        first_date, first_time, first_utc = e.initial_start
        dates["initialStartDate"] = {
            "localDate": first_date.isoformat(),
            "localTime": first_time.strftime("%H:%M:%S"),
            "dateTime": _z(first_utc),
        }
    return dates


def _render_event(state: TicketmasterState, e: TmEvent) -> dict[str, Any]:
    world = state.world
    public: dict[str, Any] = {"startDateTime": e.sales_start, "startTBD": False, "startTBA": False}
    if e.sales_end is not None:
        public["endDateTime"] = e.sales_end
    sales: dict[str, Any] = {"public": public}
    if e.presale is not None:
        sales["presales"] = [{"startDateTime": e.presale[1], "endDateTime": e.presale[2], "name": e.presale[0]}]
    body: dict[str, Any] = {
        "name": e.name,
        "type": "event",
        "id": e.id,
        "test": False,
        "url": e.url,
        "locale": "en-us",
        "images": _images(e.images),
        "sales": sales,
        "dates": _render_dates(e),
        "classifications": _classifications(e.classification),
    }
    if e.promoter is not None:
        promoter = {"id": e.promoter[0], "name": e.promoter[1], "description": f"{e.promoter[1]} / NTL / USA"}
        body["promoter"] = promoter
        body["promoters"] = [promoter]
    if e.price_range is not None:  # optional: never required by a client (A.5)
        currency, low, high = e.price_range
        body["priceRanges"] = [{"type": "standard", "currency": currency, "min": low, "max": high}]
    links: dict[str, Any] = {"self": _self_link("events", e.id)}
    embedded: dict[str, Any] = {"venues": [state.venue(world.venues[e.venue_id])]}
    if e.attraction_ids:  # `_embedded.attractions` is missing entirely on some real events (A.5)
        links["attractions"] = [_self_link("attractions", a) for a in e.attraction_ids]
        embedded["attractions"] = [state.attraction(world.attractions[a]) for a in e.attraction_ids]
    links["venues"] = [_self_link("venues", e.venue_id)]
    body["_links"] = links
    body["_embedded"] = embedded
    return body


# ---------------------------------------------------------------------------------------------- search


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        # The exact body for non-numeric paging params was never recorded [assumed shape].
        detail = f'Query param "{name}" must be a positive integer'
        raise _BadRequest(_dis_error(400, "DIS1001", detail, "400 BAD_REQUEST"))
    return value


def _paging(request: Request) -> tuple[int, int]:
    size = _int_param(request, "size", 20)
    page = _int_param(request, "page", 0)
    if size > MAX_SIZE:
        raise _BadRequest(_dis_error(400, "DIS1036", 'Query param "size" must be less than 200', "400 BAD_REQUEST"))
    if page * size > MAX_DEPTH:
        detail = "API Limits Exceeded: Max paging depth exceeded. (page * size) must be less than 1,000"
        raise _BadRequest(_dis_error(400, "DIS1035", detail, "400 BAD_REQUEST"))
    return max(size, 1), page


def _multi(request: Request, name: str) -> list[str]:
    """Repeatable and/or comma-separated parameter values."""
    return [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()]


def _date_param(request: Request, name: str) -> str | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _DATE_RE.match(raw):
        detail = "Query param with date must be of valid format YYYY-MM-DDTHH:mm:ssZ {example: 2020-08-01T14:00:00Z }"
        raise _BadRequest(_dis_error(400, "DIS1015", detail, "400 BAD_REQUEST", link="self"))
    return raw


def _words_match(keyword: str, texts: Iterable[str]) -> bool:
    """`keyword` matches whole words only: "Mado" does not find Madonna (A.3)."""
    wanted = normalize_name(keyword).split()
    have = {word for text in texts for word in normalize_name(text).split()}
    return bool(wanted) and all(word in have for word in wanted)


def _classification_names(c: TmClassification) -> set[str]:
    return {c.segment[1].casefold(), c.genre[1].casefold(), c.sub_genre[1].casefold()}


def _classification_ids(c: TmClassification) -> set[str]:
    return {c.segment[0], c.genre[0], c.sub_genre[0]}


def _include_flag(request: Request, name: str, flagged: bool) -> bool:
    # Live observation: TBA/TBD events stay out unless asked for (A.3); "only" keeps just them.
    mode = request.query_params.get(name, "no").casefold()
    if mode == "only":
        return flagged
    return mode == "yes" or not flagged


def _event_filter(request: Request, world: World, start: str | None, end: str | None) -> Callable[[TmEvent], bool]:
    """Build the event predicate once per request from the search parameters (A.3)."""
    params = {name: _multi(request, name) for name in _EVENT_LIST_PARAMS}
    keyword = request.query_params.get("keyword")

    def matches(e: TmEvent) -> bool:
        venue, c = world.venues[e.venue_id], e.classification
        if not (_include_flag(request, "includeTBA", e.date_tba) and _include_flag(request, "includeTBD", e.date_tbd)):
            return False
        instant = e.sort_instant
        if instant is not None:
            stamp = _z(instant)  # same fixed format as the parameters: string order is time order
            if (start and stamp < start) or (end and stamp > end):
                return False
        tests: dict[str, Callable[[str], bool]] = {
            "id": lambda v: v == e.id,
            "attractionId": lambda v: v in e.attraction_ids,
            "venueId": lambda v: v == e.venue_id,
            "segmentId": lambda v: v == c.segment[0],
            "segmentName": lambda v: v.casefold() == c.segment[1].casefold(),
            # Matches any classification level, hence wider than segmentName (A.3).
            "classificationName": lambda v: v.casefold() in _classification_names(c),
            "classificationId": lambda v: v in _classification_ids(c),
            "countryCode": lambda v: v.upper() == venue.country_code,
            "stateCode": lambda v: v.upper() == (venue.state_code or ""),
            "city": lambda v: v.strip().casefold() == venue.city.strip().casefold(),
            "postalCode": lambda v: v == venue.postal_code,
        }
        if not all(any(tests[name](v) for v in values) for name, values in params.items() if values):
            return False
        if keyword:
            return _words_match(keyword, [e.name, *(world.attractions[a].name for a in e.attraction_ids)])
        return True

    return matches


def _sorted(items: list[Any], sort: str, key_for: dict[str, Callable[[Any], Any]], unstable: bool) -> list[Any]:
    """Apply `sort=field[,field],asc|desc`; unknown fields fall back to relevance."""
    fields = [part.strip() for part in sort.split(",") if part.strip()]
    direction = fields.pop().casefold() if fields and fields[-1].casefold() in ("asc", "desc") else None
    if fields == ["random"]:
        return random.sample(items, k=len(items))
    keys = [key_for[f] for f in fields if f in key_for]
    if not keys:  # relevance,desc (the default) is the world's own order
        return list(reversed(items)) if direction == "asc" else list(items)
    descending = direction == "desc"
    if unstable and "date" in fields:
        items = random.sample(items, k=len(items))  # ties at page boundaries move between requests (A.3)
    return sorted(items, key=lambda item: tuple(k(item) for k in keys), reverse=descending)


def _envelope(request: Request, kind: str, items: list[dict[str, Any]], total: int, size: int, page: int) -> Response:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "apikey"]  # never echo the key (A.1)
    path = f"{API}/{kind}.json"

    def href(page_number: int | None) -> dict[str, str]:
        params = [(k, v) for k, v in query if k not in ("page", "size")]
        if page_number is not None:
            params += [("page", str(page_number)), ("size", str(size))]
        return {"href": f"{path}?{urlencode(params, safe=',')}" if params else path}

    total_pages = math.ceil(total / size)
    links: dict[str, Any] = {"self": {"href": f"{path}?{urlencode(query, safe=',')}" if query else path}}
    if total:
        links["first"] = href(0)
        if page > 0:
            links["prev"] = href(page - 1)
        if page + 1 < total_pages:
            links["next"] = href(page + 1)
        links["last"] = href(total_pages - 1)
    body: dict[str, Any] = {}
    if items:  # an empty result has no `_embedded` key at all (A.4)
        body["_embedded"] = {kind: items}
    body["_links"] = links
    body["page"] = {"size": size, "totalElements": total, "totalPages": total_pages, "number": page}
    return JSONResponse(body)


def _resource_id(request: Request) -> str:
    return str(request.path_params["id"]).removesuffix(".json")


def create_ticketmaster_app(
    world: World,
    *,
    faults: FaultSettings | None = None,
    daily_quota: int = 5000,
    rate_per_second: float | None = 5.0,
    api_keys: Collection[str] | None = None,
) -> Starlette:
    """Discovery v2 emulator (`rate_per_second=None` turns spike arrest off; `api_keys=None` accepts any key)."""
    state = TicketmasterState(world, faults, daily_quota, rate_per_second, api_keys)

    async def search_events(request: Request) -> Response:
        size, page = _paging(request)
        start, end = _date_param(request, "startDateTime"), _date_param(request, "endDateTime")
        # Upcoming events by default; the world's past shows only for a startDateTime before its today.
        reaches_back = start is not None and start < f"{world.today.isoformat()}T00:00:00Z"
        candidates = [*world.events.values(), *(world.past_events.values() if reaches_back else ())]
        matches = list(filter(_event_filter(request, world, start, end), candidates))
        far = "9999-12-31T00:00:00Z"
        keys: dict[str, Callable[[Any], Any]] = {
            "date": lambda e: _z(e.sort_instant) if e.sort_instant else far,
            "name": lambda e: e.name.casefold(),
            "id": lambda e: e.id,  # byte order, strictly ordered (A.3)
            "venueName": lambda e: world.venues[e.venue_id].name.casefold(),
            "onSaleStartDate": lambda e: e.sales_start,
        }
        ordered = _sorted(matches, request.query_params.get("sort", ""), keys, state.faults.settings.unstable_date_sort)
        window = ordered[page * size : (page + 1) * size]
        return _envelope(request, "events", [state.event(e) for e in window], len(ordered), size, page)

    async def search_attractions(request: Request) -> Response:
        size, page = _paging(request)
        keyword, ids = request.query_params.get("keyword"), _multi(request, "id")
        names, class_ids = _multi(request, "classificationName"), _multi(request, "classificationId")
        matches = [
            a
            for a in world.attractions.values()
            if (not keyword or _words_match(keyword, [a.name, *a.aliases]))
            and (not ids or a.id in ids)
            and (not names or any(n.casefold() in _classification_names(a.classification) for n in names))
            and (not class_ids or any(i in _classification_ids(a.classification) for i in class_ids))
        ]
        ordered = _sorted(matches, request.query_params.get("sort", ""), {"name": lambda a: a.name.casefold()}, False)
        window = ordered[page * size : (page + 1) * size]
        return _envelope(request, "attractions", [state.attraction(a) for a in window], len(ordered), size, page)

    async def search_venues(request: Request) -> Response:
        size, page = _paging(request)
        q = request.query_params
        keyword, ids = q.get("keyword"), _multi(request, "id")
        matches = [
            v
            for v in world.venues.values()
            if (not keyword or _words_match(keyword, [v.name, v.city]))
            and (not ids or v.id in ids)
            and (not q.get("countryCode") or q["countryCode"].upper() == v.country_code)
            and (not q.get("stateCode") or q["stateCode"].upper() == (v.state_code or ""))
            and (not q.get("city") or q["city"].strip().casefold() == v.city.strip().casefold())
        ]
        ordered = _sorted(matches, q.get("sort", ""), {"name": lambda v: v.name.casefold()}, False)
        window = ordered[page * size : (page + 1) * size]
        return _envelope(request, "venues", [state.venue(v) for v in window], len(ordered), size, page)

    async def get_event(request: Request) -> Response:
        event = world.events.get(_resource_id(request)) or world.past_events.get(_resource_id(request))
        return JSONResponse(state.event(event)) if event else _not_found(_resource_id(request))

    async def get_event_images(request: Request) -> Response:
        event = world.events.get(_resource_id(request)) or world.past_events.get(_resource_id(request))
        if event is None:
            return _not_found(_resource_id(request))
        body = {"type": "event", "id": event.id, "images": _images(event.images)}
        return JSONResponse({**body, "_links": {"self": {"href": f"{API}/events/{event.id}/images?locale=en-us"}}})

    async def get_attraction(request: Request) -> Response:
        attraction = world.attractions.get(_resource_id(request))
        return JSONResponse(state.attraction(attraction)) if attraction else _not_found(_resource_id(request))

    async def get_venue(request: Request) -> Response:
        venue = world.venues.get(_resource_id(request))
        return JSONResponse(state.venue(venue)) if venue else _not_found(_resource_id(request))

    def api(template: str, handler: Handler) -> Handler:
        async def gate(request: Request) -> Response:
            response = await _guarded(state, template, handler, request)
            state.stats.response(response.status_code)
            return response

        return gate

    routes = control_routes(state)
    for name, handler in (("events", search_events), ("attractions", search_attractions), ("venues", search_venues)):
        routes += [
            Route(f"{API}/{name}", api(f"{API}/{name}", handler)),
            Route(f"{API}/{name}.json", api(f"{API}/{name}", handler)),
        ]
    routes += [
        Route(f"{API}/events/{{id}}/images", api(f"{API}/events/{{id}}/images", get_event_images)),
        Route(f"{API}/events/{{id}}/images.json", api(f"{API}/events/{{id}}/images", get_event_images)),
        Route(f"{API}/events/{{id}}", api(f"{API}/events/{{id}}", get_event)),
        Route(f"{API}/attractions/{{id}}", api(f"{API}/attractions/{{id}}", get_attraction)),
        Route(f"{API}/venues/{{id}}", api(f"{API}/venues/{{id}}", get_venue)),
    ]

    async def unknown_path(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        # Apigee's answer for a path no proxy serves [assumed for Discovery].
        text = f"Unable to identify proxy for host: default and url: {request.url.path}"
        return _fault(status, text, "messaging.adaptors.http.flow.ApplicationNotFound")

    app = Starlette(routes=routes, exception_handlers={404: unknown_path, 405: unknown_path})
    app.state.emulator = state
    return app


async def _guarded(state: TicketmasterState, template: str, handler: Handler, request: Request) -> Response:
    """Faults, then the Apigee policies in gateway order (key, spike arrest, quota), then the handler."""
    now = time.monotonic()
    apikey = request.query_params.get("apikey", "")
    state.stats.arrival(template)
    if apikey:
        state.stats.keyed(apikey, now)
    faults = state.faults
    if faults.applies_to(request.url.path):
        await faults.delay(request)
        if faults.take_storm():
            if faults.settings.rate_limit_kind == "quota":
                return _quota_violation(apikey, {})
            return _spike_arrest(state.rate_per_second or 5.0)
        failure = faults.take_failure()
        if failure is not None:
            return _server_error(failure)
    if not state.key_ok(apikey):
        return _invalid_key()
    if not state.spike_ok(apikey, now):
        return _spike_arrest(state.rate_per_second or 5.0)
    allowed, headers = state.charge_quota(apikey)
    if not allowed:
        return _quota_violation(apikey, headers)
    try:
        response = await handler(request)
    except _BadRequest as bad:
        return bad.response  # 400s count against the quota but carry no Rate-Limit headers (A.7)
    response.headers.update(headers)
    if response.status_code == 200 and faults.applies_to(request.url.path) and faults.take_malformed():
        return truncate_json(response)
    return response
