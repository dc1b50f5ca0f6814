"""CORS for browser apps on other origins, from the same `ALLOWED_ORIGINS` Strawberry checks websockets against.

Starlette's `CORSMiddleware` answers preflight `OPTIONS` itself and adds the allow headers to every
answer for a listed origin. Websockets have no CORS: the GraphQL view refuses their handshakes from
origins not in the same list (403), so one setting governs both.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from app.settings import Settings

# The headers GraphQL clients send beyond the CORS-safelisted ones: the bearer token, JSON bodies,
# the request id, Apollo's client awareness, and Apollo's CSRF-prevention headers (sent on GETs,
# such as persisted-query GETs, to force a preflight).
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Request-ID",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
# Response headers a page's script may read beyond the safelisted ones.
EXPOSED_HEADERS = ("X-Request-ID",)


def cors_middleware(settings: Settings) -> Middleware:
    """CORS for `settings.allowed_origins`, with credentials, preflights cached `CORS_MAX_AGE_SECONDS`."""
    return Middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=("GET", "POST"),
        allow_headers=ALLOWED_HEADERS,
        allow_credentials=True,
        expose_headers=EXPOSED_HEADERS,
        max_age=settings.cors_max_age_seconds,
    )
