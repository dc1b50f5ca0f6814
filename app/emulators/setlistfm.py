"""setlist.fm API 1.0 emulator: the real response shapes, the API-gateway limits and its error bodies.

What it reproduces (docs/setlist-fm.md has the facts behind each):
- paths under `/rest/1.0/...`, the key in `x-api-key`, JSON only when `Accept: application/json` asks for it;
- songs nested as `sets.set[].song[]`, setlist pages of 20 and artist pages of 30, newest setlists first;
- nothing found is a 404 with the old Spring-style JSON body, never an empty list;
- 2 requests/s with no burst per key (429 `Too Many Requests`) and a daily quota per key over a rolling
  24 h (429 `Limit Exceeded`); a missing, unknown or deactivated key gets 403 `Forbidden`;
- setlists change after the show: `/_emulator/setlists/{id}/edit` bumps `versionId`,
  `/_emulator/setlists/{id}/publish` posts one held back, `POST /_emulator/setlists` adds a new one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.emulators.faults import EmulatorState, FaultSettings, control_routes, truncate_json
from app.emulators.setlistfm_world import (
    SetlistFmWorld,
    SlArtist,
    SlCity,
    SlSet,
    SlSetlist,
    SlSong,
    SlVenue,
    build_setlistfm_world,
    setlist_url,
)
from app.emulators.world import World, normalize_name

Handler = Callable[[Request], Awaitable[Response]]
API = "/rest/1.0"
SETLISTS_PER_PAGE = 20
ARTISTS_PER_PAGE = 30
QUOTA_WINDOW_SECONDS = 86_400.0
STANDARD_DAILY_QUOTA = 1440
_HEADERS = {"Cache-Control": "no-transform, max-age=60", "Vary": "Accept-Encoding,Accept,Accept-Language"}


# ---------------------------------------------------------------------------------------------- error bodies


def _spring_error(request: Request, status: int, error: str, message: str) -> Response:
    # The one real 404 body on record is Spring Boot's; the gateway path drops the `/rest` prefix.
    body = {
        "timestamp": int(time.time() * 1000),
        "status": status,
        "error": error,
        "message": message,
        "path": request.url.path.removeprefix("/rest"),
    }
    return JSONResponse(body, status_code=status)


def _not_found(request: Request) -> Response:
    return _spring_error(request, 404, "Not Found", "Not Found")


def _gateway(status: int, message: str, error_type: str | None = None) -> Response:
    headers = {"x-amzn-errortype": error_type} if error_type else None
    return JSONResponse({"message": message}, status_code=status, headers=headers)


def _forbidden() -> Response:
    return _gateway(403, "Forbidden", "ForbiddenException")


def _throttled() -> Response:
    return _gateway(429, "Too Many Requests", "TooManyRequestsException")


def _quota_exceeded() -> Response:
    return _gateway(429, "Limit Exceeded", "LimitExceededException")


def _server_error(status: int) -> Response:
    # API-gateway style bodies; what setlist.fm's own 5xx look like was never recorded.
    message = {500: "Internal server error", 502: "Bad Gateway", 503: "Service Unavailable"}[status]
    return _gateway(status, message)


class _BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------- rendering


def _artist(artist: SlArtist) -> dict[str, Any]:
    return {
        "mbid": artist.mbid,
        "name": artist.name,
        "sortName": artist.sort_name,
        "disambiguation": artist.disambiguation,
        "url": artist.url,
    }


def _venue(venue: SlVenue) -> dict[str, Any]:
    city: dict[str, Any] = {"id": venue.city.id, "name": venue.city.name}
    if venue.city.state is not None:
        city |= {"state": venue.city.state, "stateCode": venue.city.state_code}
    city["coords"] = {"lat": venue.city.lat, "long": venue.city.long}
    city["country"] = {"code": venue.city.country_code, "name": venue.city.country_name}
    return {"id": venue.id, "name": venue.name, "city": city, "url": venue.url}


def _timestamp(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}+0000"


class SetlistFmState(EmulatorState):
    """The posted setlists (edits replace, never mutate, the shared world's), limits and render cache."""

    def __init__(
        self,
        world: World,
        history: SetlistFmWorld,
        faults: FaultSettings | None,
        daily_quota: int,
        rate_per_second: float | None,
        api_keys: Collection[str] | None,
        deactivated_keys: Collection[str],
    ) -> None:
        super().__init__(faults, window_seconds=1.0)
        self.world = world
        self.history = history
        self.daily_quota = daily_quota
        self.rate_per_second = rate_per_second
        self.api_keys = set(api_keys) if api_keys is not None else None
        self.deactivated_keys = set(deactivated_keys)
        self._rng = random.Random(f"setlistfm-emulator:{history.seed}")
        self._restore()
        self._reset_limits()

    def reset(self) -> None:
        """Clear faults, counters and limits (the setlists stay as edited)."""
        super().reset()
        self._reset_limits()

    def _restore(self) -> None:
        self.setlists: dict[str, SlSetlist] = dict(self.history.setlists)
        self.unpublished: dict[str, SlSetlist] = dict(self.history.unpublished)
        self.versions: dict[str, SlSetlist] = {s.version_id: s for s in self.setlists.values()}
        self._by_artist: dict[str, list[SlSetlist]] = {}
        for setlist in self.setlists.values():
            self._by_artist.setdefault(setlist.artist, []).append(setlist)
        for mbid in self._by_artist:
            self._sort(mbid)
        self._cache: dict[str, dict[str, Any]] = {}

    def _reset_limits(self) -> None:
        self.last_accepted: dict[str, float] = {}
        self.min_accepted_gap_seconds: float | None = None
        self.throttle_violations = 0
        self.quota_violations = 0
        self.quota_used: dict[str, int] = {}
        self._quota_reset: dict[str, float] = {}

    def _sort(self, mbid: str) -> None:
        self._by_artist[mbid].sort(key=lambda s: (s.event_date, s.id), reverse=True)

    # ---- limits (API-gateway order: key, throttle, quota)

    def key_ok(self, key: str) -> bool:
        """Any non-empty key unless a set of keys was given; deactivated keys never."""
        if not key or key in self.deactivated_keys:
            return False
        return self.api_keys is None or key in self.api_keys

    def throttle_ok(self, key: str, now: float) -> bool:
        """No burst: a request closer than 1/rate to the key's last accepted one is refused."""
        last = self.last_accepted.get(key)
        if self.rate_per_second is not None and last is not None and now - last < 1.0 / self.rate_per_second:
            self.throttle_violations += 1
            return False
        if last is not None:
            gap, best = now - last, self.min_accepted_gap_seconds
            self.min_accepted_gap_seconds = gap if best is None else min(gap, best)
        self.last_accepted[key] = now
        return True

    def charge_quota(self, key: str) -> bool:
        """Count one call; the quota window restarts 24 h after its first call, not at midnight."""
        now = time.time()
        if self._quota_reset.get(key, 0.0) <= now:
            self.quota_used[key], self._quota_reset[key] = 0, now + QUOTA_WINDOW_SECONDS
        if self.faults.settings.quota_exhausted or self.quota_used[key] >= self.daily_quota:
            self.quota_violations += 1
            return False
        self.quota_used[key] += 1
        return True

    def stats_snapshot(self) -> dict[str, Any]:
        """Shared counters plus the throttle and quota breakdown."""
        return {
            **super().stats_snapshot(),
            "min_accepted_gap_seconds": self.min_accepted_gap_seconds,
            "throttle_violations": self.throttle_violations,
            "quota_violations": self.quota_violations,
            "quota_used_by_key": dict(self.quota_used),
        }

    def world_summary(self) -> dict[str, Any]:
        """Counts and ground truth: who is who, and which setlists belong to the Ticketmaster past shows."""
        past = {
            event_id: [
                {"id": s.id, "artistMbid": s.artist, "posted": s.id in self.setlists, "songs": len(s.songs)}
                for s in self.history.for_tm_event(event_id)
            ]
            for event_id in self.world.past_events
        }
        artists = [
            {
                "mbid": a.mbid,
                "name": a.name,
                "style": a.style,
                "attractionId": a.attraction_id,
                "spotifyId": a.spotify_id,
                "setlists": len(self._by_artist.get(a.mbid, [])),
            }
            for a in self.history.performers()
        ]
        return {"counts": self.history.counts(), "artists": artists, "past_events": past}

    # ---- data

    def setlists_of(self, mbid: str) -> list[SlSetlist]:
        """An artist's posted setlists, newest first."""
        return self._by_artist.get(mbid, [])

    def all_setlists(self) -> list[SlSetlist]:
        """Every posted setlist, newest first."""
        return sorted(self.setlists.values(), key=lambda s: (s.event_date, s.id), reverse=True)

    def _store(self, setlist: SlSetlist) -> SlSetlist:
        old = self.setlists.get(setlist.id)
        self.setlists[setlist.id] = setlist
        self.versions[setlist.version_id] = setlist
        entries = self._by_artist.setdefault(setlist.artist, [])
        if old is not None:
            entries.remove(old)
        entries.append(setlist)
        self._sort(setlist.artist)
        self._cache.pop(setlist.id, None)
        return setlist

    def publish(self, setlist_id: str) -> SlSetlist | None:
        """Post a setlist held back so far (None: no such held-back setlist)."""
        held = self.unpublished.pop(setlist_id, None)
        if held is None:
            return None
        return self._store(dataclasses.replace(held, last_updated=dt.datetime.now(dt.UTC)))

    def edit(self, setlist_id: str, *, info: str | None = None, append: str | None = None) -> SlSetlist | None:
        """A user's edit: fill a stub, name an unknown song or add a forgotten one; a new versionId either way."""
        current = self.setlists.get(setlist_id)
        if current is None:
            return None
        repertoire = list(self.history.repertoires.get(current.artist, ("Untitled",)))
        sets = list(current.sets)
        songs = [song for one_set in sets for song in one_set.songs]
        unknown = next((i for i, song in enumerate(songs) if song.name in ("", "?")), None)
        if append is not None:
            sets[-1:] = [_with_song(sets[-1], SlSong(append))] if sets else [SlSet((SlSong(append),))]
        elif not songs:
            picked = self._rng.sample(repertoire, k=min(len(repertoire), self._rng.randint(12, 16)))
            sets = [SlSet(tuple(SlSong(title) for title in picked))]
        elif unknown is not None:
            sets = _rename(sets, unknown, self._rng.choice(repertoire))
        elif info is None:
            sets[-1] = _with_song(sets[-1], SlSong(self._rng.choice(repertoire), info="Not on printed setlist"))
        edited = dataclasses.replace(
            current,
            sets=tuple(sets),
            info=info if info is not None else current.info,
            version_id=self._version_id(),
            last_updated=dt.datetime.now(dt.UTC),
        )
        return self._store(edited)

    def add(
        self,
        artist_mbid: str,
        event_date: dt.date,
        venue: SlVenue,
        *,
        songs: list[str] | None,
        tour: str | None,
        tm_event_id: str | None,
    ) -> SlSetlist:
        """A setlist posted now (songs drawn from the artist's repertoire unless given)."""
        artist = self.history.artists[artist_mbid]
        if songs is None:
            repertoire = list(self.history.repertoires.get(artist_mbid, ("Untitled",)))
            songs = self._rng.sample(repertoire, k=min(len(repertoire), self._rng.randint(12, 16)))
        setlist_id = self._fresh_id()
        setlist = SlSetlist(
            id=setlist_id,
            version_id=self._version_id(),
            event_date=event_date,
            last_updated=dt.datetime.now(dt.UTC),
            artist=artist_mbid,
            venue=venue,
            tour=tour,
            info=None,
            sets=(SlSet(tuple(SlSong(name) for name in songs)),) if songs else (),
            url=setlist_url(artist, venue, event_date, setlist_id),
            tm_event_id=tm_event_id,
        )
        return self._store(setlist)

    def venue_for(self, name: str, city: str, country_code: str) -> SlVenue:
        """An existing venue of that name and city, else a new one."""
        wanted = (normalize_name(name), normalize_name(city))
        for venue in self.history.venues.values():
            if (normalize_name(venue.name), normalize_name(venue.city.name)) == wanted:
                return venue
        code = country_code.upper()
        new_city = SlCity(str(self._rng.randint(10**6, 10**7 - 1)), city, None, None, 0.0, 0.0, code, code)
        venue_id = self._fresh_id()
        return SlVenue(venue_id, name, new_city, f"https://www.setlist.fm/venue/{venue_id}.html")

    def _fresh_id(self) -> str:
        taken = {*self.setlists, *self.unpublished, *self.history.venues}
        while True:
            candidate = f"{self._rng.getrandbits(32):08x}"
            if candidate not in taken:
                return candidate

    def _version_id(self) -> str:
        while True:
            candidate = f"g{self._rng.getrandbits(32):08x}"
            if candidate not in self.versions:
                return candidate

    # ---- rendering (cached per setlist until it changes)

    def render(self, setlist: SlSetlist) -> dict[str, Any]:
        """The setlist object as the live API sends it."""
        if self.setlists.get(setlist.id) is not setlist:
            return self._render(setlist)  # an older version
        cached = self._cache.get(setlist.id)
        if cached is None:
            cached = self._cache[setlist.id] = self._render(setlist)
        return cached

    def _render(self, s: SlSetlist) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": s.id,
            "versionId": s.version_id,
            "eventDate": s.event_date.strftime("%d-%m-%Y"),
            "lastUpdated": _timestamp(s.last_updated),
            "artist": _artist(self.history.artists[s.artist]),
            "venue": _venue(s.venue),
        }
        if s.tour is not None:
            body["tour"] = {"name": s.tour}
        body["sets"] = {"set": [self._set(one_set) for one_set in s.sets]}
        if s.info is not None:
            body["info"] = s.info
        body["url"] = s.url
        return body

    def _set(self, one_set: SlSet) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if one_set.name is not None:
            body["name"] = one_set.name
        if one_set.encore is not None:
            body["encore"] = one_set.encore
        body["song"] = [self._song(song) for song in one_set.songs]
        return body

    def _song(self, song: SlSong) -> dict[str, Any]:
        body: dict[str, Any] = {"name": song.name}
        if song.guest is not None:
            body["with"] = _artist(self.history.artists[song.guest])
        if song.cover is not None:
            body["cover"] = _artist(self.history.artists[song.cover])
        if song.info is not None:
            body["info"] = song.info
        if song.tape:
            body["tape"] = True
        return body


