"""Setting up: areas, agencies, inspectors, inspections and their teams, and tokens (admins).

The rules and writes live in ``core.workflow.setup``; each mutation parses its ids and calls it
through ``run_service``, in one transaction, its refusals returned as data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TypeVar

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry import relay

from core import ids
from core import models as m
from core.graphql.base.domain_errors import SetupError
from core.graphql.base.enums import AgencyKind, ViewerRole
from core.graphql.base.inputs import in_order, row_ids
from core.graphql.base.inputs import node_id as node_id  # re-exported: other modules import it here
from core.graphql.base.mutations import Under, run_service
from core.graphql.base.permissions import signed_in
from core.graphql.context import Info
from core.graphql.nodes import Agency, InspectionCore, InspectionRef, Inspector, LocalArea
from core.tokens import IssuedToken
from core.viewer import Role
from core.workflow import setup
from core.workflow.rules import Ref

T = TypeVar("T")


@strawberry.input
class CreateLocalAreaInput:
    code: str = strawberry.field(description="A unique code, e.g. the ONS code.")
    name: str


@strawberry.type
class LocalAreaPayload:
    area: LocalArea | None
    errors: list[SetupError]


@strawberry.input
class CreateAgencyInput:
    area_id: relay.GlobalID
    kind: AgencyKind
    name: str


@strawberry.type
class AgencyPayload:
    agency: Agency | None
    errors: list[SetupError]


@strawberry.input
class CreateInspectorInput:
    name: str
    email: str
    inspectorate: str = strawberry.field(description="An inspectorate code, e.g. 'cqc'.")


@strawberry.type
class InspectorPayload:
    inspector: Inspector | None
    errors: list[SetupError]


@strawberry.input
class CreateInspectionInput:
    area_id: relay.GlobalID
    framework: str = strawberry.field(description="A framework's code, e.g. 'da-2016'.")
    notification_date: dt.date
    reference: str
    lead_inspector_id: relay.GlobalID = strawberry.field(
        description="The lead inspector: an inspector of the framework's lead inspectorate."
    )
    inspector_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="The rest of the team."
    )
    inspectorates: list[str] | None = strawberry.field(
        default=None,
        description="The inspectorates taking part, by code: some of those whose plugins take "
        "part in the framework, the lead's always among them. Null (the default) takes all of "
        "them. Fixed for the inspection's life: plugins installed later do not join it.",
    )


@strawberry.type
class InspectionPayload:
    inspection: InspectionRef | None
    errors: list[SetupError]


@strawberry.input
class TeamMemberInput:
    inspection_id: relay.GlobalID
    inspector_id: relay.GlobalID


@strawberry.input
class IssueTokenInput:
    role: Role
    label: str
    expires_in_hours: int = 12
    inspector_id: relay.GlobalID | None = None
    agency_id: relay.GlobalID | None = None


@strawberry.type(
    name="Token",
    description="A bearer token, never its secret: its role, whose it is, and until when.",
)
class TokenNode(relay.Node):
    id: relay.NodeID[int]
    label: str
    role: ViewerRole
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    inspector_id: strawberry.Private[int | None]
    agency_id: strawberry.Private[int | None]

    @staticmethod
    def of(row: m.ApiToken) -> TokenNode:
        return TokenNode(
            id=row.id,
            label=row.label,
            role=ViewerRole(row.role),
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            inspector_id=row.inspector_id,
            agency_id=row.agency_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TokenNode | None]:
        wanted = list(node_ids)
        if info.context.viewer.role is not Role.ADMIN:  # tokens are the admins' to see
            return [None for _ in wanted]
        rows = info.context.session.scalars(
            select(m.ApiToken).where(m.ApiToken.id.in_(row_ids(wanted)))
        )
        return in_order(wanted, {row.id: TokenNode.of(row) for row in rows})

    @strawberry.field(description="The inspector an INSPECTOR token signs in as.")
    async def inspector(self, info: Info) -> Inspector | None:
        if self.inspector_id is None:
            return None
        row = await info.context.loaders.inspector.load(self.inspector_id)
        return Inspector.of(row, info.context.registry) if row else None

    @strawberry.field(description="The agency an AGENCY_USER token signs in for.")
    async def agency(self, info: Info) -> Agency | None:
        if self.agency_id is None:
            return None
        row = await info.context.loaders.agency.load(self.agency_id)
        return Agency.of(row) if row else None


@strawberry.type
class IssuedTokenPayload:
    token_id: strawberry.ID | None = strawberry.field(
        description="The Token's global ID: pass it to revokeToken, or to node(id:)."
    )
    token: str | None = strawberry.field(description="The secret, shown this once only.")
    expires_at: dt.datetime | None
    errors: list[SetupError]


@strawberry.type
class RevokeTokenPayload:
    revoked: bool
    errors: list[SetupError]


def _ref(field: str, value: relay.GlobalID, type_name: str) -> Ref:
    return Ref(node_id(field, value, type_name), str(value))


def _as_admin(
    info: Info, call: Callable[[Session], T], under: Under = "input"
) -> tuple[T | None, list[SetupError]]:
    """``run_service`` with the admin check first: a non-admin learns nothing of the ids given."""

    def work(session: Session) -> T:
        setup.require_admin(info.context.viewer)
        return call(session)

    return run_service(info, work, under, errors=SetupError)


def _whole_input(field: str) -> str:
    """Problem paths under ``input``; a token refused as a whole names ``input`` itself."""
    return f"input.{field}" if field else "input"


@strawberry.type
class SetupMutations:
    @strawberry.mutation(description="Add a local area (admins).", extensions=signed_in())
    def create_local_area(self, info: Info, input: CreateLocalAreaInput) -> LocalAreaPayload:
        viewer = info.context.viewer
        row, errors = _as_admin(
            info, lambda session: setup.create_area(session, viewer, input.code, input.name)
        )
        return LocalAreaPayload(area=LocalArea.of(row) if row else None, errors=errors)

    @strawberry.mutation(description="Add an agency to an area (admins).", extensions=signed_in())
    def create_agency(self, info: Info, input: CreateAgencyInput) -> AgencyPayload:
        def call(session: Session) -> m.Agency:
            area = _ref("input.areaId", input.area_id, "LocalArea")
            return setup.create_agency(
                session, info.context.viewer, area, input.kind.value, input.name
            )

        row, errors = _as_admin(info, call)
        return AgencyPayload(agency=Agency.of(row) if row else None, errors=errors)

    @strawberry.mutation(description="Add an inspector (admins).", extensions=signed_in())
    def create_inspector(self, info: Info, input: CreateInspectorInput) -> InspectorPayload:
        def call(session: Session) -> m.Inspector:
            return setup.create_inspector(
                session,
                info.context.registry,
                info.context.viewer,
                input.name,
                input.email,
                input.inspectorate,
            )

        row, errors = _as_admin(info, call)
        return InspectorPayload(
            inspector=Inspector.of(row, info.context.registry) if row else None, errors=errors
        )

    @strawberry.mutation(
        description="Create an inspection of an area under a framework, with its lead inspector "
        "and team (admins).",
        extensions=signed_in(),
    )
    def create_inspection(self, info: Info, input: CreateInspectionInput) -> InspectionPayload:
        def call(session: Session) -> m.Inspection:
            area = _ref("input.areaId", input.area_id, "LocalArea")
            lead = _ref("input.leadInspectorId", input.lead_inspector_id, "Inspector")
            members = [
                _ref(f"input.inspectorIds[{index}]", value, "Inspector")
                for index, value in enumerate(input.inspector_ids)
            ]
            return setup.create_inspection(
                session,
                info.context.registry,
                info.context.viewer,
                area_ref=area,
                framework_code=input.framework,
                notification_date=input.notification_date,
                reference=input.reference,
                lead_ref=lead,
                member_refs=members,
                inspectorate_codes=input.inspectorates,
            )

        row, errors = _as_admin(info, call)
        return InspectionPayload(inspection=InspectionCore.of(row) if row else None, errors=errors)

    @strawberry.mutation(description="Add an inspector to a team (admins).", extensions=signed_in())
    def add_team_member(self, info: Info, input: TeamMemberInput) -> InspectionPayload:
        def call(session: Session) -> m.Inspection:
            inspection = _ref("input.inspectionId", input.inspection_id, "Inspection")
            inspector = _ref("input.inspectorId", input.inspector_id, "Inspector")
            return setup.add_team_member(
                session, info.context.registry, info.context.viewer, inspection, inspector
            )

        row, errors = _as_admin(info, call)
        return InspectionPayload(inspection=InspectionCore.of(row) if row else None, errors=errors)

    @strawberry.mutation(
        description="Issue a bearer token; the secret is in this response only (admins).",
        extensions=signed_in(),
    )
    def issue_token(self, info: Info, input: IssueTokenInput) -> IssuedTokenPayload:
        def call(session: Session) -> IssuedToken:
            inspector_id = (
                node_id("input.inspectorId", input.inspector_id, "Inspector")
                if input.inspector_id
                else None
            )
            agency_id = (
                node_id("input.agencyId", input.agency_id, "Agency") if input.agency_id else None
            )
            return setup.issue_token(
                session,
                info.context.viewer,
                role=input.role,
                label=input.label,
                expires_in_hours=input.expires_in_hours,
                inspector_id=inspector_id,
                agency_id=agency_id,
            )

        issued, errors = _as_admin(info, call, under=_whole_input)
        if issued is None:
            return IssuedTokenPayload(token_id=None, token=None, expires_at=None, errors=errors)
        return IssuedTokenPayload(
            token_id=strawberry.ID(ids.global_id("Token", issued.id)),
            token=issued.token,
            expires_at=issued.expires_at,
            errors=[],
        )

    @strawberry.mutation(
        description="Revoke a token (admins): this server process refuses it at once, other "
        "processes within JTAI_TOKEN_CACHE_SECONDS (5 s by default).",
        extensions=signed_in(),
    )
    def revoke_token(self, info: Info, token_id: relay.GlobalID) -> RevokeTokenPayload:
        def call(session: Session) -> bool:
            setup.revoke(session, info.context.viewer, _ref("tokenId", token_id, "Token"))
            return True

        revoked, errors = run_service(info, call, under=None, errors=SetupError)
        return RevokeTokenPayload(revoked=bool(revoked), errors=errors)
