"""GraphQL over HTTP per the spec: `application/graphql-response+json` with its status codes, or JSON.

Strawberry answers every request with `application/json` and 200, and refuses malformed requests
with plain text. This view negotiates the media type from `Accept`, answers request errors (no
execution happened) with 400 under `application/graphql-response+json`, and turns refusals into
GraphQL error bodies with a code.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from app.api.context import Context
from app.api.errors import request_error
from app.api.ws.fanout import FanoutHandler
from app.errors import Unauthenticated
from app.resources import Resources
from app.settings import Settings

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


class GraphQLResponse(Response):
    media_type = GRAPHQL_RESPONSE_JSON


class GraphQLView(GraphQL[Context, None]):
    # graphql-transport-ws with voteCounts changes executed once per (document, variables): app.api.ws.fanout.
    graphql_transport_ws_handler_class = FanoutHandler[Context, None]

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            await _refuse_unreadable(request)
            response = await self.run(request)
        except HTTPException as error:
            # The spec wants 405 for a mutation sent with GET; Strawberry says 400.
            wrong_method = request.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError)
            status = 405 if wrong_method else error.status_code
            response = JSONResponse(request_error(error.reason), status_code=status, media_type=_media_type(request))
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        resources: Resources = request.app.state.resources
        return Context(request=request, response=response, settings=self.settings, resources=resources)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a websocket from `{"authorization": "Bearer …"}` in connection_init; anonymous is fine."""
        authorization = (context.connection_params or {}).get("authorization")
        if authorization is None:
            return None
        if not isinstance(authorization, str):
            raise ConnectionRejectionError()
        context.authorization = authorization
        try:
            await context.user()
        except Unauthenticated:
            raise ConnectionRejectionError() from None  # closes with 4403 Forbidden
        return None

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # Remember the negotiated media type: create_response is not given the request.
        sub_response.media_type = _media_type(request)
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response_data = await super().process_result(request, result)
        # Syntax errors skip the schema's error extension: they are the client's, so BAD_USER_INPUT.
        errors: list[dict[str, Any]] = response_data.get("errors") or []  # type: ignore[assignment]
        for error in errors:
            error.setdefault("extensions", {}).setdefault("code", "BAD_USER_INPUT")
        return response_data

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON and isinstance(response_data, dict):
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if _is_request_error(response_data):
                # The spec: no `data` entry and a 4xx when the request failed before execution.
                body = {key: value for key, value in response_data.items() if key != "data"}
                response.body = self.encode_json(body).encode()
                response.headers["content-length"] = str(len(response.body))
                response.status_code = 400
        return response

    def encode_json(self, data: object) -> str:
        return json.dumps(data, separators=(",", ":"))


async def _refuse_unreadable(request: Request) -> None:
    """400 for JSON Strawberry would crash on (500): not UTF-8, nested past the recursion limit, not an object."""
    if request.method == "GET":
        # Their types are Strawberry's to check: only what would crash it is refused here.
        texts: list[str | bytes] = [
            request.query_params[k] for k in ("variables", "extensions") if k in request.query_params
        ]
        objects_only = False
    elif "application/json" in request.headers.get("content-type", ""):
        texts = [await request.body()]  # Starlette keeps it: Strawberry reads the same bytes
        objects_only = True
    else:
        return
    for text in texts:
        try:
            data = json.loads(text)
        except ValueError:  # JSONDecodeError, UnicodeDecodeError: Strawberry answers these itself
            if isinstance(text, bytes):
                try:
                    text.decode()
                except UnicodeDecodeError:
                    raise HTTPException(400, "The request body is not UTF-8") from None
            continue
        except RecursionError:
            raise HTTPException(400, "The request JSON is nested too deeply") from None
        if objects_only and not isinstance(data, dict | list):  # a list is a batch: Strawberry refuses it
            raise HTTPException(400, "The request body must be a JSON object") from None


def _media_type(request: Request | WebSocket) -> str:
    accept = request.headers.get("accept", "")
    return GRAPHQL_RESPONSE_JSON if GRAPHQL_RESPONSE_JSON in accept else "application/json"


def _is_request_error(response_data: GraphQLHTTPResponse) -> bool:
    """Errors without a path and no data: parse or validation failed, nothing was executed."""
    errors: list[dict[str, object]] = list(response_data.get("errors") or [])  # type: ignore[arg-type]
    return response_data.get("data") is None and bool(errors) and all(not error.get("path") for error in errors)
