"""The `theset` command: serve, migrate, run the demo, the emulators and the sync jobs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

cli = typer.Typer(help="TheSet backend.", no_args_is_help=True, add_completion=False)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn (DATABASE_URL must be migrated: `theset migrate`)."""
    import uvicorn

    uvicorn.run("app.main:server_app", factory=True, host=host, port=port, workers=workers, proxy_headers=True)


@cli.command()
def worker() -> None:
    """Run an arq worker: the sync jobs and their cron schedule (needs REDIS_URL)."""
    from arq import run_worker

    from app.settings import get_settings
    from workers.settings import WorkerSettings

    if not get_settings().redis_url:
        raise typer.BadParameter("the worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    _configure_logging()
    run_worker(WorkerSettings)  # type: ignore[arg-type]


sync_cli = typer.Typer(help="Run a sync job now, with a progress bar and a summary.", no_args_is_help=True)
cli.add_typer(sync_cli, name="sync")


@sync_cli.command("tours")
def sync_tours() -> None:
    """Upcoming music events from Ticketmaster into artists, venues and shows."""
    from app.sync_cli import run_sync

    raise typer.Exit(asyncio.run(run_sync("tours")))


@sync_cli.command("songs")
def sync_songs() -> None:
    """Songs of artists whose cached catalog is missing or stale, from Spotify."""
    from app.sync_cli import run_sync

    raise typer.Exit(asyncio.run(run_sync("songs")))


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

    asyncio.run(run_demo(host=host, port=port))


def _configure_logging() -> None:
    from app.platform.observability import configure_logging
    from app.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.is_production)


def main() -> None:
    cli()
