"""The live demo page: `/live/{show_id}` shows a setlist whose vote counts update over websockets.

The page is plain HTML plus fixed files served from `/live/static/`: its own `live.js` and
`live.css`, an icon, and a vendored copy of the stock `graphql-ws` browser client. It fetches the
setlist with the `ShowPageWithSetlist` document over POST /graphql and subscribes to `voteCounts`
over `graphql-transport-ws`, both on the page's own origin, under a strict Content-Security-Policy.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route

from app.api.ids import decode_id
from app.errors import BadUserInput

STATIC = Path(__file__).resolve().parents[1] / "static"

# Scripts only from this origin, no inline script or style, fetch and websockets to this origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
# The only files served, with their types: a fixed list, so no path from the URL reaches the disk.
ASSETS = {
    "live.js": "text/javascript; charset=utf-8",
    "graphql-ws.min.js": "text/javascript; charset=utf-8",
    "live.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}


@cache
def _page() -> str:
    return (STATIC / "live.html").read_text(encoding="utf-8")


async def live_page(request: Request) -> Response:
    """The page for one show; 404 when the id cannot be a show id (a well-formed unknown id: the page says so)."""
    try:
        decode_id(request.path_params["show_id"], "Show")
    except BadUserInput:
        raise HTTPException(404, "No such show") from None
    return HTMLResponse(_page(), headers={**_SECURITY_HEADERS, "cache-control": "no-cache"})


async def live_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        raise HTTPException(404)
    return FileResponse(
        STATIC / name,
        media_type=ASSETS[name],
        headers={**_SECURITY_HEADERS, "cache-control": "public, max-age=300"},
    )


live_routes = Mount(
    "/live",
    routes=[
        Route("/static/{name}", live_asset, methods=["GET"]),
        Route("/{show_id}", live_page, methods=["GET"]),
    ],
)
