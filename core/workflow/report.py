"""The report: the letter published at the end of an inspection, assembled in the published order.

DOMAIN.md 7 (the 2024-25 letters): context; headline findings; what needs to improve; strengths;
main findings; practice study: highly effective practice; practice study: areas for improvement;
next steps, with the date the written statement of proposed action is due. The lead inspector
writes the parts that are not findings (``Report``); the findings sections are assembled from the
findings themselves, so the letter can never disagree with what integrators receive.

While the report is a draft the team sees every finding not withdrawn (drafts marked); once it is
published, and for anyone who may see only published reports, it holds published findings only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import access
from core.models import (
    Agency,
    Finding,
    FindingAgency,
    FindingCriterion,
    Inspection,
    LocalArea,
    Report,
)
from core.registry import Registry
from core.viewer import Role, Viewer
from core.workflow.findings import FindingStatus
from core.workflow.participation import participant_codes
from core.workflow.rules import Refused, clean_text, invalid, on_team, require_lead

MAX_PART = 50_000


class SectionKey(StrEnum):
    CONTEXT = "context"
    HEADLINE_FINDINGS = "headline_findings"
    WHAT_NEEDS_TO_IMPROVE = "what_needs_to_improve"
    STRENGTHS = "strengths"
    MAIN_FINDINGS = "main_findings"
    PRACTICE_STUDY_EFFECTIVE = "practice_study_effective"
    PRACTICE_STUDY_IMPROVEMENT = "practice_study_improvement"
    NEXT_STEPS = "next_steps"


HEADINGS = {
    SectionKey.CONTEXT: "Context",
    SectionKey.HEADLINE_FINDINGS: "Headline findings",
    SectionKey.WHAT_NEEDS_TO_IMPROVE: "What needs to improve?",
    SectionKey.STRENGTHS: "Strengths",
    SectionKey.MAIN_FINDINGS: "Main findings",
    SectionKey.PRACTICE_STUDY_EFFECTIVE: "Practice study: highly effective practice",
    SectionKey.PRACTICE_STUDY_IMPROVEMENT: "Practice study: areas for improvement",
    SectionKey.NEXT_STEPS: "Next steps",
}
# Priority actions lead 'what needs to improve'; main findings run strengths first.
_IMPROVE_ORDER = {"priority_action": 0, "area_for_improvement": 1}
_MAIN_ORDER = {"strength": 0, "area_for_improvement": 1, "priority_action": 2}


@dataclass(frozen=True, slots=True)
class LetterFinding:
    id: int
    kind: str
    title: str
    text: str
    headline: bool
    status: str
    criteria: tuple[str, ...]
    agencies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    key: SectionKey
    heading: str
    paragraphs: tuple[str, ...]  # the section's own text, split at blank lines
    findings: tuple[LetterFinding, ...]


@dataclass(frozen=True, slots=True)
class Letter:
    inspection_id: int
    reference: str
    area_name: str
    framework_code: str
    framework_title: str
    published_at: dt.datetime | None
    statement_due_on: dt.date | None
    signatories: tuple[str, ...]  # the inspectorates taking part, by name
    sections: tuple[Section, ...]

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())


def statement_sentence(due: dt.date | None) -> str:
    if due is None:
        return "The date the written statement of action is due has not been set yet."
    return (
        "The local authority should prepare a written statement of proposed action responding "
        "to the findings in this letter, as a multi-agency response from the agencies it is "
        "addressed to. The written statement of action is due by "
        f"{due.day} {due:%B %Y}."
    )


def letter_for(
    session: Session, registry: Registry, viewer: Viewer, inspection_id: int
) -> Letter | None:
    """The letter of an inspection as ``viewer`` may read it (``access.reports_visible_to``), or
    None: the team and admins see the draft with draft findings marked; others, once published,
    the published findings only."""
    row = session.execute(
        select(Inspection, Report)
        .outerjoin(Report, Report.inspection_id == Inspection.id)
        .where(Inspection.id == inspection_id, access.reports_visible_to(viewer))
    ).one_or_none()
    if row is None:
        return None
    inspection, report = row
    drafts_visible = viewer.role is Role.ADMIN or on_team(session, viewer, inspection)
    return assemble(session, registry, inspection, report, drafts_visible=drafts_visible)


def report_row(session: Session, inspection_id: int) -> Report | None:
    return session.scalar(select(Report).where(Report.inspection_id == inspection_id))


def assemble(
    session: Session,
    registry: Registry,
    inspection: Inspection,
    report: Report | None,
    *,
    drafts_visible: bool,
) -> Letter:
    """The letter as the viewer may read it. ``drafts_visible``: the viewer may see draft findings
    (ignored once the report is published: a published letter holds published findings only)."""
    published_report = report is not None and report.published_at is not None
    statuses = [FindingStatus.PUBLISHED.value]
    if drafts_visible and not published_report:
        statuses.append(FindingStatus.DRAFT.value)
    findings = list(
        session.scalars(
            select(Finding)
            .where(Finding.inspection_id == inspection.id, Finding.status.in_(statuses))
            .order_by(Finding.id)
        )
    )
    ids = [f.id for f in findings]
    criteria: dict[int, list[str]] = defaultdict(list)
    for finding_id, code in session.execute(
        select(FindingCriterion.finding_id, FindingCriterion.criterion_code).where(
            FindingCriterion.finding_id.in_(ids)
        )
    ):
        criteria[finding_id].append(code)
    agencies: dict[int, list[str]] = defaultdict(list)
    for finding_id, name in session.execute(
        select(FindingAgency.finding_id, Agency.name)
        .join(Agency, Agency.id == FindingAgency.agency_id)
        .where(FindingAgency.finding_id.in_(ids))
        .order_by(Agency.kind, Agency.name)
    ):
        agencies[finding_id].append(name)
    order = {o.item.code: n for n, o in enumerate(registry.criteria_of(inspection.framework))}
    items = [
        LetterFinding(
            id=f.id,
            kind=f.kind,
            title=f.title,
            text=f.text,
            headline=f.headline,
            status=f.status,
            criteria=tuple(sorted(criteria[f.id], key=lambda c: order.get(c, len(order)))),
            agencies=tuple(agencies[f.id]),
        )
        for f in findings
    ]
    area_name = session.scalar(select(LocalArea.name).where(LocalArea.id == inspection.area_id))
    framework = registry.framework(inspection.framework)
    context = report.context if report else ""
    effective = report.practice_study_effective if report else ""
    improvement = report.practice_study_improvement if report else ""
    next_steps = report.next_steps if report else ""
    due = report.statement_due_on if report else None

    def section(
        key: SectionKey, text: str = "", found: list[LetterFinding] | None = None
    ) -> Section:
        return Section(key, HEADINGS[key], paragraphs(text), tuple(found or ()))

    improve = sorted(
        (f for f in items if f.kind in _IMPROVE_ORDER), key=lambda f: (_IMPROVE_ORDER[f.kind], f.id)
    )
    sections = (
        section(SectionKey.CONTEXT, context),
        section(SectionKey.HEADLINE_FINDINGS, found=[f for f in items if f.headline]),
        section(SectionKey.WHAT_NEEDS_TO_IMPROVE, found=improve),
        section(SectionKey.STRENGTHS, found=[f for f in items if f.kind == "strength"]),
        section(
            SectionKey.MAIN_FINDINGS,
            found=sorted(items, key=lambda f: (_MAIN_ORDER.get(f.kind, 3), f.id)),
        ),
        section(SectionKey.PRACTICE_STUDY_EFFECTIVE, effective),
        section(SectionKey.PRACTICE_STUDY_IMPROVEMENT, improvement),
        Section(
            SectionKey.NEXT_STEPS,
            HEADINGS[SectionKey.NEXT_STEPS],
            (*paragraphs(next_steps), statement_sentence(due)),
            (),
        ),
    )
    return Letter(
        inspection_id=inspection.id,
        reference=inspection.reference,
        area_name=area_name or "",
        framework_code=inspection.framework,
        framework_title=framework.title if framework else inspection.framework,
        published_at=report.published_at if report else None,
        statement_due_on=due,
        signatories=tuple(
            inspectorate.name if inspectorate else code
            for code in participant_codes(session, inspection.id)
            for inspectorate in (registry.inspectorate(code),)
        ),
        sections=sections,
    )


@dataclass(frozen=True, slots=True)
class ReportChanges:
    """The lead inspector's edits; ``None`` leaves a part as it is."""

    context: str | None = None
    practice_study_effective: str | None = None
    practice_study_improvement: str | None = None
    next_steps: str | None = None
    statement_due_on: dt.date | None = None


