"""The root query fields. Each carries an access rule (see ``permissions.py``)."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import func, select
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError
from strawberry.utils.await_maybe import await_maybe

from core import access
from core import models as m
from core.graphql.base.enums import ViewerRole
from core.graphql.base.inputs import row_id
from core.graphql.base.pagination import Connection, keyset_page
from core.graphql.base.permissions import Public, roles, rule, signed_in
from core.graphql.context import Info
from core.graphql.inspection import Inspection
from core.graphql.integrations import IntegrationQueries
from core.graphql.nodes import Inspector
from core.graphql.reference import ReferenceQueries
from core.graphql.requests import RequestQueries
from core.graphql.selection import SelectionQueries
from core.viewer import Role


@strawberry.type(name="Viewer", description="Who the request is made as.")
class ViewerInfo:
    role: ViewerRole | None
    inspectorate_code: str | None
    inspector_id: strawberry.Private[int | None]

    @strawberry.field
    async def inspector(self, info: Info) -> Inspector | None:
        if self.inspector_id is None:
            return None
        row = await info.context.loaders.inspector.load(self.inspector_id)
        return Inspector.of(row) if row else None


@strawberry.type(description="Ids of one kind of row an audited request returned or changed.")
class TouchedRows:
    kind: str
    ids: list[int]


@strawberry.type(
    name="AuditEvent",
    description="A mutation or a read of child-level data: who, when, what, which ids, outcome. "
    "Never values. Append-only.",
)
class AuditEventNode:
    id: int
    occurred_at: dt.datetime
    request_id: str
    token_id: int | None
    role: str | None
    inspector_id: int | None
    agency_id: int | None
    actor_issuer: str | None = strawberry.field(
        description="For identity-provider sign-ins: the JWT's issuer (null for our tokens)."
    )
    actor_subject: str | None = strawberry.field(description="... and the JWT's subject.")
    actor_email: str | None = strawberry.field(
        description="The email claim an inspector was found by."
    )
    operation_type: str
    operation_name: str | None
    document_hash: str = strawberry.field(description="SHA-256 of the GraphQL document.")
    touched: list[TouchedRows]
    outcome: str = strawberry.field(description="ok, rejected (errors as data) or error.")

    @staticmethod
    def of(row: m.AuditEvent) -> AuditEventNode:
        return AuditEventNode(
            id=row.id,
            occurred_at=row.occurred_at,
            request_id=row.request_id,
            token_id=row.token_id,
            role=row.role,
            inspector_id=row.inspector_id,
            agency_id=row.agency_id,
            actor_issuer=row.actor_issuer,
            actor_subject=row.actor_subject,
            actor_email=row.actor_email,
            operation_type=row.operation_type,
            operation_name=row.operation_name,
            document_hash=row.document_hash,
            touched=[TouchedRows(kind=k, ids=list(v)) for k, v in sorted(row.touched.items())],
            outcome=row.outcome,
        )


@strawberry.type
class RootQueries:
    """Who is asking, and any object by its global ID."""

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


@strawberry.type
class OverviewQueries:
    """Lists across inspections: the inspections you may see and the audit trail."""

    @strawberry.field(
        description="The inspections you may see, oldest first.", extensions=signed_in()
    )
    def inspections(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Inspection]:
        context = info.context
        scope = access.inspections_visible_to(context.viewer)
        return keyset_page(
            context.session,
            select(m.Inspection).where(scope),
            select(func.count()).select_from(m.Inspection).where(scope),
            key=m.Inspection.id,
            first=first,
            after=after,
            maximum=context.settings.max_page_size,
            to_node=Inspection.of,
        )

    @strawberry.field(
        description="The audit trail, oldest first (admins only).", extensions=roles(Role.ADMIN)
    )
    def audit_events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        operation_name: str | None = None,
    ) -> Connection[AuditEventNode]:
        context = info.context
        filters = [m.AuditEvent.operation_name == operation_name] if operation_name else []
        return keyset_page(
            context.session,
            select(m.AuditEvent).where(*filters),
            select(func.count()).select_from(m.AuditEvent).where(*filters),
            key=m.AuditEvent.id,
            first=first,
            after=after,
            maximum=context.settings.max_page_size,
            to_node=AuditEventNode.of,
        )


@strawberry.type
class InspectionQueries:
    """One inspection. Apart from ``inspections`` (in ``OverviewQueries``) only because the
    schema's field order puts ``auditEvents`` and ``myRequests`` between the two."""

    @strawberry.field(
        description="One inspection by its ID, if you may see it.", extensions=signed_in()
    )
    async def inspection(self, info: Info, id: relay.GlobalID) -> Inspection | None:
        row_number = row_id(id.node_id) if id.type_name == "Inspection" else None
        if row_number is None:
            return None
        row = await info.context.loaders.inspection.load(row_number)
        return Inspection.of(row) if row else None


@strawberry.type
class Query(
    IntegrationQueries,
    RootQueries,
    ReferenceQueries,
    OverviewQueries,
    RequestQueries,
    InspectionQueries,
    SelectionQueries,
):
    """The root, from each domain's queries; their order here is the schema's field order."""
