"""Core node types: local areas, agencies, inspectors, inspections, teams, children, evidence.

Every node is fetched through a loader or a scoped query from ``core.access``, including through
``node(id:)``: a global ID of something the viewer may not see resolves to null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry
from sqlalchemy import select
from strawberry import relay

from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.enums import AgencyKind
from core.graphql.base.inputs import in_order, row_ids
from core.graphql.base.pagination import Connection, decode_cursor, make_connection, page_size
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Info
from core.graphql.loaders import PageKey
from core.graphql.reference import Criterion, EvidenceForm, Framework, Inspectorate
from core.timetable import build_timetable

if TYPE_CHECKING:  # resolved lazily: core.graphql.selection imports this module
    from core.graphql.selection import ExtraFieldsDue, SampledChild, SelectedChild, TrackedChild

_SELECTION = "core.graphql.selection"

if TYPE_CHECKING:  # resolved lazily: core.graphql.fieldwork imports this module
    from core.graphql.fieldwork import MeetingNode, PersonToMeetNode, TrackedChildConsent

_FIELDWORK = "core.graphql.fieldwork"

if TYPE_CHECKING:  # resolved lazily: core.graphql.requests imports this module
    from core.graphql.requests import IssuedRequest, ListMembership, ListUpload
    from core.workflow.requests import RequestStatus

_REQUESTS = "core.graphql.requests"

if TYPE_CHECKING:  # resolved lazily: core.graphql.findings imports this module
    from core.graphql.findings import EvidenceCoverage, Finding, InspectionReport
    from core.workflow.findings import FindingStatus

_FINDINGS = "core.graphql.findings"


_ids = row_ids
_in_order = in_order


async def _load_nodes(loader: Any, node_ids: Iterable[str]) -> list[Any]:
    ids = list(node_ids)
    rows = await loader.load_many(_ids(ids))
    return _in_order(ids, {row.id: row for row in rows if row is not None})


@strawberry.type(description="A local authority area: the unit a JTAI inspects.")
class LocalArea(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str

    @staticmethod
    def of(row: m.LocalArea) -> LocalArea:
        return LocalArea(id=row.id, code=row.code, name=row.name)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LocalArea | None]:
        rows = await _load_nodes(info.context.loaders.area, node_ids)
        return [LocalArea.of(r) if r else None for r in rows]

    @strawberry.field(description="The area's agencies, ordered by kind and name.")
    async def agencies(self, info: Info) -> list[Agency]:
        rows = await info.context.loaders.agencies_of_area.load(self.id)
        return [Agency.of(row) for row in rows]


@strawberry.type(description="A local agency of one area.")
class Agency(relay.Node):
    id: relay.NodeID[int]
    kind: AgencyKind
    name: str
    area_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Agency) -> Agency:
        return Agency(id=row.id, kind=AgencyKind(row.kind), name=row.name, area_id=row.area_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Agency | None]:
        rows = await _load_nodes(info.context.loaders.agency, node_ids)
        return [Agency.of(r) if r else None for r in rows]

    @strawberry.field
    async def area(self, info: Info) -> LocalArea:
        return LocalArea.of(await info.context.loaders.area.load(self.area_id))


@strawberry.type(description="A member of one inspectorate's staff.")
class Inspector(relay.Node):
    id: relay.NodeID[int]
    name: str
    inspectorate_code: strawberry.Private[str]

    @staticmethod
    def of(row: m.Inspector) -> Inspector:
        return Inspector(id=row.id, name=row.name, inspectorate_code=row.inspectorate)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Inspector | None]:
        rows = await _load_nodes(info.context.loaders.inspector, node_ids)
        return [Inspector.of(r) if r else None for r in rows]

    @strawberry.field
    def inspectorate(self, info: Info) -> Inspectorate | None:
        found = info.context.registry.inspectorate(self.inspectorate_code)
        return Inspectorate.of(found) if found else None


async def load_inspector(info: Info, inspector_id: int | None) -> Inspector | None:
    """The inspector of a nullable reference (who chose a child, who attends a meeting)."""
    if inspector_id is None:
        return None
    row = await info.context.loaders.inspector.load(inspector_id)
    return Inspector.of(row) if row else None


@strawberry.type(description="An inspector on an inspection's team.")
class TeamMember:
    is_lead: bool = strawberry.field(description="True for the (Ofsted) lead inspector.")
    inspector: Inspector


@strawberry.type(description="A child known to the area during one inspection (synthetic only).")
class Child(relay.Node):
    id: relay.NodeID[int]
    local_id: str = strawberry.field(description="The local authority's unique ID for the child.")
    gender: str | None
    ethnicity: str | None
    date_of_birth: dt.date | None
    expected_date_of_birth: dt.date | None = strawberry.field(
        description="Set only for an unborn child, who has no date of birth."
    )
    has_disability: bool | None
    lives_with_domestic_abuse: bool | None
    delisted_at: dt.datetime | None = strawberry.field(
        description="When a new list left the child on no list of the inspection; null while a "
        "list names the child. Such a child is kept only because the inspection needs them."
    )
    inspection_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Child) -> Child:
        return Child(
            id=row.id,
            local_id=row.local_id,
            gender=row.gender,
            ethnicity=row.ethnicity,
            date_of_birth=row.date_of_birth,
            expected_date_of_birth=row.expected_date_of_birth,
            has_disability=row.has_disability,
            lives_with_domestic_abuse=row.lives_with_domestic_abuse,
            delisted_at=row.delisted_at,
            inspection_id=row.inspection_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Child | None]:
        rows = await _load_nodes(info.context.loaders.child, node_ids)
        return [Child.of(r) if r else None for r in rows]

    @strawberry.field
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_date_of_birth is not None

    @strawberry.field(
        description="False once the lists that named the child were replaced by lists that do "
        "not: the child is kept because the team chose them, asked about them or cited them."
    )
    def on_a_list(self) -> bool:
        return self.delisted_at is None

    @strawberry.field
    async def inspection(self, info: Info) -> Inspection | None:
        row = await info.context.loaders.inspection.load(self.inspection_id)
        return Inspection.of(row) if row else None

    @strawberry.field(
        description="The child's rows on the lists the area sent, each with its own fields.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def lists(
        self, info: Info
    ) -> list[Annotated[ListMembership, strawberry.lazy(_REQUESTS)]]:
        from core.graphql.requests import child_lists

        return await child_lists(info, self.id)


@strawberry.enum(description="Draft evidence may still change; final evidence is complete.")
class EvidenceStatus(Enum):
    DRAFT = "draft"
    FINAL = "final"


@strawberry.interface(
    description="Evidence recorded with an inspectorate's form. Each form has its own type "
    "implementing this interface, with one typed field per question."
)
class Evidence(relay.Node):
    id: relay.NodeID[int]
    status: EvidenceStatus
    recorded_at: dt.datetime
    updated_at: dt.datetime
    inspection_id: strawberry.Private[int]
    child_id: strawberry.Private[int | None]
    agency_id: strawberry.Private[int | None]
    recorded_by_id: strawberry.Private[int]
    cited_criteria: list[str] = strawberry.field(
        default_factory=list,
        description="Codes of criteria the inspector cited beyond those of the questions.",
    )

    # Set on each generated type: which plugin form it renders.
    jtai_inspectorate: ClassVar[str] = ""
    jtai_form: ClassVar[str] = ""

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Evidence | None]:
        rows = info.context.session.scalars(
            select(m.EvidenceRecord).where(
                m.EvidenceRecord.id.in_(_ids(node_ids)),
                m.EvidenceRecord.inspectorate == cls.jtai_inspectorate,
                m.EvidenceRecord.form == cls.jtai_form,
                access.evidence_visible_to(info.context.viewer),
            )
        )
        catalog = info.context.evidence_types
        found = {row.id: catalog.to_node(row) for row in rows}
        info.context.touch("EvidenceRecord", found)
        return _in_order(node_ids, found)

    @strawberry.field
    async def inspection(self, info: Info) -> Inspection | None:
        row = await info.context.loaders.inspection.load(self.inspection_id)
        return Inspection.of(row) if row else None

    @strawberry.field
    def inspectorate(self, info: Info) -> Inspectorate:
        found = info.context.registry.inspectorate(self.jtai_inspectorate)
        assert found is not None
        return Inspectorate.of(found)

    @strawberry.field(description="The form the evidence was recorded with, as data.")
    def form(self, info: Info) -> EvidenceForm:
        owned = info.context.registry.evidence_form(self.jtai_inspectorate, self.jtai_form)
        assert owned is not None
        return EvidenceForm.of(info, owned)

    @strawberry.field(
        description="The child the evidence is about, for child-level forms.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def child(self, info: Info) -> Child | None:
        if self.child_id is None:
            return None
        row = await info.context.loaders.child.load(self.child_id)
        return Child.of(row) if row else None

    @strawberry.field(description="The agency the evidence is about, for agency-level forms.")
    async def agency(self, info: Info) -> Agency | None:
        if self.agency_id is None:
            return None
        row = await info.context.loaders.agency.load(self.agency_id)
        return Agency.of(row) if row else None

    @strawberry.field
    async def recorded_by(self, info: Info) -> Inspector | None:
        row = await info.context.loaders.inspector.load(self.recorded_by_id)
        return Inspector.of(row) if row else None

    @strawberry.field(description="The criteria the answered questions evidence.")
    def criteria(self, info: Info) -> list[Criterion]:
        registry = info.context.registry
        owned = registry.evidence_form(self.jtai_inspectorate, self.jtai_form)
        assert owned is not None
        answered = info.context.evidence_types.answered_codes(self)
        codes: list[str] = []
        for question in owned.item.questions:
            if question.code in answered:
                codes.extend(c for c in question.criteria if c not in codes)
        codes.extend(c for c in self.cited_criteria if c not in codes)
        found = (registry.criterion(owned.item.framework, code) for code in codes)
        return [Criterion.of(o) for o in found if o is not None]


@strawberry.type(description="One JTAI of one area, under exactly one framework.")
class Inspection(relay.Node):
    id: relay.NodeID[int]
    reference: str
    notification_date: dt.date
    framework_code: str
    area_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Inspection) -> Inspection:
        return Inspection(
            id=row.id,
            reference=row.reference,
            notification_date=row.notification_date,
            framework_code=row.framework,
            area_id=row.area_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Inspection | None]:
        rows = await _load_nodes(info.context.loaders.inspection, node_ids)
        return [Inspection.of(r) if r else None for r in rows]

    @strawberry.field
    def framework(self, info: Info) -> Framework | None:
        found = info.context.registry.framework(self.framework_code)
        return Framework.of(found) if found else None

    @strawberry.field
    async def area(self, info: Info) -> LocalArea:
        return LocalArea.of(await info.context.loaders.area.load(self.area_id))

    @strawberry.field(description="Weeks, days and every deadline, as dates and times.")
    def timetable(self, info: Info) -> Timetable:
        return _timetable(info, self.framework_code, self.notification_date)

    @strawberry.field(description="The area's agencies.")
    async def agencies(self, info: Info) -> list[Agency]:
        rows = await info.context.loaders.agencies_of_area.load(self.area_id)
        return [Agency.of(row) for row in rows]

    @strawberry.field(description="The inspection team, the lead inspector first.")
    async def team(self, info: Info) -> list[TeamMember]:
        rows = await info.context.loaders.team_of_inspection.load(self.id)
        return [TeamMember(is_lead=mb.is_lead, inspector=Inspector.of(ins)) for mb, ins in rows]

    @strawberry.field
    async def lead_inspector(self, info: Info) -> Inspector | None:
        rows = await info.context.loaders.team_of_inspection.load(self.id)
        return next((Inspector.of(ins) for mb, ins in rows if mb.is_lead), None)

    @strawberry.field(
        description="Children recorded for this inspection (inspectors only).",
        extensions=scoped_by(access.children_visible_to),
    )
    async def children(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Child]:
        key = _page_key(info, self.id, first, after)
        page = await info.context.loaders.children_page.load(key)
        return make_connection(
            page.rows, key.limit, page.total, lambda r: r.id, Child.of, after is not None
        )

    @strawberry.field(
        description="Evidence recorded in this inspection, by every inspectorate.",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def evidence(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Evidence]:
        key = _page_key(info, self.id, first, after)
        page = await info.context.loaders.evidence_page.load(key)
        return make_connection(
            page.rows,
            key.limit,
            page.total,
            lambda r: r.id,
            info.context.evidence_types.to_node,
            after is not None,
        )

    # --- Requests and what comes back, resolved in core/graphql/requests.py -------------------

    @strawberry.field(
        description="The tracker: the requests issued for this inspection, soonest due first. "
        "Inspectors on the inspection and admins see every agency's; an agency user its own.",
        extensions=scoped_by(access.requests_visible_to),
    )
    async def requests(
        self,
        info: Info,
        agency_id: relay.GlobalID | None = None,
        status: Annotated[RequestStatus, strawberry.lazy(_REQUESTS)] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Annotated[IssuedRequest, strawberry.lazy(_REQUESTS)]]:
        from core.graphql.requests import inspection_requests

        return await inspection_requests(info, self.id, agency_id, status, first, after)

    @strawberry.field(
        description="The lists the area sent for this inspection, oldest first, with the "
        "queries flagged for inspectors.",
        extensions=scoped_by(access.list_uploads_visible_to),
    )
    async def list_uploads(
        self, info: Info
    ) -> list[Annotated[ListUpload, strawberry.lazy(_REQUESTS)]]:
        from core.graphql.requests import inspection_list_uploads

        return await inspection_list_uploads(info, self.id)

    # --- Choosing children and the fieldwork week, resolved in core/graphql/selection.py -------

    @strawberry.field(
        description="The (up to 20) children the lead inspector selected, with their extra fields.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def selected_children(
        self, info: Info
    ) -> list[Annotated[SelectedChild, strawberry.lazy(_SELECTION)]]:
        from core.graphql import selection

        return await selection.selected_children(info, self)

    @strawberry.field(
        description="The five to seven children the partnership evaluates jointly.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def tracked_children(
        self, info: Info
    ) -> list[Annotated[TrackedChild, strawberry.lazy(_SELECTION)]]:
        from core.graphql import selection

        return await selection.tracked_children(info, self)

    @strawberry.field(description="True once five to seven children are tracked.")
    async def tracking_complete(self, info: Info) -> bool:
        from core.graphql import selection

        return await selection.tracking_complete(info, self)

    @strawberry.field(
        description="True once the lead inspector has selected the 20 children the guidance asks "
        "for; false while fewer are chosen (19 is a selection under way)."
    )
    async def selection_complete(self, info: Info) -> bool:
        from core.graphql import selection

        return await selection.selection_complete(info, self)

    @strawberry.field(
        description="Children inspectors sampled from the child-level lists.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def sampled_children(
        self, info: Info
    ) -> list[Annotated[SampledChild, strawberry.lazy(_SELECTION)]]:
        from core.graphql import selection

        return await selection.sampled_children(info, self)

    @strawberry.field(
        description="The selected children and whether their extra fields have arrived: for the "
        "team and for users of the area's local authority, who send them.",
        extensions=scoped_by(access.selected_children_visible_to),
    )
    async def extra_fields_due(
        self, info: Info
    ) -> list[Annotated[ExtraFieldsDue, strawberry.lazy(_SELECTION)]]:
        from core.graphql import selection

        return await selection.extra_fields_due(info, self)

    @strawberry.field(
        description="Consent of each tracked child and their parent or carer: for the team and "
        "for users of the area's agencies, who record it.",
        extensions=scoped_by(access.tracked_children_visible_to),
    )
    async def consents(
        self, info: Info
    ) -> list[Annotated[TrackedChildConsent, strawberry.lazy(_FIELDWORK)]]:
        from core.graphql import fieldwork

        return await fieldwork.consents(info, self)

    @strawberry.field(description="Multi-agency meetings of the fieldwork week, soonest first.")
    async def meetings(
        self, info: Info
    ) -> list[Annotated[MeetingNode, strawberry.lazy(_FIELDWORK)]]:
        from core.graphql import fieldwork

        return await fieldwork.meetings(info, self)

    @strawberry.field(description="People inspectors talk with (MARAC, Cafcass, IDVAs...).")
    async def people_to_meet(
        self, info: Info
    ) -> list[Annotated[PersonToMeetNode, strawberry.lazy(_FIELDWORK)]]:
        from core.graphql import fieldwork

        return await fieldwork.people_to_meet(info, self)

    # --- Evidence coverage, findings and the report, resolved in core/graphql/findings.py -----

    @strawberry.field(
        description="For each criterion of the framework: how much evidence each inspectorate "
        "has recorded, from which children and agencies; and the criteria with none. For the "
        "lead inspector (and the team, and admins); null for anyone who may not see evidence.",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def evidence_coverage(
        self, info: Info
    ) -> Annotated[EvidenceCoverage, strawberry.lazy(_FINDINGS)] | None:
        from core.graphql import findings

        return await findings.evidence_coverage(info, self.id, self.framework_code)

    @strawberry.field(
        description="The inspection's findings, oldest first: drafts for the team and admins, "
        "published ones for the area's agency users.",
        extensions=scoped_by(access.findings_visible_to),
    )
    async def findings(
        self,
        info: Info,
        status: Annotated[FindingStatus, strawberry.lazy(_FINDINGS)] | None = None,
    ) -> list[Annotated[Finding, strawberry.lazy(_FINDINGS)]]:
        from core.graphql import findings

        return await findings.inspection_findings(info, self.id, status)

    @strawberry.field(
        description="The report: the letter assembled in the published order. The team and "
        "admins see the draft; agency users of the area see it once published.",
        extensions=scoped_by(access.reports_visible_to),
    )
    async def report(
        self, info: Info
    ) -> Annotated[InspectionReport, strawberry.lazy(_FINDINGS)] | None:
        from core.graphql import findings

        return await findings.inspection_report(info, self.id)


@strawberry.enum(description="Who must act on a deadline.")
class DeadlineKind(Enum):
    DOCUMENT_REQUEST = "document_request"  # the area must send something
    MILESTONE = "milestone"  # the inspection team must do something


@strawberry.type(description="One of the three weeks of an inspection.")
class InspectionWeek:
    number: int
    starts: dt.date
    ends: dt.date
    on_site: bool = strawberry.field(description="Inspectors are on site in week 3 only.")


@strawberry.type(description="Day N of the inspection, counted in working days from notification.")
class InspectionDay:
    number: int
    date: dt.date


@strawberry.type(description="A deadline of this inspection, as a date and time.")
class ScheduledDeadline:
    kind: DeadlineKind
    reference: str = strawberry.field(description="The request's reference or milestone's code.")
    title: str
    due_at: dt.datetime = strawberry.field(description="In UTC; the rule reads London time.")
    rule: str = strawberry.field(description="The guidance's wording, e.g. 'end of day, day 5'.")
    owner_code: str


@strawberry.type(description="The inspection's three weeks, its days and every deadline.")
class Timetable:
    notification_date: dt.date
    weeks: list[InspectionWeek]
    days: list[InspectionDay]
    deadlines: list[ScheduledDeadline]


def _timetable(info: Info, framework: str, notification: dt.date) -> Timetable:
    registry = info.context.registry
    owners: dict[str, tuple[DeadlineKind, str, str]] = {}
    rules: list[tuple[str, str, c.Deadline]] = []
    for request in registry.document_requests_of(framework):
        key = f"request:{request.item.reference}"
        owners[key] = (DeadlineKind.DOCUMENT_REQUEST, request.item.reference, request.owner)
        rules.append((key, request.item.title, request.item.deadline))
    for milestone in registry.milestones_of(framework):
        key = f"milestone:{milestone.item.code}"
        owners[key] = (DeadlineKind.MILESTONE, milestone.item.code, milestone.owner)
        rules.append((key, milestone.item.title, milestone.item.deadline))
    built = build_timetable(notification, rules)
    return Timetable(
        notification_date=built.notification,
        weeks=[
            InspectionWeek(number=w.number, starts=w.starts, ends=w.ends, on_site=w.on_site)
            for w in built.weeks
        ],
        days=[InspectionDay(number=n, date=day) for n, day in enumerate(built.days)],
        deadlines=[
            ScheduledDeadline(
                kind=owners[d.key][0],
                reference=owners[d.key][1],
                title=d.title,
                due_at=d.due_at.astimezone(dt.UTC),
                rule=d.description,
                owner_code=owners[d.key][2],
            )
            for d in built.deadlines
        ],
    )


def _page_key(info: Info, parent_id: int, first: int | None, after: str | None) -> PageKey:
    limit = page_size(first, info.context.settings.max_page_size)
    return PageKey(parent_id, limit, decode_cursor(after) if after else None)
