"""GraphQL over HTTP per the spec: `application/graphql-response+json` with its status codes, or JSON.

Strawberry answers every request with `application/json` and 200, and refuses malformed requests
with plain text. This view negotiates the media type from `Accept` (app.api.media_types; 406 when
neither JSON type is acceptable), answers request errors (no execution happened) with 400 under
`application/graphql-response+json`, answers a wrong method with 405 and `Allow`, and turns refusals
into GraphQL error bodies with a code.

Plain GET and JSON POST operations are read once here and served without Strawberry's general
request handling (`serve`): persisted queries and trusted documents first (app.api.documents), shared
reads from the response cache (app.api.response_cache), and HTTP caching headers on every answer.
Everything else (GraphiQL, multipart subscriptions, batches, other content types) is Strawberry's.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import MULTIPART_SUBSCRIPTION_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.execution import SubscriptionExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from app.api.context import Context
from app.api.documents import Documents, Trusted
from app.api.errors import coded, request_error
from app.api.graphiql_page import GraphiQLPage
from app.api.media_types import GRAPHQL_RESPONSE_JSON, HTML, IDE_TYPES, JSON, negotiate
from app.api.response_cache import Personal, Recorder, cache_key, current
from app.api.schema import TheSetSchema
from app.api.ws.handler import WebSocketHandler
from app.api.ws.protocol import WebSocketAdapter
from app.errors import AppError, Unauthenticated
from app.platform.cache import LocalStore
from app.platform.observability import request_id_var
from app.platform.versions import VersionsUnavailable
from app.resources import Resources
from app.setlists import service as setlists
from app.settings import Settings

NOT_ACCEPTABLE_MESSAGE = f"The Accept header allows neither {GRAPHQL_RESPONSE_JSON} nor {JSON}"


class GraphQLView(GraphQL[Context, None]):
    # graphql-transport-ws held to its spec, Shareable subscriptions sent from shared feeds: app.api.ws.handler.
    graphql_transport_ws_handler_class = WebSocketHandler[Context, None]
    websocket_adapter_class = WebSocketAdapter  # closes with fixed reasons only

    def __init__(self, *args: Any, settings: Settings, documents: Documents | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.documents = documents or Documents(trusted_only=settings.trusted_documents)
        self._public = f"public, max-age={settings.http_cache_max_age}"
        # Strawberry's GraphiQL page loads its assets from a CDN; this one serves them from the app.
        self.graphiql = GraphiQLPage() if self.graphql_ide == "graphiql" else None
        # GET query strings parsed before: a revalidation repeats its URL, and parsing a document's
        # worth of URL-encoding cost about a sixth of a 304 (parameters are immutable: shared safely).
        self._get_params: LocalStore[QueryParams] = LocalStore(_GET_PARAMS_KEPT, math.inf)

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
            operation = await read_operation(request, self._get_params)
            if operation is None:
                await _refuse_unreadable(request)
                response = await self.run(request)
            else:
                response = await self.serve(request, operation)
        except Unauthenticated as error:  # a multipart subscription's bad token, refused before it starts
            body = {"errors": [{"message": str(error), "extensions": error.extensions}]}
            response = JSONResponse(body, status_code=401, media_type=request.state.media_type)
        except HTTPException as error:
            response = _refusal(request, error)
        await response(scope, receive, send)

    async def serve(self, request: Request, operation: Operation) -> Response:
        """One plain GET or JSON POST operation: what Strawberry's `run` does for it, minus its generality.

        Persisted queries and trusted documents are resolved first (app.api.documents); shared reads
        come from the response cache (app.api.response_cache); every answer says how HTTP caches
        may keep it (`_http_caching`).
        """
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        try:
            query = self.documents.resolve(operation.query, operation.extensions)
        except AppError as error:
            return self._refused(error, sub_response)
        trusted = self.documents.trusted(query)
        if trusted is not None and trusted.shared_read and context.resources.responses.enabled:
            response = await self._shared_read(request, operation, query, trusted, context, sub_response)
            if response is not None:
                return response
        result = await self._execute(request, operation, query, context)
        response = self.create_response(await self.process_result(request, result), sub_response)
        kind = self._operation_kind(query, operation.operation_name)
        private = not context.credentials.anonymous
        _http_caching(response, "no-store" if result.errors or kind != OperationType.QUERY else _private(private))
        return response

    async def _execute(self, request: Request, operation: Operation, query: str | None, context: Context) -> Any:
        allowed = _GET_OPERATIONS if request.method == "GET" else _POST_OPERATIONS
        try:
            return await self.schema.execute(
                query,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=operation.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason(request.method)) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error

    async def _shared_read(
        self,
        request: Request,
        operation: Operation,
        query: str | None,
        trusted: Trusted,
        context: Context,
        sub_response: Response,
    ) -> Response | None:
        """A shared read from the cache, or executed into it; None when the versions or the viewer cannot be read."""
        try:
            viewer = await context.viewer_id()
        except Unauthenticated:
            return None  # executed as any request: the fields that need the viewer say why
        resources = context.resources
        key = cache_key(trusted.sha256, operation.variables, operation.operation_name)
        entry = resources.responses.get(key)
        try:
            now = await current(resources.versions, entry.setlists if entry is not None else ())
        except VersionsUnavailable:
            return None  # executed as any request, and not stored
        if entry is None or entry.versions != now:
            recorder = context.recorder = Recorder(resources.versions, catalog_version=now[0])
            result = await self._execute(request, operation, query, context)
            context.recorder = None
            if result.errors or not isinstance(result.data, dict):
                response = self.create_response(await self.process_result(request, result), sub_response)
                _http_caching(response, "no-store")
                return response
            entry = recorder.entry(result.data, self.encode_json)
            if not recorder.failed:
                resources.responses.put(key, entry)
        etag = entry.etag(key, viewer)
        cache_control = _private(True) if not context.credentials.anonymous else self._public
        if request.method == "GET" and _matches(request.headers.get("if-none-match"), etag):
            not_modified = Response(status_code=304, headers=dict(sub_response.headers))
            _http_caching(not_modified, cache_control, etag)
            return not_modified
        personal = await self._personal(viewer, entry.setlists) if viewer is not None and entry.markers else None
        response = self.create_response({"data": None}, sub_response)
        response.body = entry.body(personal)
        response.headers["content-length"] = str(len(response.body))
        _http_caching(response, cache_control, etag if request.method == "GET" else None)
        return response

    async def _personal(self, viewer: int, setlist_ids: tuple[int, ...]) -> Personal:
        """The viewer's own part of a shared read: their votes on its setlists (one statement)."""
        votes = await setlists.voted_songs((viewer, setlist_id) for setlist_id in setlist_ids)
        return Personal.of(
            {setlist_id: songs for (_, setlist_id), songs in votes.items()}, self.settings.votes_per_show
        )

    def _refused(self, error: AppError, sub_response: Response) -> Response:
        """A request refused before execution (persisted queries, trusted documents), with its code."""
        body: dict[str, Any] = {
            "errors": [{"message": error.message, "extensions": error.extensions}],
            "extensions": {"requestId": request_id_var.get()},
        }
        response = self.create_response(body, sub_response)  # type: ignore[arg-type]
        _http_caching(response, "no-store")
        return response

    def _operation_kind(self, query: str | None, operation_name: str | None) -> OperationType | None:
        prepared = self.schema.prepared(query) if query and isinstance(self.schema, TheSetSchema) else None
        operation = prepared.operations.get(operation_name) if prepared is not None else None
        return operation[0] if operation is not None else None

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
        context.present(authorization)
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
        response_data = await super().process_result(request, result)
        if result.errors:
            # For support to find the logs; successful answers leave it out (the X-Request-ID header
            # has it), so identical reads are identical bytes.
            response_data["extensions"] = {**(response_data.get("extensions") or {}), "requestId": request_id_var.get()}
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
        # orjson: a show page's body in a tenth of json.dumps's time. Text, not bytes: Strawberry sends
        # bytes over a websocket as a binary frame, which graphql-transport-ws does not allow.
        return orjson.dumps(data).decode()


