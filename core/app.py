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
import os
import threading
import traceback
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
import orjson
import pluggy
from cross_web import HTTPException as GraphQLHTTPException
from graphql import DocumentNode, GraphQLError, OperationType, execute, get_operation_ast, parse
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET

from core.connections import ConnectionRecycling
from core.cors import CorsPolicy
from core.database import Database, DatabaseFailure, database_failure
from core.event_bus import EventBus
from core.graphiql import GRAPHIQL_ASSETS_DIR, graphiql_page
from core.graphql.context import Context
from core.graphql.extensions import BAD_USER_INPUT, PRE_EXECUTION_CODES, with_codes
from core.graphql.offline import OfflinePlan, compile_offline, reads_no_database
from core.graphql.schema import BuiltSchema, build_schema
from core.graphql.subscriptions import LiveContext
from core.http_front import HttpFront, parsed_json_body
from core.http_guards import NOT_PARSED, log_disconnect
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
from core.token_cache import TokenCache
from core.tokens import viewer_for_token
from core.viewer import ANONYMOUS, Viewer
from core.workflow.storage import DocumentStore, document_store_for

if TYPE_CHECKING:
    from core.jwt_auth import JwtVerifier

logger = logging.getLogger("jtai.app")
T = TypeVar("T")

GRAPHQL_PATH = "/graphql"
OFFLINE_DOCUMENTS = 256  # documents whose database use is remembered, as the parser cache's
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


@dataclass
class _OfflineDocument:
    """A query that reads nothing from the database: parsed once, ``proven`` once it ran
    cleanly through the whole of strawberry, and then planned (None if it cannot be)."""

    document: DocumentNode
    operation: str | None
    proven: bool = False
    plan: OfflinePlan | None = None


def bearer_token(request: Request) -> str | None:
    return _bearer_in(request.headers.get("authorization", ""))


def _bearer(authorization: bytes | None) -> str | None:
    """``bearer_token`` from the raw header."""
    return None if authorization is None else _bearer_in(authorization.decode("latin-1"))


