"""GraphQL over HTTP per the spec: `application/graphql-response+json` with its status codes, or JSON.

Strawberry answers every request with `application/json` and 200, and refuses malformed requests
with plain text. This view negotiates the media type from `Accept` (app.api.media_types; 406 when
neither JSON type is acceptable), answers request errors (no execution happened) with 400 under
`application/graphql-response+json`, answers a wrong method with 405 and `Allow`, and turns refusals
into GraphQL error bodies with a code.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import MULTIPART_SUBSCRIPTION_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.execution import SubscriptionExecutionResult
from strawberry.types.unset import UnsetType

from app.api.context import Context
from app.api.errors import coded, request_error
from app.api.graphiql_page import GraphiQLPage
from app.api.media_types import GRAPHQL_RESPONSE_JSON, HTML, IDE_TYPES, JSON, negotiate
from app.api.ws.handler import WebSocketHandler
from app.api.ws.protocol import WebSocketAdapter
from app.errors import Unauthenticated
from app.resources import Resources
from app.settings import Settings

NOT_ACCEPTABLE_MESSAGE = f"The Accept header allows neither {GRAPHQL_RESPONSE_JSON} nor {JSON}"


class GraphQLView(GraphQL[Context, None]):
    # graphql-transport-ws held to its spec, Shareable subscriptions sent from shared feeds: app.api.ws.handler.
    graphql_transport_ws_handler_class = WebSocketHandler[Context, None]
    websocket_adapter_class = WebSocketAdapter  # closes with fixed reasons only

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        # Strawberry's GraphiQL page loads its assets from a CDN; this one serves them from the app.
        self.graphiql = GraphiQLPage() if self.graphql_ide == "graphiql" else None

    @property
    def ide_routes(self) -> list[BaseRoute]:
        """The routes of the IDE's assets (none when the IDE is off)."""
        return [self.graphiql.routes] if self.graphiql is not None else []

    async def render_graphql_ide(self, request: Request) -> Response:
        if self.graphiql is None:
            return await super().render_graphql_ide(request)
        return self.graphiql.response()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media_type = negotiate(request.headers.get("accept"))
        # Kept for create_response, which is not given the request (see get_sub_response).
        request.state.media_type = media_type or JSON
        try:
            if media_type is None and not self.should_render_graphql_ide(self.request_adapter_class(request)):
                raise HTTPException(406, NOT_ACCEPTABLE_MESSAGE)
            await _refuse_unreadable(request)
            response = await self.run(request)
        except Unauthenticated as error:  # a multipart subscription's bad token, refused before it starts
            body = {"errors": [{"message": str(error), "extensions": error.extensions}]}
            response = JSONResponse(body, status_code=401, media_type=request.state.media_type)
        except HTTPException as error:
            response = _refusal(request, error)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL for a GET without a query whose `Accept` prefers HTML (a browser's address bar)."""
        if request.method != "GET" or request.query_params.get("query") is not None:
            return False
        return negotiate(request.headers.get("accept"), IDE_TYPES) == HTML

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        resources: Resources = request.app.state.resources
        return Context(request=request, response=response, settings=self.settings, resources=resources)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        # A multipart subscription presents its token once, as a websocket does in connection_init:
        # a bad one is refused (401) before the stream starts, not ignored for its whole life.
        if isinstance(request_data, GraphQLRequestData) and request_data.protocol == MULTIPART_SUBSCRIPTION_PROTOCOL:
            await context.user()
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

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
        sub_response.media_type = getattr(request.state, "media_type", JSON)
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Errors raised past the schema's extensions (a syntax error from ParserCache) get their code here.
        if result.errors:
            result.errors = [coded(error) for error in result.errors]
        return await super().process_result(request, result)

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


def _refusal(request: Request, error: HTTPException) -> Response:
    """A GraphQL error body for a request refused before execution, with `Allow` on a 405."""
    status, headers = error.status_code, {}
    if request.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError):
        # The spec wants 405 for a mutation sent with GET (Strawberry says 400): only POST runs it.
        status, headers = 405, {"allow": "POST"}
    elif status == 405:
        headers = {"allow": "GET, POST"}
    return JSONResponse(
        request_error(error.reason), status_code=status, media_type=request.state.media_type, headers=headers
    )


def _is_request_error(response_data: GraphQLHTTPResponse) -> bool:
    """Errors without a path and no data: parse or validation failed, nothing was executed."""
    errors: list[dict[str, object]] = list(response_data.get("errors") or [])  # type: ignore[arg-type]
    return response_data.get("data") is None and bool(errors) and all(not error.get("path") for error in errors)
