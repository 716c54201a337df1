"""The root query fields. Each carries an access rule (see ``permissions.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import func, select
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError
from strawberry.utils.await_maybe import await_maybe

from core import access, ids
from core import models as m
from core.audit import ERROR, OK, REJECTED
from core.graphql.base.enums import ViewerRole
from core.graphql.base.errors import BadArgument
from core.graphql.base.inputs import in_order, row_id, row_ids
from core.graphql.base.orders import InspectionOrder
from core.graphql.base.pagination import PAGING, Connection, Ordering, keyset_page, page_args
from core.graphql.base.permissions import roles, signed_in
from core.graphql.context import Info
from core.graphql.inspection import Inspection
from core.graphql.integrations import IntegrationQueries
from core.graphql.nodes import Agency, Inspector
from core.graphql.offline import no_database
from core.graphql.reference import Inspectorate as ReferenceInspectorate
from core.graphql.reference import ReferenceQueries, use
from core.graphql.requests import RequestQueries
from core.graphql.selection import SelectionQueries
from core.viewer import Role


@strawberry.type(
    name="Viewer",
    description="Who the request is made as: the token's role, whom it stands for, and until "
    "when it is accepted.",
)
class ViewerInfo:
    role: ViewerRole
    inspectorate_code: str | None = strawberry.field(
        deprecation_reason=use("inspectorate { code }")
    )
    expires_at: dt.datetime | None = strawberry.field(
        description="When the token (or JWT, its `exp`) stops being accepted: sign in again "
        "before then. Null only for a token without an expiry."
    )
    inspector_id: strawberry.Private[int | None]
    agency_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The inspectorate of an inspector; null for other roles.",
        metadata=no_database(),  # the registry's
    )
    def inspectorate(self, info: Info) -> ReferenceInspectorate | None:
        if self.inspectorate_code is None:
            return None
        found = info.context.registry.inspectorate(self.inspectorate_code)
        return ReferenceInspectorate.of(found) if found else None

    @strawberry.field(description="The inspector a token of an inspector stands for.")
    async def inspector(self, info: Info) -> Inspector | None:
        if self.inspector_id is None:
            return None
        row = await info.context.loaders.inspector.load(self.inspector_id)
        return Inspector.of(row, info.context.registry) if row else None

    @strawberry.field(description="The agency an agency user acts for; null for other roles.")
    async def agency(self, info: Info) -> Agency | None:
        if self.agency_id is None:
            return None
        row = await info.context.loaders.agency.load(self.agency_id)
        return Agency.of(row) if row else None


@strawberry.type(description="Ids of one kind of row an audited request returned or changed.")
class TouchedRows:
    kind: str
    ids: list[int]


@strawberry.enum(description="The kind of GraphQL operation an audit event records.")
class AuditOperationType(Enum):
    QUERY = "query"
    MUTATION = "mutation"
    SUBSCRIPTION = "subscription"
    DOWNLOAD = strawberry.enum_value(
        "download", description="A document downloaded from `GET /documents/<id>`."
    )
    RETENTION = strawberry.enum_value(
        "retention", description="`jtai retention purge` deleting an inspection's child data."
    )


@strawberry.enum(description="How an audited operation ended.")
class AuditOutcome(Enum):
    OK = OK
    REJECTED = strawberry.enum_value(REJECTED, description="Refused, with errors as data.")
    ERROR = strawberry.enum_value(ERROR, description="Failed with a top-level error.")


def _global(type_name: str, row: int | None) -> strawberry.ID | None:
    return None if row is None else strawberry.ID(ids.global_id(type_name, row))


@strawberry.type(
    name="AuditEvent",
    description="A mutation or a read of child-level data: who, when, what, which ids, outcome. "
    "Never values. Append-only: the token, inspector and agency it names may be gone since.",
)
class AuditEventNode(relay.Node):
    id: relay.NodeID[int]
    occurred_at: dt.datetime
    request_id: str
    token_id: strawberry.ID | None = strawberry.field(description="The Token's global ID.")
    role: ViewerRole | None
    inspector_id: strawberry.ID | None = strawberry.field(description="The Inspector's global ID.")
    agency_id: strawberry.ID | None = strawberry.field(description="The Agency's global ID.")
    actor_issuer: str | None = strawberry.field(
        description="For identity-provider sign-ins: the JWT's issuer (null for our tokens)."
    )
    actor_subject: str | None = strawberry.field(description="... and the JWT's subject.")
    actor_email: str | None = strawberry.field(
        description="The email claim an inspector was found by."
    )
    operation_type: AuditOperationType
    operation_name: str | None
    document_hash: str = strawberry.field(description="SHA-256 of the GraphQL document.")
    touched: list[TouchedRows]
    outcome: AuditOutcome

    @staticmethod
    def of(row: m.AuditEvent) -> AuditEventNode:
        return AuditEventNode(
            id=row.id,
            occurred_at=row.occurred_at,
            request_id=row.request_id,
            token_id=_global("Token", row.token_id),
            role=ViewerRole(row.role) if row.role else None,
            inspector_id=_global("Inspector", row.inspector_id),
            agency_id=_global("Agency", row.agency_id),
            actor_issuer=row.actor_issuer,
            actor_subject=row.actor_subject,
            actor_email=row.actor_email,
            operation_type=AuditOperationType(row.operation_type),
            operation_name=row.operation_name,
            document_hash=row.document_hash,
            touched=[TouchedRows(kind=k, ids=list(v)) for k, v in sorted(row.touched.items())],
            outcome=AuditOutcome(row.outcome),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AuditEventNode | None]:
        wanted = list(node_ids)
        if info.context.viewer.role is not Role.ADMIN:  # the trail is for admins, as its list
            return [None for _ in wanted]
        rows = info.context.session.scalars(
            select(m.AuditEvent).where(m.AuditEvent.id.in_(row_ids(wanted)))
        )
        return in_order(wanted, {row.id: AuditEventNode.of(row) for row in rows})


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
        description="Who you are signed in as.", extensions=signed_in(), metadata=no_database()
    )
    def viewer(self, info: Info) -> ViewerInfo:
        viewer = info.context.viewer
        assert viewer.role is not None  # signed_in() refused anyone else
        return ViewerInfo(
            role=viewer.role,
            inspectorate_code=viewer.inspectorate,
            expires_at=viewer.expires_at,
            inspector_id=viewer.inspector_id,
            agency_id=viewer.agency_id,
        )


@strawberry.type
class OverviewQueries:
    """Lists across inspections: the inspections you may see and the audit trail."""

    @strawberry.field(
        description="The inspections you may see, oldest created first unless `orderBy` says "
        f"otherwise. {PAGING}",
        extensions=signed_in(),
    )
    def inspections(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: InspectionOrder = InspectionOrder.CREATED_ASC,
        framework: Annotated[
            str | None,
            strawberry.argument(description="Only inspections under this framework (its code)."),
        ] = None,
    ) -> Connection[Inspection]:
        context = info.context
        where = [access.inspections_visible_to(context.viewer)]
        if framework is not None:
            if context.registry.framework(framework) is None:
                raise BadArgument(
                    f"framework: {framework!r} is not a framework of this server. Use a code "
                    "from `frameworks { code }`, or leave it out for every inspection.",
                    "BAD_FILTER",
                )
            where.append(m.Inspection.framework == framework)
        return keyset_page(
            context.session,
            select(m.Inspection).where(*where),
            select(func.count()).select_from(m.Inspection).where(*where),
            ordering=order_by.ordering,
            args=page_args(first, after, last, before, context.settings.max_page_size),
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
            ordering=Ordering(m.AuditEvent),
            args=page_args(first, after, None, None, context.settings.max_page_size),
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
