"""Hostile requests over GraphQL-over-HTTP (in process, ASGI): each gets a clean answer and writes nothing.

A clean answer is a 4xx with a GraphQL error body, or a GraphQL error with a stable `extensions.code`;
never a 5xx, a stack trace or a source path. The row counts of the users, tokens, votes and setlist
tables are compared around every request.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from factories import make_setlist, make_show, make_song, make_token, make_user
from graphql_client import document
from hostile_testing import assert_clean, writes_nothing

from app.api.ids import encode_id

BAD = "BAD_USER_INPUT"
PARSE = "GRAPHQL_PARSE_FAILED"
VALIDATION = "GRAPHQL_VALIDATION_FAILED"
UNAUTH = "UNAUTHENTICATED"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@dataclass(frozen=True)
class World:
    token: str
    expired: str
    revoked: str
    show: str
    artist: str
    setlist: str
    setlist_song: str
    user: str


@pytest.fixture(scope="module")
async def world(orm: None) -> World:
    """Rows the hostile requests aim at (created once: the cases only read, and must not write)."""
    user = await make_user()
    show = await make_show()
    songs = [await make_song(artist=await show.headliner) for _ in range(2)]
    setlist = await make_setlist(show, songs)
    setlist_song = await setlist.songs.all().order_by("position").first()
    assert setlist_song is not None
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    return World(
        token=await make_token(user),
        expired=await make_token(user, expires_at=past),
        revoked=await make_token(user, revoked=True),
        show=encode_id("Show", show.id),
        artist=encode_id("Artist", show.headliner_id),
        setlist=encode_id("Setlist", setlist.id),
        setlist_song=encode_id("SetlistSong", setlist_song.id),
        user=encode_id("User", user.id),
    )


Build = Callable[[World], Any]


@dataclass(frozen=True)
class Case:
    json: Any = None  # a JSON body: a value, or a function of the world
    content: bytes | Callable[[], AsyncIterator[bytes]] | None = None
    method: str = "POST"
    params: Any = None
    headers: Any = None  # a dict, or a function of the world
    status: int | None = None
    code: str | None = None


def _resolve(value: Any, world: World) -> Any:
    return value(world) if callable(value) else value


def raw_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def op(query: str, variables: Build | dict[str, Any] | None = None, **extra: Any) -> Build:
    def build(world: World) -> dict[str, Any]:
        return {"query": query, "variables": _resolve(variables, world) or {}, **extra}

    return build


def bearer(attr: str) -> Build:
    return lambda world: {"authorization": f"Bearer {getattr(world, attr)}"}


def nested(depth: int, inner: str = "id") -> str:
    """`show { setlist { show { setlist ... } } }`: a query `depth` levels deep."""
    body = inner
    for level in range(depth):
        body = f"setlist {{ show {{ {body} }} }}" if level % 2 == 0 else body
    return body


def deep_shows(depth: int) -> str:
    selection = "id"
    for _ in range(depth):
        selection = f"artist {{ upcomingShows {{ {selection} }} }}"
    return f"{{ shows {{ nodes {{ {selection} }} }} }}"


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the next twice: 2**levels paths if anything expands it naively."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ __typename }}")
    return "{ ...F0 } " + " ".join(fragments)


def nested_fragment_bomb(levels: int) -> str:
    """Like fragment_bomb, through fields: each level a field whose selection spreads the next twice."""
    fragments = [
        f"fragment S{i} on Show {{ artist {{ upcomingShows {{ ...S{i + 1} ...S{i + 1} }} }} }}" for i in range(levels)
    ]
    fragments.append(f"fragment S{levels} on Show {{ id }}")
    return "{ shows { nodes { ...S0 } } } " + " ".join(fragments)


def doubling_fragments(levels: int) -> str:
    """Two fragments a level, each spreading both of the next: 2**levels paths, none merged away."""
    fragments = [
        f"fragment {name}{i} on Show {{ {field} ...A{i + 1} ...B{i + 1} }}"
        for i in range(levels)
        for name, field in (("A", "id"), ("B", "name"))
    ]
    fragments += [f"fragment A{levels} on Show {{ id }}", f"fragment B{levels} on Show {{ name }}"]
    return "{ shows { nodes { ...A0 ...B0 } } } " + " ".join(fragments)


def list_fragment_chain(levels: int) -> str:
    """Fragments nesting lists through each other, within the depth limit."""
    fragments = [f"fragment L{i} on Show {{ lineup {{ upcomingShows {{ ...L{i + 1} }} }} }}" for i in range(levels)]
    fragments.append(f"fragment L{levels} on Show {{ id name }}")
    return "{ shows { nodes { ...L0 } } } " + " ".join(fragments)


def deep_list_literal(depth: int) -> str:
    return f"{{ shows(city: {'[' * depth}1{']' * depth}) {{ nodes {{ id }} }} }}"


def deep_object_literal(depth: int) -> str:
    return f"{{ shows(city: {'{a: ' * depth}1{'}' * depth}) {{ nodes {{ id }} }} }}"


def chunks(total: int, size: int = 64 * 1024) -> Callable[[], AsyncIterator[bytes]]:
    async def generate() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"x": "'
        sent = 0
        while sent < total:
            yield b"a" * size
            sent += size
        yield b'"}}'

    return generate


FRAGMENT_CHAIN = " ".join(f"fragment F{i} on Show {{ artist {{ upcomingShows {{ ...F{i + 1} }} }} }}" for i in range(6))
FRAGMENT_CHAIN += " fragment F6 on Show { id }"
SHOW = "query($id: ID!) { show(id: $id) { id } }"
ARTIST = "query($id: ID!) { artist(id: $id) { id } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
VOTE = "mutation($id: ID!) { vote(setlistSongId: $id) { id votes } }"
UNVOTE = "mutation($id: ID!) { unvote(setlistSongId: $id) { id votes } }"
SUGGEST = 'mutation($id: ID!) { suggestSong(setlistId: $id, spotifyTrackId: "4uLU6hMCjMI75M1A2tKUQC") { id } }'
SEARCH = "query($s: String) { artists(search: $s) { nodes { id } } }"
SHOWS_IN = "query($city: String) { shows(city: $city) { nodes { id } } }"
COST_BOMB = (
    "{ shows { nodes { lineup { upcomingShows { lineup { upcomingShows { lineup { upcomingShows"
    " { lineup { upcomingShows { id } } } } } } } } } } }"
)
SIGN_UP = document("SignUp")
SIGN_IN = document("SignIn")
KIB = 1024

CASES: dict[str, Case] = {
    # --- malformed JSON bodies -------------------------------------------------------------------
    "json-empty-body": Case(content=b"", status=400, code=BAD),
    "json-null": Case(content=b"null", status=400, code=BAD),
    "json-number": Case(content=b"42", status=400, code=BAD),
    "json-string": Case(content=b'"{ __typename }"', status=400, code=BAD),
    "json-true": Case(content=b"true", status=400, code=BAD),
    "json-empty-object": Case(content=b"{}", code=BAD),
    "json-query-null": Case(content=b'{"query": null}', code=BAD),
    "json-query-empty": Case(content=b'{"query": ""}', code=BAD),
    "json-query-list": Case(content=b'{"query": ["{ __typename }"]}', status=400, code=BAD),
    "json-variables-string": Case(content=b'{"query": "{ __typename }", "variables": "{}"}', status=400, code=BAD),
    "json-operation-name-number": Case(content=b'{"query": "{ __typename }", "operationName": 42}', code=BAD),
    "json-operation-name-object": Case(content=b'{"query": "{ __typename }", "operationName": {"a": 1}}', code=BAD),
    "json-extensions-list": Case(content=b'{"query": "{ __typename }", "extensions": []}', status=400, code=BAD),
    "json-invalid-utf8": Case(content=b'{"query": "{ \xff\xfe __typename }"}', status=400, code=BAD),
    "json-utf16": Case(content='{"query": "{ __typename }"}'.encode("utf-16"), code=None),
    "json-trailing-garbage": Case(content=b'{"query": "{ __typename }"} trailing', status=400, code=BAD),
    "json-single-quotes": Case(content=b"{'query': '{ __typename }'}", status=400, code=BAD),
    "json-nan-variable": Case(
        content=b'{"query": "query($f: Int!) { shows(first: $f) { nodes { id } } }", "variables": {"f": NaN}}', code=BAD
    ),
    "json-infinity-variable": Case(
        content=b'{"query": "query($f: Int!) { shows(first: $f) { nodes { id } } }", "variables": {"f": 1e999}}',
        code=BAD,
    ),
    "json-deeply-nested-arrays": Case(content=b"[" * 100_000 + b"]" * 100_000, status=400, code=BAD),
    "json-deeply-nested-variables": Case(
        content=b'{"query": "{ __typename }", "variables": {"a": ' + b'{"a": ' * 30_000 + b"1" + b"}" * 30_000 + b"}}",
        status=400,
        code=BAD,
    ),
    "json-nul-in-query": Case(json={"query": "{ __typename \u0000 }"}, code=PARSE),
    "json-lone-surrogate": Case(content=b'{"query": "{ \\ud800 }"}', code=PARSE),
    # --- content types and methods ---------------------------------------------------------------
    "ct-missing": Case(content=b'{"query": "{ __typename }"}', headers={"content-type": ""}, status=400, code=BAD),
    "ct-form-urlencoded": Case(
        content=b"query=%7B__typename%7D",
        headers={"content-type": "application/x-www-form-urlencoded"},
        status=400,
        code=BAD,
    ),
    "ct-multipart": Case(
        content=b'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n--x--\r\n',
        headers={"content-type": "multipart/form-data; boundary=x"},
        status=400,
        code=BAD,
    ),
    "ct-application-graphql": Case(
        content=b"{ __typename }", headers={"content-type": "application/graphql"}, status=400, code=BAD
    ),
    "ct-xml": Case(
        content=b"<query>{ __typename }</query>", headers={"content-type": "application/xml"}, status=400, code=BAD
    ),
    "ct-garbage": Case(
        content=b'{"query": "{ __typename }"}', headers={"content-type": ";;;=\x7f"}, status=400, code=BAD
    ),
    "method-put": Case(method="PUT", json={"query": "{ __typename }"}, status=405),
    "method-delete": Case(method="DELETE", status=405),
    "method-patch": Case(method="PATCH", json={"query": "{ __typename }"}, status=405),
    # --- huge bodies -----------------------------------------------------------------------------
    "huge-body-300k": Case(json={"query": "{ __typename }", "variables": {"x": "a" * 300 * KIB}}, status=413, code=BAD),
    "huge-body-5m": Case(
        json={"query": "{ __typename }", "variables": {"x": "a" * 5 * KIB * KIB}}, status=413, code=BAD
    ),
    "huge-body-chunked": Case(content=chunks(1024 * KIB), status=413, code=BAD),
    "huge-query-whitespace": Case(json={"query": "{" + " " * 200 * KIB + "__typename }"}, code=None),
    "huge-query-comment": Case(json={"query": "#" + "x" * 200 * KIB + "\n{ shows { nodes { id } } }"}, code=None),
    "huge-string-literal": Case(
        json={"query": '{ artists(search: "' + "a" * 200 * KIB + '") { nodes { id } } }'}, code=BAD
    ),
    "many-fields-token-limit": Case(json={"query": "{ " + "__typename " * 5000 + "}"}, code=PARSE),
    "many-operations": Case(json={"query": " ".join(f"query Q{i} {{ __typename }}" for i in range(1000))}, code=PARSE),
    # --- depth ------------------------------------------------------------------------------------
    "depth-over-limit-setlist": Case(
        json=op(f"query($id: ID!) {{ show(id: $id) {{ {nested(12)} }} }}", lambda w: {"id": w.show}), code=VALIDATION
    ),
    "depth-300": Case(json={"query": deep_shows(300)}, code=PARSE),
    "depth-900-braces": Case(json={"query": "{ a" * 900 + "}" * 900}, code=PARSE),
    "depth-selection-braces": Case(json={"query": "{" * 3000 + "}" * 3000}, code=PARSE),
    "depth-via-fragments": Case(json={"query": "{ shows { nodes { ...F0 } } } " + FRAGMENT_CHAIN}, code=VALIDATION),
    "deep-list-literal": Case(json={"query": deep_list_literal(900)}, code=PARSE),
    "deep-object-literal": Case(json={"query": deep_object_literal(600)}, code=PARSE),
    # --- query cost ------------------------------------------------------------------------------
    "cost-bomb": Case(json={"query": COST_BOMB}, code=VALIDATION),
    "cost-huge-first": Case(json={"query": "{ shows(first: 1000000) { nodes { id } } }"}, code=VALIDATION),
    "cost-huge-first-variable": Case(
        json=op("query($n: Int!) { shows(first: $n) { nodes { id } } }", {"n": 1_000_000}), code=BAD
    ),
    "cost-huge-nested-first": Case(
        json={"query": "{ shows(first: 100) { nodes { lineup { upcomingShows(first: 2147483647) { id } } } } }"},
        code=VALIDATION,
    ),
    "cost-list-fragment-chain": Case(json={"query": list_fragment_chain(4)}, code=VALIDATION),
    "cost-doubling-fragments": Case(json={"query": doubling_fragments(40)}, code=VALIDATION),
    "cost-aliased-pages": Case(
        json={
            "query": "{ "
            + " ".join(f"a{i}: shows(first: 100) {{ nodes {{ lineup {{ name }} }} }}" for i in range(15))
            + " }"
        },
        code=VALIDATION,
    ),
    "cost-setlists-of-a-page": Case(
        json={"query": "{ shows(first: 100) { nodes { setlist { songs { song { name } } } } } }"}, code=VALIDATION
    ),
    "introspection-nested-lists": Case(
        json={"query": "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"},
        code=VALIDATION,
    ),
    # --- aliases ---------------------------------------------------------------------------------
    "aliases-16": Case(json={"query": "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"}, code=VALIDATION),
    "aliases-expensive-field": Case(
        json={"query": "{ " + " ".join(f"a{i}: shows(first: 100) {{ nodes {{ id }} }}" for i in range(40)) + " }"},
        code=VALIDATION,
    ),
    "aliases-in-fragment": Case(
        json={
            "query": "{ ...F ...F } fragment F on Query { " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
        },
        code=VALIDATION,
    ),
    "aliases-nested": Case(
        json={"query": "{ shows { nodes { " + " ".join(f"a{i}: artist {{ id }}" for i in range(20)) + " } } }"},
        code=VALIDATION,
    ),
    "duplicate-fields-no-alias": Case(json={"query": "{ " + "shows { nodes { id } } " * 300 + "}"}, code=PARSE),
    # --- fragments -------------------------------------------------------------------------------
    "fragment-cycle": Case(
        json={"query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"}, code=VALIDATION
    ),
    "fragment-self-cycle": Case(json={"query": "{ ...A } fragment A on Query { __typename ...A }"}, code=VALIDATION),
    "fragment-bomb-exponential": Case(json={"query": fragment_bomb(40)}, code=None),
    "fragment-bomb-through-fields": Case(json={"query": nested_fragment_bomb(30)}, code=VALIDATION),
    "fragment-many-spreads": Case(
        json={"query": "{ " + "...F " * 900 + "} fragment F on Query { __typename }"}, code=None
    ),
    "fragment-unknown": Case(json={"query": "{ ...Nope }"}, code=VALIDATION),
    "fragment-unused": Case(json={"query": "{ __typename } fragment F on Query { __typename }"}, code=VALIDATION),
    "fragment-wrong-type": Case(json={"query": "{ ...F } fragment F on Show { id }"}, code=VALIDATION),
    "fragment-unknown-type": Case(json={"query": "{ ... on Nope { id } }"}, code=VALIDATION),
    "fragment-on-scalar": Case(json={"query": "{ ...F } fragment F on String { length }"}, code=VALIDATION),
    # --- directives ------------------------------------------------------------------------------
    "directive-repeated": Case(json={"query": "{ __typename " + "@skip(if: false) " * 250 + "}"}, code=VALIDATION),
    "directive-unknown": Case(json={"query": "{ __typename @nope }"}, code=VALIDATION),
    "directive-missing-argument": Case(json={"query": "{ __typename @include }"}, code=VALIDATION),
    "directive-wrong-argument-type": Case(json={"query": '{ __typename @skip(if: "yes") }'}, code=VALIDATION),
    "directive-wrong-location": Case(json={"query": "query @skip(if: true) { __typename }"}, code=VALIDATION),
    "directive-deprecated-in-query": Case(json={"query": '{ __typename @deprecated(reason: "x") }'}, code=VALIDATION),
    "directive-many-unknown": Case(
        json={"query": "{ __typename " + " ".join(f"@d{i}" for i in range(500)) + " }"}, code=VALIDATION
    ),
    "directive-definition-in-request": Case(json={"query": "directive @x on FIELD { __typename }"}, code=VALIDATION),
    "type-definition-in-request": Case(json={"query": "type Evil { id: ID } { __typename }"}, code=VALIDATION),
    # --- batching --------------------------------------------------------------------------------
    "batch-two-queries": Case(json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}], status=400, code=BAD),
    "batch-empty": Case(json=[], status=400, code=BAD),
    "batch-of-numbers": Case(json=[1, 2, 3], status=400, code=BAD),
    "batch-of-sign-ups": Case(
        json=[
            {
                "query": SIGN_UP,
                "variables": {"email": f"batch{i}@example.com", "password": "Correct horse 42", "displayName": "B"},
            }
            for i in range(50)
        ],
        status=400,
        code=BAD,
    ),
    "batch-of-votes": Case(
        json=lambda w: [{"query": VOTE, "variables": {"id": w.setlist_song}}] * 20,
        headers=bearer("token"),
        status=400,
        code=BAD,
    ),
    # --- variables -------------------------------------------------------------------------------
    "var-huge-search": Case(json=op(SEARCH, {"s": "a" * 200 * KIB}), code=BAD),
    "var-int-overflow": Case(json=op("query($f: Int!) { shows(first: $f) { nodes { id } } }", {"f": 2**40}), code=BAD),
    "var-int-negative": Case(json=op("query($f: Int!) { shows(first: $f) { nodes { id } } }", {"f": -1}), code=BAD),
    "var-int-float": Case(json=op("query($f: Int!) { shows(first: $f) { nodes { id } } }", {"f": 1.5}), code=BAD),
    "var-int-string": Case(json=op("query($f: Int!) { shows(first: $f) { nodes { id } } }", {"f": "20"}), code=BAD),
    "var-int-huge-list": Case(
        json=op("query($f: Int!) { shows(first: $f) { nodes { id } } }", {"f": list(range(20_000))}), code=BAD
    ),
    "var-id-object": Case(json=op(SHOW, {"id": {"$ne": None}}), code=BAD),
    "var-id-list": Case(json=op(SHOW, {"id": ["a"] * 10_000}), code=BAD),
    "var-id-null": Case(json=op(SHOW, {"id": None}), code=BAD),
    "var-date-invalid": Case(
        json=op("query($d: Date) { shows(from: $d) { nodes { id } } }", {"d": "9999-99-99"}), code=BAD
    ),
    "var-date-year-99999": Case(
        json=op("query($d: Date) { shows(from: $d) { nodes { id } } }", {"d": "99999-01-01"}), code=BAD
    ),
    "var-many-unused-keys": Case(
        json=op("query($f: Int!) { shows(first: $f) { nodes { id } } }", {f"k{i}": i for i in range(15_000)}), code=BAD
    ),
    "var-undeclared-many": Case(
        json={"query": "query(" + " ".join(f"$v{i}: Int" for i in range(300)) + ") { __typename }"}, code=VALIDATION
    ),
    "var-int-literal-overflow": Case(
        json={"query": "{ shows(first: 99999999999999999999) { nodes { id } } }"}, code=VALIDATION
    ),
    "var-bad-string-escape": Case(json={"query": '{ artists(search: "\\uZZZZ") { nodes { id } } }'}, code=PARSE),
    "var-unterminated-block-string": Case(json={"query": '{ artists(search: """abc) { nodes { id } } }'}, code=PARSE),
    # --- ids -------------------------------------------------------------------------------------
    "id-negative": Case(json=op(SHOW, {"id": raw_id("Show:-1")}), code=BAD),
    "id-int32-overflow": Case(json=op(SHOW, {"id": raw_id("Show:2147483648")}), code=BAD),
    "id-eleven-digits": Case(json=op(SHOW, {"id": raw_id("Show:99999999999")}), code=BAD),
    "id-exponent": Case(json=op(SHOW, {"id": raw_id("Show:1e3")}), code=BAD),
    "id-plus-sign": Case(json=op(SHOW, {"id": raw_id("Show:+1")}), code=BAD),
    "id-hex": Case(json=op(SHOW, {"id": raw_id("Show:0x1")}), code=BAD),
    "id-arabic-digits": Case(json=op(SHOW, {"id": raw_id("Show:\u0661\u0662")}), code=BAD),
    "id-empty": Case(json=op(SHOW, {"id": ""}), code=BAD),
    "id-too-long": Case(json=op(SHOW, {"id": "A" * 65}), code=BAD),
    "id-very-long": Case(json=op(SHOW, {"id": "A" * 100 * KIB}), code=BAD),
    "id-nul-byte": Case(json=op(SHOW, {"id": "U2hvdzox\u0000"}), code=None),  # base64 skips it: Show:1
    "id-standard-base64": Case(json=op(SHOW, {"id": "+/+/+/=="}), code=BAD),
    "id-int-literal": Case(json={"query": "{ show(id: 42) { id } }"}, code=BAD),
    "id-sql-injection": Case(json=op(SHOW, {"id": raw_id("Show:1; DROP TABLE shows")}), code=BAD),
    "id-sql-or": Case(json=op(SHOW, {"id": "1' OR '1'='1"}), code=BAD),
    "id-foreign-artist-as-show": Case(json=op(SHOW, lambda w: {"id": w.artist}), code=BAD),
    "id-foreign-show-as-artist": Case(json=op(ARTIST, lambda w: {"id": w.show}), code=BAD),
    "id-foreign-user-as-show": Case(json=op(SHOW, lambda w: {"id": w.user}), code=BAD),
    "id-foreign-setlist-vote": Case(json=op(VOTE, lambda w: {"id": w.setlist}), headers=bearer("token"), code=BAD),
    "id-foreign-show-suggest": Case(json=op(SUGGEST, lambda w: {"id": w.show}), headers=bearer("token"), code=BAD),
    "id-missing-setlist-song-vote": Case(
        json=op(VOTE, {"id": raw_id("SetlistSong:2147483647")}), headers=bearer("token"), code="NOT_FOUND"
    ),
    "id-overflow-unvote": Case(
        json=op(UNVOTE, {"id": raw_id("SetlistSong:9999999999")}), headers=bearer("token"), code=BAD
    ),
    "node-foreign-type": Case(json=op(NODE, {"id": raw_id("Invoice:1")}), code=BAD),
    "node-no-type": Case(json=op(NODE, {"id": raw_id(":1")}), code=BAD),
    "node-sql-injection": Case(json=op(NODE, {"id": raw_id("Show:1 OR 1=1")}), code=BAD),
    "node-another-users-account": Case(json=op(NODE, lambda w: {"id": w.user}), code=None),  # null, no error
    "nodes-over-the-cap": Case(json=op(NODES, lambda w: {"ids": [w.show] * 10_000}), code=BAD),
    "nodes-one-foreign": Case(json=op(NODES, lambda w: {"ids": [w.show, raw_id("Invoice:1")]}), code=BAD),
    "nodes-not-a-list": Case(json={"query": '{ nodes(ids: "x") { id } }'}, code=BAD),  # coerced to ["x"]
    # --- SQL-looking and overlong strings --------------------------------------------------------
    "sql-search-or": Case(json=op(SEARCH, {"s": "' OR 1=1 --"}), code=None),
    "sql-search-drop": Case(json=op(SEARCH, {"s": "'); DROP TABLE artists; --"}), code=None),
    "sql-search-like-wildcards": Case(json=op(SEARCH, {"s": "%_%\\"}), code=None),
    "sql-search-nul": Case(json=op(SEARCH, {"s": "abc\u0000def"}), code=BAD),
    "sql-city": Case(json=op(SHOWS_IN, {"city": "'; DROP TABLE shows; --"}), code=None),
    "sql-city-nul": Case(json=op(SHOWS_IN, {"city": "Chi\u0000cago"}), code=BAD),
    "sql-sync-job": Case(json={"query": "{ syncEvents(job: \"x' OR '1'='1\") { nodes { id } } }"}, code=None),
    "sql-cursor": Case(json={"query": '{ shows(after: "\' OR 1=1 --") { nodes { id } } }'}, code=BAD),
    "sql-sign-in-email": Case(
        json=op(SIGN_IN, {"email": "admin'--@example.com", "password": "' OR '1'='1"}), code=UNAUTH
    ),
    "sql-sign-in-email-nul": Case(json=op(SIGN_IN, {"email": "admin\u0000@example.com", "password": "x"}), code=BAD),
    "sql-sign-up-email": Case(
        json=op(SIGN_UP, {"email": "x@y.com' OR '1'='1", "password": "Correct horse 42", "displayName": "x"}), code=BAD
    ),
    "sql-sign-up-display-name-nul": Case(
        json=op(SIGN_UP, {"email": "nul-name@example.com", "password": "Correct horse 42", "displayName": "a\u0000b"}),
        code=BAD,
    ),
    "long-search-101": Case(json=op(SEARCH, {"s": "a" * 101}), code=BAD),
    "long-city": Case(json=op(SHOWS_IN, {"city": "a" * 100 * KIB}), code=None),
    "long-sign-up-password": Case(
        json=op(SIGN_UP, {"email": "long@", "password": "a1" * 50 * KIB, "displayName": "x"}), code=BAD
    ),
    "long-sign-in-password": Case(
        json=op(SIGN_IN, {"email": "long-password@example.com", "password": "a" * 100 * KIB}), code=UNAUTH
    ),
    "long-track-search": Case(json={"query": '{ searchTracks(query: "' + "a" * 1000 + '") { name } }'}, code=BAD),
    "empty-track-search": Case(json={"query": '{ searchArtists(query: "   ") { name } }'}, code=BAD),
    # --- tokens ----------------------------------------------------------------------------------
    "token-forged": Case(json={"query": "{ me { id } }"}, headers={"authorization": "Bearer " + "x" * 43}, code=UNAUTH),
    "token-expired": Case(json={"query": "{ me { id } }"}, headers=bearer("expired"), code=UNAUTH),
    "token-revoked": Case(json={"query": "{ me { id } }"}, headers=bearer("revoked"), code=UNAUTH),
    "token-expired-vote": Case(json=op(VOTE, lambda w: {"id": w.setlist_song}), headers=bearer("expired"), code=UNAUTH),
    "token-revoked-vote": Case(json=op(VOTE, lambda w: {"id": w.setlist_song}), headers=bearer("revoked"), code=UNAUTH),
    "token-forged-suggest": Case(
        json=op(SUGGEST, lambda w: {"id": w.setlist}), headers={"authorization": "Bearer forged"}, code=UNAUTH
    ),
    "token-revoked-sign-out": Case(json={"query": "mutation { signOut }"}, headers=bearer("revoked"), code=UNAUTH),
    "token-basic-scheme": Case(
        json={"query": "{ me { id } }"}, headers={"authorization": "Basic dXNlcjpwYXNz"}, code=UNAUTH
    ),
    "token-bearer-empty": Case(json={"query": "{ me { id } }"}, headers={"authorization": "Bearer "}, code=UNAUTH),
    "token-two-parts": Case(
        json={"query": "{ me { id } }"}, headers=lambda w: {"authorization": f"Bearer {w.token} {w.token}"}, code=UNAUTH
    ),
    "token-huge": Case(
        json={"query": "{ me { id } }"}, headers={"authorization": "Bearer " + "a" * 8 * KIB}, code=UNAUTH
    ),
    "token-sql": Case(json={"query": "{ me { id } }"}, headers={"authorization": "Bearer ' OR 1=1 --"}, code=UNAUTH),
    "token-latin1-bytes": Case(
        json={"query": "{ me { id } }"}, headers={"authorization": b"Bearer \xe9\xe9\xe9"}, code=UNAUTH
    ),
    "token-anonymous-vote": Case(json=op(VOTE, lambda w: {"id": w.setlist_song}), code=UNAUTH),
    # --- GET ---------------------------------------------------------------------------------------
    "get-sign-up": Case(
        method="GET",
        params={
            "query": SIGN_UP,
            "variables": json.dumps({"email": "get@example.com", "password": "Correct horse 42", "displayName": "G"}),
        },
        status=405,
        code=BAD,
    ),
    "get-vote": Case(
        method="GET",
        params=lambda w: {"query": VOTE, "variables": json.dumps({"id": w.setlist_song})},
        headers=bearer("token"),
        status=405,
        code=BAD,
    ),
    "get-sign-out": Case(
        method="GET", params={"query": "mutation { signOut }"}, headers=bearer("token"), status=405, code=BAD
    ),
    "get-mutation-named-among-queries": Case(
        method="GET",
        params={"query": "query Q { __typename } mutation M { signOut }", "operationName": "M"},
        headers=bearer("token"),
        status=405,
        code=BAD,
    ),
    "get-no-query": Case(
        method="GET", params={"variables": "{}"}, headers={"accept": "application/json"}, status=400, code=BAD
    ),
    "get-variables-not-json": Case(
        method="GET", params={"query": "{ __typename }", "variables": "{nope"}, status=400, code=BAD
    ),
    "get-variables-list": Case(
        method="GET", params={"query": "{ __typename }", "variables": "[1]"}, status=400, code=BAD
    ),
    "get-subscription": Case(
        method="GET",
        params=lambda w: {
            "query": "subscription($id: ID!) { voteCounts(setlistId: $id) { sequence } }",
            "variables": json.dumps({"id": w.setlist}),
        },
        code=BAD,
    ),
    # --- operations --------------------------------------------------------------------------------
    "op-unknown-name": Case(json={"query": "query A { __typename }", "operationName": "Nope"}, code=BAD),
    "op-name-mismatch-mutation": Case(
        json={"query": "query A { __typename } mutation B { signOut }", "operationName": "C"},
        headers=bearer("token"),
        code=BAD,
    ),
    "op-several-without-name": Case(json={"query": "query A { __typename } query B { __typename }"}, code=None),
    "op-empty-name": Case(json={"query": "query A { __typename }", "operationName": ""}, code=BAD),
    "op-subscription-over-post": Case(
        json=op("subscription($id: ID!) { voteCounts(setlistId: $id) { sequence } }", lambda w: {"id": w.setlist}),
        code=BAD,
    ),
    "op-mutation-bad-email-graphql-response": Case(
        json=op(SIGN_UP, {"email": "nope", "password": "Correct horse 42", "displayName": "x"}),
        headers={"accept": GRAPHQL_RESPONSE},
        code=BAD,
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_a_hostile_request_gets_a_clean_answer_and_writes_nothing(
    http: httpx.AsyncClient, world: World, case: Case
) -> None:
    headers = dict(_resolve(case.headers, world) or {})
    if case.content is not None:
        headers.setdefault("content-type", "application/json")
        content: Any = case.content() if callable(case.content) else case.content
    elif case.json is not None:
        headers.setdefault("content-type", "application/json")
        content = json.dumps(_resolve(case.json, world)).encode()
    else:
        content = None
    if headers.get("content-type") == "":
        del headers["content-type"]

    async with writes_nothing():
        response = await http.request(
            case.method, "/graphql", content=content, params=_resolve(case.params, world), headers=headers, timeout=10
        )

    assert_clean(response, status=case.status, code=case.code)


async def test_like_wildcards_in_a_search_match_nothing_but_themselves(http: httpx.AsyncClient, world: World) -> None:
    response = await http.post("/graphql", json={"query": SEARCH, "variables": {"s": "%"}})

    assert assert_clean(response)["data"]["artists"]["nodes"] == []
