"""The one Accept negotiation: q values (q=0 refuses), specificity, and wildcards standing for JSON."""

from __future__ import annotations

import pytest

from app.api.media_types import GRAPHQL_RESPONSE_JSON, HTML, IDE_TYPES, JSON, negotiate, parse_accept


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (f"{GRAPHQL_RESPONSE_JSON};q=0, {JSON}", JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON}", GRAPHQL_RESPONSE_JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),  # equal q: the server's preference
        (f"{JSON};q=1, {GRAPHQL_RESPONSE_JSON};q=0.99", JSON),
        (f"{GRAPHQL_RESPONSE_JSON.upper()}; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        ("*/*", JSON),
        ("*", JSON),
        ("application/*;q=0.2", JSON),
        (f"{JSON};q=0.1, */*", JSON),
        ("", JSON),
        (None, JSON),
        ("*/*;q=0", None),
        (f"{JSON};q=0, */*", None),  # the named range decides for its type, not the wildcard
        (f"{GRAPHQL_RESPONSE_JSON};q=0", None),
        ("text/html", None),
        (f"{JSON};q=banana", None),
        (f"{JSON};q=2", None),
    ],
)
def test_negotiate_results(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),  # Chromium's address bar
        ("*/*", HTML),
        (f"text/html;q=0, {JSON}", JSON),
        (JSON, JSON),
        (None, JSON),
    ],
)
def test_negotiate_the_ide(accept: str | None, expected: str) -> None:
    assert negotiate(accept, IDE_TYPES) == expected


def test_parse_accept_keeps_q_and_drops_malformed_ranges() -> None:
    assert parse_accept("text/html;level=1;q=0.5, nonsense, a/b/c, */*;q=0") == [("text/html", 0.5), ("*/*", 0.0)]
