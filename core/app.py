"""The ASGI app: ``/graphql`` (API and, outside production, GraphiQL), its assets, ``/healthz``."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import orjson
import pluggy
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET

from core.database import Database
from core.graphiql import GRAPHIQL_ASSETS_DIR, graphiql_page
from core.graphql.context import Context
from core.graphql.schema import BuiltSchema, build_schema
from core.http_guards import RequestGuards
from core.integrations.routes import document_routes
from core.limits import BodySizeLimit, is_multipart
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.settings import Settings
from core.tokens import viewer_for_token
from core.viewer import ANONYMOUS, Viewer
from core.workflow.storage import DocumentStore, document_store_for

if TYPE_CHECKING:
    from core.jwt_auth import JwtVerifier

logger = logging.getLogger("jtai.app")

GRAPHQL_PATH = "/graphql"
ASSETS_PATH = "/graphiql-assets"
# Headers a browser never sends on its own: one of them on a multipart request proves a script
# set it, so the browser asked the server first (a CORS preflight) and no other site's page sent it.
PREFLIGHT_HEADERS = ("graphql-require-preflight", "apollo-require-preflight")


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
        )
        self.built = built
        self.registry = registry
        self.database = database
        self.settings = settings
        self.document_store = document_store or document_store_for(settings)
        self._slot_count = max(1, database.max_connections)
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
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

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        accept = request.headers.get("accept", "")
        if request.method == "GET" and "text/html" in accept and self.graphql_ide:
            return await self.render_graphql_ide(request)  # the page itself needs no token
        if is_multipart(dict(request.headers.raw)) and not any(
            request.headers.get(name) for name in PREFLIGHT_HEADERS
        ):
            return _preflight_required(_response_media_type(accept))
        async with self._connection_slot():
            return await self._run_signed_in(request, accept, root_value)

    def _connection_slot(self) -> asyncio.Semaphore:
        """One of as many slots as the pool has connections.

        Resolvers run on the event loop and each request keeps its connection until its response
        is sent. Past the pool's size, a request would wait for a connection *on the loop*, so
        the requests holding them could never finish: admitted requests never outnumber the
        connections, and the rest wait here without holding one.
        """
        loop = asyncio.get_running_loop()
        if self._slots_loop is not loop:  # one per event loop (tests run many)
            self._slots = asyncio.Semaphore(self._slot_count)
            self._slots_loop = loop
        assert self._slots is not None
        return self._slots

    async def _run_signed_in(self, request: Request, accept: str, root_value: Any) -> Any:
        own = Context(
            viewer=ANONYMOUS,
            registry=self.registry,
            database=self.database,
            settings=self.settings,
            evidence_types=self.built.evidence_types,
            document_store=self.document_store,
        )
        try:
            own.viewer = self.viewer(own.session, bearer_token(request))
            own.session.rollback()  # end the token lookup's read transaction
            media_type = _response_media_type(accept)
            if not own.viewer.is_authenticated:
                return _unauthenticated(media_type)
            request.state.jtai_context = own
            response = await super().run(request, own, root_value)
            if media_type == GRAPHQL_RESPONSE_JSON and response.status_code == 200:
                # GraphQL over HTTP: a request that never reached execution is the client's error.
                response.headers["content-type"] = media_type
                if not own.executed:
                    response.status_code = 400
            return response
        finally:
            own.close()
            await request.close()  # removes the temporary files of a multipart upload

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        processed = await super().process_result(request, result)
        context = getattr(request.state, "jtai_context", None)
        if context is not None and _never_ran(context, result):
            context.executed = False
            processed.pop("data", None)  # nothing ran, so there is no data entry at all
        return processed

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_page(ASSETS_PATH))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def _never_ran(context: Context, result: ExecutionResult) -> bool:
    """Parsing, validation or variable coercion failed, so no resolver ran.

    Errors raised while resolving carry a path; errors from before execution do not, and with
    them graphql-core returns no data at all.
    """
    if not context.executed:
        return True
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


def _response_media_type(accept: str) -> str:
    """The GraphQL-over-HTTP media type when the client asks for it ahead of plain JSON."""
    ranked = [part.split(";")[0].strip() for part in accept.split(",")]
    for media_type in ranked:
        if media_type == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if media_type in ("application/json", "*/*", "application/*"):
            return "application/json"
    return "application/json"


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
    database = database or Database(settings.database_url)
    view = GraphQLView(built, registry, database, settings, document_store)

    async def healthz(request: Request) -> Response:
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            logger.exception("health check: database unreachable")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def home(request: Request) -> Response:
        return RedirectResponse(GRAPHQL_PATH)

    routes: list[BaseRoute] = [
        Route("/", home),
        Route("/healthz", healthz),
        Route(GRAPHQL_PATH, view, methods=["GET", "POST"]),
    ]
    routes += document_routes(view)  # the report page and the exports
    if not settings.production:
        routes.append(Mount(ASSETS_PATH, StaticFiles(directory=GRAPHIQL_ASSETS_DIR)))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_body_bytes,
                max_upload_bytes=settings.max_upload_bytes,
            ),
            Middleware(RequestGuards, max_json_nesting=settings.max_json_nesting),
        ],
    )
    app.state.registry = registry
    app.state.database = database
    app.state.schema = built
    app.state.document_store = view.document_store
    return app
