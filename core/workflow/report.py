"""The report: the letter published at the end of an inspection, assembled in the published order.

DOMAIN.md 7 (the 2024-25 letters): context; headline findings; what needs to improve; strengths;
main findings; practice study: highly effective practice; practice study: areas for improvement;
next steps, with the date the written statement of proposed action is due. The lead inspector
writes the parts that are not findings (``Report``); the findings sections are assembled from the
findings themselves, so the letter can never disagree with what integrators receive.

While the report is a draft the team sees every finding not withdrawn (drafts marked); once it is
published, and for anyone who may see only published reports, it holds published findings only.

Letters are versioned. ``publish_report`` freezes version 1: the letter's data and its HTML, as
they were (``ReportVersion``). Findings may still be published or withdrawn afterwards (they go to
the feed at once), but the published letter does not move: the lead inspector publishes the report
again to write version 2, with its own date, and so on; until then every reader gets the last
version published. Old versions stay readable by number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import access, events
from core.events import EventKind
from core.models import (
    Agency,
    Finding,
    FindingAgency,
    FindingCriterion,
    Inspection,
    LocalArea,
    Report,
    ReportVersion,
)
from core.registry import Registry
from core.viewer import Role, Viewer
from core.workflow import letter as letters
from core.workflow.findings import FindingStatus
from core.workflow.letter import HEADINGS, Letter, LetterFinding, Section, SectionKey, VersionInfo
from core.workflow.participation import participant_codes
from core.workflow.report_html import render, with_versions
from core.workflow.rules import Refused, clean_text, invalid, on_team, require_lead

MAX_PART = 50_000
# Priority actions lead 'what needs to improve'; main findings run strengths first.
_IMPROVE_ORDER = {"priority_action": 0, "area_for_improvement": 1}
_MAIN_ORDER = {"strength": 0, "area_for_improvement": 1, "priority_action": 2}


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
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection_id: int,
    version: int | None = None,
) -> Letter | None:
    """The letter of an inspection as ``viewer`` may read it (``access.reports_visible_to``), or
    None: before publication the team and admins see the draft with draft findings marked; once
    published, everyone who may read it gets the latest published version, or version
    ``version``."""
    found = _visible(session, viewer, inspection_id)
    if found is None:
        return None
    inspection, report = found
    if report is not None and report.published_at is not None:
        stored = published_version(session, inspection.id, version)
        if stored is not None:
            return stored[0]
        if version is not None or versions_of(session, inspection.id):
            return None  # no such version
        # Published before versions existed (revision 0010): assembled until published again.
    elif version is not None:
        return None
    drafts_visible = viewer.role is Role.ADMIN or on_team(session, viewer, inspection)
    return assemble(session, registry, inspection, report, drafts_visible=drafts_visible)


def page_for(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection_id: int,
    version: int | None = None,
) -> tuple[Letter, str] | None:
    """The letter and its page: a published version's page as it was frozen, with the list of
    versions put in."""
    found = _visible(session, viewer, inspection_id)
    if found is None:
        return None
    _, report = found
    if report is not None and report.published_at is not None:
        stored = published_version(session, inspection_id, version)
        if stored is not None:
            return stored[0], with_versions(stored[1], stored[0])
    letter = letter_for(session, registry, viewer, inspection_id, version)
    return (letter, with_versions(render(letter), letter)) if letter is not None else None


def _visible(
    session: Session, viewer: Viewer, inspection_id: int
) -> tuple[Inspection, Report | None] | None:
    row = session.execute(
        select(Inspection, Report)
        .outerjoin(Report, Report.inspection_id == Inspection.id)
        .where(Inspection.id == inspection_id, access.reports_visible_to(viewer))
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def versions_of(session: Session, inspection_id: int) -> tuple[VersionInfo, ...]:
    rows = session.execute(
        select(ReportVersion.number, ReportVersion.published_at)
        .where(ReportVersion.inspection_id == inspection_id)
        .order_by(ReportVersion.number)
    )
    return tuple(VersionInfo(number, published_at) for number, published_at in rows)


def published_version(
    session: Session, inspection_id: int, number: int | None = None
) -> tuple[Letter, str] | None:
    """A frozen version (the latest when ``number`` is None) and its page, with the list of every
    version; None when there is no such version."""
    query = select(ReportVersion.letter, ReportVersion.html).where(
        ReportVersion.inspection_id == inspection_id
    )
    if number is None:
        query = query.order_by(ReportVersion.number.desc()).limit(1)
    else:
        query = query.where(ReportVersion.number == number)
    row = session.execute(query).one_or_none()
    if row is None:
        return None
    return letters.from_json(row.letter, versions_of(session, inspection_id)), row.html


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
            "does not change. Publish or withdraw findings instead (they go to the feed), then "
            "publishReport again for a new version of the letter.",
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
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    now: dt.datetime,
) -> ReportVersion:
    """Publish the letter (the lead inspector): every finding published or withdrawn, at least
    one published, the context written and the statement of action's due date set. The first
    publication writes version 1; each later one writes the next version, refused when the letter
    would say nothing the last version did not."""
    require_lead(session, viewer, inspection, "publishes the report")
    report = report_row(session, inspection.id)
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
    latest = published_version(session, inspection.id)
    if report.published_at is None:
        report.published_at = now  # first publication: the letter becomes public
    number = (
        session.scalar(
            select(func.max(ReportVersion.number)).where(
                ReportVersion.inspection_id == inspection.id
            )
        )
        or 0
    ) + 1
    letter = replace(
        assemble(session, registry, inspection, report, drafts_visible=False),
        published_at=now,
        version=number,
    )
    if latest is not None and letters.content(latest[0]) == letters.content(letter):
        previous = latest[0]
        assert previous.published_at is not None
        raise Refused(
            invalid(
                "inspectionId",
                f"version {previous.version} of the letter, published on "
                f"{previous.published_at:%Y-%m-%d}, already says this; publish or withdraw a "
                "finding first, then publish the report again.",
            )
        )
    version = ReportVersion(
        inspection_id=inspection.id,
        number=number,
        published_at=now,
        letter=letters.to_json(letter),
        html=render(letter),
    )
    session.add(version)
    session.flush()
    events.record(
        session, EventKind.LETTER_PUBLISHED, inspection.id, report_version=number, now=now
    )
    return version
