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

    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=True)


@cli.command()
def migrate() -> None:
    """Apply the migrations to DATABASE_URL (SQLite: create the tables)."""
    from app.db import migrate as run_migrations

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


def main() -> None:
    cli()
