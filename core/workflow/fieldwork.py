"""In the area: the multi-agency meetings of the fieldwork week, the people inspectors talk to, and
consent to meet the tracked children and their parents or carers.

The guidance (seed 003 paragraphs 7, 14 and 20; DOMAIN.md sections 3 and 4.6):

- The local authority tells the lead inspector of the multi-agency meetings in the fieldwork week
  (ICPCs, review conferences, CLA reviews, strategy discussions, MARAC...). Here the lead inspector
  or a user of the area's local authority adds one: its type from the lead inspectorate's
  'meeting-type' code set, a time in week 3 (rule 'fieldwork week'), the inspection's children.
- Inspectors also talk with the MARAC coordinator, Cafcass, IDVAs, refuge workers and voluntary
  sector providers: people to meet, added by the same people.
- Meetings and people to meet are changed and removed by whoever may add them, under the same
  rules; a removed one is kept (``removed_at``), and a meeting changed by hand (``edited_at``) is
  never overwritten by a later meetings list (core/workflow/meetings_list.py).
- The local agencies record the consent of the tracked children and their parents or carers to
  meet inspectors, or why not (rules 'consent for tracked children', 'reason unless given'). Here a
  user of any agency of the inspection's area records it; recording again replaces the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import access
from core.contributions import AgencyKind, CodeSet
from core.models import (
    Agency,
    Child,
    Consent,
    Inspection,
    Meeting,
    PersonToMeet,
    TeamMember,
    utc_now,
)
from core.registry import Registry
from core.viewer import Role, Viewer
from core.workflow.rules import (
    Problem,
    Refused,
    Rule,
    check_in_fieldwork_week,
    children_of,
    clean_text,
    invalid,
    is_lead,
    not_allowed,
    not_found,
    refuse_if,
    viewer_name,
    visible_inspection,
)
from core.workflow.selection import Kind, choices

MAX_VENUE = 200
MAX_ORGANISATION = 200
MAX_CONSENT_REASON = 2000


class PersonRole(StrEnum):
    """Who inspectors talk to besides the main framework's list (seed 003 para 7)."""

    MARAC_COORDINATOR = "marac_coordinator"
    CAFCASS = "cafcass"
    IDVA = "idva"  # independent domestic violence adviser
    REFUGE_WORKER = "refuge_worker"  # specialist children's worker in a refuge
    VOLUNTARY_SECTOR = "voluntary_sector"
    OTHER = "other"


class ConsentPerson(StrEnum):
    CHILD = "child"
    PARENT_OR_CARER = "parent_or_carer"


