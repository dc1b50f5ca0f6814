"""The newcomer path: `theset demo` on SQLite serves a synced catalog (the embedded default's smoke test)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from graphql_client import document
from servers import THESET, free_port

pytestmark = pytest.mark.slow


async def test_demo_on_sqlite_serves_shows_artists_songs_and_setlists(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite://{tmp_path / 'demo.sqlite3'}"
    process = await asyncio.create_subprocess_exec(
        str(THESET), "demo", "--port", str(port), env=env, cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            shows = (
                await http.post("/graphql", json={"query": document("ShowList"), "variables": {"first": 5}})
            ).json()
            edges = shows["data"]["shows"]["edges"]
            artist_id = edges[0]["node"]["artist"]["id"]
            artist = (
                await http.post("/graphql", json={"query": document("ArtistPage"), "variables": {"id": artist_id}})
            ).json()
            show_id = edges[0]["node"]["id"]
            show = (
                await http.post(
                    "/graphql", json={"query": document("ShowPageWithSetlist"), "variables": {"id": show_id}}
                )
            ).json()
            journal = (await http.post("/graphql", json={"query": document("SyncEvents")})).json()
    finally:
        process.terminate()
        await process.wait()

    assert len(edges) == 5
    assert artist["data"]["artist"]["upcomingShows"]
    # The show page's raw-SQL reads, in SQLite's dialect.
    assert "errors" not in show, show
    assert show["data"]["show"]["venue"]["name"]
    assert show["data"]["show"]["lineup"]
    assert show["data"]["show"]["setlist"]["songs"][0]["song"]["name"]
    assert {event["node"]["job"] for event in journal["data"]["syncEvents"]["edges"]} == {
        "sync_popular_tours",
        "sync_artist_songs",
    }