def _bearer_in(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# What a JSON request may hold to be run from its text alone (a documentId, a persisted query's
# hash, variables or extensions take the whole path).
_PLAIN_QUERY_KEYS = frozenset(("query", "operationName", "variables", "extensions"))


def _is_plain_query(data: dict[str, Any]) -> bool:
    return (
        data.keys() <= _PLAIN_QUERY_KEYS
        and not data.get("variables")
        and not data.get("extensions")
    )


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
        self.tokens = TokenCache(settings.token_cache_seconds, settings.token_cache_size)
        # Which documents read nothing from the database, by (text, operation name).
        self._offline: OrderedDict[tuple[str, str | None], _OfflineDocument | None] = OrderedDict()
        self._offline_lock = threading.Lock()
        self.bus = EventBus(database, settings, self.in_slot)
        self.jwt: JwtVerifier | None = None
        if settings.jwt:
            # PyJWT and cryptography load only when JWT sign-in is configured; the keys are still
            # read and checked here, at start-up.
            from core.jwt_auth import JwtVerifier

            self.jwt = JwtVerifier(settings.jwt)

    def viewer(self, session: Session | None, token: str | None) -> Viewer:
        """A JWT from the identity provider when one is configured, else a CLI-issued token;
        remembered for a few seconds (core/token_cache.py). Looked up in ``session``, or, with
        none, in a statement of its own outside any transaction."""
        if token is None:
            return ANONYMOUS
        return self.tokens.viewer(token, lambda: self._look_up(session, token))

    def _look_up(self, session: Session | None, token: str) -> Viewer:
        if session is not None:
            return self._look_up_in(session, token)
        try:
            with self.database.read_once() as own:
                return self._look_up_in(own, token)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        with self.database.read_once() as own:  # a read: safe to try once more, anew
            return self._look_up_in(own, token)

    def _look_up_in(self, session: Session, token: str) -> Viewer:
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
            cached = None if multipart else self.tokens.cached(token)
            offline = None if cached is None else self._offline_document(request)
            if cached is not None and offline is not None:
                # No connection and no blocking call: on the event loop, without a slot.
                if offline.proven:
                    answered = await self._run_proven(offline, cached)
                    if answered is not None:
                        return Response(answered, media_type=response_media_type(accept))
                response = await self._run_signed_in(request, token, accept, root_value, cached)
                ran = request.state.jtai_context
                if response.status_code == 200 and ran.executed and not ran.touched:
                    self._prove(offline, getattr(request.state, "jtai_clean", False))
                return response
            async with self.slots.hold():
                return await self._run_signed_in(request, token, accept, root_value)
        finally:
            await request.close()  # removes the temporary files of a multipart upload

    async def _run_signed_in(
        self,
        request: Request,
        token: str,
        accept: str,
        root_value: Any,
        offline: Viewer | None = None,
    ) -> Response:
        own = Context(
            viewer=offline or ANONYMOUS,
            registry=self.registry,
            database=self.database,
            settings=self.settings,
            evidence_types=self.built.evidence_types,
            document_store=self.document_store,
            offline=offline is not None,
        )
        request.state.jtai_context = own
        media_type = response_media_type(accept)
        try:
            response: Response
            if offline is not None:
                response = await super().run(request, own, root_value)
            else:
                # Resolvers call SQLAlchemy synchronously: on the event loop, one waiting for a
                # lock or a connection would stop every other request of the process. The slots
                # keep these threads under anyio's default limit (40), with room for Starlette's.
                response = await anyio.to_thread.run_sync(
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
            own.viewer = self.viewer(None, token)
            if not own.viewer.is_authenticated:
                return _unauthenticated(media_type)
            response: Response = _run_on_this_threads_loop(super().run(request, own, root_value))
            return response
        finally:
            own.close()

    def _offline_document(self, request: Request) -> _OfflineDocument | None:
        """The request's operation if it reads nothing from the database (decided once per
        document, core/graphql/offline.py), else None. Only a query sent as text, by POST or
        GET, without variables."""
        if request.method == "GET":
            params = request.query_params
            query, operation = params.get("query"), params.get("operationName")
            if params.get("variables"):
                return None
        else:
            data = parsed_json_body(request.scope)  # read whole and parsed by the front
            if not isinstance(data, dict) or not _is_plain_query(data):
                return None
            query, operation = data.get("query"), data.get("operationName")
        if not isinstance(query, str) or not (operation is None or isinstance(operation, str)):
            return None
        key = (query, operation)
        with self._offline_lock:
            if key in self._offline:
                return self._offline[key]
        found: _OfflineDocument | None = None
        try:
            document = parse(query, max_tokens=self.settings.max_tokens)
        except GraphQLError:
            pass
        else:
            query_type = self.built.schema._schema.query_type
            assert query_type is not None
            if reads_no_database(query_type, document, operation, self.settings.max_query_depth):
                found = _OfflineDocument(document, operation)
        with self._offline_lock:
            self._offline[key] = found
            while len(self._offline) > OFFLINE_DOCUMENTS:
                self._offline.popitem(last=False)
        return found

    async def answer_directly(
        self, headers: dict[bytes, bytes], data: dict[str, Any], media_type: str
    ) -> bytes | None:
        """The answer to a JSON POST of a query proven to read nothing from the database (see
        ``_run_proven``) from a token signed in within the cache's lifetime, for the HTTP front
        to send as is (core/http_front.py); None for anything else, which the view serves."""
        if not _is_plain_query(data):
            return None
        query, operation = data.get("query"), data.get("operationName")
        if not isinstance(query, str) or not (operation is None or isinstance(operation, str)):
            return None
        offline = self._offline.get((query, operation))
        if offline is None or not offline.proven:
            return None
        token = _bearer(headers.get(b"authorization"))
        viewer = None if token is None else self.tokens.cached(token)
        if viewer is None:
            return None
        return await self._run_proven(offline, viewer)

    def _prove(self, offline: _OfflineDocument, clean: bool) -> None:
        """Mark ``offline`` proven (or not), planned the first time."""
        if clean and not offline.proven:
            try:
                offline.plan = compile_offline(
                    self.built.schema._schema, offline.document, offline.operation
                )
            except Exception:  # unplanned, graphql-core's executor runs it
                logger.exception("planning an offline query failed; it runs unplanned")
        offline.proven = clean

    def _proven_context(self, viewer: Viewer) -> Context:
        return Context(
            viewer=viewer,
            registry=self.registry,
            database=self.database,
            settings=self.settings,
            # As random as the default's, without building a UUID: a proven run's id is never
            # shown (any error drops its answer), so it need only be fresh.
            request_id=os.urandom(8).hex(),
            evidence_types=self.built.evidence_types,
            document_store=self.document_store,
            offline=True,
            executed=True,
        )

    async def _run_proven(self, offline: _OfflineDocument, viewer: Viewer) -> bytes | None:
        """A query that reads nothing from the database and has run cleanly through the whole
        of strawberry before: its plan (core/graphql/offline.py), or else graphql-core's
        executor, from its parsed document. Parsing, validation, the limits and the cost gave no
        error for this very text without variables, and will not now; the audit trail has
        nothing to record (no rows). Should the plan meet anything but the plain case, the
        executor runs the query; should anything go wrong there (an error, a row touched) the
        answer is dropped, and the caller runs the request the whole way, which is safe because
        nothing was read or written: None then."""
        if offline.plan is not None:
            own = self._proven_context(viewer)
            try:
                data = offline.plan.run(own)
            except Exception:
                pass  # not the plain case: graphql-core's executor, below
            else:
                if not own.touched:
                    return self.encode_json({"data": data})
            finally:
                own.close()
        schema = self.built.schema
        own = self._proven_context(viewer)
        try:
            result = execute(
                schema._schema,
                offline.document,
                operation_name=offline.operation,
                context_value=own,
                # Strawberry's own executor: the plain-field one plans each selection per
                # request, which costs more than it saves on a handful of fields.
                executor_class=StrawberryGraphQLCoreExecutionContext,
                operation_extensions=None,  # strawberry's execution context takes them
            )
            if isawaitable(result):
                result = await result
        except Exception:
            return None
        finally:
            own.close()
        if result.errors or own.touched:
            return None
        return self.encode_json({"data": result.data})

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        context = getattr(request.state, "jtai_context", None)
        request.state.jtai_clean = not result.errors and not result.extensions
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
                data = parsed_json_body(request._request.scope)  # read whole by the front
                if data is NOT_PARSED:
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
        request_data = kwargs.get("request_data", args[-1] if args else None)
        if isinstance(request_data, GraphQLRequestData) and _is_subscription(
            request_data, self.settings.max_tokens
        ):
            raise RequestRefused(
                400,
                BAD_REQUEST,
                "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, "
                "not over HTTP: connect with a graphql-ws client (README, 'Live updates').",
            )
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


def _is_subscription(data: GraphQLRequestData, max_tokens: int) -> bool:
    """Whether the operation to run is a subscription. Parsed only when the text could hold
    one: every other request pays a substring search, not a second parse."""
    query = data.query
    if not query or "subscription" not in query:
        return False
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return False  # strawberry answers the syntax error itself
    operation = get_operation_ast(document, data.operation_name)
    return operation is not None and operation.operation is OperationType.SUBSCRIPTION


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
            # One layer for every request (core/http_front.py): recycling, CORS (refusals and
            # failures carry its headers too, so a browser can read them; a preflight is
            # answered before sign-in, it carries no token), the body's limits and guards, the
            # answers to failures, and a proven offline query answered without the routing.
            Middleware(
                HttpFront,
                json_path=GRAPHQL_PATH,
                cors=CorsPolicy(
                    allow_origins=list(settings.cors_origins),
                    allow_methods=["GET", "POST"],
                    allow_headers=list(CORS_HEADERS),
                    max_age=600,
                ),
                recycling=ConnectionRecycling(
                    settings.max_requests_per_connection, worker_header=settings.worker_header
                ),
                body_limit=BodySizeLimit(settings.max_body_bytes, settings.max_upload_bytes),
                max_json_nesting=settings.max_json_nesting,
                body_read_timeout=settings.body_read_timeout,
                body_min_bytes_per_second=settings.body_min_bytes_per_second,
                failed=_failed,
                answer_directly=view.answer_directly,
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
    app.state.token_cache = view.tokens
    return app