def _published_refusal(report: Report) -> Refused:
    assert report.published_at is not None
    return Refused(
        invalid(
            "inspectionId",
            f"the report was published on {report.published_at:%Y-%m-%d}; a published letter "
            "does not change. Change or withdraw findings instead: they go to the feed.",
        )
    )


def update_report(
    session: Session, viewer: Viewer, inspection: Inspection, changes: ReportChanges
) -> Report:
    """Edit the parts of the letter that are not findings (the lead inspector, until published)."""
    require_lead(session, viewer, inspection, "writes the report")
    report = report_row(session, inspection.id)
    if report is None:
        report = Report(
            inspection_id=inspection.id,
            context="",
            practice_study_effective="",
            practice_study_improvement="",
            next_steps="",
        )
        session.add(report)
    elif report.published_at is not None:
        raise _published_refusal(report)
    problems = []
    parts = {
        "context": changes.context,
        "practice_study_effective": changes.practice_study_effective,
        "practice_study_improvement": changes.practice_study_improvement,
        "next_steps": changes.next_steps,
    }
    for name, value in parts.items():
        if value is None:
            continue
        head, *rest = name.split("_")
        field = "" + head + "".join(w.capitalize() for w in rest)
        try:
            cleaned = clean_text(field, value.replace("\r\n", "\n"), MAX_PART, required=False)
        except Refused as refused:
            problems.extend(refused.problems)
            continue
        setattr(report, name, cleaned or "")
    if changes.statement_due_on is not None:
        if changes.statement_due_on <= inspection.notification_date:
            problems.append(
                invalid(
                    "statementDueOn",
                    f"{changes.statement_due_on.isoformat()} is not after the notification date "
                    f"{inspection.notification_date.isoformat()}.",
                )
            )
        report.statement_due_on = changes.statement_due_on
    if problems:
        raise Refused(*problems)
    session.flush()
    return report


