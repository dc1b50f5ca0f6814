"""`theset demo`: the one-command newcomer path.

Starts the Ticketmaster, Spotify and setlist.fm emulators in this process, runs the real sync jobs
against them over HTTP (the same clients and code the worker uses), then serves the API with GraphiQL.
Upcoming shows of fixed-set headliners are seeded from their tours (the tour history sync runs too).
The catalog reaches a week back: demo fans vote on those past shows (as of before each show started),
then the played-setlists job imports what was played, so a past show has a prediction, a played
setlist, a score and a leaderboard. With no configuration that is SQLite and the in-process broker;
DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from pydantic import SecretStr
from rich.console import Console

from app.accounts import service as accounts
from app.accounts.models import User
from app.catalog import tasks
from app.catalog.models import Show, ShowStatus
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import build_world
from app.main import create_app
from app.platform import quotas
from app.platform.clock import utcnow
from app.platform.db import close_db, init_db, migrate
from app.played import tasks as played
from app.resources import Resources, open_resources
from app.setlists import service as setlists
from app.setlists.models import SetlistSong, UserVote
from app.setlists.tasks import source_for
from app.settings import Settings, get_settings
from app.tours.tasks import sync_tour_history

# The emulators stand in for the real APIs, so the demo may sync as fast as localhost allows.
DEMO_SPOTIFY_BUDGET_PER_30S = 100_000
DEMO_CLIENT_ID = "theset-demo"
DEMO_CLIENT_SECRET = "theset-demo-secret"  # the local emulator's own credential, not a real one
DEMO_TM_KEY = "theset-demo-key"
DEMO_SETLISTFM_KEY = "theset-demo-setlistfm-key"
# The emulated world's past shows are of the last 1-7 days; a day more catches one that started late UTC.
DEMO_DAYS_BACK = 8
DEMO_FANS = ("Ada", "Bo", "Chidi", "Dana", "Emil", "Fatou")
DEMO_FAN_PASSWORD = "Demo-fan-2026"  # the local demo accounts' own password (sign in as ada@demo.theset.local)
# Fans vote this long before the show starts: voting closes when it does.
VOTES_BEFORE_START = dt.timedelta(hours=3)


def demo_settings(settings: Settings, ticketmaster_url: str, spotify_url: str, setlistfm_url: str = "") -> Settings:
    """Settings pointing the clients at the local emulators."""
    setlistfm: dict[str, Any] = {}
    if setlistfm_url:
        setlistfm = {
            "setlistfm_base_url": f"{setlistfm_url}/rest",
            "setlistfm_api_key": SecretStr(DEMO_SETLISTFM_KEY),
            "setlistfm_requests_per_second": 50.0,
        }
    return settings.model_copy(
        update={
            **setlistfm,
            "ticketmaster_base_url": ticketmaster_url,
            "ticketmaster_api_key": SecretStr(DEMO_TM_KEY),
            "ticketmaster_requests_per_second": 50.0,
            "spotify_api_base_url": spotify_url,
            "spotify_accounts_base_url": spotify_url,
            "spotify_client_id": DEMO_CLIENT_ID,
            "spotify_client_secret": SecretStr(DEMO_CLIENT_SECRET),
            "spotify_requests_per_30s": DEMO_SPOTIFY_BUDGET_PER_30S,
        }
    )


async def load_demo_catalog(resources: Resources, console: Console | None = None) -> list[dict[str, Any]]:
    """Run the sync jobs against already-configured APIs (the emulators); their summaries.

    With setlist.fm configured, the tours sync reaches `DEMO_DAYS_BACK` back, demo fans vote on the past
    shows, and the played-setlists job imports what was played at them.
    """
    settings = resources.settings
    if not settings.setlistfm_api_key.get_secret_value():
        # No setlist.fm (emulated or real): no history, no played setlists; setlists start from Spotify.
        return await _sync_catalog(resources, None, console)
    # The fans' sign-ups hash their passwords in threads (argon2: the slowest part of seeding) meanwhile.
    fans = asyncio.create_task(_demo_fans(resources))
    try:
        summaries = await _sync_catalog(resources, utcnow() - dt.timedelta(days=DEMO_DAYS_BACK), console)
        history = await sync_tour_history(resources.setlistfm, settings)
        if console:
            console.print(f"synced tour history: {history['counts']} ({history['api_calls']} API calls)")
        votes = await vote_on_past_shows(resources, await fans)
    finally:
        fans.cancel()
    if console:
        console.print(f"demo fans voted: {votes} votes on past shows")
    imported = await played.sync_played(
        resources.setlistfm, settings, on_imported=played.announcer(resources.broker), spotify=resources.spotify
    )
    if console:
        console.print(f"synced played setlists: {imported['counts']} ({imported['api_calls']} API calls)")
    return [*summaries, history, imported]


async def _sync_catalog(
    resources: Resources, since: dt.datetime | None, console: Console | None
) -> list[dict[str, Any]]:
    """The tours sync (from `since`, default now) and the songs sync; their summaries."""
    settings = resources.settings
    tours = await tasks.sync_tours(resources.ticketmaster, settings, since=since)
    if console:
        console.print(f"synced tours: {tours['counts']} ({tours['api_calls']} API calls)")
    songs = await tasks.sync_songs(resources.spotify, settings)
    if console:
        console.print(f"synced songs: {songs['counts']} ({songs['api_calls']} API calls)")
    return [tours, songs]


async def _demo_fans(resources: Resources) -> list[int]:
    """The demo fans' user ids, signed up at once (each hash in a thread of its own)."""
    return list(await asyncio.gather(*(_demo_fan(resources, name) for name in DEMO_FANS)))