class ConsentOutcome(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    NOT_POSSIBLE = "not_possible"  # a discussion is not possible


def _is_area_local_authority(session: Session, viewer: Viewer, inspection: Inspection) -> bool:
    if viewer.role is not Role.AGENCY_USER or viewer.agency_id is None:
        return False
    agency = session.get(Agency, viewer.agency_id)
    return (
        agency is not None
        and agency.area_id == inspection.area_id
        and agency.kind == AgencyKind.LOCAL_AUTHORITY.value
    )


def _require_lead_or_local_authority(
    session: Session, viewer: Viewer, inspection: Inspection, action: str
) -> None:
    if is_lead(session, viewer, inspection) or _is_area_local_authority(
        session, viewer, inspection
    ):
        return
    raise Refused(
        not_allowed(
            f"Only the lead inspector of {inspection.reference} or a user of the area's local "
            f"authority {action}; you are signed in as {viewer_name(viewer)}."
        )
    )


def meeting_types(registry: Registry, framework: str) -> CodeSet | None:
    """The meeting types of ``framework``: the code set of its MEETINGS list's MEETING_TYPE field
    (roles in core/contributions.py)."""
    return registry.meeting_types(framework)


def _meeting_type(registry: Registry, framework: str, value: str) -> str:
    code_set = meeting_types(registry, framework)
    if code_set is None:
        raise Refused(
            invalid(
                "type",
                f"framework '{framework}' has no list of meetings with a meeting-type field "
                "(roles MEETINGS and MEETING_TYPE), so it has no meeting types.",
            )
        )
    wanted = value.strip().casefold()
    for code in code_set.codes:
        if wanted in (code.code.casefold(), *(a.casefold() for a in code.aliases)):
            return code.code
    known = ", ".join(f"{c.code} ({c.label})" for c in code_set.codes)
    raise Refused(invalid("type", f"{value[:60]!r} is not a meeting type; use one of {known}."))


def _attending_problems(
    session: Session, inspection: Inspection, attending_inspector_id: int | None
) -> list[Problem]:
    if attending_inspector_id is None:
        return []
    member = session.scalar(
        select(TeamMember.id).where(
            TeamMember.inspection_id == inspection.id,
            TeamMember.inspector_id == attending_inspector_id,
        )
    )
    if member is not None:
        return []
    return [
        invalid(
            "attendingInspectorId",
            f"that inspector is not on the team of {inspection.reference}; choose an "
            "inspector from the inspection's team.",
        )
    ]


def add_meeting(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection_id: int,
    meeting_type: str,
    starts_at: dt.datetime,
    venue: str | None,
    child_ids: Sequence[int],
    attending_inspector_id: int | None,
) -> Meeting:
    """Add a multi-agency meeting of the fieldwork week (lead inspector or the area's LA)."""
    inspection = visible_inspection(session, viewer, inspection_id)
    _require_lead_or_local_authority(session, viewer, inspection, "adds meetings")
    code = _meeting_type(registry, inspection.framework, meeting_type)
    problems: list[Problem] = check_in_fieldwork_week(
        "startsAt", starts_at, inspection, "The meeting"
    )
    cleaned_venue = clean_text("venue", venue, MAX_VENUE, required=False)
    problems += _attending_problems(session, inspection, attending_inspector_id)
    refuse_if(problems)
    children = children_of(session, inspection, child_ids)
    meeting = Meeting(
        inspection_id=inspection.id,
        meeting_type=code,
        starts_at=starts_at,
        venue=cleaned_venue,
        attending_inspector_id=attending_inspector_id,
        child_ids=[c.id for c in children],
    )
    session.add(meeting)
    session.flush()
    return meeting


class Keep(Enum):
    """Leave a field as it is (a change that does not name it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class MeetingChanges:
    """What to change in a meeting; ``KEEP`` leaves a field as it is, ``None`` clears it."""

    meeting_type: str | Keep = KEEP
    starts_at: dt.datetime | Keep = KEEP
    venue: str | Keep | None = KEEP
    child_ids: Sequence[int] | Keep = KEEP
    attending_inspector_id: int | Keep | None = KEEP


def _visible_row(
    session: Session, viewer: Viewer, model: type[Meeting] | type[PersonToMeet], row_id: int
) -> tuple[Meeting | PersonToMeet, Inspection]:
    """A meeting or person to meet of an inspection the viewer sees, not removed, locked."""
    field, what = ("meetingId", "meeting") if model is Meeting else ("personId", "person to meet")
    found = session.execute(
        select(model, Inspection)
        .join(Inspection, Inspection.id == model.inspection_id)
        .where(
            model.id == row_id,
            model.removed_at.is_(None),
            access.inspections_visible_to(viewer),
        )
        .with_for_update()
    ).one_or_none()
    if found is None:
        raise Refused(not_found(field, what))
    row, inspection = found
    assert isinstance(row, Meeting | PersonToMeet) and isinstance(inspection, Inspection)
    return row, inspection


def visible_meeting(
    session: Session, viewer: Viewer, meeting_id: int
) -> tuple[Meeting, Inspection]:
    row, inspection = _visible_row(session, viewer, Meeting, meeting_id)
    assert isinstance(row, Meeting)
    return row, inspection


def update_meeting(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    meeting_id: int,
    changes: MeetingChanges,
    now: dt.datetime,
) -> Meeting:
    """Change a meeting (lead inspector or the area's LA), with the rules of adding it. A meeting
    changed by hand is never overwritten by a later meetings list."""
    meeting, inspection = visible_meeting(session, viewer, meeting_id)
    _require_lead_or_local_authority(session, viewer, inspection, "changes meetings")
    problems: list[Problem] = []
    code = cleaned_venue = children = None
    try:
        if not isinstance(changes.meeting_type, Keep):
            code = _meeting_type(registry, inspection.framework, changes.meeting_type)
    except Refused as refused:
        problems += refused.problems
    if not isinstance(changes.starts_at, Keep):
        problems += check_in_fieldwork_week(
            "startsAt", changes.starts_at, inspection, "The meeting"
        )
    venue = changes.venue
    try:
        if not isinstance(venue, Keep):
            cleaned_venue = clean_text("venue", venue, MAX_VENUE, required=False)
    except Refused as refused:
        problems += refused.problems
    if not isinstance(changes.attending_inspector_id, Keep):
        problems += _attending_problems(session, inspection, changes.attending_inspector_id)
    try:
        if not isinstance(changes.child_ids, Keep):
            children = children_of(session, inspection, changes.child_ids)
    except Refused as refused:
        problems += refused.problems
    refuse_if(problems)
    if code is not None:
        meeting.meeting_type = code
    if not isinstance(changes.starts_at, Keep):
        meeting.starts_at = changes.starts_at
    if not isinstance(venue, Keep):
        meeting.venue = cleaned_venue
    if not isinstance(changes.attending_inspector_id, Keep):
        meeting.attending_inspector_id = changes.attending_inspector_id
    if children is not None:
        meeting.child_ids = [c.id for c in children]
    meeting.edited_at = now
    session.flush()
    return meeting


def remove_meeting(session: Session, viewer: Viewer, meeting_id: int, now: dt.datetime) -> Meeting:
    """Remove a meeting (lead inspector or the area's LA): kept, marked removed, so the fieldwork
    week shows it was; a later meetings list does not bring it back."""
    meeting, inspection = visible_meeting(session, viewer, meeting_id)
    _require_lead_or_local_authority(session, viewer, inspection, "removes meetings")
    meeting.removed_at = now
    meeting.edited_at = now
    session.flush()
    return meeting


def add_person_to_meet(
    session: Session,
    viewer: Viewer,
    inspection_id: int,
    role: PersonRole,
    organisation: str,
    agency_id: int | None,
    arranged_for: dt.datetime | None,
) -> PersonToMeet:
    """Add someone for inspectors to talk to (lead inspector or the area's local authority)."""
    inspection = visible_inspection(session, viewer, inspection_id)
    _require_lead_or_local_authority(session, viewer, inspection, "adds people to meet")
    cleaned = clean_text("organisation", organisation, MAX_ORGANISATION, required=True)
    problems: list[Problem] = []
    if arranged_for is not None:
        problems += check_in_fieldwork_week(
            "arrangedFor", arranged_for, inspection, "The conversation"
        )
    if agency_id is not None:
        agency = session.scalar(
            select(Agency.id).where(Agency.id == agency_id, Agency.area_id == inspection.area_id)
        )
        if agency is None:
            problems.append(not_found("agencyId", f"agency of the area of {inspection.reference}"))
    refuse_if(problems)
    person = PersonToMeet(
        inspection_id=inspection.id,
        role=role.value,
        organisation=cleaned,
        agency_id=agency_id,
        arranged_for=arranged_for,
    )
    session.add(person)
    session.flush()
    return person


def visible_person(
    session: Session, viewer: Viewer, person_id: int
) -> tuple[PersonToMeet, Inspection]:
    row, inspection = _visible_row(session, viewer, PersonToMeet, person_id)
    assert isinstance(row, PersonToMeet)
    return row, inspection


@dataclass(frozen=True, slots=True)
class PersonChanges:
    """What to change about a person to meet; ``KEEP`` leaves it, ``None`` clears it."""

    role: PersonRole | Keep = KEEP
    organisation: str | Keep = KEEP
    agency_id: int | Keep | None = KEEP
    arranged_for: dt.datetime | Keep | None = KEEP


def update_person_to_meet(
    session: Session, viewer: Viewer, person_id: int, changes: PersonChanges, now: dt.datetime
) -> PersonToMeet:
    """Change someone to meet (lead inspector or the area's LA), with the rules of adding."""
    person, inspection = visible_person(session, viewer, person_id)
    _require_lead_or_local_authority(session, viewer, inspection, "changes people to meet")
    problems: list[Problem] = []
    organisation = changes.organisation
    cleaned: str | None = None
    if not isinstance(organisation, Keep):
        try:
            cleaned = clean_text("organisation", organisation, MAX_ORGANISATION, required=True)
        except Refused as refused:
            problems += refused.problems
    arranged_for = changes.arranged_for
    if not isinstance(arranged_for, Keep) and arranged_for is not None:
        problems += check_in_fieldwork_week(
            "arrangedFor", arranged_for, inspection, "The conversation"
        )
    agency_id = changes.agency_id
    if not isinstance(agency_id, Keep) and agency_id is not None:
        agency = session.scalar(
            select(Agency.id).where(Agency.id == agency_id, Agency.area_id == inspection.area_id)
        )
        if agency is None:
            problems.append(not_found("agencyId", f"agency of the area of {inspection.reference}"))
    refuse_if(problems)
    if not isinstance(changes.role, Keep):
        person.role = changes.role.value
    if cleaned is not None:
        person.organisation = cleaned
    if not isinstance(agency_id, Keep):
        person.agency_id = agency_id
    if not isinstance(arranged_for, Keep):
        person.arranged_for = arranged_for
    person.edited_at = now
    session.flush()
    return person


def remove_person_to_meet(
    session: Session, viewer: Viewer, person_id: int, now: dt.datetime
) -> PersonToMeet:
    """Remove someone to meet (lead inspector or the area's LA): kept, marked removed."""
    person, inspection = visible_person(session, viewer, person_id)
    _require_lead_or_local_authority(session, viewer, inspection, "removes people to meet")
    person.removed_at = now
    person.edited_at = now
    session.flush()
    return person


def record_consent(
    session: Session,
    viewer: Viewer,
    child_id: int,
    person: ConsentPerson,
    outcome: ConsentOutcome,
    reason: str | None,
    now: dt.datetime | None = None,
) -> tuple[Child, Consent]:
    """Record whether a tracked child, or their parent or carer, consents to meet inspectors, or
    why not (a user of an agency of the inspection's area). Recording again replaces it."""
    if viewer.role is not Role.AGENCY_USER or viewer.area_id is None or viewer.agency_id is None:
        raise Refused(
            not_allowed(
                "Consent is recorded by the local agency that sought it: sign in as a user of an "
                f"agency of the inspected area; you are signed in as {viewer_name(viewer)}."
            )
        )
    child = session.scalar(
        select(Child)
        .join(Inspection, Inspection.id == Child.inspection_id)
        .where(Child.id == child_id, Inspection.area_id == viewer.area_id)
    )
    if child is None:
        raise Refused(not_found("childId", "child of an inspection of your area"))
    problems: list[Problem] = []
    if not choices(session, child.inspection_id, Kind.TRACKED, [child.id]):
        problems.append(
            invalid(
                "childId",
                "this child is not one of the tracked children; consent to meet inspectors is "
                "sought for the children whose experiences inspectors track, and their parents "
                "or carers.",
                Rule.CONSENT_TRACKED,
            )
        )
    cleaned = clean_text("reason", reason, MAX_CONSENT_REASON, required=False)
    if cleaned is None and outcome is not ConsentOutcome.GIVEN:
        problems.append(
            invalid(
                "reason",
                f"consent {outcome.value.replace('_', ' ')}: say why (the local agency tells the "
                "lead inspector the reasons when consent is not given or a discussion is not "
                "possible).",
                Rule.CONSENT_REASON,
            )
        )
    refuse_if(problems)
    consent = session.scalar(
        select(Consent).where(
            Consent.inspection_id == child.inspection_id,
            Consent.child_id == child.id,
            Consent.person == person.value,
        )
    )
    if consent is None:
        consent = Consent(inspection_id=child.inspection_id, child_id=child.id, person=person.value)
        session.add(consent)
    consent.outcome = outcome.value
    consent.reason = cleaned
    consent.recorded_at = now or utc_now()
    consent.recorded_by_agency_id = viewer.agency_id
    session.flush()
    return child, consent