def publish_report(
    session: Session, viewer: Viewer, inspection: Inspection, now: dt.datetime
) -> Report:
    """Publish the letter (the lead inspector): every finding published or withdrawn, at least
    one published, the context written and the statement of action's due date set."""
    require_lead(session, viewer, inspection, "publishes the report")
    report = report_row(session, inspection.id)
    if report is not None and report.published_at is not None:
        raise _published_refusal(report)
    problems = []
    if report is None or not report.context:
        problems.append(invalid("inspectionId", "write the context first (updateReport)."))
    if report is None or report.statement_due_on is None:
        problems.append(
            invalid(
                "inspectionId",
                "set the date the written statement of action is due first (updateReport).",
            )
        )
    statuses = list(
        session.scalars(select(Finding.status).where(Finding.inspection_id == inspection.id))
    )
    drafts = statuses.count(FindingStatus.DRAFT.value)
    if drafts:
        problems.append(
            invalid(
                "inspectionId",
                f"{drafts} finding(s) are still drafts; publish or withdraw each one first.",
            )
        )
    if FindingStatus.PUBLISHED.value not in statuses:
        problems.append(invalid("inspectionId", "a letter needs at least one published finding."))
    if problems:
        raise Refused(*problems)
    assert report is not None
    report.published_at = now
    session.flush()
    return report
