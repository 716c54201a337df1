"""Findings, the report and evidence coverage over GraphQL.

The rules live in ``core.workflow.findings`` and ``core.workflow.report``; this module turns their
refusals into ``errors`` as data, resolves the ``Inspection`` fields that ``nodes.py`` declares
(``findings``, ``report``, ``evidenceCoverage``) and batches what findings cite, one statement per
relation per level however many findings a response holds.

Who sees what (``core.access``): the team and admins see draft findings with their evidence; agency
users of the area see published findings (their evidence stays with the team); integrators use the
``findings`` root connection (``core.graphql.integrations``), which carries no child-level data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import quote

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry import relay
from strawberry.dataloader import DataLoader

from core import access
from core import models as m
from core.graphql.base.enums import (
    FindingChangeKind,
    FindingKind,
    FindingStatus,
    ReportSectionKey,
)
from core.graphql.base.errors import ErrorCode, MutationFailed, UserError
from core.graphql.base.inputs import in_order, node_id, row_id, row_ids
from core.graphql.base.mutations import run_service
from core.graphql.base.pagination import encode_cursor
from core.graphql.base.permissions import scoped_by, signed_in
from core.graphql.context import Context, Info
from core.graphql.nodes import Agency, Child, Evidence, InspectionCore, InspectionRef, Inspector
from core.graphql.reference import Criterion, Inspectorate, inspectorate_of
from core.integrations.feed import finding_global_id
from core.models import utc_now
from core.workflow import coverage
from core.workflow import findings as wf
from core.workflow import report as rp
from core.workflow.rules import Refused, not_found, visible_inspection

T = TypeVar("T")


@strawberry.enum(description="A report is a draft until the lead inspector publishes it.")
class ReportStatus(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


# --- Batch loading what findings cite -------------------------------------------------------------


class FindingLoaders:
    """Per-request loaders for what findings cite, each scoped in SQL by ``core.access``."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.criteria = DataLoader(load_fn=self._criteria)
        self.agencies = DataLoader(load_fn=self._agencies)
        self.evidence = DataLoader(load_fn=self._evidence)
        self.agreements = DataLoader(load_fn=self._agreements)
        self.changes = DataLoader(load_fn=self._changes)

    def _grouped(self, statement: Any, keys: list[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        for finding_id, value in self._context.session.execute(statement):
            grouped[finding_id].append(value)
        return [grouped[k] for k in keys]

    async def _criteria(self, ids: list[int]) -> list[list[str]]:
        return self._grouped(
            select(m.FindingCriterion.finding_id, m.FindingCriterion.criterion_code).where(
                m.FindingCriterion.finding_id.in_(ids)
            ),
            ids,
        )

    async def _agencies(self, ids: list[int]) -> list[list[m.Agency]]:
        return self._grouped(
            select(m.FindingAgency.finding_id, m.Agency)
            .join(m.Agency, m.Agency.id == m.FindingAgency.agency_id)
            .where(
                m.FindingAgency.finding_id.in_(ids),
                access.agencies_visible_to(self._context.viewer),
            )
            .order_by(m.Agency.kind, m.Agency.name),
            ids,
        )

    async def _evidence(self, ids: list[int]) -> list[list[m.EvidenceRecord]]:
        grouped = self._grouped(
            select(m.FindingEvidence.finding_id, m.EvidenceRecord)
            .join(m.EvidenceRecord, m.EvidenceRecord.id == m.FindingEvidence.evidence_id)
            .where(
                m.FindingEvidence.finding_id.in_(ids),
                access.evidence_visible_to(self._context.viewer),
            )
            .order_by(m.EvidenceRecord.id),
            ids,
        )
        self._context.touch("EvidenceRecord", (r.id for rows in grouped for r in rows))
        return grouped

    async def _agreements(self, ids: list[int]) -> list[list[m.FindingAgreement]]:
        return self._grouped(
            select(m.FindingAgreement.finding_id, m.FindingAgreement)
            .where(m.FindingAgreement.finding_id.in_(ids))
            .order_by(m.FindingAgreement.agreed_at, m.FindingAgreement.id),
            ids,
        )

    async def _changes(self, ids: list[int]) -> list[list[m.FindingChange]]:
        return self._grouped(
            select(m.FindingChange.finding_id, m.FindingChange)
            .where(m.FindingChange.finding_id.in_(ids))
            .order_by(m.FindingChange.id),
            ids,
        )


_LOADERS_KEY = "_jtai_finding_loaders"


def finding_loaders(info: Info) -> FindingLoaders:
    """This request's finding loaders, kept on its context beside core's own so they never
    outlive the request."""
    state = vars(info.context)
    loaders = state.get(_LOADERS_KEY)
    if loaders is None:
        loaders = state[_LOADERS_KEY] = FindingLoaders(info.context)
    assert isinstance(loaders, FindingLoaders)
    return loaders


# --- Types ----------------------------------------------------------------------------------------


@strawberry.type(description="One inspectorate's agreement to a finding: who agreed, and when.")
class FindingAgreement:
    inspectorate_code: strawberry.Private[str]
    inspector_id: strawberry.Private[int]
    agreed_at: dt.datetime

    @strawberry.field
    def inspectorate(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, self.inspectorate_code)

    @strawberry.field(description="The inspector who agreed for the inspectorate.")
    async def inspector(self, info: Info) -> Inspector | None:
        row = await info.context.loaders.inspector.load(self.inspector_id)
        return Inspector.of(row) if row else None


@strawberry.type(
    name="FindingChange",
    description="A change to a published finding, as the change feed records it.",
)
class FindingChangeNode:
    kind: FindingChangeKind
    occurred_at: dt.datetime
    cursor: str = strawberry.field(
        description="Pass it to findingChanges(after:) to see only later changes."
    )


@strawberry.type(
    description="A strength, area for improvement or area for priority action of one inspection, "
    "citing criteria, agencies and evidence. Never a grade."
)
class Finding(relay.Node):
    id: relay.NodeID[int]
    kind: FindingKind
    status: FindingStatus
    title: str
    text: str
    headline: bool = strawberry.field(description="Listed under the letter's headline findings.")
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    inspection_id: strawberry.Private[int]
    framework_code: strawberry.Private[str]
    created_by_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Finding, framework_code: str) -> Finding:
        return Finding(
            id=row.id,
            kind=wf.FindingKind(row.kind),
            status=wf.FindingStatus(row.status),
            title=row.title,
            text=row.text,
            headline=row.headline,
            created_at=row.created_at,
            updated_at=row.updated_at,
            published_at=row.published_at,
            inspection_id=row.inspection_id,
            framework_code=framework_code,
            created_by_id=row.created_by_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Sequence[str], required: bool = False
    ) -> list[Finding | None]:
        found = {f.id: f for f in _findings(info, m.Finding.id.in_(row_ids(node_ids)))}
        return in_order(node_ids, found)

    @strawberry.field
    async def inspection(self, info: Info) -> InspectionRef | None:
        row = await info.context.loaders.inspection.load(self.inspection_id)
        return InspectionCore.of(row) if row else None

    @strawberry.field
    async def created_by(self, info: Info) -> Inspector | None:
        row = await info.context.loaders.inspector.load(self.created_by_id)
        return Inspector.of(row) if row else None

    @strawberry.field(description="The criteria of the framework it cites, in framework order.")
    async def criteria(self, info: Info) -> list[Criterion]:
        codes = set(await finding_loaders(info).criteria.load(self.id))
        criteria = info.context.registry.criteria_of(self.framework_code)
        return [Criterion.of(o) for o in criteria if o.item.code in codes]

    @strawberry.field(description="The agencies of the area it concerns.")
    async def agencies(self, info: Info) -> list[Agency]:
        return [Agency.of(a) for a in await finding_loaders(info).agencies.load(self.id)]

    @strawberry.field(
        description="The evidence behind it: for the team and admins only.",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def evidence(self, info: Info) -> list[Evidence]:
        rows = await finding_loaders(info).evidence.load(self.id)
        return [info.context.evidence_types.to_node(r) for r in rows]

    @strawberry.field(description="Each inspectorate's agreement so far: who, and when.")
    async def agreements(self, info: Info) -> list[FindingAgreement]:
        rows = await finding_loaders(info).agreements.load(self.id)
        return [
            FindingAgreement(
                inspectorate_code=r.inspectorate, inspector_id=r.inspector_id, agreed_at=r.agreed_at
            )
            for r in rows
        ]

    @strawberry.field(
        description="The inspectorates taking part that have not agreed it yet: it is published "
        "only once this is empty."
    )
    async def awaiting_agreement_from(self, info: Info) -> list[Inspectorate]:
        rows = await finding_loaders(info).agreements.load(self.id)
        agreed = {r.inspectorate for r in rows}
        taking_part = info.context.registry.participants(self.framework_code)
        return [Inspectorate.of(i) for i in taking_part if i.code not in agreed]

    @strawberry.field(description="Its entries in the change feed, oldest first.")
    async def changes(self, info: Info) -> list[FindingChangeNode]:
        rows = await finding_loaders(info).changes.load(self.id)
        return [
            FindingChangeNode(
                kind=wf.ChangeKind(r.change), occurred_at=r.occurred_at, cursor=encode_cursor(r.id)
            )
            for r in rows
        ]


def _findings(info: Info, *where: Any) -> list[Finding]:
    rows = info.context.session.execute(
        select(m.Finding, m.Inspection.framework)
        .join(m.Inspection, m.Inspection.id == m.Finding.inspection_id)
        .where(access.findings_visible_to(info.context.viewer), *where)
        .order_by(m.Finding.id)
    )
    return [Finding.of(row, framework) for row, framework in rows]


async def inspection_findings(
    info: Info, inspection_id: int, status: wf.FindingStatus | None
) -> list[Finding]:
    where = [m.Finding.inspection_id == inspection_id]
    if status is not None:
        where.append(m.Finding.status == status.value)
    return _findings(info, *where)


# --- The report -----------------------------------------------------------------------------------


@strawberry.type(description="A finding as the letter shows it.")
class ReportFinding:
    id: strawberry.ID = strawberry.field(description="The Finding's global ID.")
    kind: FindingKind
    status: FindingStatus
    title: str
    text: str
    headline: bool
    criteria: list[str] = strawberry.field(description="Codes of the criteria it cites.")
    agencies: list[str] = strawberry.field(description="Names of the agencies it concerns.")


@strawberry.type(description="One section of the letter, in the published order.")
class ReportSection:
    key: ReportSectionKey
    heading: str
    paragraphs: list[str] = strawberry.field(description="The section's own text.")
    findings: list[ReportFinding] = strawberry.field(description="The findings it lists.")


@strawberry.type(
    description="The report: the letter to the area, assembled in the order letters are "
    "published (context; headline findings; what needs to improve; strengths; main findings; "
    "the two practice studies; next steps with the statement of action's due date)."
)
class InspectionReport:
    status: ReportStatus
    published_at: dt.datetime | None
    reference: str
    area_name: str
    framework_title: str
    statement_due_on: dt.date | None = strawberry.field(
        description="When the written statement of proposed action is due."
    )
    sections: list[ReportSection]
    html_path: str = strawberry.field(
        description="Where the letter is served as a page a person reads (same bearer token)."
    )

    @staticmethod
    def of(letter: rp.Letter) -> InspectionReport:
        return InspectionReport(
            status=ReportStatus.PUBLISHED if letter.is_published else ReportStatus.DRAFT,
            published_at=letter.published_at,
            reference=letter.reference,
            area_name=letter.area_name,
            framework_title=letter.framework_title,
            statement_due_on=letter.statement_due_on,
            sections=[
                ReportSection(
                    key=s.key,
                    heading=s.heading,
                    paragraphs=list(s.paragraphs),
                    findings=[_report_finding(f) for f in s.findings],
                )
                for s in letter.sections
            ],
            html_path=f"/inspections/{quote(letter.reference, safe='')}/report.html",
        )


def _report_finding(item: rp.LetterFinding) -> ReportFinding:
    return ReportFinding(
        id=strawberry.ID(finding_global_id(item.id)),
        kind=wf.FindingKind(item.kind),
        status=wf.FindingStatus(item.status),
        title=item.title,
        text=item.text,
        headline=item.headline,
        criteria=list(item.criteria),
        agencies=list(item.agencies),
    )


async def inspection_report(info: Info, inspection_id: int) -> InspectionReport | None:
    context = info.context
    letter = rp.letter_for(context.session, context.registry, context.viewer, inspection_id)
    return InspectionReport.of(letter) if letter else None


# --- Evidence coverage ----------------------------------------------------------------------------


@strawberry.type(description="What one inspectorate has recorded against one criterion.")
class InspectorateCoverage:
    inspectorate: Inspectorate
    evidence_count: int = strawberry.field(description="Evidence records, draft or final.")
    final_count: int = strawberry.field(description="Of those, records that are FINAL.")
    child_count: int = strawberry.field(description="Different children they are about.")
    child_ids: strawberry.Private[list[int]]
    agency_ids: strawberry.Private[list[int]]

    @strawberry.field(
        description="The children the evidence is about.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def children(self, info: Info) -> list[Child]:
        rows = await info.context.loaders.child.load_many(self.child_ids)
        return [Child.of(r) for r in rows if r is not None]

    @strawberry.field(description="The agencies the evidence is about.")
    async def agencies(self, info: Info) -> list[Agency]:
        rows = await info.context.loaders.agency.load_many(self.agency_ids)
        return [Agency.of(r) for r in rows if r is not None]


@strawberry.type(description="The evidence recorded against one criterion, by inspectorate.")
class CriterionCoverage:
    criterion: Criterion
    evidence_count: int
    final_count: int
    by_inspectorate: list[InspectorateCoverage] = strawberry.field(
        description="Every inspectorate taking part, those with none included."
    )


@strawberry.type(
    description="How far the evidence recorded so far covers the framework's criteria."
)
class EvidenceCoverage:
    evidence_count: int = strawberry.field(description="Evidence records in the inspection.")
    criteria: list[CriterionCoverage] = strawberry.field(
        description="Every criterion of the framework, in its order."
    )
    criteria_without_evidence: list[Criterion]
    criteria_without_final_evidence: list[Criterion]


async def evidence_coverage(
    info: Info, inspection_id: int, framework: str
) -> EvidenceCoverage | None:
    context = info.context
    found = coverage.evidence_coverage(
        context.session, context.registry, context.viewer, inspection_id, framework
    )
    if found is None:
        return None
    rows = [
        CriterionCoverage(
            criterion=Criterion.of(row.criterion),
            evidence_count=row.evidence_count,
            final_count=row.final_count,
            by_inspectorate=[
                InspectorateCoverage(
                    inspectorate=Inspectorate.of(per.inspectorate),
                    evidence_count=per.evidence_count,
                    final_count=per.final_count,
                    child_count=len(per.child_ids),
                    child_ids=list(per.child_ids),
                    agency_ids=list(per.agency_ids),
                )
                for per in row.by_inspectorate
            ],
        )
        for row in found.criteria
    ]
    return EvidenceCoverage(
        evidence_count=found.evidence_count,
        criteria=rows,
        criteria_without_evidence=[r.criterion for r in rows if r.evidence_count == 0],
        criteria_without_final_evidence=[r.criterion for r in rows if r.final_count == 0],
    )


# --- Mutations ------------------------------------------------------------------------------------


@strawberry.input(description="A new finding: what it says and what it cites.")
class CreateFindingInput:
    inspection_id: relay.GlobalID
    kind: FindingKind
    title: str = strawberry.field(description="One line; the letter lists it under its kind.")
    text: str = strawberry.field(description="The finding in full; blank lines part paragraphs.")
    headline: bool = strawberry.field(
        default=False, description="Also list it under the letter's headline findings."
    )
    criteria: list[str] = strawberry.field(
        description="Codes of the framework's criteria it evidences (at least one)."
    )
    agency_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="The agencies of the area it concerns."
    )
    evidence_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="The evidence behind it, recorded in this inspection."
    )


@strawberry.input(description="Changes to a finding; what is left out stays as it is.")
class UpdateFindingInput:
    finding_id: relay.GlobalID
    kind: FindingKind | None = None
    title: str | None = None
    text: str | None = None
    headline: bool | None = None
    criteria: list[str] | None = None
    agency_ids: list[relay.GlobalID] | None = None
    evidence_ids: list[relay.GlobalID] | None = None


@strawberry.type(description="The finding as it now stands, or what was wrong.")
class FindingPayload:
    finding: Finding | None
    errors: list[UserError]


@strawberry.input(description="The parts of the letter that are not findings; omitted: unchanged.")
class UpdateReportInput:
    inspection_id: relay.GlobalID
    context: str | None = None
    practice_study_effective: str | None = strawberry.field(
        default=None, description="Practice study: highly effective practice."
    )
    practice_study_improvement: str | None = strawberry.field(
        default=None, description="Practice study: areas for improvement."
    )
    next_steps: str | None = None
    statement_due_on: dt.date | None = strawberry.field(
        default=None, description="When the written statement of proposed action is due."
    )


@strawberry.type(description="The report as it now stands, or what was wrong.")
class ReportPayload:
    report: InspectionReport | None
    errors: list[UserError]


def _ids(
    field_name: str, values: Sequence[relay.GlobalID] | None, type_name: str
) -> list[int] | None:
    if values is None:
        return None
    return [node_id(f"{field_name}[{i}]", v, type_name) for i, v in enumerate(values)]


def _evidence_ids(info: Info, values: Sequence[relay.GlobalID] | None) -> list[int] | None:
    """Evidence IDs are typed by form (``OfstedCaseTrackingEvidence:12``): any form's will do."""
    if values is None:
        return None
    names = {t.__name__ for t in info.context.evidence_types.output_types}
    ids = []
    for index, value in enumerate(values):
        field_name = f"input.evidenceIds[{index}]"
        parsed = row_id(value.node_id) if value.type_name in names else None
        if parsed is None:
            raise MutationFailed(
                UserError(
                    field=field_name,
                    code=ErrorCode.INVALID_INPUT,
                    message=f"{field_name}: {str(value)!r} is not the ID of evidence. Pass the id "
                    "of evidence recorded in this inspection (inspection { evidence { nodes "
                    "{ id } } }).",
                )
            )
        ids.append(parsed)
    return ids


def _visible_inspection(
    info: Info, value: relay.GlobalID, field: str, under: str | None = None
) -> m.Inspection:
    """``field`` is the path under the mutation's ``under`` argument (the adapter's convention)."""
    inspection_id = node_id(f"{under}.{field}" if under else field, value, "Inspection")
    context = info.context
    return visible_inspection(context.session, context.viewer, inspection_id, field)


def _visible_finding(
    info: Info, value: relay.GlobalID, field: str, under: str | None = None
) -> tuple[m.Finding, m.Inspection]:
    finding_id = node_id(f"{under}.{field}" if under else field, value, "Finding")
    row = info.context.session.execute(
        select(m.Finding, m.Inspection)
        .join(m.Inspection, m.Inspection.id == m.Finding.inspection_id)
        .where(m.Finding.id == finding_id, access.findings_visible_to(info.context.viewer))
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise Refused(not_found(field, "finding"))
    info.context.touch("Finding", (finding_id,))
    return row[0], row[1]


def _finding_payload(
    info: Info, result: tuple[m.Finding, m.Inspection] | None, errors: list[UserError]
) -> FindingPayload:
    if result is None:
        return FindingPayload(finding=None, errors=errors)
    finding, inspection = result
    return FindingPayload(finding=Finding.of(finding, inspection.framework), errors=errors)


def _report_payload(
    info: Info, inspection_id: int | None, errors: list[UserError]
) -> ReportPayload:
    if inspection_id is None:
        return ReportPayload(report=None, errors=errors)
    context = info.context
    letter = rp.letter_for(context.session, context.registry, context.viewer, inspection_id)
    return ReportPayload(report=InspectionReport.of(letter) if letter else None, errors=errors)


def _finding_path(field: str) -> str:
    """Agree, publish and withdraw take a ``findingId``; a problem with the finding's content
    names the field as createFinding's and updateFinding's input spells it."""
    return field if field == "findingId" else f"input.{field}"


def _act_on_finding(
    info: Info, finding_id: relay.GlobalID, action: Callable[..., object]
) -> FindingPayload:
    """Agree, publish or withdraw: the same steps around a different rule of the workflow."""

    def work(session: Session) -> tuple[m.Finding, m.Inspection]:
        finding, inspection = _visible_finding(info, finding_id, "findingId")
        context = info.context
        action(session, context.registry, context.viewer, inspection, finding, utc_now())
        return finding, inspection

    result, errors = run_service(info, work, under=_finding_path)
    return _finding_payload(info, result, errors)


@strawberry.type
class FindingMutations:
    """Drafting, agreeing and publishing findings; writing and publishing the report."""

    @strawberry.mutation(
        description="Draft a finding (inspectors on the team): a strength, area for improvement "
        "or area for priority action, citing criteria of the framework, agencies of the area and "
        "evidence of the inspection.",
        extensions=signed_in(),
    )
    def create_finding(self, info: Info, input: CreateFindingInput) -> FindingPayload:
        def work(session: Session) -> tuple[m.Finding, m.Inspection]:
            inspection = _visible_inspection(info, input.inspection_id, "inspectionId", "input")
            content = wf.FindingContent(
                kind=input.kind,
                title=input.title,
                text=input.text,
                headline=input.headline,
                criteria=input.criteria,
                agency_ids=_ids("input.agencyIds", input.agency_ids, "Agency"),
                evidence_ids=_evidence_ids(info, input.evidence_ids),
            )
            context = info.context
            finding = wf.create_finding(
                session, context.registry, context.viewer, inspection, content, utc_now()
            )
            context.touch("Finding", (finding.id,))
            return finding, inspection

        result, errors = run_service(info, work)
        return _finding_payload(info, result, errors)

    @strawberry.mutation(
        description="Change a finding. A draft: any inspector on the team, and changing what it "
        "says clears the agreements given so far. A published one: the lead inspector only; the "
        "change goes to the change feed as UPDATED.",
        extensions=signed_in(),
    )
    def update_finding(self, info: Info, input: UpdateFindingInput) -> FindingPayload:
        def work(session: Session) -> tuple[m.Finding, m.Inspection]:
            finding, inspection = _visible_finding(info, input.finding_id, "findingId", "input")
            content = wf.FindingContent(
                kind=input.kind,
                title=input.title,
                text=input.text,
                headline=input.headline,
                criteria=input.criteria,
                agency_ids=_ids("input.agencyIds", input.agency_ids, "Agency"),
                evidence_ids=_evidence_ids(info, input.evidence_ids),
            )
            context = info.context
            wf.update_finding(
                session, context.registry, context.viewer, inspection, finding, content, utc_now()
            )
            return finding, inspection

        result, errors = run_service(info, work)
        return _finding_payload(info, result, errors)

    @strawberry.mutation(
        description="Record your inspectorate's agreement to a draft finding (one inspector of "
        "each inspectorate taking part); who agreed and when are kept.",
        extensions=signed_in(),
    )
    def agree_finding(self, info: Info, finding_id: relay.GlobalID) -> FindingPayload:
        return _act_on_finding(info, finding_id, wf.agree_finding)

    @strawberry.mutation(
        description="Publish a draft finding (the lead inspector), once every inspectorate taking "
        "part has agreed it; else the error names those that have not. It goes to the change "
        "feed and to webhooks.",
        extensions=signed_in(),
    )
    def publish_finding(self, info: Info, finding_id: relay.GlobalID) -> FindingPayload:
        return _act_on_finding(info, finding_id, wf.publish_finding)

    @strawberry.mutation(
        description="Withdraw a finding (the lead inspector). A published one goes to the change "
        "feed and to webhooks as WITHDRAWN, and leaves the findings integrators pull.",
        extensions=signed_in(),
    )
    def withdraw_finding(self, info: Info, finding_id: relay.GlobalID) -> FindingPayload:
        return _act_on_finding(info, finding_id, wf.withdraw_finding)

    @strawberry.mutation(
        description="Write the parts of the letter that are not findings (the lead inspector, "
        "until the report is published).",
        extensions=signed_in(),
    )
    def update_report(self, info: Info, input: UpdateReportInput) -> ReportPayload:
        def work(session: Session) -> int:
            inspection = _visible_inspection(info, input.inspection_id, "inspectionId", "input")
            rp.update_report(
                session,
                info.context.viewer,
                inspection,
                rp.ReportChanges(
                    context=input.context,
                    practice_study_effective=input.practice_study_effective,
                    practice_study_improvement=input.practice_study_improvement,
                    next_steps=input.next_steps,
                    statement_due_on=input.statement_due_on,
                ),
            )
            return inspection.id

        inspection_id, errors = run_service(info, work)
        return _report_payload(info, inspection_id, errors)

    @strawberry.mutation(
        description="Publish the report (the lead inspector): every finding published or "
        "withdrawn, the context written and the statement of action's due date set.",
        extensions=signed_in(),
    )
    def publish_report(self, info: Info, inspection_id: relay.GlobalID) -> ReportPayload:
        def work(session: Session) -> int:
            inspection = _visible_inspection(info, inspection_id, "inspectionId")
            rp.publish_report(session, info.context.viewer, inspection, utc_now())
            return inspection.id

        result, errors = run_service(info, work, under=None)
        return _report_payload(info, result, errors)


@strawberry.type
class FindingFields(InspectionCore):
    """The hub's fields resolved here: evidence coverage, findings and the report."""

    @strawberry.field(
        description="For each criterion of the framework: how much evidence each inspectorate "
        "has recorded, from which children and agencies; and the criteria with none. For the "
        "lead inspector (and the team, and admins); null for anyone who may not see evidence.",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def evidence_coverage(self, info: Info) -> EvidenceCoverage | None:
        return await evidence_coverage(info, self.id, self.framework_code)

    @strawberry.field(
        description="The inspection's findings, oldest first: drafts for the team and admins, "
        "published ones for the area's agency users.",
        extensions=scoped_by(access.findings_visible_to),
    )
    async def findings(
        self,
        info: Info,
        status: FindingStatus | None = None,
    ) -> list[Finding]:
        return await inspection_findings(info, self.id, status)

    @strawberry.field(
        description="The report: the letter assembled in the published order. The team and "
        "admins see the draft; agency users of the area see it once published.",
        extensions=scoped_by(access.reports_visible_to),
    )
    async def report(self, info: Info) -> InspectionReport | None:
        return await inspection_report(info, self.id)
