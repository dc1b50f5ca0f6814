"""setlist.fm API 1.0 client: setlists and artists as pydantic models, no domain logic.

Facts behind the code (docs/setlist-fm.md):
- The key goes in `x-api-key`; JSON only with `Accept: application/json` (XML is the default).
- Songs nest as `sets.set[].song[]` in real responses (the documentation shows `set[]`: accepted too).
  Setlist pages hold 20, artist pages 30; `eventDate` is dd-MM-yyyy; search dates are sent that way.
- Nothing found is a 404, for searches as for ids: here None or an empty page, never an error.
- 401/403 means the key is missing, wrong or deactivated (keys are deactivated without notice).
- A standard key gets 2 requests/s with no burst (429 `Too Many Requests`: our limiter's spacing should
  prevent it, a short backoff and retry when not) and ~1,440 a day (429 `{"message":"Limit Exceeded"}`:
  `DailyQuotaExhausted`, never retried; the shared daily budget is then marked spent for every process).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import (
    AliasPath,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from redis.exceptions import RedisError

from app.clients.base import ApiClient
from app.clients.breaker import CircuitBreaker, MemoryBreaker
from app.clients.budget import BudgetedLimiter, DailyBudget, MemoryDailyBudget
from app.clients.errors import (
    DailyQuotaExhausted,
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

SERVICE = "setlistfm"
DEFAULT_BASE_URL = "https://api.setlist.fm/rest"
SETLISTS_PER_PAGE = 20
ARTISTS_PER_PAGE = 30
STANDARD_DAILY_QUOTA = 1440
_QUOTA_MESSAGE = "Limit Exceeded"
_QUOTA_ERROR_TYPE = "LimitExceededException"
_AUTH_HINT = "the setlist.fm API key is missing, wrong or deactivated (SETLISTFM_API_KEY; see setlist.fm/settings/api)"


# --- models: only the fields the callers use ---------------------------------------------------------


def _text(value: object) -> object:
    """Collapse stray whitespace; empty becomes None."""
    if isinstance(value, str):
        return " ".join(value.split()) or None
    return value


def _event_date(value: object) -> object:
    """setlist.fm writes dates as dd-MM-yyyy."""
    if isinstance(value, str):
        parts = value.split("-")
        if [len(part) for part in parts] != [2, 2, 4] or not all(part.isdigit() for part in parts):
            raise ValueError(f"eventDate must be dd-MM-yyyy, got {value!r}")
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    return value


Text = Annotated[str | None, BeforeValidator(_text)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class SetlistArtist(_Model):
    """An artist as setlist.fm knows it (MusicBrainz's MBID and name); `disambiguation` tells namesakes apart."""

    mbid: str
    name: str
    disambiguation: Text = None


class SetlistVenue(_Model):
    id: str | None = None
    name: Text = None
    city: Text = Field(default=None, validation_alias=AliasPath("city", "name"))
    country_code: str | None = Field(default=None, validation_alias=AliasPath("city", "country", "code"))


class Song(_Model):
    # "" and "?" stand for a song nobody identified: kept as sent (not None) so callers can tell them.
    name: str = ""
    tape: bool = False  # played from tape (intros, outros), not performed
    cover: SetlistArtist | None = None  # the original artist
    guest: SetlistArtist | None = Field(default=None, validation_alias="with")
    info: Text = None


class SongSet(_Model):
    name: Text = None  # free text such as "Set 1:" or "B Stage"
    encore: int | None = None  # 1 for the first encore, 2 for the second...
    songs: list[Song] = Field(default_factory=list, validation_alias="song")


class Setlist(_Model):
    id: str
    version_id: str = Field(validation_alias="versionId")  # changes with every edit
    event_date: Annotated[date, BeforeValidator(_event_date)] = Field(validation_alias="eventDate")
    last_updated: AwareDatetime | None = Field(default=None, validation_alias="lastUpdated")
    artist: SetlistArtist
    venue: SetlistVenue | None = None
    tour: Text = Field(default=None, validation_alias=AliasPath("tour", "name"))
    info: Text = None
    url: str | None = None  # the attribution link every use of the data must show
    sets: list[SongSet] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _nested_sets(cls, data: Any) -> Any:
        """Real responses nest the sets as `sets.set[]`; the documentation shows a bare `set[]`."""
        if not isinstance(data, dict):
            return data
        sets = data.get("sets")
        if isinstance(sets, dict):
            return {**data, "sets": sets.get("set") or []}
        if sets is None and isinstance(data.get("set"), list):
            return {**data, "sets": data["set"]}
        return data

    @property
    def is_stub(self) -> bool:
        """Entered without any song (stubs exist for past and upcoming shows)."""
        return not any(one_set.songs for one_set in self.sets)


class SetlistPage(_Model):
    setlists: list[Setlist]
    page: int
    total: int
    items_per_page: int = SETLISTS_PER_PAGE
    skipped: int = 0  # malformed setlists left out rather than failing the whole page

    @property
    def pages(self) -> int:
        """How many pages the whole result has."""
        return -(-self.total // self.items_per_page) if self.items_per_page else 0


class ArtistPage(_Model):
    artists: list[SetlistArtist]
    page: int
    total: int
    items_per_page: int = ARTISTS_PER_PAGE


class _PageInfo(_Model):
    page: int = 1
    total: int = 0
    items_per_page: int = Field(default=0, validation_alias="itemsPerPage")


# --- client ----------------------------------------------------------------------------------------


def format_setlistfm_date(value: date) -> str:
    """dd-MM-yyyy, the only date format the search accepts."""
    return value.strftime("%d-%m-%Y")


class SetlistFmClient(ApiClient):
    """Async client of the setlist.fm API with the shared rate limiter, daily budget, breaker and retries."""

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
        budget: DailyBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._api_key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        self._secrets = (self._api_key.get_secret_value(),)
        hide_in_logs(self._secrets[0])
        self._base_url = base_url.rstrip("/")
        super().__init__(http, transport)
        self._timeout = httpx.Timeout(timeout)
        self.budget = budget or MemoryDailyBudget(STANDARD_DAILY_QUOTA)
        self._guard = Guard(
            SERVICE,
            limiter=BudgetedLimiter(SERVICE, self.budget, limiter or MemoryIntervalLimiter(0.5, sleep=sleep)),
            breaker=breaker or MemoryBreaker(SERVICE),
            policy=retry or RetryPolicy(),
            redact=self._redact,
            sleep=sleep,
        )

    async def artist_setlists(self, mbid: str, page: int = 1) -> SetlistPage:
        """One page of an artist's setlists, newest first (empty when setlist.fm has none)."""
        body = await self._get_json(f"/1.0/artist/{quote(mbid, safe='')}/setlists", {"p": _page(page)})
        return self._setlist_page(body, page)

    async def search_setlists(self, artist_mbid: str, *, on: date | None = None, page: int = 1) -> SetlistPage:
        """One page of an artist's setlists, of one date (the show's local date) if given; empty when none."""
        params: dict[str, str | int] = {"artistMbid": artist_mbid, "p": _page(page)}
        if on is not None:
            params["date"] = format_setlistfm_date(on)
        return self._setlist_page(await self._get_json("/1.0/search/setlists", params), page)

    async def get_setlist(self, setlist_id: str) -> Setlist | None:
        """The current version of one setlist, or None when there is no such setlist."""
        body = await self._get_json(f"/1.0/setlist/{quote(setlist_id, safe='')}", {})
        return _parse(Setlist, body) if body is not None else None

    async def search_artists(self, name: str, page: int = 1) -> ArtistPage:
        """Artists whose name matches `name`, most relevant first (empty when none)."""
        params: dict[str, str | int] = {"artistName": name, "p": _page(page), "sort": "relevance"}
        body = await self._get_json("/1.0/search/artists", params)
        if body is None:
            return ArtistPage(artists=[], page=page, total=0)
        info = _parse(_PageInfo, body)
        artists = [_parse(SetlistArtist, raw) for raw in body.get("artist") or []]
        return ArtistPage(
            artists=artists, page=info.page, total=info.total, items_per_page=info.items_per_page or ARTISTS_PER_PAGE
        )

    # --- plumbing ---

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    async def _get_json(self, path: str, params: dict[str, str | int]) -> dict[str, Any] | None:
        """The JSON object at `path`, or None for a 404 (setlist.fm's "nothing (yet)")."""
        url = f"{self._base_url}{path}"
        headers = {"x-api-key": self._api_key.get_secret_value(), "Accept": "application/json"}
        try:
            response = await self._guard.call(
                lambda: self._http.get(url, params=params, headers=headers, timeout=self._timeout), self._classify
            )
        except UpstreamNotFound:
            return None
        except DailyQuotaExhausted as exhausted:
            if exhausted.by_vendor:
                await self._exhaust_budget()
            raise
        try:
            body = response.json()
        except ValueError:
            raise UpstreamBadResponse(SERVICE, "response is not JSON", status=response.status_code) from None
        if not isinstance(body, dict):
            raise UpstreamBadResponse(SERVICE, "response is not a JSON object", status=response.status_code)
        return body

    async def _exhaust_budget(self) -> None:
        # Every process stops for the day, not just this one; the caller sees the quota error either way.
        try:
            await self.budget.exhaust()
        except (RedisError, OSError) as error:
            logger.warning("setlistfm: could not mark the daily budget spent: %s", type(error).__name__)

    def _classify(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = self._detail(response)
        if status == 429:
            quota = detail == _QUOTA_MESSAGE or response.headers.get("x-amzn-errortype") == _QUOTA_ERROR_TYPE
            if quota:
                message = f"daily quota exhausted ({detail}): defer until tomorrow"
                raise DailyQuotaExhausted(SERVICE, self.budget.resets_at(), message, by_vendor=True)
            raise Retryable(UpstreamRateLimited(SERVICE, 1.0, f"throttled: {detail}"))
        if status >= 500:
            raise Retryable(
                UpstreamUnavailable(SERVICE, f"HTTP {status}: {detail}", status=status), breaker_failure=True
            )
        if status in (401, 403):
            raise UpstreamAuthError(SERVICE, f"HTTP {status}: {_AUTH_HINT} ({detail})", status=status)
        if status == 404:
            raise UpstreamNotFound(SERVICE, detail, status=status)
        raise UpstreamRejected(SERVICE, f"HTTP {status}: {detail}", status=status)

    def _detail(self, response: httpx.Response) -> str:
        """The error body's message: `{"message": ...}` from the gateway, or the Spring-style body's."""
        try:
            body = response.json()
        except ValueError:
            return self._redact(response.text[:200])
        message = body.get("message") if isinstance(body, dict) else None
        return self._redact(str(message) if message is not None else str(body)[:200])

    def _setlist_page(self, body: dict[str, Any] | None, page: int) -> SetlistPage:
        if body is None:
            return SetlistPage(setlists=[], page=page, total=0)
        info = _parse(_PageInfo, body)
        raw_setlists = body.get("setlist") or []
        setlists: list[Setlist] = []
        for raw in raw_setlists:
            try:
                setlists.append(Setlist.model_validate(raw))
            except ValidationError as exc:
                logger.warning("setlistfm: skipping malformed setlist %r: %s", _raw_id(raw), exc.errors()[:1])
        return SetlistPage(
            setlists=setlists,
            page=info.page,
            total=info.total,
            items_per_page=info.items_per_page or SETLISTS_PER_PAGE,
            skipped=len(raw_setlists) - len(setlists),
        )


def _page(page: int) -> int:
    if page < 1:
        raise ValueError("setlist.fm pages start at 1")
    return page


def _parse(model: type[M], body: object) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise UpstreamBadResponse(SERVICE, f"unexpected {model.__name__} shape: {exc.errors()[:3]}") from None


def _raw_id(raw: object) -> object:
    return raw.get("id") if isinstance(raw, dict) else None


__all__ = [
    "ARTISTS_PER_PAGE",
    "SETLISTS_PER_PAGE",
    "ArtistPage",
    "Setlist",
    "SetlistArtist",
    "SetlistFmClient",
    "SetlistPage",
    "SetlistVenue",
    "Song",
    "SongSet",
    "format_setlistfm_date",
]
