"""The newcomer path: `theset demo` on SQLite serves a synced catalog (the embedded default's smoke test)."""

from __future__ import annotations

import asyncio
import datetime as dt
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
    output = tmp_path / "demo.out"
    with output.open("w") as stdout:
        process = await asyncio.create_subprocess_exec(
            str(THESET), "demo", "--port", str(port), env=env, cwd=tmp_path, stdout=stdout
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            # The demo syncs its catalog before it serves: minutes on a loaded 2-core machine.
            for _ in range(1_800):
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
            seeds = []
            for edge in (
                await http.post("/graphql", json={"query": document("ShowList"), "variables": {"first": 30}})
            ).json()["data"]["shows"]["edges"]:
                page = await http.post(
                    "/graphql", json={"query": document("ShowPageWithSetlist"), "variables": {"id": edge["node"]["id"]}}
                )
                seeds.append(page.json()["data"]["show"]["setlist"]["seededFrom"])
            # The past week's shows, as a newcomer opens them: the prediction, what was played, the score.
            today = dt.datetime.now(dt.UTC).date()
            past = await http.post(
                "/graphql",
                json={
                    "query": document("ShowList"),
                    "variables": {"first": 20, "from": str(today - dt.timedelta(days=8)), "to": str(today)},
                },
            )
            pages = []
            for edge in past.json()["data"]["shows"]["edges"]:
                variables = {"id": edge["node"]["id"]}
                page = await http.post("/graphql", json={"query": document("PastShowPage"), "variables": variables})
                board = await http.post("/graphql", json={"query": document("Leaderboard"), "variables": variables})
                pages.append((page.json()["data"]["show"], board.json()["data"]["show"]["leaderboard"]["edges"]))
    finally:
        process.terminate()
        await process.wait()

    printed = output.read_text()
    assert "Ticketmaster emulator at http://127.0.0.1:" in printed  # the demo tells where its emulators are
    assert "Spotify emulator at http://127.0.0.1:" in printed
    assert len(edges) == 5
    assert artist["data"]["artist"]["upcomingShows"]
    # Fixed-set headliners' shows start from their tours, rotating ones' from Spotify.
    assert {"TOUR_HISTORY", "SPOTIFY_TOP_TRACKS"} <= set(seeds)
    # The show page's raw-SQL reads, in SQLite's dialect.
    assert "errors" not in show, show
    assert show["data"]["show"]["venue"]["name"]
    assert show["data"]["show"]["lineup"]
    assert show["data"]["show"]["setlist"]["songs"][0]["song"]["name"]
    assert {event["node"]["job"] for event in journal["data"]["syncEvents"]["edges"]} == {
        "sync_popular_tours",
        "sync_artist_songs",
        "sync_tour_history",
        "sync_played_setlists",
    }
    played = [(show, board) for show, board in pages if show["playedSetlist"] is not None]
    assert len(played) >= 2, [show["localDate"] for show, _ in pages]  # a few past shows, imported
    for show, board in played:
        songs = [song for one_set in show["playedSetlist"]["sets"] for song in one_set["songs"]]
        assert sum(song["scored"] for song in songs) >= 10  # what was played, from the emulated setlist.fm
        assert show["playedSetlist"]["sourceUrl"].startswith("https://www.setlist.fm/")
        assert any(song["votes"] for song in show["setlist"]["songs"])  # the fans' prediction
        score = show["setlist"]["score"]
        assert score is not None
        assert score["played"] > 0
        assert score["predicted"] > 0
        assert board  # the fans who voted, by points
        assert all(edge["node"]["votesCast"] > 0 for edge in board)
    assert any(edge["node"]["points"] > 0 for _, board in played for edge in board)