def _with_song(one_set: SlSet, song: SlSong) -> SlSet:
    return dataclasses.replace(one_set, songs=(*one_set.songs, song))


def _rename(sets: list[SlSet], index: int, name: str) -> list[SlSet]:
    """The sets with song number `index` (counted over all sets) renamed."""
    out: list[SlSet] = []
    for one_set in sets:
        songs = list(one_set.songs)
        if 0 <= index < len(songs):
            songs[index] = dataclasses.replace(songs[index], name=name, info=None)
        index -= len(one_set.songs)
        out.append(dataclasses.replace(one_set, songs=tuple(songs)))
    return out


# ---------------------------------------------------------------------------------------------- parameters


def _page(request: Request) -> int:
    raw = request.query_params.get("p", "1") or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise _BadRequest(f"invalid page number: {raw}")
    return int(raw)


def _date(raw: str, name: str) -> dt.date:
    day, _, rest = raw.partition("-")
    month, _, year = rest.partition("-")
    try:
        if len(day) != 2 or len(month) != 2 or len(year) != 4:
            raise ValueError(raw)
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise _BadRequest(f"{name} must be formatted as dd-MM-yyyy, got {raw!r}") from None


def _words_in(query: str, text: str) -> bool:
    wanted = normalize_name(query).split()
    return bool(wanted) and set(wanted) <= set(normalize_name(text).split())


