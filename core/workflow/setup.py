"""Setting up (admins only): areas, agencies, inspectors, inspections and their teams, and tokens.

The rules: codes, agency names (within an area), inspector emails and inspection references are
unique; an area is notified on a working day; the lead inspector comes from the framework's lead
inspectorate and every other member from an inspectorate taking part in it, each once. Every
function checks the viewer first, raises :class:`~core.workflow.rules.Refused` before anything it
refuses is written, and leaves the transaction to its caller. Problem fields are relative to the
mutation's input (``inspectorIds[2]``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import models as m
from core.registry import Registry
from core.timetable import ENGLAND_AND_WALES
from core.tokens import IssuedToken, TokenError, create_token, revoke_token
from core.viewer import Role, Viewer
from core.workflow.participation import choose_participants, participant_codes, record_participants
from core.workflow.rules import Ref, Refused, invalid, not_allowed, viewer_name
from core.workflow.rules import not_found_as_given as not_found

MAX_HOURS = 24 * 90  # a token lives at most 90 days

ALREADY_EXISTS = "ALREADY_EXISTS"  # a reason of refusal (SetupErrorCode in the graph)


def require_admin(viewer: Viewer) -> None:
    if viewer.role is not Role.ADMIN:
        raise Refused(
            not_allowed(
                "Only an admin sets up areas, agencies, inspectors, inspections and tokens; "
                f"you are signed in as {viewer_name(viewer)}."
            )
        )


def _text(field: str, value: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise Refused(invalid(field, f"give 1 to {limit} characters; got {len(cleaned)}."))
    return cleaned


def _area(session: Session, field: str, ref: Ref) -> m.LocalArea:
    area = session.get(m.LocalArea, ref.id)
    if area is None:
        raise Refused(not_found(field, ref.given, "local area"))
    return area


def _inspector(session: Session, field: str, ref: Ref) -> m.Inspector:
    inspector = session.get(m.Inspector, ref.id)
    if inspector is None:
        raise Refused(not_found(field, ref.given, "inspector"))
    return inspector


def create_area(session: Session, viewer: Viewer, code: str, name: str) -> m.LocalArea:
    require_admin(viewer)
    code = _text("code", code, 16)
    if session.scalar(select(m.LocalArea.id).where(m.LocalArea.code == code)) is not None:
        raise Refused(
            invalid(
                "code", f"an area with code {code!r} exists. Use another code.", code=ALREADY_EXISTS
            )
        )
    area = m.LocalArea(code=code, name=_text("name", name, 200))
    session.add(area)
    session.flush()
    return area


def create_agency(
    session: Session, viewer: Viewer, area_ref: Ref, kind: str, name: str
) -> m.Agency:
    require_admin(viewer)
    area = _area(session, "areaId", area_ref)
    name = _text("name", name, 200)
    clash = select(m.Agency.id).where(m.Agency.area_id == area.id, m.Agency.name == name)
    if session.scalar(clash) is not None:
        raise Refused(
            invalid(
                "name", f"{area.name} already has an agency named {name!r}.", code=ALREADY_EXISTS
            )
        )
    agency = m.Agency(area_id=area.id, kind=kind, name=name)
    session.add(agency)
    session.flush()
    return agency


def create_inspector(
    session: Session, registry: Registry, viewer: Viewer, name: str, email: str, inspectorate: str
) -> m.Inspector:
    require_admin(viewer)
    if registry.inspectorate(inspectorate) is None:
        known = ", ".join(i.code for i in registry.inspectorates)
        raise Refused(invalid("inspectorate", f"{inspectorate!r} is not one of {known}."))
    email = _text("email", email, 254).lower()
    if "@" not in email:
        raise Refused(invalid("email", f"{email!r} is not an email address."))
    if session.scalar(select(m.Inspector.id).where(m.Inspector.email == email)) is not None:
        raise Refused(invalid("email", f"an inspector with {email!r} exists.", code=ALREADY_EXISTS))
    inspector = m.Inspector(name=_text("name", name, 200), email=email, inspectorate=inspectorate)
    session.add(inspector)
    session.flush()
    return inspector


def _check_team_member(
    session: Session,
    inspection: m.Inspection,
    inspector: m.Inspector,
    field: str,
) -> None:
    participants = participant_codes(session, inspection.id)
    if inspector.inspectorate not in participants:
        raise Refused(
            invalid(
                field,
                f"{inspector.name} is from '{inspector.inspectorate}', which does not take part "
                f"in inspection {inspection.reference} (taking part: "
                f"{', '.join(participants)}). Choose an inspector of one of those.",
            )
        )


def create_inspection(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    *,
    area_ref: Ref,
    framework_code: str,
    notification_date: dt.date,
    reference: str,
    lead_ref: Ref,
    member_refs: Sequence[Ref],
    inspectorate_codes: Sequence[str] | None = None,
) -> m.Inspection:
    require_admin(viewer)
    framework = registry.framework(framework_code)
    if framework is None:
        known = ", ".join(f.code for f in registry.frameworks)
        raise Refused(invalid("framework", f"{framework_code!r} is not one of {known}."))
    area = _area(session, "areaId", area_ref)
    if not ENGLAND_AND_WALES.is_working_day(notification_date):
        raise Refused(
            invalid(
                "notificationDate",
                f"{notification_date.isoformat()} is a weekend or bank holiday; areas are "
                "notified on a working day. Choose a working day.",
            )
        )
    participants = choose_participants(
        registry, framework.code, inspectorate_codes, "inspectorates"
    )
    reference = _text("reference", reference, 40)
    if session.scalar(select(m.Inspection.id).where(m.Inspection.reference == reference)):
        raise Refused(
            invalid(
                "reference",
                f"an inspection {reference!r} exists. Use another.",
                code=ALREADY_EXISTS,
            )
        )
    inspection = m.Inspection(
        reference=reference,
        area_id=area.id,
        framework=framework.code,
        notification_date=notification_date,
    )
    session.add(inspection)
    session.flush()
    record_participants(session, inspection, participants)
    session.flush()
    lead = _inspector(session, "leadInspectorId", lead_ref)
    lead_inspectorate = registry.framework_lead(framework.code)
    if lead.inspectorate != lead_inspectorate:
        raise Refused(
            invalid(
                "leadInspectorId",
                f"{lead.name} is from '{lead.inspectorate}'; the lead inspector of a "
                f"'{framework.code}' inspection is from '{lead_inspectorate}'.",
            )
        )
    session.add(m.TeamMember(inspection_id=inspection.id, inspector_id=lead.id, is_lead=True))
    seen = {lead.id}
    for index, member_ref in enumerate(member_refs):
        field = f"inspectorIds[{index}]"
        member = _inspector(session, field, member_ref)
        if member.id in seen:
            raise Refused(
                invalid(field, f"{member.name} is on the team already.", code=ALREADY_EXISTS)
            )
        _check_team_member(session, inspection, member, field)
        seen.add(member.id)
        session.add(m.TeamMember(inspection_id=inspection.id, inspector_id=member.id))
    session.flush()
    return inspection


def add_team_member(
    session: Session, registry: Registry, viewer: Viewer, inspection_ref: Ref, inspector_ref: Ref
) -> m.Inspection:
    require_admin(viewer)
    inspection = session.get(m.Inspection, inspection_ref.id)
    if inspection is None:
        raise Refused(not_found("inspectionId", inspection_ref.given, "inspection"))
    inspector = _inspector(session, "inspectorId", inspector_ref)
    _check_team_member(session, inspection, inspector, "inspectorId")
    exists = select(m.TeamMember.id).where(
        m.TeamMember.inspection_id == inspection.id, m.TeamMember.inspector_id == inspector.id
    )
    if session.scalar(exists) is not None:
        raise Refused(
            invalid("inspectorId", f"{inspector.name} is on the team already.", code=ALREADY_EXISTS)
        )
    session.add(m.TeamMember(inspection_id=inspection.id, inspector_id=inspector.id))
    session.flush()
    return inspection


def issue_token(
    session: Session,
    viewer: Viewer,
    *,
    role: Role,
    label: str,
    expires_in_hours: int,
    inspector_id: int | None,
    agency_id: int | None,
) -> IssuedToken:
    """A new token; a refusal of the token as a whole has the field '' (the input itself)."""
    require_admin(viewer)
    if not 1 <= expires_in_hours <= MAX_HOURS:
        raise Refused(
            invalid("expiresInHours", f"{expires_in_hours} is outside 1..2160 (90 days).")
        )
    try:
        return create_token(
            session,
            role=role,
            label=_text("label", label, 200),
            expires_in=dt.timedelta(hours=expires_in_hours),
            inspector_id=inspector_id,
            agency_id=agency_id,
        )
    except TokenError as error:
        raise Refused(invalid("", str(error))) from None


def revoke(session: Session, viewer: Viewer, token: Ref) -> None:
    require_admin(viewer)
    if not revoke_token(session, token.id):
        raise Refused(not_found("tokenId", token.given, "active token"))
