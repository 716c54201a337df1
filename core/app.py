"""The ASGI app: ``/graphql`` (API and, outside production, GraphiQL), its assets, ``/healthz``."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pluggy
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from core.database import Database
from core.graphiql import GRAPHIQL_ASSETS_DIR, graphiql_page
from core.graphql.context import Context
from core.graphql.schema import BuiltSchema, build_schema
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.settings import Settings
from core.tokens import viewer_for_token
from core.viewer import ANONYMOUS

logger = logging.getLogger("jtai.app")

GRAPHQL_PATH = "/graphql"
ASSETS_PATH = "/graphiql-assets"


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with a viewer and a session per request, and offline GraphiQL."""

    def __init__(
        self, built: BuiltSchema, registry: Registry, database: Database, settings: Settings
    ) -> None:
        super().__init__(
            built.schema,
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
        )
        self.built = built
        self.registry = registry
        self.database = database
        self.settings = settings

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        own = Context(
            viewer=ANONYMOUS,
            registry=self.registry,
            database=self.database,
            settings=self.settings,
            evidence_types=self.built.evidence_types,
        )
        try:
            own.viewer = viewer_for_token(own.session, bearer_token(request))
            own.session.rollback()  # end the token lookup's read transaction
            return await super().run(request, own, root_value)
        finally:
            own.close()

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_page(ASSETS_PATH))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def create_app(
    settings: Settings | None = None,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    database: Database | None = None,
) -> Starlette:
    """Build the app: plugins -> registry -> schema, once, then routes.

    Raises ``PluginContractError`` naming the plugin if any plugin breaks the contract.
    """
    settings = settings or Settings.from_env()
    registry = build_registry(plugin_manager or make_plugin_manager())
    built = build_schema(registry, settings)
    database = database or Database(settings.database_url)
    view = GraphQLView(built, registry, database, settings)

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
    if not settings.production:
        routes.append(Mount(ASSETS_PATH, StaticFiles(directory=GRAPHIQL_ASSETS_DIR)))
    app = Starlette(routes=routes)
    app.state.registry = registry
    app.state.database = database
    app.state.schema = built
    return app