@dataclass(frozen=True)
class Operation:
    """A GraphQL request's parameters, from a GET's query string or a JSON POST's body."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


# Bounds the parsed GET query strings kept (each at most _LONGEST_KEPT_QUERY bytes): about 2 MB.
_GET_PARAMS_KEPT = 256
_LONGEST_KEPT_QUERY = 8_192

_GET_OPERATIONS = frozenset({OperationType.QUERY})
_POST_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


async def read_operation(request: Request, kept: LocalStore[QueryParams]) -> Operation | None:
    """The operation of a plain GET or JSON POST (parsed once); None for anything else (Strawberry's to serve).

    `kept`: GET query strings parsed before, by their raw bytes.

    Refuses with 400 what Strawberry would crash on (500) or refuse: JSON not UTF-8, nested past the
    recursion limit, not an object, or with parameters of the wrong type.
    """
    if "multipart/mixed" in request.headers.get("accept", ""):
        return None  # a subscription over multipart HTTP
    if request.method == "GET":
        params = _query_params(request, kept)
        if "query" not in params and "extensions" not in params:
            return None  # GraphiQL, or Strawberry's own refusal
        variables = _json_parameter(params.get("variables"), "variables")
        extensions = _json_parameter(params.get("extensions"), "extensions")
        return Operation(params.get("query"), variables, params.get("operationName"), extensions)
    if request.method != "POST" or "application/json" not in request.headers.get("content-type", ""):
        return None
    data = _parse_json(await request.body())
    if isinstance(data, list):
        return None  # a batch: Strawberry refuses it
    if not isinstance(data, dict):
        raise HTTPException(400, "The request body must be a JSON object")
    query, name = data.get("query"), data.get("operationName")
    if not isinstance(query, str | None):
        raise HTTPException(400, "The GraphQL operation's `query` must be a string or null, if provided.")
    if not isinstance(name, str | None):
        raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
    variables, extensions = data.get("variables"), data.get("extensions")
    _check_object(variables, "variables")
    _check_object(extensions, "extensions")
    return Operation(query, variables, name, extensions)


def _query_params(request: Request, kept: LocalStore[QueryParams]) -> QueryParams:
    raw: bytes = request.scope["query_string"]
    if len(raw) > _LONGEST_KEPT_QUERY:
        return request.query_params
    key = raw.decode("latin-1")
    params = kept.get(key)
    if params is None:
        params = request.query_params
        kept.put(key, params)
    return params


def _parse_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise HTTPException(400, "The request body is not UTF-8") from None
    except RecursionError:
        raise HTTPException(400, "The request JSON is nested too deeply") from None
    except ValueError:
        raise HTTPException(400, "Unable to parse request body as JSON") from None


def _json_parameter(text: str | None, name: str) -> dict[str, Any] | None:
    if text is None:
        return None
    value = _parse_json(text)
    _check_object(value, name)
    return value  # type: ignore[no-any-return]  # checked just above


def _check_object(value: object, name: str) -> None:
    if not isinstance(value, dict | None):
        raise HTTPException(400, f"The GraphQL operation's `{name}` must be an object or null, if provided.")


def _private(signed_in: bool) -> str:
    # Revalidated every time (cheap: an ETag or a cached answer); kept by the viewer's browser only.
    return "private, no-cache" if signed_in else "no-cache"


def _http_caching(response: Response, cache_control: str, etag: str | None = None) -> None:
    """Cache-Control, ETag and Vary: what a CDN or browser may keep (README, "HTTP caching")."""
    response.headers["cache-control"] = cache_control
    response.headers["vary"] = "Accept, Authorization"
    if etag is not None:
        response.headers["etag"] = etag


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


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
    body = request_error(error.reason) | {"extensions": {"requestId": request_id_var.get()}}
    return JSONResponse(body, status_code=status, media_type=request.state.media_type, headers=headers)


def _is_request_error(response_data: GraphQLHTTPResponse) -> bool:
    """Errors without a path and no data: parse or validation failed, nothing was executed."""
    errors: list[dict[str, object]] = list(response_data.get("errors") or [])  # type: ignore[arg-type]
    return response_data.get("data") is None and bool(errors) and all(not error.get("path") for error in errors)
