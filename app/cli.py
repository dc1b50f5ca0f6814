"""The `theset` command: serve, migrate, run the demo, the emulators and the sync jobs."""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

cli = typer.Typer(help="TheSet backend.", no_args_is_help=True, add_completion=False)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


@dataclass
class CliOptions:
    """The global options, handed from the callback to main() (which reports failures)."""

    debug: bool = False


@cli.callback()
def options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show a failure's traceback (as LOG_LEVEL=DEBUG).")] = False,
) -> None:
    """TheSet backend."""
    ctx.ensure_object(CliOptions).debug = debug


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn (DATABASE_URL must be migrated: `theset migrate`)."""
    import uvicorn

    from app.settings import get_settings

    _configure_logging()
    # A server outlives its dependencies' outages: it starts anyway, says why, and /readyz answers 503.
    asyncio.run(_warn_before_serving())
    uvicorn.run(
        "app.main:server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        ws_max_size=get_settings().ws_max_message_bytes,  # the app checks it too (WebSocketMessageLimit)
    )


@cli.command()
def worker() -> None:
    """Run an arq worker: the sync jobs and their cron schedule (needs REDIS_URL)."""
    from arq import run_worker

    from app.platform.dependencies import DependencyError
    from app.settings import get_settings
    from workers.settings import WorkerSettings

    if not get_settings().redis_url:
        raise DependencyError("The worker needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0).")
    _require_dependencies()
    _configure_logging()
    run_worker(WorkerSettings)  # type: ignore[arg-type]


sync_cli = typer.Typer(help="Run a sync job now, with a progress bar and a summary.", no_args_is_help=True)
cli.add_typer(sync_cli, name="sync")


EmulatorsOption = Annotated[
    bool,
    typer.Option(
        "--emulators",
        help="Start local emulators of the APIs (as `theset demo` does), print their URLs and sync from them.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the run's summary as JSON (progress stays on stderr).")]


@sync_cli.command("tours")
def sync_tours(emulators: EmulatorsOption = False, as_json: JsonOption = False) -> None:
    """Upcoming music events from Ticketmaster into artists, venues and shows (needs TICKETMASTER_API_KEY)."""
    from app.sync_cli import run_sync

    _require_dependencies()
    raise typer.Exit(asyncio.run(run_sync("tours", emulators=emulators, as_json=as_json)))


@sync_cli.command("played")
def sync_played(emulators: EmulatorsOption = False, as_json: JsonOption = False) -> None:
    """What was played at the last week's shows, from setlist.fm (needs SETLISTFM_API_KEY; exit 75: deferred)."""
    from app.sync_cli import run_sync

    _require_dependencies()
    raise typer.Exit(asyncio.run(run_sync("played", emulators=emulators, as_json=as_json)))


@sync_cli.command("songs")
def sync_songs(emulators: EmulatorsOption = False, as_json: JsonOption = False) -> None:
    """Songs of artists whose cached catalog is missing or stale, from Spotify (needs SPOTIFY_CLIENT_ID/SECRET)."""
    from app.sync_cli import run_sync

    _require_dependencies()
    raise typer.Exit(asyncio.run(run_sync("songs", emulators=emulators, as_json=as_json)))


@sync_cli.command("history")
def sync_history(emulators: EmulatorsOption = False, as_json: JsonOption = False) -> None:
    """Recent setlists of headliners of upcoming shows, from setlist.fm (the tour seed's history)."""
    from app.sync_cli import run_sync

    _require_dependencies()
    raise typer.Exit(asyncio.run(run_sync("history", emulators=emulators, as_json=as_json)))


