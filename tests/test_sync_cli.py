"""`theset sync tours|songs`: refusing to start unconfigured, `--emulators`, `--json`, and what progress shows."""

from __future__ import annotations

import asyncio
import json
import os

import httpx
import pytest
from servers import THESET

from app.clients.breaker import MemoryBreaker
from app.clients.ratelimit import MemoryIntervalLimiter
from app.clients.retry import Guard, RetryPolicy, counting_calls
from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.ticketmaster import create_ticketmaster_app
from app.emulators.world import World
from app.settings import Settings
from app.sync_cli import count_text, rate_text, status_text

UNSET = ("TICKETMASTER_API_KEY", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "REDIS_URL")


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    return {**env, "ENVIRONMENT": "test", "DATABASE_URL": settings.database_url, **extra}


async def theset(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(THESET), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("job", "named"),
    [("tours", ["TICKETMASTER_API_KEY"]), ("songs", ["SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"])],
)
async def test_a_sync_without_its_api_key_refuses_at_start_naming_the_setting(
    world: World, settings: Settings, job: str, named: list[str]
) -> None:
    tm, spotify = create_ticketmaster_app(world), create_spotify_app(world)
    async with running_server(tm) as tm_url, running_server(spotify) as spotify_url:
        env = cli_env(settings, TICKETMASTER_BASE_URL=tm_url, SPOTIFY_API_BASE_URL=spotify_url)
        env["SPOTIFY_ACCOUNTS_BASE_URL"] = spotify_url
        code, out, err = await theset("sync", job, env=env)

    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1  # one sentence, no traceback
    assert all(name in err for name in named)
    assert "--emulators" in err
    assert tm.state.emulator.stats.requests == spotify.state.emulator.stats.requests == 0


@pytest.mark.usefixtures("db")
async def test_sync_with_emulators_prints_their_urls_and_json_summaries(settings: Settings) -> None:
    env = cli_env(settings)

    tours = await theset("sync", "tours", "--emulators", "--json", env=env)
    songs = await theset("sync", "songs", "--emulators", "--json", env=env)

    for code, _, err in (tours, songs):
        assert code == 0, err
        assert "Ticketmaster emulator at http://127.0.0.1:" in err
        assert "Spotify emulator at http://127.0.0.1:" in err
    tours_summary, songs_summary = json.loads(tours[1]), json.loads(songs[1])
    assert (tours_summary["job"], tours_summary["outcome"]) == ("tours", "finished")
    assert tours_summary["counts"]["show_created"] > 0
    assert "each counted once" in tours_summary["counts_meaning"]
    assert (songs_summary["job"], songs_summary["outcome"]) == ("songs", "finished")
    assert songs_summary["counts"]["song_created"] > 0  # the same generated catalog both times


def test_progress_counts_against_a_total_when_one_is_known() -> None:
    assert count_text(12, 40, "artists") == "12/40 artists"
    assert count_text(12, None, "events") == "12 events"
    assert rate_text(3.25, "artists") == "3.2 artists/s"
    assert rate_text(None, "artists") == ""


async def test_progress_says_what_a_call_waits_for() -> None:
    released = asyncio.Event()

    async def held_sleep(seconds: float) -> None:
        await released.wait()  # the limiter's wait lasts until the test lets it go

    async def ok() -> httpx.Response:
        return httpx.Response(200)

    guard = Guard(
        "spotify",
        limiter=MemoryIntervalLimiter(60.0, sleep=held_sleep),
        breaker=MemoryBreaker("spotify"),
        policy=RetryPolicy(),
        redact=str,
    )
    with counting_calls() as stats:  # as a sync run counts its calls (the task below inherits it)
        await guard.call(ok, lambda response: None)  # the first slot is free
        second = asyncio.create_task(guard.call(ok, lambda response: None))  # the next one's is a minute away
    while (wait := stats.longest_wait()) is None:
        await asyncio.sleep(0)

    assert status_text(stats, wait[1] + 0.1) == ""  # ordinary pacing says nothing
    assert status_text(stats, wait[1] + 4) == "waiting 4 s for a rate-limit slot"
    released.set()
    await second
    assert stats.longest_wait() is None
