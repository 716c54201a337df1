"""The ASGI app: ``/graphql`` (API and, outside production, GraphiQL), its assets, ``/healthz``
(liveness) and ``/readyz`` (readiness).

A GraphQL request is received whole, then waits for a connection slot, then runs in a worker
thread: the event loop itself never waits on the database or on a slow client.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import threading
import traceback
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
import orjson
import pluggy
from cross_web import HTTPException as GraphQLHTTPException
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET

from core.cors import JsonCORSMiddleware
from core.database import Database, DatabaseFailure, database_failure
from core.event_bus import EventBus
from core.graphiql import GRAPHIQL_ASSETS_DIR, graphiql_page
from core.graphql.context import Context
from core.graphql.extensions import BAD_USER_INPUT, PRE_EXECUTION_CODES, with_codes
from core.graphql.schema import BuiltSchema, build_schema
from core.graphql.subscriptions import LiveContext
from core.http_guards import RequestGuards, log_disconnect
from core.integrations.downloads import download_routes
from core.integrations.routes import document_routes
from core.limits import BodySizeLimit, BodyTooSlow, UploadsPerToken, is_multipart, paced, too_slow
from core.live import LiveHandler, LiveSocket, close_all, close_before_exit
from core.persisted import PersistedQueries, PersistedQueryProblem, load_manifest
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.request_errors import (
    BAD_REQUEST,
    GRAPHQL_RESPONSE_JSON,
    OPERATION_RESOLUTION_FAILURE,
    RequestRefused,
    error_response,
    from_strawberry,
    response_media_type,
)
from core.settings import Settings
from core.slots import ConnectionSlots
from core.tokens import viewer_for_token
from core.viewer import ANONYMOUS, Viewer
from core.workflow.storage import DocumentStore, document_store_for

if TYPE_CHECKING:
    from core.jwt_auth import JwtVerifier

logger = logging.getLogger("jtai.app")
T = TypeVar("T")

GRAPHQL_PATH = "/graphql"
ASSETS_PATH = "/graphiql-assets"
# Headers a browser never sends on its own: one of them on a multipart request proves a script
# set it, so the browser asked the server first (a CORS preflight) and no other site's page sent it.
PREFLIGHT_HEADERS = ("graphql-require-preflight", "apollo-require-preflight")
# What a front end on an allowed origin may send: the token, JSON or multipart, the preflight
# headers above, and the headers Apollo Client adds.
CORS_HEADERS = (
    "authorization",
    "content-type",
    "accept",
    *PREFLIGHT_HEADERS,
    "apollographql-client-name",
    "apollographql-client-version",
    "x-apollo-operation-name",
)


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with a viewer and a session per request, and offline GraphiQL.

    Files arrive as GraphQL multipart requests (uploadDocument, uploadList). A multipart POST is a
    request a browser sends cross-site without asking (no CORS preflight), which is why strawberry
    leaves uploads off by default (CVE-2024-47082). Two things keep them safe here: tokens travel
    only in the Authorization header, which a browser never adds by itself, so a forged request is
    anonymous and refused; and a multipart request must also carry a preflight header
    (``GraphQL-Require-Preflight: 1``, or Apollo's ``Apollo-Require-Preflight``), so that it could
    only have come from a script the server's CORS policy allowed.
    """

    def __init__(
        self,
        built: BuiltSchema,
        registry: Registry,
        database: Database,
        settings: Settings,
        document_store: DocumentStore | None = None,
    ) -> None:
        super().__init__(
            built.schema,
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
            # Subscriptions: graphql-transport-ws only (core/live.py signs it in); a browser
            # page may open a socket only from an origin JTAI_CORS_ORIGINS lists.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.cors_origins,
            max_subscriptions_per_connection=None,  # JTAI_SUBSCRIPTIONS_PER_TOKEN instead
            connection_init_wait_timeout=dt.timedelta(seconds=settings.body_read_timeout),
        )
        self.graphql_transport_ws_handler_class = LiveHandler  # type: ignore[assignment]
        self.websocket_adapter_class = LiveSocket
        self.built = built
        self.registry = registry
        self.database = database
        self.settings = settings
        self.document_store = document_store or document_store_for(settings)
        self.slots = ConnectionSlots(database.max_connections)
        self.uploads = UploadsPerToken(settings.max_uploads_per_token)
        self.persisted = persisted_queries(settings)
        self.bus = EventBus(database, settings, self.in_slot)
        self.jwt: JwtVerifier | None = None
        if settings.jwt:
            # PyJWT and cryptography load only when JWT sign-in is configured; the keys are still
            # read and checked here, at start-up.
            from core.jwt_auth import JwtVerifier

            self.jwt = JwtVerifier(settings.jwt)

    def viewer(self, session: Session, token: str | None) -> Viewer:
        """A JWT from the identity provider when one is configured, else a CLI-issued token."""
        if token is None:
            return ANONYMOUS
        if self.jwt is not None:
            from_jwt = self.jwt.viewer(session, token)
            if from_jwt is not None:
                return from_jwt
        return viewer_for_token(session, token)

    async def in_slot(self, work: Callable[[], T]) -> T:
        """Run blocking database work in a worker thread, holding a connection slot."""
        async with self.slots.hold():
            return await anyio.to_thread.run_sync(work)

    async def authenticate(self, token: str) -> Viewer:
        """The viewer of a WebSocket's token (its connection_init), as for an HTTP request."""

        def look() -> Viewer:
            with self.database.session() as session:
                return self.viewer(session, token)

        return await self.in_slot(look)

    async def get_context(self, request: Any, response: Any) -> Any:
        if not isinstance(request, WebSocket):
            return await super().get_context(request, response)
        return LiveContext(
            viewer=ANONYMOUS,
            registry=self.registry,
            database=self.database,
            settings=self.settings,
            evidence_types=self.built.evidence_types,
            document_store=self.document_store,
            bus=self.bus,
            authenticate=self.viewer,
            run_in_slot=self.in_slot,
        )

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        accept = request.headers.get("accept", "")
        media_type = response_media_type(accept)
        if request.method not in ("GET", "POST"):
            return RequestRefused(
                405,
                BAD_REQUEST,
                f"{request.method} is not how GraphQL is sent: queries go by GET or POST, "
                "mutations by POST.",
                {"Allow": "GET, POST"},
            ).response(media_type)
        if request.method == "GET" and "text/html" in accept and self.graphql_ide:
            return await self.render_graphql_ide(request)  # the page itself needs no token
        multipart = is_multipart(dict(request.headers.raw))
        if multipart and not any(request.headers.get(name) for name in PREFLIGHT_HEADERS):
            return _preflight_required(media_type)
        token = bearer_token(request)
        if token is None:
            return _unauthenticated(media_type)  # nothing to look up, no body worth reading
        if not multipart:
            return await self._receive_then_run(request, token, accept, root_value, False)
        with self.uploads.admit(token) as admitted:
            if not admitted:
                return self.uploads.refusal(retry_after=self.settings.body_read_timeout)
            return await self._receive_then_run(request, token, accept, root_value, True)

    async def _receive_then_run(
        self, request: Request, token: str, accept: str, root_value: Any, multipart: bool
    ) -> Response:
        """Receive the whole body, at a pace, before taking a connection slot.

        A multipart body is parsed as it arrives, its files spooled to temporary files, so the
        upload resolvers later read them without waiting on the client.
        """
        settings = self.settings
        request = Request(
            request.scope,
            paced(request.receive, settings.body_read_timeout, settings.body_min_bytes_per_second),
        )
        try:
            try:
                if multipart:
                    await request.form()
                else:
                    await request.body()
            except BodyTooSlow as error:
                return too_slow(
                    error, settings.body_read_timeout, settings.body_min_bytes_per_second
                )
            except ClientDisconnect:
                log_disconnect(request.scope)
                return Response(status_code=400)  # nobody is left to read it
            except HTTPException as error:  # Starlette's: a malformed multipart body
                return _bad_request(response_media_type(accept), error.detail)
            async with self.slots.hold():
                return await self._run_signed_in(request, token, accept, root_value)
        finally:
            await request.close()  # removes the temporary files of a multipart upload

    async def _run_signed_in(
        self, request: Request, token: str, accept: str, root_value: Any
    ) -> Response:
        own = Context(
            viewer=ANONYMOUS,
            registry=self.registry,
            database=self.database,
            settings=self.settings,
            evidence_types=self.built.evidence_types,
            document_store=self.document_store,
        )
        request.state.jtai_context = own
        media_type = response_media_type(accept)
        try:
            # Resolvers call SQLAlchemy synchronously: on the event loop, one waiting for a lock
            # or a connection would stop every other request of the process. The slots keep
            # these threads under anyio's default limit (40), with room for Starlette's own.
            response: Response = await anyio.to_thread.run_sync(
                self._serve_in_this_thread, request, own, token, media_type, root_value
            )
        except RequestRefused as refused:
            return refused.response(media_type)
        except GraphQLHTTPException as error:  # strawberry's own, in plain text there
            return from_strawberry(error.status_code, error.reason).response(media_type)
        except Exception as error:
            return _failed(error, own.request_id, media_type)
        finally:
            own.close()  # the worker thread closed it, unless it failed before
        if media_type == GRAPHQL_RESPONSE_JSON and response.status_code == 200:
            # GraphQL over HTTP: a request that never reached execution is the client's error.
            response.headers["content-type"] = media_type
            if not own.executed:
                response.status_code = 400
        if getattr(request.state, "jtai_unavailable", False):
            response.status_code = 503
            response.headers["retry-after"] = str(DatabaseFailure.UNAVAILABLE.retry_after)
        return response

    def _serve_in_this_thread(
        self, request: Request, own: Context, token: str, media_type: str, root_value: Any
    ) -> Response:
        """Sign in, then run strawberry's view on an event loop of this worker thread's own.

        The body was received on the server's loop, so nothing here reads from the client; the
        context and its session belong to this request and this thread alone.
        """
        try:
            own.viewer = self.viewer(own.session, token)
            own.session.rollback()  # end the token lookup's read transaction
            if not own.viewer.is_authenticated:
                return _unauthenticated(media_type)
            response: Response = _run_on_this_threads_loop(super().run(request, own, root_value))
            return response
        finally:
            own.close()

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        context = getattr(request.state, "jtai_context", None)
        if result.errors:
            executed = context is not None and context.executed
            result.errors = with_codes(result.errors, executed)
        processed = await super().process_result(request, result)
        if context is not None and _never_ran(context, result):
            context.executed = False
            processed.pop("data", None)  # nothing ran, so there is no data entry at all
        if context is not None and any(
            (error.extensions or {}).get("code") == DatabaseFailure.UNAVAILABLE.value
            for error in result.errors or []
        ):
            request.state.jtai_unavailable = True  # answered with 503 and Retry-After
        return processed

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        """The request's operation: strawberry's parsing, every refusal with a code, batches
        refused, and the query text found from ``documentId`` or a persisted query's hash."""
        content_type, _ = parse_content_type(request.content_type or "")
        try:
            if request.method == "GET":
                data = self.parse_query_params(request.query_params)
            elif "application/json" in content_type:
                data = self.parse_json(await request.get_body())
            elif content_type == "multipart/form-data":
                data = await self.parse_multipart(request)
            else:
                raise RequestRefused(
                    415,
                    BAD_REQUEST,
                    f"Content-Type {content_type or '(none)'!r} is not supported: send the "
                    "request as application/json (or multipart/form-data for an upload).",
                )
        except GraphQLHTTPException as error:
            raise _not_json(error) from None
        if isinstance(data, list):
            raise RequestRefused(
                400,
                BAD_REQUEST,
                "Batched requests (a JSON array) are not supported: send one operation per "
                "request.",
            )
        return _request_data(data, self.persisted)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """strawberry's, with its refusals (plain text there, by the exception they wrap) coded."""
        try:
            return await super().execute_single(*args, **kwargs)
        except GraphQLHTTPException as refused:
            cause = refused.__cause__
            if isinstance(cause, CannotGetOperationTypeError):
                raise _unresolved_operation(cause.operation_name) from None
            if isinstance(cause, InvalidOperationTypeError):
                raise RequestRefused(
                    405,
                    BAD_REQUEST,
                    f"{cause.as_http_error_reason('GET').capitalize()}: send them with POST.",
                    {"Allow": "POST"},
                ) from None
            if isinstance(cause, MissingQueryError):
                raise RequestRefused(
                    400,
                    BAD_REQUEST,
                    "No GraphQL query found: send 'query', a 'documentId' from the trusted "
                    "documents manifest, or extensions.persistedQuery with the query's "
                    "sha256Hash.",
                ) from None
            raise

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_page(ASSETS_PATH))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def persisted_queries(settings: Settings) -> PersistedQueries:
    """The APQ cache and, when the setting names one, the trusted documents manifest."""
    manifest = load_manifest(settings.trusted_documents) if settings.trusted_documents else None
    trusted_only = settings.trusted_documents_only
    if trusted_only is None:  # production with a manifest: only its operations run
        trusted_only = settings.production and manifest is not None
    return PersistedQueries(settings.apq_cache_size, manifest, trusted_only)


