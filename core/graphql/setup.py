"""Setting up: areas, agencies, inspectors, inspections and their teams, and tokens (admins).

Each mutation runs in one transaction and returns its expected failures as data naming the field,
the value and the fix.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry import relay

from core import models as m
from core.graphql.base.enums import AgencyKind
from core.graphql.base.errors import MutationFailed, UserError, invalid, not_found
from core.graphql.base.inputs import node_id as node_id  # re-exported: other modules import it here
from core.graphql.base.mutations import run
from core.graphql.base.permissions import require_admin, signed_in
from core.graphql.context import Info
from core.graphql.nodes import Agency, InspectionCore, InspectionRef, Inspector, LocalArea
from core.timetable import ENGLAND_AND_WALES
from core.tokens import TokenError, create_token, revoke_token
from core.viewer import Role

T = TypeVar("T")


def _text(field: str, value: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise MutationFailed(invalid(field, f"give 1 to {limit} characters; got {len(cleaned)}."))
    return cleaned


@strawberry.input
class CreateLocalAreaInput:
    code: str = strawberry.field(description="A unique code, e.g. the ONS code.")
    name: str


@strawberry.type
class LocalAreaPayload:
    area: LocalArea | None
    errors: list[UserError]


@strawberry.input
class CreateAgencyInput:
    area_id: relay.GlobalID
    kind: AgencyKind
    name: str


@strawberry.type
class AgencyPayload:
    agency: Agency | None
    errors: list[UserError]


@strawberry.input
class CreateInspectorInput:
    name: str
    email: str
    inspectorate: str = strawberry.field(description="An inspectorate code, e.g. 'cqc'.")


@strawberry.type
class InspectorPayload:
    inspector: Inspector | None
    errors: list[UserError]


@strawberry.input
class CreateInspectionInput:
    area_id: relay.GlobalID
    framework_code: str
    notification_date: dt.date
    reference: str
    lead_inspector_id: relay.GlobalID = strawberry.field(
        description="The lead inspector: an inspector of the framework's lead inspectorate."
    )
    inspector_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="The rest of the team."
    )


@strawberry.type
class InspectionPayload:
    inspection: InspectionRef | None
    errors: list[UserError]


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


@strawberry.type
class IssuedTokenPayload:
    token_id: int | None
    token: str | None = strawberry.field(description="The secret, shown this once only.")
    expires_at: dt.datetime | None
    errors: list[UserError]


@strawberry.type
class RevokeTokenPayload:
    revoked: bool
    errors: list[UserError]


def _create_area(info: Info, data: CreateLocalAreaInput) -> m.LocalArea:
    require_admin(info)
    session = info.context.session
    code = _text("input.code", data.code, 16)
    if session.scalar(select(m.LocalArea.id).where(m.LocalArea.code == code)) is not None:
        raise MutationFailed(
            invalid("input.code", f"an area with code {code!r} exists. Use another code.")
        )
    area = m.LocalArea(code=code, name=_text("input.name", data.name, 200))
    session.add(area)
    session.flush()
    return area


def _area(session: Session, field: str, value: relay.GlobalID) -> m.LocalArea:
    area = session.get(m.LocalArea, node_id(field, value, "LocalArea"))
    if area is None:
        raise MutationFailed(not_found(field, str(value), "local area"))
    return area


def _inspector(session: Session, field: str, value: relay.GlobalID) -> m.Inspector:
    inspector = session.get(m.Inspector, node_id(field, value, "Inspector"))
    if inspector is None:
        raise MutationFailed(not_found(field, str(value), "inspector"))
    return inspector


def _create_agency(info: Info, data: CreateAgencyInput) -> m.Agency:
    require_admin(info)
    session = info.context.session
    area = _area(session, "input.areaId", data.area_id)
    name = _text("input.name", data.name, 200)
    clash = select(m.Agency.id).where(m.Agency.area_id == area.id, m.Agency.name == name)
    if session.scalar(clash) is not None:
        raise MutationFailed(
            invalid("input.name", f"{area.name} already has an agency named {name!r}.")
        )
    agency = m.Agency(area_id=area.id, kind=data.kind.value, name=name)
    session.add(agency)
    session.flush()
    return agency


def _create_inspector(info: Info, data: CreateInspectorInput) -> m.Inspector:
    require_admin(info)
    session = info.context.session
    registry = info.context.registry
    if registry.inspectorate(data.inspectorate) is None:
        known = ", ".join(i.code for i in registry.inspectorates)
        raise MutationFailed(
            invalid("input.inspectorate", f"{data.inspectorate!r} is not one of {known}.")
        )
    email = _text("input.email", data.email, 254).lower()
    if "@" not in email:
        raise MutationFailed(invalid("input.email", f"{email!r} is not an email address."))
    if session.scalar(select(m.Inspector.id).where(m.Inspector.email == email)) is not None:
        raise MutationFailed(invalid("input.email", f"an inspector with {email!r} exists."))
    inspector = m.Inspector(
        name=_text("input.name", data.name, 200), email=email, inspectorate=data.inspectorate
    )
    session.add(inspector)
    session.flush()
    return inspector


def _check_team_member(
    info: Info, inspection: m.Inspection, inspector: m.Inspector, field: str
) -> None:
    registry = info.context.registry
    participants = {i.code for i in registry.participants(inspection.framework)}
    if inspector.inspectorate not in participants:
        raise MutationFailed(
            invalid(
                field,
                f"{inspector.name} is from '{inspector.inspectorate}', which does not take part "
                f"in framework '{inspection.framework}' (taking part: "
                f"{', '.join(sorted(participants))}). Choose an inspector of one of those.",
            )
        )


def _create_inspection(info: Info, data: CreateInspectionInput) -> m.Inspection:
    require_admin(info)
    session = info.context.session
    registry = info.context.registry
    framework = registry.framework(data.framework_code)
    if framework is None:
        known = ", ".join(f.code for f in registry.frameworks)
        raise MutationFailed(
            invalid("input.frameworkCode", f"{data.framework_code!r} is not one of {known}.")
        )
    area = _area(session, "input.areaId", data.area_id)
    if not ENGLAND_AND_WALES.is_working_day(data.notification_date):
        raise MutationFailed(
            invalid(
                "input.notificationDate",
                f"{data.notification_date.isoformat()} is a weekend or bank holiday; areas are "
                "notified on a working day. Choose a working day.",
            )
        )
    reference = _text("input.reference", data.reference, 40)
    if session.scalar(select(m.Inspection.id).where(m.Inspection.reference == reference)):
        raise MutationFailed(
            invalid("input.reference", f"an inspection {reference!r} exists. Use another.")
        )
    inspection = m.Inspection(
        reference=reference,
        area_id=area.id,
        framework=framework.code,
        notification_date=data.notification_date,
    )
    session.add(inspection)
    session.flush()
    lead = _inspector(session, "input.leadInspectorId", data.lead_inspector_id)
    lead_inspectorate = registry.framework_lead(framework.code)
    if lead.inspectorate != lead_inspectorate:
        raise MutationFailed(
            invalid(
                "input.leadInspectorId",
                f"{lead.name} is from '{lead.inspectorate}'; the lead inspector of a "
                f"'{framework.code}' inspection is from '{lead_inspectorate}'.",
            )
        )
    session.add(m.TeamMember(inspection_id=inspection.id, inspector_id=lead.id, is_lead=True))
    seen = {lead.id}
    for index, member_id in enumerate(data.inspector_ids):
        field = f"input.inspectorIds[{index}]"
        member = _inspector(session, field, member_id)
        if member.id in seen:
            raise MutationFailed(invalid(field, f"{member.name} is on the team already."))
        _check_team_member(info, inspection, member, field)
        seen.add(member.id)
        session.add(m.TeamMember(inspection_id=inspection.id, inspector_id=member.id))
    session.flush()
    return inspection


def _add_team_member(info: Info, data: TeamMemberInput) -> m.Inspection:
    require_admin(info)
    session = info.context.session
    inspection = session.get(
        m.Inspection, node_id("input.inspectionId", data.inspection_id, "Inspection")
    )
    if inspection is None:
        raise MutationFailed(not_found("input.inspectionId", str(data.inspection_id), "inspection"))
    inspector = _inspector(session, "input.inspectorId", data.inspector_id)
    _check_team_member(info, inspection, inspector, "input.inspectorId")
    exists = select(m.TeamMember.id).where(
        m.TeamMember.inspection_id == inspection.id, m.TeamMember.inspector_id == inspector.id
    )
    if session.scalar(exists) is not None:
        raise MutationFailed(
            invalid("input.inspectorId", f"{inspector.name} is on the team already.")
        )
    session.add(m.TeamMember(inspection_id=inspection.id, inspector_id=inspector.id))
    session.flush()
    return inspection


def _issue_token(info: Info, data: IssueTokenInput) -> tuple[int, str, dt.datetime]:
    require_admin(info)
    if not 1 <= data.expires_in_hours <= 24 * 90:
        raise MutationFailed(
            invalid(
                "input.expiresInHours", f"{data.expires_in_hours} is outside 1..2160 (90 days)."
            )
        )
    inspector_id = (
        node_id("input.inspectorId", data.inspector_id, "Inspector") if data.inspector_id else None
    )
    agency_id = node_id("input.agencyId", data.agency_id, "Agency") if data.agency_id else None
    try:
        issued = create_token(
            info.context.session,
            role=data.role,
            label=_text("input.label", data.label, 200),
            expires_in=dt.timedelta(hours=data.expires_in_hours),
            inspector_id=inspector_id,
            agency_id=agency_id,
        )
    except TokenError as error:
        raise MutationFailed(invalid("input", str(error))) from None
    return issued.id, issued.token, issued.expires_at


@strawberry.type
class SetupMutations:
    @strawberry.mutation(description="Add a local area (admins).", extensions=signed_in())
    def create_local_area(self, info: Info, input: CreateLocalAreaInput) -> LocalAreaPayload:
        row, errors = run(info, lambda _: _create_area(info, input))
        return LocalAreaPayload(area=LocalArea.of(row) if row else None, errors=errors)

    @strawberry.mutation(description="Add an agency to an area (admins).", extensions=signed_in())
    def create_agency(self, info: Info, input: CreateAgencyInput) -> AgencyPayload:
        row, errors = run(info, lambda _: _create_agency(info, input))
        return AgencyPayload(agency=Agency.of(row) if row else None, errors=errors)

    @strawberry.mutation(description="Add an inspector (admins).", extensions=signed_in())
    def create_inspector(self, info: Info, input: CreateInspectorInput) -> InspectorPayload:
        row, errors = run(info, lambda _: _create_inspector(info, input))
        return InspectorPayload(inspector=Inspector.of(row) if row else None, errors=errors)

    @strawberry.mutation(
        description="Create an inspection of an area under a framework, with its lead inspector "
        "and team (admins).",
        extensions=signed_in(),
    )
    def create_inspection(self, info: Info, input: CreateInspectionInput) -> InspectionPayload:
        row, errors = run(info, lambda _: _create_inspection(info, input))
        return InspectionPayload(inspection=InspectionCore.of(row) if row else None, errors=errors)

    @strawberry.mutation(description="Add an inspector to a team (admins).", extensions=signed_in())
    def add_team_member(self, info: Info, input: TeamMemberInput) -> InspectionPayload:
        row, errors = run(info, lambda _: _add_team_member(info, input))
        return InspectionPayload(inspection=InspectionCore.of(row) if row else None, errors=errors)

    @strawberry.mutation(
        description="Issue a bearer token; the secret is in this response only (admins).",
        extensions=signed_in(),
    )
    def issue_token(self, info: Info, input: IssueTokenInput) -> IssuedTokenPayload:
        issued, errors = run(info, lambda _: _issue_token(info, input))
        if issued is None:
            return IssuedTokenPayload(token_id=None, token=None, expires_at=None, errors=errors)
        token_id, token, expires_at = issued
        return IssuedTokenPayload(token_id=token_id, token=token, expires_at=expires_at, errors=[])

    @strawberry.mutation(description="Revoke a token at once (admins).", extensions=signed_in())
    def revoke_token(self, info: Info, token_id: int) -> RevokeTokenPayload:
        def work(session: Session) -> bool:
            require_admin(info)
            if not revoke_token(session, token_id):
                raise MutationFailed(not_found("tokenId", token_id, "active token"))
            return True

        revoked, errors = run(info, work)
        return RevokeTokenPayload(revoked=bool(revoked), errors=errors)