def _setlist_filter(request: Request, state: SetlistFmState) -> Callable[[SlSetlist], bool]:
    q = request.query_params
    day = _date(q["date"], "date") if q.get("date") else None
    since = None
    if q.get("lastUpdated"):
        try:
            since = dt.datetime.strptime(q["lastUpdated"], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
        except ValueError:
            raise _BadRequest("lastUpdated must be formatted as yyyyMMddHHmmss") from None
    artists = state.history.artists

    def matches(s: SlSetlist) -> bool:
        venue, city = s.venue, s.venue.city
        tests = (
            (q.get("artistMbid"), lambda v: v == s.artist),
            (q.get("artistName"), lambda v: _words_in(v, artists[s.artist].name)),
            (q.get("venueId"), lambda v: v == venue.id),
            (q.get("venueName"), lambda v: _words_in(v, venue.name)),
            (q.get("cityId"), lambda v: v == city.id),
            (q.get("cityName"), lambda v: normalize_name(v) == normalize_name(city.name)),
            (q.get("countryCode"), lambda v: v.upper() == city.country_code),
            (q.get("stateCode"), lambda v: v.upper() == (city.state_code or "")),
            (q.get("tourName"), lambda v: normalize_name(v) == normalize_name(s.tour or "")),
            (q.get("year"), lambda v: v == str(s.event_date.year)),
        )
        if day is not None and s.event_date != day:
            return False
        if since is not None and s.last_updated < since:
            return False
        return all(test(value) for value, test in tests if value)

    return matches


def _page_body(kind: str, key: str, items: list[dict[str, Any]], total: int, page: int, size: int) -> Response:
    body = {"type": kind, "itemsPerPage": size, "page": page, "total": total, key: items}
    return JSONResponse(body, headers=_HEADERS)


def create_setlistfm_app(
    world: World,
    *,
    history: SetlistFmWorld | None = None,
    faults: FaultSettings | None = None,
    daily_quota: int = STANDARD_DAILY_QUOTA,
    rate_per_second: float | None = 2.0,
    api_keys: Collection[str] | None = None,
    deactivated_keys: Collection[str] = (),
) -> Starlette:
    """setlist.fm emulator of `world` (`history`: its setlist.fm data, built when not given; reuse one across
    apps to save the build: each app keeps its own edits). `rate_per_second=None` turns the throttle off."""
    data = history if history is not None else build_setlistfm_world(world)
    state = SetlistFmState(world, data, faults, daily_quota, rate_per_second, api_keys, deactivated_keys)

    def one_page(request: Request, found: list[SlSetlist]) -> Response:
        page = _page(request)
        window = found[(page - 1) * SETLISTS_PER_PAGE : page * SETLISTS_PER_PAGE]
        if not window:
            return _not_found(request)
        items = [state.render(s) for s in window]
        return _page_body("setlists", "setlist", items, len(found), page, SETLISTS_PER_PAGE)

    async def artist_setlists(request: Request) -> Response:
        mbid = request.path_params["mbid"]
        if mbid not in data.artists:
            return _not_found(request)
        return one_page(request, state.setlists_of(mbid))

    async def search_setlists(request: Request) -> Response:
        matches = _setlist_filter(request, state)
        mbid = request.query_params.get("artistMbid")
        candidates = state.setlists_of(mbid) if mbid else state.all_setlists()
        return one_page(request, [s for s in candidates if matches(s)])

    async def get_setlist(request: Request) -> Response:
        setlist = state.setlists.get(request.path_params["id"])
        return JSONResponse(state.render(setlist), headers=_HEADERS) if setlist else _not_found(request)

    async def get_version(request: Request) -> Response:
        setlist = state.versions.get(request.path_params["id"])
        return JSONResponse(state.render(setlist), headers=_HEADERS) if setlist else _not_found(request)

    async def get_artist(request: Request) -> Response:
        artist = data.artists.get(request.path_params["mbid"])
        return JSONResponse(_artist(artist), headers=_HEADERS) if artist else _not_found(request)

    async def search_artists(request: Request) -> Response:
        q = request.query_params
        name, mbid = q.get("artistName"), q.get("artistMbid")
        if not name and not mbid:
            raise _BadRequest("at least one of artistName, artistMbid is required")
        page = _page(request)
        found = [
            a for a in data.artists.values() if (not mbid or a.mbid == mbid) and (not name or _words_in(name, a.name))
        ]
        if q.get("sort") == "relevance" and name:
            wanted = normalize_name(name)
            found.sort(key=lambda a: (normalize_name(a.name) != wanted, -len(state.setlists_of(a.mbid)), a.sort_name))
        else:
            found.sort(key=lambda a: a.sort_name.casefold())
        window = found[(page - 1) * ARTISTS_PER_PAGE : page * ARTISTS_PER_PAGE]
        if not window:
            return _not_found(request)
        return _page_body("artists", "artist", [_artist(a) for a in window], len(found), page, ARTISTS_PER_PAGE)

    def api(template: str, handler: Handler) -> Route:
        async def gate(request: Request) -> Response:
            response = await _guarded(state, template, handler, request)
            state.stats.response(response.status_code)
            return response

        return Route(template, gate, methods=["GET"])

    routes = [
        *control_routes(state),
        *_setlist_controls(state),
        api(f"{API}/artist/{{mbid}}/setlists", artist_setlists),
        api(f"{API}/artist/{{mbid}}", get_artist),
        api(f"{API}/search/setlists", search_setlists),
        api(f"{API}/search/artists", search_artists),
        api(f"{API}/setlist/version/{{id}}", get_version),
        api(f"{API}/setlist/{{id}}", get_setlist),
    ]

    async def unknown_path(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        # API Gateway's famous answer for a path it has no resource for.
        return _gateway(403 if status in (404, 405) else status, "Missing Authentication Token")

    app = Starlette(routes=routes, exception_handlers={404: unknown_path, 405: unknown_path})
    app.state.emulator = state
    return app


async def _guarded(state: SetlistFmState, template: str, handler: Handler, request: Request) -> Response:
    """Faults, then the gateway's checks in its order (key, throttle, quota), then the handler."""
    now = time.monotonic()
    key = request.headers.get("x-api-key", "")
    state.stats.arrival(template)
    if key:
        state.stats.keyed(key, now)
    faults = state.faults
    targeted = faults.applies_to(request.url.path)
    if targeted:
        await faults.delay(request)
        if faults.take_storm():
            return _quota_exceeded() if faults.settings.rate_limit_kind == "quota" else _throttled()
        failure = faults.take_failure()
        if failure is not None:
            return _server_error(failure)
    if not state.key_ok(key):
        return _forbidden()
    if not state.throttle_ok(key, now):
        return _throttled()
    if not state.charge_quota(key):
        return _quota_exceeded()
    if "json" not in request.headers.get("accept", ""):
        # XML is the API's default format: a client that forgets the header cannot parse the answer.
        xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><setlists type="setlists"/>'
        return Response(xml, media_type="application/xml")
    try:
        response = await handler(request)
    except _BadRequest as bad:
        return _spring_error(request, 400, "Bad Request", bad.message)
    if response.status_code == 200 and targeted and faults.take_malformed():
        return truncate_json(response)
    return response


# ---------------------------------------------------------------------------------------------- controls


def _setlist_controls(state: SetlistFmState) -> list[Route]:
    """`/_emulator/setlists...`: post a held-back setlist, edit one, add one (never limited or counted)."""

    async def publish(request: Request) -> Response:
        setlist = state.publish(request.path_params["id"])
        if setlist is None:
            return JSONResponse({"error": "no such unpublished setlist"}, status_code=404)
        return JSONResponse(state.render(setlist))

    async def edit(request: Request) -> Response:
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        info, append = body.get("info"), body.get("append")
        if not isinstance(info, str | None) or not isinstance(append, str | None):
            return JSONResponse({"error": "info and append must be strings"}, status_code=400)
        setlist = state.edit(request.path_params["id"], info=info, append=append)
        if setlist is None:
            return JSONResponse({"error": "no such setlist"}, status_code=404)
        return JSONResponse(state.render(setlist))

    async def add(request: Request) -> Response:
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        try:
            setlist = _add_from(state, body)
        except (KeyError, TypeError, ValueError, _BadRequest) as exc:
            return JSONResponse({"error": f"bad setlist: {exc}"}, status_code=400)
        return JSONResponse(state.render(setlist), status_code=201)

    return [
        Route("/_emulator/setlists", add, methods=["POST"]),
        Route("/_emulator/setlists/{id}/publish", publish, methods=["POST"]),
        Route("/_emulator/setlists/{id}/edit", edit, methods=["POST"]),
    ]


async def _json_object(request: Request) -> dict[str, Any] | Response:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "expected a JSON object"}, status_code=400)
    return body if isinstance(body, dict) else JSONResponse({"error": "expected a JSON object"}, status_code=400)