async def _route_refused(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (no such path, a method a route lacks) in the API's format."""
    assert isinstance(error, HTTPException)
    code = {404: "NOT_FOUND", 405: BAD_REQUEST}.get(error.status_code, BAD_REQUEST)
    message = (
        f"No such path: {request.url.path}. The API is POST or GET /graphql."
        if error.status_code == 404
        else f"{request.method} {request.url.path}: {error.detail}."
    )
    media_type = response_media_type(request.headers.get("accept", ""))
    return error_response(error.status_code, code, message, media_type, error.headers)


def _not_json(error: GraphQLHTTPException) -> RequestRefused:
    if isinstance(error.__cause__, json.JSONDecodeError):
        cause = error.__cause__
        return RequestRefused(
            400,
            BAD_REQUEST,
            f"The request is not valid JSON ({cause.msg} at line {cause.lineno} column "
            f'{cause.colno}). Send {{"query": "...", "variables": {{...}}}}.',
        )
    return from_strawberry(error.status_code, error.reason)


_FIELD_TYPES: dict[str, tuple[type, str]] = {
    "query": (str, "a string"),
    "operationName": (str, "a string"),
    "variables": (dict, "an object"),
    "extensions": (dict, "an object"),
}


def _request_data(data: Any, persisted: PersistedQueries) -> GraphQLRequestData:
    if not isinstance(data, dict):
        raise RequestRefused(400, BAD_REQUEST, "The request must be a JSON object.")
    for name, (kind, described) in _FIELD_TYPES.items():
        value = data.get(name)
        if value is not None and not isinstance(value, kind):
            raise RequestRefused(
                400, BAD_REQUEST, f"{name}: {value!r:.80} is not {described}; send {described}."
            )
    try:
        query = persisted.resolve(data.get("query"), data.get("extensions"), data.get("documentId"))
    except PersistedQueryProblem as problem:
        raise RequestRefused(problem.status, problem.code, problem.message) from None
    return GraphQLRequestData(
        query=query,
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
    )


def _unresolved_operation(name: str | None) -> RequestRefused:
    if name is None:
        message = (
            "The document holds no operation to run: send a query or a mutation (fragments "
            "alone run nothing), and name it in operationName if there are several."
        )
    else:
        message = (
            f"operationName: the document holds no operation named {name!r}. Give the name of "
            "one of its operations, or leave operationName out for a one-operation document."
        )
    return RequestRefused(400, OPERATION_RESOLUTION_FAILURE, message)


class _ThreadLoop:
    """An event loop a worker thread keeps for its next requests, closed when the thread ends."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        self.loop.close()


_thread_loops = threading.local()


def _run_on_this_threads_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end on the calling worker thread's own event loop.

    Strawberry's execution is async (the batch loaders need a loop) though the resolvers block;
    a loop per thread, kept, costs half of one made per request (measured: ~65 against
    ~130 microseconds a call, thread hop included).
    """
    kept: _ThreadLoop | None = getattr(_thread_loops, "kept", None)
    if kept is None:
        kept = _thread_loops.kept = _ThreadLoop()
    return kept.loop.run_until_complete(coroutine)


def _never_ran(context: Context, result: ExecutionResult) -> bool:
    """Parsing, validation or variable coercion failed, so no resolver ran.

    Errors raised while resolving carry a path; errors from before execution do not, and with
    them graphql-core returns no data at all. Errors put in after execution (the audit trail's,
    the database's) carry a code instead.
    """
    if not context.executed:
        return True
    errors = result.errors or []
    return (
        result.data is None
        and bool(errors)
        and all(
            e.path is None
            and (e.extensions or {}).get("code", BAD_USER_INPUT) in PRE_EXECUTION_CODES
            for e in errors
        )
    )


def _unauthenticated(media_type: str) -> Response:
    body = {
        "errors": [
            {
                "message": "Sign in: send 'Authorization: Bearer <token>' with a valid token "
                "(tokens come from 'jtai token create'; they expire and can be revoked).",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
    return Response(
        orjson.dumps(body),
        status_code=401,
        media_type=media_type,
        headers={"WWW-Authenticate": 'Bearer realm="jtai"'},
    )


def _bad_request(media_type: str, detail: str) -> Response:
    body = {"errors": [{"message": detail, "extensions": {"code": "BAD_REQUEST"}}]}
    return Response(orjson.dumps(body), status_code=400, media_type=media_type)


def _failed(error: Exception, request_id: str, media_type: str) -> Response:
    """The answer to a request that failed outside GraphQL execution (while signing in).

    The database's own failures get 503, with Retry-After and one log line each: during an
    outage every request fails alike, and a stack per request would bury the log. Anything else
    is a bug: its type and stack are logged under the request id. Never the exception's message,
    which may quote a value.
    """
    failure = database_failure(error)
    if failure is not None:
        logger.warning(
            "request %s: %s (%s)",
            request_id,
            failure.value,
            type(getattr(error, "orig", error)).__name__,
        )
        body = {
            "errors": [
                {
                    "message": failure.message,
                    "extensions": {"code": failure.value, "requestId": request_id},
                }
            ]
        }
        return Response(
            orjson.dumps(body),
            status_code=503,
            media_type=media_type,
            headers={"Retry-After": str(failure.retry_after)},
        )
    logger.error(
        "unexpected %s (request %s); message withheld; stack:\n%s",
        type(error).__name__,
        request_id,
        "".join(traceback.format_tb(error.__traceback__)),
    )
    body = {
        "errors": [
            {
                "message": f"Internal error; nothing was changed. Quote request id {request_id} "
                "to the service desk.",
                "extensions": {"code": "INTERNAL", "requestId": request_id},
            }
        ]
    }
    return Response(orjson.dumps(body), status_code=500, media_type=media_type)


class AnswerFailures:
    """Outermost: a failure no route answered (the report page, the exports) becomes the same
    JSON answer as the graph's, 503 with ``Retry-After`` for the database's own failures, instead
    of Starlette's plain-text 500 and uvicorn's traceback with the exception's message.

    Every JSON refusal of ``/graphql`` (the body limits' included, which answer before the view)
    goes out as ``application/graphql-response+json`` when the client asked for that.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        media_type = "application/json"
        if scope["path"] == GRAPHQL_PATH:
            accept = Headers(scope=scope).get("accept", "")
            media_type = response_media_type(accept)

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if media_type != "application/json" and message["status"] >= 400:
                    message = _as_media_type(message, media_type)
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if started:  # too late for another answer: the connection just ends
                raise
            await _failed(error, uuid.uuid4().hex[:16], media_type)(scope, receive, send)


def _as_media_type(start: Message, media_type: str) -> Message:
    """``start`` with a JSON content type replaced by ``media_type``."""
    headers = [
        (name, media_type.encode())
        if name.lower() == b"content-type" and value.split(b";")[0].strip() == b"application/json"
        else (name, value)
        for name, value in start.get("headers") or ()
    ]
    return {**start, "headers": headers}


def _preflight_required(media_type: str) -> Response:
    body = {
        "errors": [
            {
                "message": "A multipart (file upload) request must carry the header "
                "'GraphQL-Require-Preflight: 1', which browsers never send by themselves; it "
                "protects uploads from cross-site request forgery. Add it to the request.",
                "extensions": {"code": "PREFLIGHT_REQUIRED"},
            }
        ]
    }
    return Response(orjson.dumps(body), status_code=400, media_type=media_type)


def _not_ready(reason: str) -> Response:
    return JSONResponse(
        {"status": "unavailable", "reason": reason}, status_code=503, headers={"Retry-After": "5"}
    )


def create_app(
    settings: Settings | None = None,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    database: Database | None = None,
    document_store: DocumentStore | None = None,
) -> Starlette:
    """Build the app: plugins -> registry -> schema, once, then routes.

    Raises ``PluginContractError`` naming the plugin if any plugin breaks the contract.
    """
    settings = settings or Settings.from_env()
    registry = build_registry(plugin_manager or make_plugin_manager())
    built = build_schema(registry, settings)
    database = database or Database(
        settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    view = GraphQLView(built, registry, database, settings, document_store)

    async def healthz(request: Request) -> Response:
        """Liveness: the process answers. Restart it when this fails; nothing else is checked."""
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        """Readiness: whether to send this process requests (see README, "Limits and health")."""
        slots = view.slots
        busy_for = slots.all_busy_for()
        if busy_for > settings.ready_max_busy_seconds:
            return _not_ready(
                f"every connection slot ({slots.count}) has been busy for {busy_for:.0f} s, "
                f"longer than JTAI_READY_MAX_BUSY_SECONDS ({settings.ready_max_busy_seconds}); "
                f"{slots.waiting} requests are waiting"
            )
        if slots.in_use < slots.count:  # else the busy bound above decides, not a probe
            try:
                with anyio.fail_after(settings.ready_probe_timeout):
                    await anyio.to_thread.run_sync(probe, abandon_on_cancel=True)
            except TimeoutError:
                return _not_ready(
                    "the database did not answer within JTAI_READY_PROBE_TIMEOUT "
                    f"({settings.ready_probe_timeout} s)"
                )
            except Exception as error:
                failure = database_failure(error)
                if failure is None:
                    raise
                logger.warning("readiness probe: %s (%s)", failure.value, type(error).__name__)
                return _not_ready(failure.message)
        return JSONResponse({"status": "ready", "slotsInUse": slots.in_use, "slots": slots.count})

    def probe() -> None:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        close_before_exit()  # sockets close with 1001 (Going Away) when the server stops
        yield
        await close_all()  # sockets still open (uvicorn's own shutdown closes them first)
        await view.bus.stop()

    async def home(request: Request) -> Response:
        return RedirectResponse(GRAPHQL_PATH)

    routes: list[BaseRoute] = [
        Route("/", home),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        # Every method reaches the view, which refuses the others in JSON (405, Allow).
        Route(GRAPHQL_PATH, view, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        WebSocketRoute(GRAPHQL_PATH, view),  # subscriptions (graphql-transport-ws)
    ]
    routes += document_routes(view)  # the report page and the exports
    routes += download_routes(view)  # documents' bytes
    if not settings.production:
        routes.append(Mount(ASSETS_PATH, StaticFiles(directory=GRAPHIQL_ASSETS_DIR)))
    app = Starlette(
        routes=routes,
        middleware=[
            # Outermost, so refusals and failures carry CORS headers too and a browser can read
            # them; a preflight is answered here, before sign-in (it carries no token).
            Middleware(
                JsonCORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=list(CORS_HEADERS),
                max_age=600,
            ),
            Middleware(AnswerFailures),
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_body_bytes,
                max_upload_bytes=settings.max_upload_bytes,
            ),
            Middleware(
                RequestGuards,
                max_json_nesting=settings.max_json_nesting,
                body_read_timeout=settings.body_read_timeout,
                body_min_bytes_per_second=settings.body_min_bytes_per_second,
            ),
        ],
        exception_handlers={HTTPException: _route_refused},
        lifespan=lifespan,
    )
    app.state.registry = registry
    app.state.database = database
    app.state.schema = built
    app.state.document_store = view.document_store
    app.state.persisted = view.persisted
    return app
