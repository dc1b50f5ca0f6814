"""The live demo page (`/live/{showId}`): served with a strict CSP, and in headless Chromium it shows
the setlist and updates the counts live as votes arrive over `voteCounts`."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import servers
from browser_testing import node_script, require_browser_tools
from factories import make_setlist, make_show, make_song, make_users_with_tokens
from graphql_client import document

from app.api.ids import encode_id
from app.api.live_page import CONTENT_SECURITY_POLICY, STATIC

pytestmark = pytest.mark.usefixtures("db")

EVENT_TIMEOUT = 30.0


async def vote(http: httpx.AsyncClient, token: str, setlist_song_id: str) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": document("Vote"), "variables": {"setlistSongId": setlist_song_id}},
        headers={"authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def test_the_page_is_served_with_a_strict_content_security_policy(http: httpx.AsyncClient) -> None:
    show = await make_show()
    response = await http.get(f"/live/{encode_id('Show', show.id)}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'self'; connect-src 'self' ws: wss:")
    assert response.headers["x-content-type-options"] == "nosniff"
    scripts = re.findall(r'<script src="([^"]+)"', response.text)
    assert scripts == ["/live/static/graphql-ws.min.js", "/live/static/live.js"]
    assert "<script>" not in response.text
    assert "<style" not in response.text
    assert not re.search(r"\son[a-z]+\s*=", response.text)  # no inline event handlers


@pytest.mark.parametrize("asset", ["live.js", "graphql-ws.min.js", "live.css", "icon.svg"])
async def test_the_page_assets_are_served_with_their_types(http: httpx.AsyncClient, asset: str) -> None:
    response = await http.get(f"/live/static/{asset}")

    assert response.status_code == 200
    expected = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}[asset.rpartition(".")[2]]
    assert response.headers["content-type"].startswith(expected)
    assert response.content == (STATIC / asset).read_bytes()


@pytest.mark.parametrize("path", ["/live/static/live.html", "/live/static/..%2Fmain.py", "/live/not-an-id"])
async def test_anything_else_under_live_is_not_found(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 404


def test_the_vendored_graphql_ws_client_keeps_its_license_header() -> None:
    head = (STATIC / "graphql-ws.min.js").read_text()[:2000]
    assert head.startswith("/*!")
    assert "MIT License" in head
    assert "Copyright (c) 2020 Denis Badurina" in head


@pytest.mark.parametrize("name", ["ShowPageWithSetlist", "VoteCounts"])
def test_the_page_sends_the_documents_in_graphql_dir(name: str) -> None:
    assert document(name).strip() in (STATIC / "live.js").read_text()


@pytest.mark.slow
async def test_votes_appear_live_in_headless_chromium(
    postgres_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_browser_tools()  # fails, saying how to install what is missing, before starting anything
    show = await make_show()
    songs = [await make_song(artist=await show.headliner) for _ in range(3)]
    setlist = await make_setlist(show, songs)
    song_ids = [encode_id("SetlistSong", row.id) for row in await setlist.songs.all().order_by("position")]
    (_, first_token), (_, second_token) = await make_users_with_tokens(2)
    # Strawberry refuses websocket handshakes from origins it was not told about: the server must
    # list the page's own origin, so its port is chosen here.
    port = servers.free_port()
    monkeypatch.setattr(servers, "free_port", lambda: port)
    # JSON: pydantic-settings decodes list fields from the environment as JSON before the
    # comma-splitting validator in app/settings.py ever sees them.
    origins = json.dumps([f"http://127.0.0.1:{port}"])

    async with (
        servers.api_process(postgres_url, redis_url, ALLOWED_ORIGINS=origins) as api,
        httpx.AsyncClient(base_url=api) as http,
        node_script("live_page.mjs", f"{api}/live/{encode_id('Show', show.id)}", "--expect-total", "2") as browser,
    ):
        ready = await browser.next_event(EVENT_TIMEOUT)
        assert ready["event"] == "ready", ready
        assert ready["counts"] == dict.fromkeys(song_ids, 0), ready
        assert "errors" not in await vote(http, first_token, song_ids[0])
        assert "errors" not in await vote(http, second_token, song_ids[2])
        final = await browser.next_event(EVENT_TIMEOUT)

    assert ready["httpStatus"] == 200
    assert ready["csp"] == CONTENT_SECURITY_POLICY
    assert ready["state"] == "live"
    assert ready["snapshots"] == 1
    assert ready["resyncNoteShown"]
    assert ready["title"] == show.name
    assert sorted(ready["names"].values()) == sorted(song.name for song in songs)
    assert final["event"] == "final", final
    assert final["counts"] == {song_ids[0]: 1, song_ids[1]: 0, song_ids[2]: 1}
    assert int(final["sequence"]) == int(ready["sequence"]) + 2
    assert song_ids[2] in final["changed"]  # the last change is highlighted
    assert not final["resyncNoteShown"]  # deltas, not a snapshot
    assert final["problems"] == []  # no console error, CSP violation, failed request or exception
