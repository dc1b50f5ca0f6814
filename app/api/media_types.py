"""The media types GraphQL over HTTP answers with, and the one `Accept` negotiation that picks among them.

Every HTTP answer of the API (results, request errors, refusals by the body-size limit, the
GraphiQL page) chooses its media type with `negotiate`:

- the highest `q` wins, and `q=0` means "not acceptable";
- at equal `q`, a type the client names beats one matched through `type/*` or `*/*`, and then the
  earlier offer wins;
- `application/graphql-response+json` is chosen only when named: wildcards stand for
  `application/json`, which clients predating that type expect;
- no `Accept` header counts as `Accept: application/json`.
"""

from __future__ import annotations

from collections.abc import Sequence

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
HTML = "text/html"

# What a GraphQL result can be sent as, in the server's order of preference.
RESPONSE_TYPES = (GRAPHQL_RESPONSE_JSON, JSON)
# The GraphiQL page, when the client prefers HTML to the results' types (a browser's address bar).
IDE_TYPES = (HTML, *RESPONSE_TYPES)

_NAMED_ONLY = frozenset({GRAPHQL_RESPONSE_JSON})
_EXACT, _SUBTYPE_WILDCARD, _WILDCARD, _NO_MATCH = 2, 1, 0, -1


def negotiate(accept: str | None, offers: Sequence[str] = RESPONSE_TYPES) -> str | None:
    """The offer `accept` prefers, or None when it accepts none of them (a 406)."""
    if accept is None or not accept.strip():
        return JSON if JSON in offers else offers[0]
    ranges = parse_accept(accept)
    best: str | None = None
    best_score = (0.0, _NO_MATCH)
    for offer in offers:
        score = _score(ranges, offer)
        if score[0] > 0 and (best is None or score > best_score):  # strict: the earlier offer keeps a tie
            best, best_score = offer, score
    return best


def parse_accept(accept: str) -> list[tuple[str, float]]:
    """`(media range, q)` pairs of an Accept header, lower-cased; malformed ranges are left out."""
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        media_range, *parameters = (part.strip() for part in item.split(";"))
        media_range = media_range.lower()
        if media_range == "*":  # some old clients (Java's) send a bare `*` for `*/*`
            media_range = "*/*"
        if media_range.count("/") != 1:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            ranges.append((media_range, q))
    return ranges


def _score(ranges: list[tuple[str, float]], offer: str) -> tuple[float, int]:
    """`(q, specificity)` of the most specific range matching `offer` (RFC 9110 §12.5.1)."""
    kind = offer.partition("/")[0]
    best = (0.0, _NO_MATCH)
    for media_range, q in ranges:
        if media_range == offer:
            specificity = _EXACT
        elif offer in _NAMED_ONLY:
            continue
        elif media_range == f"{kind}/*":
            specificity = _SUBTYPE_WILDCARD
        elif media_range == "*/*":
            specificity = _WILDCARD
        else:
            continue
        if specificity > best[1]:
            best = (q, specificity)
    return best
