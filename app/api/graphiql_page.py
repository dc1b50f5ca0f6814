"""GraphiQL served by the app itself: the IDE works offline, under a strict Content-Security-Policy.

Strawberry's own GraphiQL page loads React and GraphiQL from a CDN (and stays on "Loading..."
without internet). This page loads the same builds from `/static/graphiql/`: the files vendored in
app/static/graphiql/ from the npm packages pinned in its `manifest.json` (scripts/vendor_graphiql.py
refreshes them), each with its Subresource Integrity hash, plus this project's own start-up script
and stylesheet. No inline script or style, nothing from another origin.
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route

GRAPHIQL_STATIC = Path(__file__).resolve().parents[1] / "static" / "graphiql"
URL_PREFIX = "/static/graphiql"

# The one inline <style> GraphiQL adds: the scroll lock of its dialogs (react-remove-scroll), whose
# text is constant because the page itself never scrolls (theset-graphiql.css: no scrollbar gap).
DIALOG_SCROLL_LOCK_STYLE_HASH = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='"
# Scripts and styles only from this origin (and that one style by its hash); fonts and images that
# GraphiQL's stylesheet inlines as data: URLs; fetch and websockets only to this origin.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; script-src 'self'; style-src 'self' {DIALOG_SCROLL_LOCK_STYLE_HASH}; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
# This project's files beside the vendored ones.
OWN_ASSETS = ("theset-graphiql.js", "theset-graphiql.css")


def _media_type(name: str) -> str:
    if name.endswith(".js"):
        return "text/javascript; charset=utf-8"
    if name.endswith(".css"):
        return "text/css; charset=utf-8"
    return "text/plain; charset=utf-8"  # the licences


def _placeholder(name: str) -> str:
    """The template variable holding `name`'s integrity: `graphiql.min.js` -> `graphiql_min_js`."""
    return name.replace(".", "_").replace("-", "_")


class GraphiQLPage:
    """The IDE page and its assets, read once from `directory` (the fixed list of files it may serve)."""

    def __init__(self, directory: Path = GRAPHIQL_STATIC) -> None:
        self.directory = directory
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        self.versions: dict[str, str] = manifest["packages"]
        self.integrity: dict[str, str] = {name: entry["integrity"] for name, entry in manifest["files"].items()}
        # A fixed list of names, so no path from the URL reaches the disk.
        self.assets = {name: _media_type(name) for name in (*self.integrity, *OWN_ASSETS)}
        template = Template((directory / "index.html").read_text(encoding="utf-8"))
        self.html = template.substitute({_placeholder(name): value for name, value in self.integrity.items()})

    def response(self) -> Response:
        return HTMLResponse(self.html, headers={**_SECURITY_HEADERS, "cache-control": "no-cache"})

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.assets:
            raise HTTPException(404)
        return FileResponse(
            self.directory / name,
            media_type=self.assets[name],
            headers={**_SECURITY_HEADERS, "cache-control": "public, max-age=300"},
        )

    @property
    def routes(self) -> Mount:
        return Mount(URL_PREFIX, routes=[Route("/{name}", self.asset, methods=["GET"])])
