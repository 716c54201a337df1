"""The fieldwork over GraphQL: consent of the tracked children, the multi-agency meetings and the
people inspectors talk with; the ``Inspection`` fields ``consents``, ``meetings`` and
``peopleToMeet`` resolve here.

The rules live in ``core.workflow.fieldwork``; the mutations call it through ``run_service``, so a
refusal comes back as ``errors`` data naming the input field (tests/core/test_fieldwork.py).

Meetings and people to meet are nodes: ``node(id:)`` finds them for whoever sees their inspection,
and ``updateMeeting``/``removeMeeting``, ``updatePersonToMeet``/``removePersonToMeet`` take their
global IDs (tests/core/test_fieldwork_corrections.py).

Who sees what (``core.access``): users of every agency of the area see the tracked children's
consent, since the agency that sought consent records it. Meetings and people to meet are not
child-level and reach whoever sees the inspection; a meeting's children reach only those who see
children.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry import relay

from core import access
from core import models as m
from core.graphql.base.domain_errors import FieldworkError
from core.graphql.base.enums import ConsentOutcome, ConsentPerson, PersonToMeetRole
from core.graphql.base.errors import MutationFailed, invalid
from core.graphql.base.inputs import in_order, node_id, node_ids, row_ids
from core.graphql.base.mutations import run_service
from core.graphql.base.permissions import scoped_by, signed_in
from core.graphql.context import Info
from core.graphql.nodes import (
    Agency,
    Child,
    InspectionCore,
    Inspector,
    load_inspector,
)
from core.graphql.reference import Code
from core.workflow import fieldwork as fw


@strawberry.enum(description="Consent as it stands: an answer, or none recorded yet.")
class ConsentStatus(Enum):
    GIVEN = "given"
    REFUSED = "refused"
    NOT_POSSIBLE = "not_possible"
    NOT_YET_RECORDED = "not_yet_recorded"


# --- Consent --------------------------------------------------------------------------------------


@strawberry.type(description="The consent of one person to meet inspectors, or why not.")
class ConsentAnswer:
    person: ConsentPerson
    status: ConsentStatus
    reason: str | None = strawberry.field(
        description="Why consent was refused or a discussion is not possible."
    )
    recorded_at: dt.datetime | None
    recorded_by_agency_id: strawberry.Private[int | None]

    @staticmethod
    def of(person: fw.ConsentPerson, row: m.Consent | None) -> ConsentAnswer:
        if row is None:
            return ConsentAnswer(
                person=person,
                status=ConsentStatus.NOT_YET_RECORDED,
                reason=None,
                recorded_at=None,
                recorded_by_agency_id=None,
            )
        return ConsentAnswer(
            person=person,
            status=ConsentStatus(row.outcome),
            reason=row.reason,
            recorded_at=row.recorded_at,
            recorded_by_agency_id=row.recorded_by_agency_id,
        )

    @strawberry.field(description="The agency that recorded it.")
    async def recorded_by(self, info: Info) -> Agency | None:
        if self.recorded_by_agency_id is None:
            return None
        row = await info.context.loaders.agency.load(self.recorded_by_agency_id)
        return Agency.of(row) if row else None


@strawberry.type(
    description="Consent for one tracked child: the child's and a parent's or carer's, each "
    "recorded or not yet. Agency users of the area see the child's id and the local authority's "
    "ID for it; the child's record reaches only those who see children."
)
class TrackedChildConsent:
    child_id: relay.GlobalID
    local_id: str = strawberry.field(description="The local authority's unique ID for the child.")
    for_child: ConsentAnswer
    for_parent_or_carer: ConsentAnswer
    child_pk: strawberry.Private[int]

    @strawberry.field(description="True once both answers are recorded.")
    def complete(self) -> bool:
        return ConsentStatus.NOT_YET_RECORDED not in (
            self.for_child.status,
            self.for_parent_or_carer.status,
        )

    @strawberry.field(
        description="The child's record, for those who see children.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def child(self, info: Info) -> Child | None:
        row = await info.context.loaders.child.load(self.child_pk)
        return Child.of(row) if row else None


def _consent(child: m.Child, answers: dict[str, m.Consent]) -> TrackedChildConsent:
    return TrackedChildConsent(
        child_id=relay.GlobalID("Child", str(child.id)),
        local_id=child.local_id,
        for_child=ConsentAnswer.of(fw.ConsentPerson.CHILD, answers.get(fw.ConsentPerson.CHILD)),
        for_parent_or_carer=ConsentAnswer.of(
            fw.ConsentPerson.PARENT_OR_CARER, answers.get(fw.ConsentPerson.PARENT_OR_CARER)
        ),
        child_pk=child.id,
    )


async def consents(info: Info, inspection: InspectionCore) -> list[TrackedChildConsent]:
    loaders = info.context.loaders.selection
    tracked = await loaders.tracked_for_area.load(inspection.id)
    recorded = await loaders.consents.load(inspection.id)
    by_child: dict[int, dict[str, m.Consent]] = {}
    for row in recorded:
        by_child.setdefault(row.child_id, {})[row.person] = row
    return [_consent(child, by_child.get(child.id, {})) for _, child in tracked]


# --- Meetings and people to meet ------------------------------------------------------------------


@strawberry.type(
    name="Meeting",
    description="A multi-agency meeting in the fieldwork week that an inspector may observe: "
    "added by hand, or made from a row of the accepted meetings list.",
)
class MeetingNode(relay.Node):
    id: relay.NodeID[int]
    type: Code = strawberry.field(description="From the lead inspectorate's 'meeting-type' codes.")
    starts_at: dt.datetime
    venue: str | None
    child_count: int = strawberry.field(description="How many of the inspection's children.")
    list_row_number: int | None = strawberry.field(
        description="The row of the meetings list it was made from, as the file numbers it; null "
        "for a meeting added by hand."
    )
    edited_at: dt.datetime | None = strawberry.field(
        description="When it was last changed by hand; a later meetings list leaves it as it is "
        "(and flags the difference as a QUERY)."
    )
    removed_at: dt.datetime | None = strawberry.field(
        description="When it was removed; removed meetings are kept and listed only on request."
    )
    attending_inspector_id: strawberry.Private[int | None]
    child_pks: strawberry.Private[list[int]]

    @staticmethod
    def of(info: Info, row: m.Meeting, framework: str | None = None) -> MeetingNode:
        """``framework``: the inspection's, when the caller has it; else read (the session keeps
        each inspection once)."""
        if framework is None:
            framework = info.context.session.get_one(m.Inspection, row.inspection_id).framework
        code_set = fw.meeting_types(info.context.registry, framework)
        found = next(
            (x for x in (code_set.codes if code_set else ()) if x.code == row.meeting_type), None
        )
        return MeetingNode(
            id=row.id,
            list_row_number=row.list_row_number,
            edited_at=row.edited_at,
            removed_at=row.removed_at,
            type=Code(
                code=row.meeting_type,
                label=found.label if found else row.meeting_type,
                aliases=list(found.aliases) if found else [],
            ),
            starts_at=row.starts_at,
            venue=row.venue,
            child_count=len(row.child_ids),
            attending_inspector_id=row.attending_inspector_id,
            child_pks=list(row.child_ids),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[MeetingNode | None]:
        ids = list(node_ids)
        rows = _visible_rows(info, m.Meeting, row_ids(ids))
        return in_order(ids, {row.id: MeetingNode.of(info, row) for row in rows})

    @strawberry.field(description="The inspector who will observe it, once one is named.")
    async def attending_inspector(self, info: Info) -> Inspector | None:
        return await load_inspector(info, self.attending_inspector_id)

    @strawberry.field(
        description="The children the meeting is about, for those who see children.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def children(self, info: Info) -> list[Child]:
        rows = await info.context.loaders.child.load_many(self.child_pks)
        return [Child.of(row) for row in rows if row is not None]


@strawberry.type(name="PersonToMeet", description="Someone inspectors talk with (para 7).")
class PersonToMeetNode(relay.Node):
    id: relay.NodeID[int]
    role: PersonToMeetRole
    organisation: str
    arranged_for: dt.datetime | None
    edited_at: dt.datetime | None = strawberry.field(description="When it was last changed.")
    removed_at: dt.datetime | None = strawberry.field(
        description="When it was removed; removed people are kept and listed only on request."
    )
    agency_id: strawberry.Private[int | None]

    @staticmethod
    def of(row: m.PersonToMeet) -> PersonToMeetNode:
        return PersonToMeetNode(
            id=row.id,
            role=fw.PersonRole(row.role),
            organisation=row.organisation,
            arranged_for=row.arranged_for,
            edited_at=row.edited_at,
            removed_at=row.removed_at,
            agency_id=row.agency_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PersonToMeetNode | None]:
        ids = list(node_ids)
        rows = _visible_rows(info, m.PersonToMeet, row_ids(ids))
        return in_order(ids, {row.id: PersonToMeetNode.of(row) for row in rows})

    @strawberry.field(description="The area's agency they work for, if it is one.")
    async def agency(self, info: Info) -> Agency | None:
        if self.agency_id is None:
            return None
        row = await info.context.loaders.agency.load(self.agency_id)
        return Agency.of(row) if row else None


def _visible_rows(info: Info, model: Any, ids: list[int]) -> list[Any]:
    """Meetings or people to meet by id, of the inspections the viewer sees (the team, the area's
    agencies, admins): what ``node(id:)`` resolves."""
    return list(
        info.context.session.scalars(
            select(model)
            .join(m.Inspection, m.Inspection.id == model.inspection_id)
            .where(model.id.in_(ids), access.inspections_visible_to(info.context.viewer))
        )
    )


async def meetings(
    info: Info, inspection: InspectionCore, include_removed: bool = False
) -> list[MeetingNode]:
    rows = await info.context.loaders.selection.meetings.load(inspection.id)
    return [
        MeetingNode.of(info, row, inspection.framework_code)
        for row in rows
        if include_removed or row.removed_at is None
    ]


async def people_to_meet(
    info: Info, inspection: InspectionCore, include_removed: bool = False
) -> list[PersonToMeetNode]:
    rows = await info.context.loaders.selection.people.load(inspection.id)
    return [PersonToMeetNode.of(row) for row in rows if include_removed or row.removed_at is None]


@strawberry.input
class AddMeetingInput:
    inspection_id: relay.GlobalID
    type: str = strawberry.field(description="A code of the 'meeting-type' code set, e.g. ICPC.")
    starts_at: dt.datetime = strawberry.field(description="With its UTC offset; in week 3.")
    venue: str | None = None
    child_ids: list[relay.GlobalID] = strawberry.field(default_factory=list)
    attending_inspector_id: relay.GlobalID | None = None


@strawberry.type
class AddMeetingPayload:
    meeting: MeetingNode | None
    errors: list[FieldworkError]


@strawberry.input
class AddPersonToMeetInput:
    inspection_id: relay.GlobalID
    role: PersonToMeetRole
    organisation: str
    agency_id: relay.GlobalID | None = None
    arranged_for: dt.datetime | None = strawberry.field(
        default=None, description="When the talk is arranged, with its UTC offset; in week 3."
    )


@strawberry.type
class AddPersonToMeetPayload:
    person: PersonToMeetNode | None
    errors: list[FieldworkError]


@strawberry.input(description="Changes to a meeting; a field left out stays as it is.")
class UpdateMeetingInput:
    meeting_id: relay.GlobalID
    type: str | None = strawberry.field(
        default=strawberry.UNSET, description="A code of the 'meeting-type' code set."
    )
    starts_at: dt.datetime | None = strawberry.field(
        default=strawberry.UNSET, description="With its UTC offset; in week 3."
    )
    venue: str | None = strawberry.field(default=strawberry.UNSET, description="null clears it.")
    child_ids: list[relay.GlobalID] | None = strawberry.field(
        default=strawberry.UNSET, description="The inspection's children; replaces the list."
    )
    attending_inspector_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="An inspector on the team; null clears it."
    )


@strawberry.type
class MeetingPayload:
    meeting: MeetingNode | None
    errors: list[FieldworkError]


@strawberry.input(description="Changes to a person to meet; a field left out stays as it is.")
class UpdatePersonToMeetInput:
    person_id: relay.GlobalID
    role: PersonToMeetRole | None = strawberry.UNSET
    organisation: str | None = strawberry.UNSET
    agency_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="An agency of the area; null clears it."
    )
    arranged_for: dt.datetime | None = strawberry.field(
        default=strawberry.UNSET, description="In week 3, with its UTC offset; null clears it."
    )


@strawberry.type
class PersonToMeetPayload:
    person: PersonToMeetNode | None
    errors: list[FieldworkError]


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


def _required(field: str, value: Any) -> None:
    """A field that may be left out but not cleared."""
    if value is None:
        raise MutationFailed(invalid(field, "leave it out to keep it; it cannot be cleared."))


def _meeting_changes(input: UpdateMeetingInput) -> fw.MeetingChanges:
    changes: dict[str, Any] = {}
    if _given(input.type):
        _required("input.type", input.type)
        changes["meeting_type"] = input.type
    if _given(input.starts_at):
        _required("input.startsAt", input.starts_at)
        changes["starts_at"] = input.starts_at
    if _given(input.venue):
        changes["venue"] = input.venue
    if _given(input.child_ids):
        changes["child_ids"] = node_ids("input.childIds", input.child_ids or [], "Child")
    if _given(input.attending_inspector_id):
        value = input.attending_inspector_id
        changes["attending_inspector_id"] = (
            node_id("input.attendingInspectorId", value, "Inspector") if value else None
        )
    return fw.MeetingChanges(**changes)


def _person_changes(input: UpdatePersonToMeetInput) -> fw.PersonChanges:
    changes: dict[str, Any] = {}
    if _given(input.role):
        _required("input.role", input.role)
        changes["role"] = fw.PersonRole(input.role.value if input.role else "")
    if _given(input.organisation):
        _required("input.organisation", input.organisation)
        changes["organisation"] = input.organisation
    if _given(input.agency_id):
        value = input.agency_id
        changes["agency_id"] = node_id("input.agencyId", value, "Agency") if value else None
    if _given(input.arranged_for):
        changes["arranged_for"] = input.arranged_for
    return fw.PersonChanges(**changes)


@strawberry.input
class RecordConsentInput:
    child_id: relay.GlobalID = strawberry.field(description="A tracked child.")
    person: ConsentPerson
    outcome: ConsentOutcome
    reason: str | None = strawberry.field(
        default=None, description="Required unless consent is GIVEN."
    )


@strawberry.type
class RecordConsentPayload:
    consent: TrackedChildConsent | None = strawberry.field(
        description="The child's consent as it now stands.",
        extensions=scoped_by(access.tracked_children_visible_to),
    )
    errors: list[FieldworkError]


@strawberry.type
class FieldworkMutations:
    """Mutations of arranging the fieldwork; Mutation inherits them."""

    @strawberry.mutation(
        description="Add a multi-agency meeting of the fieldwork week (the lead inspector or a "
        "user of the area's local authority).",
        extensions=signed_in(),
    )
    def add_meeting(self, info: Info, input: AddMeetingInput) -> AddMeetingPayload:
        def call(session: Session) -> tuple[m.Meeting, str]:
            inspection_id = node_id("input.inspectionId", input.inspection_id, "Inspection")
            child_ids = node_ids("input.childIds", input.child_ids, "Child")
            inspector_id = (
                node_id("input.attendingInspectorId", input.attending_inspector_id, "Inspector")
                if input.attending_inspector_id is not None
                else None
            )
            meeting = fw.add_meeting(
                session,
                info.context.registry,
                info.context.viewer,
                inspection_id,
                input.type,
                input.starts_at,
                input.venue,
                child_ids,
                inspector_id,
            )
            info.context.touch("Child", meeting.child_ids)
            return meeting, session.get_one(m.Inspection, meeting.inspection_id).framework

        done, errors = run_service(info, call, errors=FieldworkError)
        if done is None:
            return AddMeetingPayload(meeting=None, errors=errors)
        meeting, framework = done
        return AddMeetingPayload(meeting=MeetingNode.of(info, meeting, framework), errors=[])

    @strawberry.mutation(
        description="Add someone for inspectors to talk with: the MARAC coordinator, Cafcass, an "
        "IDVA, a refuge worker, a voluntary sector provider (the lead inspector or a user of the "
        "area's local authority).",
        extensions=signed_in(),
    )
    def add_person_to_meet(self, info: Info, input: AddPersonToMeetInput) -> AddPersonToMeetPayload:
        def call(session: Session) -> m.PersonToMeet:
            inspection_id = node_id("input.inspectionId", input.inspection_id, "Inspection")
            agency_id = (
                node_id("input.agencyId", input.agency_id, "Agency")
                if input.agency_id is not None
                else None
            )
            return fw.add_person_to_meet(
                session,
                info.context.viewer,
                inspection_id,
                fw.PersonRole(input.role),
                input.organisation,
                agency_id,
                input.arranged_for,
            )

        person, errors = run_service(info, call, errors=FieldworkError)
        return AddPersonToMeetPayload(
            person=PersonToMeetNode.of(person) if person else None, errors=errors
        )

    @strawberry.mutation(
        description="Change a meeting (the lead inspector or a user of the area's local "
        "authority), with the rules of adding one. A meeting changed by hand keeps its changes "
        "when a later meetings list arrives.",
        extensions=signed_in(),
    )
    def update_meeting(self, info: Info, input: UpdateMeetingInput) -> MeetingPayload:
        def call(session: Session) -> m.Meeting:
            meeting_id = node_id("input.meetingId", input.meeting_id, "Meeting")
            changes = _meeting_changes(input)
            meeting = fw.update_meeting(
                session,
                info.context.registry,
                info.context.viewer,
                meeting_id,
                changes,
                info.context.asked_at,
            )
            info.context.touch("Meeting", (meeting.id,))
            info.context.touch("Child", meeting.child_ids)
            return meeting

        meeting, errors = run_service(info, call, errors=FieldworkError)
        return MeetingPayload(
            meeting=MeetingNode.of(info, meeting) if meeting else None, errors=errors
        )

    @strawberry.mutation(
        description="Remove a meeting (the lead inspector or a user of the area's local "
        "authority). It is kept, with removedAt, and a later meetings list does not bring it back.",
        extensions=signed_in(),
    )
    def remove_meeting(self, info: Info, meeting_id: relay.GlobalID) -> MeetingPayload:
        def call(session: Session) -> m.Meeting:
            row_id = node_id("meetingId", meeting_id, "Meeting")
            meeting = fw.remove_meeting(session, info.context.viewer, row_id, info.context.asked_at)
            info.context.touch("Meeting", (meeting.id,))
            return meeting

        meeting, errors = run_service(info, call, under=None, errors=FieldworkError)
        return MeetingPayload(
            meeting=MeetingNode.of(info, meeting) if meeting else None, errors=errors
        )

    @strawberry.mutation(
        description="Change someone to meet (the lead inspector or a user of the area's local "
        "authority), with the rules of adding them.",
        extensions=signed_in(),
    )
    def update_person_to_meet(
        self, info: Info, input: UpdatePersonToMeetInput
    ) -> PersonToMeetPayload:
        def call(session: Session) -> m.PersonToMeet:
            person_id = node_id("input.personId", input.person_id, "PersonToMeet")
            changes = _person_changes(input)
            person = fw.update_person_to_meet(
                session, info.context.viewer, person_id, changes, info.context.asked_at
            )
            info.context.touch("PersonToMeet", (person.id,))
            return person

        person, errors = run_service(info, call, errors=FieldworkError)
        return PersonToMeetPayload(
            person=PersonToMeetNode.of(person) if person else None, errors=errors
        )

    @strawberry.mutation(
        description="Remove someone to meet (the lead inspector or a user of the area's local "
        "authority). They are kept, with removedAt.",
        extensions=signed_in(),
    )
    def remove_person_to_meet(self, info: Info, person_id: relay.GlobalID) -> PersonToMeetPayload:
        def call(session: Session) -> m.PersonToMeet:
            row_id = node_id("personId", person_id, "PersonToMeet")
            person = fw.remove_person_to_meet(
                session, info.context.viewer, row_id, info.context.asked_at
            )
            info.context.touch("PersonToMeet", (person.id,))
            return person

        person, errors = run_service(info, call, under=None, errors=FieldworkError)
        return PersonToMeetPayload(
            person=PersonToMeetNode.of(person) if person else None, errors=errors
        )

    @strawberry.mutation(
        description="Record whether a tracked child, or their parent or carer, consents to meet "
        "inspectors, or why not (a user of an agency of the inspected area). A reason is required "
        "unless consent is GIVEN; recording again replaces the answer.",
        extensions=signed_in(),
    )
    def record_consent(self, info: Info, input: RecordConsentInput) -> RecordConsentPayload:
        def call(session: Session) -> TrackedChildConsent:
            child_id = node_id("input.childId", input.child_id, "Child")
            child, _ = fw.record_consent(
                session,
                info.context.viewer,
                child_id,
                fw.ConsentPerson(input.person),
                fw.ConsentOutcome(input.outcome),
                input.reason,
                now=info.context.asked_at,
            )
            recorded = session.scalars(
                select(m.Consent).where(
                    m.Consent.inspection_id == child.inspection_id, m.Consent.child_id == child.id
                )
            )
            info.context.touch("Child", (child.id,))
            return _consent(child, {row.person: row for row in recorded})

        consent, errors = run_service(info, call, errors=FieldworkError)
        return RecordConsentPayload(consent=consent, errors=errors)


@strawberry.type
class FieldworkFields(InspectionCore):
    """The hub's fields resolved here: consents, meetings and people to meet."""

    @strawberry.field(
        description="Consent of each tracked child and their parent or carer: for the team and "
        "for users of the area's agencies, who record it.",
        extensions=scoped_by(access.tracked_children_visible_to),
    )
    async def consents(self, info: Info) -> list[TrackedChildConsent]:
        return await consents(info, self)

    @strawberry.field(description="Multi-agency meetings of the fieldwork week, soonest first.")
    async def meetings(
        self,
        info: Info,
        include_removed: Annotated[
            bool,
            strawberry.argument(description="Also the meetings removed (each with its removedAt)."),
        ] = False,
    ) -> list[MeetingNode]:
        return await meetings(info, self, include_removed)

    @strawberry.field(description="People inspectors talk with (MARAC, Cafcass, IDVAs...).")
    async def people_to_meet(
        self,
        info: Info,
        include_removed: Annotated[
            bool,
            strawberry.argument(description="Also the people removed (each with its removedAt)."),
        ] = False,
    ) -> list[PersonToMeetNode]:
        return await people_to_meet(info, self, include_removed)