def _add_from(state: SetlistFmState, body: dict[str, Any]) -> SlSetlist:
    """`{"tmEventId"}` (date and venue from that show) or `{"artistMbid","eventDate","venueName","cityName"}`."""
    world, event_id = state.world, body.get("tmEventId")
    songs = body.get("songs")
    if songs is not None and not (isinstance(songs, list) and all(isinstance(s, str) for s in songs)):
        raise TypeError("songs must be a list of names")
    if event_id is not None:
        event = world.past_events.get(event_id) or world.events[event_id]
        if event.local_date is None or not event.attraction_ids:
            raise ValueError("that show has no date or no artist")
        mbid = body.get("artistMbid") or world.attractions[event.attraction_ids[0]].musicbrainz_id
        tm_venue = world.venues[event.venue_id]
        venue_id = state.history.venue_of_tm.get(tm_venue.id)
        venue = (
            state.history.venues[venue_id]
            if venue_id
            else state.venue_for(tm_venue.name, tm_venue.city.strip(), tm_venue.country_code)
        )
        day = event.local_date
    else:
        mbid = body["artistMbid"]
        day = _date(str(body["eventDate"]), "eventDate")
        venue = state.venue_for(str(body["venueName"]), str(body["cityName"]), str(body.get("countryCode", "US")))
    if mbid not in state.history.artists:
        raise ValueError(f"unknown artist {mbid}")
    tour = body.get("tour")
    return state.add(mbid, day, venue, songs=songs, tour=tour if isinstance(tour, str) else None, tm_event_id=event_id)


__all__ = ["ARTISTS_PER_PAGE", "SETLISTS_PER_PAGE", "SetlistFmState", "create_setlistfm_app"]