async def _demo_fan(resources: Resources, name: str) -> int:
    """The demo fan's user id, signed up through the accounts service on the first run."""
    email = f"{name.lower()}@demo.theset.local"
    known = await User.get_or_none(email=email)
    if known is not None:
        return known.id
    session = await accounts.sign_up(email, DEMO_FAN_PASSWORD, name, counter=resources.counter, address="127.0.0.1")
    return session.user.id


async def vote_on_past_shows(resources: Resources, fans: list[int]) -> int:
    """Demo fans' votes on the past shows' setlists, cast through the service before each show; how many.

    Each fan votes on about two shows in three, a few to `VOTES_PER_SHOW` songs each, the setlist's first
    songs likelier (fans pick the hits); a re-run leaves the votes already cast alone.
    """
    now = utcnow()
    shows = (
        await Show.filter(starts_at__lt=now - played.FIRST_LOOK_AFTER, starts_at__gte=now - played.WINDOW)
        .exclude(status=ShowStatus.CANCELLED)
        .order_by("starts_at", "id")
    )
    if not shows:
        return 0
    by_show = await setlists.get_or_create_setlists([show.id for show in shows], source_for(resources))
    budget = resources.settings.votes_per_show
    rng = random.Random(7)  # the same votes on every run of the same catalog
    # Each fan's votes stay under the per-minute vote limit, which knows nothing of the demo's clock.
    left = dict.fromkeys(fans, quotas.VOTES_PER_USER.count - 1)
    cast = 0
    for show in shows:
        assert show.starts_at is not None  # filtered on above
        setlist = by_show[show.id]
        songs = await SetlistSong.filter(setlist_id=setlist.id).order_by("position", "id")
        if not songs:
            continue
        for fan in fans:
            if rng.random() < 0.35 or await UserVote.exists(user_id=fan, setlist_id=setlist.id):
                continue
            weights = [1 / (index + 2) for index in range(len(songs))]
            picks = {rng.choices(range(len(songs)), weights)[0] for _ in range(rng.randint(min(3, budget), budget))}
            cast_at = show.starts_at - VOTES_BEFORE_START
            for index in sorted(picks)[: left[fan]]:
                await setlists.vote(resources, user_id=fan, setlist_song_id=songs[index].id, at=cast_at)
                cast += 1
                left[fan] -= 1
    return cast


@asynccontextmanager
async def demo_emulators(console: Console | None = None) -> AsyncIterator[tuple[str, str, str]]:
    """The three vendors' emulators of the generated catalog on local ports: (tm_url, spotify_url, setlistfm_url).

    The catalog is generated from a fixed seed and today's date, so `theset sync tours --emulators`
    and a later `theset sync songs --emulators` see the same artists.
    """
    world = build_world()
    ticketmaster = create_ticketmaster_app(world, rate_per_second=None)
    spotify = create_spotify_app(
        world,
        mode="dev",
        requests_per_30s=DEMO_SPOTIFY_BUDGET_PER_30S,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
    )
    setlistfm = create_setlistfm_app(world, rate_per_second=None)
    async with (
        running_server(ticketmaster) as tm_url,
        running_server(spotify) as spotify_url,
        running_server(setlistfm) as setlistfm_url,
    ):
        if console:
            console.print(
                f"Ticketmaster emulator at {tm_url}, Spotify emulator at {spotify_url}, "
                f"setlist.fm emulator at {setlistfm_url}",
                highlight=False,
                soft_wrap=True,
            )
        yield tm_url, spotify_url, setlistfm_url


async def run_demo(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Emulators, sync, then serve until interrupted."""
    console = Console()
    logging.basicConfig(level=logging.WARNING)
    base = settings or get_settings()
    async with demo_emulators(console) as (tm_url, spotify_url, setlistfm_url):
        settings = demo_settings(base, tm_url, spotify_url, setlistfm_url)
        console.print(f"[bold]TheSet demo[/bold]: database {settings.database_url}")
        await migrate(settings.database_url)
        await init_db(settings.database_url)
        try:
            # One set of resources for the sync and the API: one client and one limiter per vendor.
            async with open_resources(settings) as resources:
                await load_demo_catalog(resources, console)
                console.print(f"[bold green]Serving[/bold green] GraphiQL at http://{host}:{port}/graphql")
                app = create_app(settings, resources=resources)
                config = uvicorn.Config(
                    app, host=host, port=port, log_level="info", ws_max_size=settings.ws_max_message_bytes
                )
                server = uvicorn.Server(config)
                await server.serve()
        finally:
            await close_db()
