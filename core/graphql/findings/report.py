"""The inspection report as the letter shows it, and the evidence coverage by criterion."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from urllib.parse import quote

import strawberry

from core import access
from core.graphql.base.enums import FindingKind, FindingStatus, ReportSectionKey
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Info
from core.graphql.nodes import Agency, Child
from core.graphql.reference import Criterion, Inspectorate
from core.integrations.feed import finding_global_id
from core.workflow import coverage
from core.workflow import findings as wf
from core.workflow import letter as lt
from core.workflow import report as rp


@strawberry.enum(description="A report is a draft until the lead inspector publishes it.")
class ReportStatus(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


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


@strawberry.type(name="ReportVersion", description="One published version of the letter.")
class ReportVersionSummary:
    number: int = strawberry.field(description="1 for the first publication, then 2, 3, ...")
    published_at: dt.datetime
    html_path: str = strawberry.field(description="Where this version is served as a page.")


@strawberry.type(
    description="The report: the letter to the area, assembled in the order letters are "
    "published (context; headline findings; what needs to improve; strengths; main findings; "
    "the two practice studies; next steps with the statement of action's due date). Once "
    "published it is frozen as version 1; publishing findings or withdrawing them changes it "
    "only when the lead inspector publishes the report again, as the next version."
)
class InspectionReport:
    status: ReportStatus
    published_at: dt.datetime | None = strawberry.field(
        description="When this version was published; null for a draft."
    )
    version: int | None = strawberry.field(
        description="This version's number; null for a draft (and for a report published "
        "before letters were versioned, until it is published again)."
    )
    versions: list[ReportVersionSummary] = strawberry.field(
        description="Every published version, oldest first (empty for a draft)."
    )
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
    def of(letter: lt.Letter) -> InspectionReport:
        page = f"/inspections/{quote(letter.reference, safe='')}/report.html"
        return InspectionReport(
            status=ReportStatus.PUBLISHED if letter.is_published else ReportStatus.DRAFT,
            published_at=letter.published_at,
            version=letter.version,
            versions=[
                ReportVersionSummary(
                    number=v.number,
                    published_at=v.published_at,
                    html_path=f"{page}?version={v.number}",
                )
                for v in letter.versions
            ],
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
            html_path=page if letter.is_latest else f"{page}?version={letter.version}",
        )


def _report_finding(item: lt.LetterFinding) -> ReportFinding:
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


async def inspection_report(
    info: Info, inspection_id: int, version: int | None = None
) -> InspectionReport | None:
    context = info.context
    letter = rp.letter_for(
        context.session, context.registry, context.viewer, inspection_id, version
    )
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
    per_inspectorate: strawberry.Private[tuple[coverage.InspectorateCoverage, ...]]

    @strawberry.field(description="Every inspectorate taking part, those with none included.")
    def by_inspectorate(self) -> list[InspectorateCoverage]:
        # Made when asked for: the dashboard reads every criterion's counts but not these, ~150
        # objects a request it would build for nothing.
        return [
            InspectorateCoverage(
                inspectorate=Inspectorate.of(per.inspectorate),
                evidence_count=per.evidence_count,
                final_count=per.final_count,
                child_count=len(per.child_ids),
                child_ids=list(per.child_ids),
                agency_ids=list(per.agency_ids),
            )
            for per in self.per_inspectorate
        ]


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
    # Who takes part, through the loader the timetable shares: no statement of its own.
    taking_part = await context.loaders.participants_of_inspection.load(inspection_id)
    found = coverage.evidence_coverage(
        context.session, context.registry, context.viewer, inspection_id, framework, taking_part
    )
    if found is None:
        return None
    rows = [
        CriterionCoverage(
            criterion=Criterion.of(row.criterion),
            evidence_count=row.evidence_count,
            final_count=row.final_count,
            per_inspectorate=row.by_inspectorate,
        )
        for row in found.criteria
    ]
    return EvidenceCoverage(
        evidence_count=found.evidence_count,
        criteria=rows,
        criteria_without_evidence=[r.criterion for r in rows if r.evidence_count == 0],
        criteria_without_final_evidence=[r.criterion for r in rows if r.final_count == 0],
    )