@cli.command()
def emulate(
    api: Annotated[str, typer.Argument(help="ticketmaster, spotify or setlistfm")],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8100,
    mode: Annotated[str, typer.Option(help="Spotify app mode: dev or extended.")] = "dev",
) -> None:
    """Serve a local emulator of the Ticketmaster, Spotify or setlist.fm API with the generated catalog."""
    from app.emulators.server import run
    from app.emulators.world import build_world

    world = build_world()
    if api == "ticketmaster":
        from app.emulators.ticketmaster import create_ticketmaster_app

        run(create_ticketmaster_app(world), host=host, port=port)
    elif api == "spotify":
        from app.emulators.spotify import create_spotify_app

        run(create_spotify_app(world, mode="extended" if mode == "extended" else "dev"), host=host, port=port)
    elif api == "setlistfm":
        from app.emulators.setlistfm import create_setlistfm_app

        run(create_setlistfm_app(world), host=host, port=port)
    else:
        raise typer.BadParameter("api must be ticketmaster, spotify or setlistfm")


@cli.command()
def migrate() -> None:
    """Apply the migrations to DATABASE_URL (SQLite: create the tables)."""
    from app.platform.db import migrate as run_migrations

    _require_dependencies(redis=False)
    applied = asyncio.run(run_migrations())
    typer.echo("\n".join(f"applied {name}" for name in applied) or "database is up to date")


@cli.command("export-schema")
def export_schema(
    path: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_PATH,
) -> None:
    """Write the GraphQL SDL exported from the code to schema.graphql."""
    from app.api.schema import schema_sdl

    path.write_text(schema_sdl())
    typer.echo(f"wrote {path}")


@cli.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Load the demo catalog and serve it (SQLite and the in-process broker unless configured)."""
    from app.demo import run_demo

    _require_dependencies()
    asyncio.run(run_demo(host=host, port=port))


def _configure_logging() -> None:
    from app.platform.observability import configure_logging
    from app.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.is_production)


def _require_dependencies(*, redis: bool = True) -> None:
    """Stop with one sentence when the database (or the configured Redis) cannot be reached."""
    from app.platform.dependencies import check_database, check_redis
    from app.settings import get_settings

    settings = get_settings()

    async def check() -> None:
        await check_database(settings.database_url)
        if redis and settings.redis_url:
            await check_redis(settings.redis_url)

    asyncio.run(check())


async def _warn_before_serving() -> None:
    from app.platform.dependencies import DependencyError, check_redis
    from app.platform.readiness import check_migrations, pending_message
    from app.settings import get_settings

    settings = get_settings()
    log = logging.getLogger("app.cli")
    until = "/readyz answers 503 until it answers."
    try:
        if pending := await check_migrations(settings.database_url):
            log.warning(pending_message(pending))
    except DependencyError as error:
        log.warning("%s %s", error, until)
    if settings.redis_url:
        try:
            await check_redis(settings.redis_url)
        except DependencyError as error:
            log.warning("%s %s", error, until)


def _failure_message(error: Exception) -> str | None:
    """One or two lines for a failure a user can fix (a setting, a dependency); None for a bug."""
    from pydantic import ValidationError

    from app.settings import get_settings

    if isinstance(error, ValidationError):
        # Names and reasons only: the rejected values may be secrets.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" if e["loc"] else e["msg"] for e in error.errors()
        )
        return f"Invalid settings: {problems}. Fix the environment variables (or .env)."
    try:
        settings = get_settings()
    except ValidationError:
        return None
    # Imported once the settings load: importing the ORM's configuration reads them.
    from app.platform.dependencies import DependencyError, explain_connection_error

    if isinstance(error, DependencyError):
        return str(error)
    return explain_connection_error(error, settings.database_url, settings.redis_url)


def _debugging(options: CliOptions) -> bool:
    from app.settings import get_settings

    if options.debug:
        return True
    try:
        return get_settings().log_level.upper() == "DEBUG"
    except Exception:  # settings that do not load cannot ask for debugging
        return False


def main() -> None:
    options = CliOptions()
    try:
        cli(obj=options)
    except Exception as error:
        message = _failure_message(error)
        if message is None:
            raise
        if _debugging(options):
            traceback.print_exception(error)
        print(message, file=sys.stderr)  # noqa: T201 (the command's answer)
        raise SystemExit(1) from None
