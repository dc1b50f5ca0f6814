"""A browser app on another origin, in headless Chromium: a page whose origin is in ALLOWED_ORIGINS runs a
query, signs up, calls `me` and votes with its bearer token, and gets voteCounts over a websocket; a page
from an origin not listed is refused both over HTTP (CORS) and over the websocket (handshake check)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import servers
from browser_testing import node_script, require_browser_tools
from factories import make_setlist, make_show, make_song
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from app.api.ids import encode_id
from app.api.live_page import STATIC
from app.emulators.server import running_server

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.slow]

EVENT_TIMEOUT = 60.0

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Another origin</title><link rel="icon" href="data:,">
<script src="/graphql-ws.min.js"></script></head><body>A browser app on another origin.</body></html>
"""


def page_app() -> Starlette:
    """A browser app's own server: a page and the stock graphql-ws client, nothing of the API."""

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def graphql_ws(request: Request) -> Response:
        return FileResponse(STATIC / "graphql-ws.min.js", media_type="text/javascript")

    return Starlette(routes=[Route("/", page), Route("/graphql-ws.min.js", graphql_ws)])


async def test_a_page_on_an_allowed_origin_calls_the_api_and_another_is_refused(
    postgres_url: str, redis_url: str
) -> None:
    require_browser_tools()  # fails, saying how to install what is missing, before starting anything
    show = await make_show()
    setlist = await make_setlist(show, [await make_song(artist=await show.headliner) for _ in range(2)])
    song_id = encode_id("SetlistSong", (await setlist.songs.all().order_by("position"))[0].id)
    app = page_app()

    async with (
        running_server(app) as allowed_page,
        running_server(app) as refused_page,  # the same page, another port: another origin
        servers.api_process(postgres_url, redis_url, ALLOWED_ORIGINS=json.dumps([allowed_page])) as api,
        node_script(
            "cross_origin.mjs",
            "--api",
            api,
            "--show-id",
            encode_id("Show", show.id),
            "--setlist-id",
            encode_id("Setlist", setlist.id),
            "--setlist-song-id",
            song_id,
            f"{allowed_page}/",
            f"{refused_page}/",
        ) as browser,
    ):
        allowed = await browser.next_event(EVENT_TIMEOUT)
        refused = await browser.next_event(EVENT_TIMEOUT)

    assert allowed["event"] == "page", allowed
    assert allowed["origin"] == allowed_page
    assert_allowed(allowed, show_name=show.name, song_id=song_id)
    assert refused["event"] == "page", refused
    assert refused["origin"] == refused_page != allowed_page
    assert_refused(refused)


def assert_allowed(report: dict[str, Any], *, show_name: str, song_id: str) -> None:
    query = report["query"]
    assert query["ok"], report
    assert query["status"] == 200
    assert query["body"]["data"]["show"]["name"] == show_name
    assert query["requestId"], "X-Request-ID is exposed to the page's script"
    sign_up = report["signUp"]
    assert sign_up["ok"], report
    assert "errors" not in sign_up["body"], report
    me = report["me"]  # a preflighted request: Authorization, Apollo's and the request-id headers
    assert me["ok"], report
    assert me["body"]["data"]["me"]["email"] == sign_up["body"]["data"]["signUp"]["user"]["email"]
    assert me["requestId"] == "cors-test-request"
    assert report["subscriptionSnapshot"]["ok"], report
    assert report["subscriptionSnapshot"]["event"]["kind"] == "SNAPSHOT"
    vote = report["vote"]
    assert vote["ok"], report
    assert "errors" not in vote["body"], report
    assert vote["body"]["data"]["vote"] == {"id": song_id, "votes": 1, "viewerHasVoted": True}
    change = report["subscriptionChange"]
    assert change["ok"], report
    assert {"setlistSongId": song_id, "votes": 1} in change["event"]["songs"]
    assert report["console"] == []


def assert_refused(report: dict[str, Any]) -> None:
    for step in ("query", "signUp", "me"):
        assert not report[step]["ok"], report  # fetch rejects: the browser withheld the answer
        assert "Failed to fetch" in report[step]["error"]
    assert not report["subscriptionSnapshot"]["ok"], report
    assert "subscription failed" in report["subscriptionSnapshot"]["error"]
    assert "vote" not in report
    assert any("CORS policy" in line for line in report["console"]), report["console"]
