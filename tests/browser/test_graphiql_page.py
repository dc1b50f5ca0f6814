"""GraphiQL offline (`GET /graphql` from a browser): served with its vendored assets under a strict CSP,
and in headless Chromium with every other host cut off it renders, runs a typed query and shows the result."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import httpx
import pytest
import servers
from browser_testing import node_script, require_browser_tools
from factories import make_show

from app.api.graphiql_page import CONTENT_SECURITY_POLICY, GRAPHIQL_STATIC, OWN_ASSETS, GraphiQLPage
from app.main import create_app
from app.settings import Settings

EVENT_TIMEOUT = 90.0
MANIFEST = json.loads((GRAPHIQL_STATIC / "manifest.json").read_text())
VENDORED = list(MANIFEST["files"])


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


async def ide(http: httpx.AsyncClient) -> httpx.Response:
    return await http.get("/graphql", headers={"accept": "text/html"})


async def test_the_ide_is_served_under_a_strict_content_security_policy(http: httpx.AsyncClient) -> None:
    response = await ide(http)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_ide_loads_only_its_own_files_each_with_its_integrity(http: httpx.AsyncClient) -> None:
    html = (await ide(http)).text

    scripts = re.findall(r'<script src="([^"]+)"(?: integrity="([^"]+)")?></script>', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"(?: integrity="([^"]+)")?>', html)
    assert [src for src, _ in scripts] == [
        "/static/graphiql/react.production.min.js",
        "/static/graphiql/react-dom.production.min.js",
        "/static/graphiql/graphiql.min.js",
        "/static/graphiql/theset-graphiql.js",
    ]
    assert [href for href, _ in styles] == ["/static/graphiql/graphiql.min.css", "/static/graphiql/theset-graphiql.css"]
    for url, integrity in scripts + styles:
        served = await http.get(url)
        assert served.status_code == 200, url
        if url.rpartition("/")[2] in VENDORED:
            assert integrity == sri(served.content), url
    assert "http://" not in html
    assert "https://" not in html
    assert html.count("<script") == len(scripts)  # no inline script
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+\s*=", html)  # no inline event handlers


def test_the_vendored_files_match_their_manifest_and_keep_their_licences() -> None:
    assert set(MANIFEST["packages"]) == {"graphiql", "react", "react-dom"}
    for name, entry in MANIFEST["files"].items():
        assert entry["integrity"] == sri((GRAPHIQL_STATIC / name).read_bytes()), f"{name}: run make vendor-graphiql"
    for package in MANIFEST["packages"]:
        licence = MANIFEST["files"][f"LICENSE.{package}"]
        assert licence["package"] == package
        assert "MIT License" in (GRAPHIQL_STATIC / f"LICENSE.{package}").read_text()


@pytest.mark.parametrize("asset", [*VENDORED, *OWN_ASSETS], ids=lambda name: name.replace(".", "-"))
async def test_the_ide_assets_are_served_with_their_types(http: httpx.AsyncClient, asset: str) -> None:
    response = await http.get(f"/static/graphiql/{asset}")

    assert response.status_code == 200
    expected = {"js": "text/javascript", "css": "text/css"}.get(asset.rpartition(".")[2], "text/plain")
    assert response.headers["content-type"].startswith(expected)
    assert response.content == (GRAPHIQL_STATIC / asset).read_bytes()


@pytest.mark.parametrize(
    "path", ["/static/graphiql/manifest.json", "/static/graphiql/index.html", "/static/graphiql/..%2Fgraphiql.html"]
)
async def test_anything_else_under_static_graphiql_is_not_found(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 404


async def test_without_the_ide_its_assets_are_not_served(settings: Settings, orm: None) -> None:
    application = create_app(settings.model_copy(update={"graphiql": False}))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as http,
    ):
        assert (await http.get("/static/graphiql/graphiql.min.js")).status_code == 404
        assert (await ide(http)).status_code == 404


def test_the_page_reads_its_template_and_manifest_once() -> None:
    page = GraphiQLPage()

    assert "$" not in page.html  # every integrity placeholder filled
    assert page.versions == MANIFEST["packages"]


@pytest.mark.slow
@pytest.mark.usefixtures("db")
async def test_graphiql_renders_and_runs_a_query_offline_in_headless_chromium(postgres_url: str) -> None:
    require_browser_tools()  # fails, saying how to install what is missing, before starting anything
    show = await make_show()
    query = "{ shows(first: 5) { nodes { name } } }"

    async with (
        servers.api_process(postgres_url, None) as api,
        node_script("graphiql_page.mjs", f"{api}/graphql", "--query", query) as browser,
    ):
        report = await browser.next_event(EVENT_TIMEOUT)

    assert report["event"] == "ran", report
    assert report["httpStatus"] == 200
    assert report["csp"] == CONTENT_SECURITY_POLICY
    assert report["loadingGone"]
    assert report["docsTitle"] == "Docs"  # the schema arrived by introspection
    assert report["dialogTitle"] == "Settings"
    assert report["typed"] == query
    assert report["result"]["data"] == {"shows": {"nodes": [{"name": show.name}]}}
    assert report["blocked"] == []  # nothing tried to leave the server's origin
    assert {f"/static/graphiql/{name}" for name in VENDORED if not name.startswith("LICENSE")} <= set(
        report["requested"]
    )
    assert report["problems"] == []  # no console error, CSP violation, failed request or exception
