"""The root query fields. Each carries an access rule (see ``permissions.py``)."""

from __future__ import annotations

import strawberry
from sqlalchemy import func, select
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError
from strawberry.utils.await_maybe import await_maybe

from core import access
from core import models as m
from core.graphql.context import Info
from core.graphql.nodes import Inspection, Inspector
from core.graphql.pagination import Connection, decode_cursor, make_connection, page_size
from core.graphql.permissions import Public, rule, signed_in
from core.graphql.reference import Framework, Inspectorate, Plugin, ViewerRole


@strawberry.type(name="Viewer", description="Who the request is made as.")
class ViewerInfo:
    role: ViewerRole | None  # type: ignore[valid-type]
    inspectorate_code: str | None
    inspector_id: strawberry.Private[int | None]

    @strawberry.field
    async def inspector(self, info: Info) -> Inspector | None:
        if self.inspector_id is None:
            return None
        row = await info.context.loaders.inspector.load(self.inspector_id)
        return Inspector.of(row) if row else None


@strawberry.type
class Query:
    # Not strawberry's relay.node(): that field rewrites itself when a schema is built, so a
    # second schema (another app, another test) could not be built from this class.
    @strawberry.field(
        description="Any object by its global ID, if you may see it.", extensions=signed_in()
    )
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        try:
            node_type = id.resolve_type(info)
        except GlobalIDValueError:  # an unknown type is not an error, only nothing to see
            return None
        nodes = await await_maybe(
            node_type.resolve_nodes(info=info, node_ids=[id.node_id], required=False)
        )
        return next(iter(nodes), None)

    @strawberry.field(
        description="Who you are signed in as; null role when anonymous.", extensions=rule(Public())
    )
    def viewer(self, info: Info) -> ViewerInfo:
        viewer = info.context.viewer
        return ViewerInfo(
            role=viewer.role,
            inspectorate_code=viewer.inspectorate,
            inspector_id=viewer.inspector_id,
        )

    @strawberry.field(
        description="The installed plugins and what each contributes.", extensions=signed_in()
    )
    def plugins(self, info: Info) -> list[Plugin]:
        return [Plugin.of(p) for p in info.context.registry.plugins]

    @strawberry.field(description="The inspectorates, by code.", extensions=signed_in())
    def inspectorates(self, info: Info) -> list[Inspectorate]:
        return [Inspectorate.of(i) for i in info.context.registry.inspectorates]

    @strawberry.field(description="Every framework, by code.", extensions=signed_in())
    def frameworks(self, info: Info) -> list[Framework]:
        return [Framework.of(f) for f in info.context.registry.frameworks]

    @strawberry.field(
        description="One framework by its code, e.g. 'da-2016'.", extensions=signed_in()
    )
    def framework(self, info: Info, code: str) -> Framework | None:
        found = info.context.registry.framework(code)
        return Framework.of(found) if found else None

    @strawberry.field(
        description="The inspections you may see, oldest first.", extensions=signed_in()
    )
    def inspections(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Inspection]:
        context = info.context
        limit = page_size(first, context.settings.max_page_size)
        scope = access.inspections_visible_to(context.viewer)
        statement = select(m.Inspection).where(scope).order_by(m.Inspection.id).limit(limit + 1)
        if after:
            statement = statement.where(m.Inspection.id > decode_cursor(after))
        rows = context.session.scalars(statement).all()
        total = context.session.scalar(select(func.count()).select_from(m.Inspection).where(scope))
        return make_connection(
            rows, limit, total or 0, lambda r: r.id, Inspection.of, after is not None
        )

    @strawberry.field(
        description="One inspection by its ID, if you may see it.", extensions=signed_in()
    )
    async def inspection(self, info: Info, id: relay.GlobalID) -> Inspection | None:
        if id.type_name != "Inspection" or not id.node_id.isdigit():
            return None
        row = await info.context.loaders.inspection.load(int(id.node_id))
        return Inspection.of(row) if row else None
