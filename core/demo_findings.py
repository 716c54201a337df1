"""Published findings and a published report for the demo inspection, so that an integrator has
something to pull (docs/integrators.md runs its examples against them).

Made through the real workflow (``core.workflow.findings`` and ``core.workflow.report``): final
evidence from each inspectorate's agency form, four findings agreed by an inspector of each of the
four inspectorates and published by the lead, then the letter. Every word is synthetic: the themes
echo the 2025 thematic report (seed 004), the area and its services do not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.contributions import EvidenceForm, EvidenceSubject, QuestionKind
from core.demo import DemoInspection
from core.models import (
    Agency,
    EvidenceRecord,
    Finding,
    Inspection,
    Inspector,
    TeamMember,
    utc_now,
)
from core.registry import Registry
from core.viewer import Role, Viewer
from core.workflow import findings as wf
from core.workflow import report as rp

SUMMARY = "Synthetic demo evidence, written for the demo: it describes no real service or person."


@dataclass(frozen=True, slots=True)
class DemoFinding:
    kind: wf.FindingKind
    title: str
    text: str
    headline: bool
    criteria: tuple[str, ...]
    agency_kinds: tuple[str, ...]
    evidence_from: tuple[str, ...]  # inspectorate codes whose demo evidence it cites


FINDINGS = (
    DemoFinding(
        wf.FindingKind.STRENGTH,
        "Midwives and health visitors are curious about domestic abuse before a baby is born",
        "Midwives in Northvale ask about domestic abuse at every antenatal contact and share "
        "what they learn with children's social care promptly.\n\nUnborn babies are therefore "
        "seen as potential victims early, and plans for them start before birth. (Synthetic.)",
        True,
        ("ESN-23", "ESN-28"),
        ("health",),
        ("cqc",),
    ),
    DemoFinding(
        wf.FindingKind.STRENGTH,
        "Schools help to protect children who live with domestic abuse",
        "Schools receive timely notifications after incidents and offer children a trusted "
        "adult the next morning. (Synthetic.)",
        False,
        ("ESN-24", "ESN-26"),
        ("school", "local_authority"),
        ("ofsted",),
    ),
    DemoFinding(
        wf.FindingKind.AREA_FOR_IMPROVEMENT,
        "Police reports do not always record children's experiences",
        "Officers attending incidents do not consistently record what children saw or heard, so "
        "referrals say too little about the child. (Synthetic.)",
        True,
        ("ESN-23", "ESN-31"),
        ("police",),
        ("hmicfrs",),
    ),
    DemoFinding(
        wf.FindingKind.PRIORITY_ACTION,
        "The risk perpetrators pose to children is not consistently understood and managed",
        "Probation and police information about perpetrators is not drawn together for the "
        "professionals around the child, which limits the picture of risk. (Synthetic.)",
        False,
        ("ESN-27", "ESN-29"),
        ("probation", "police"),
        ("hmip", "hmicfrs"),
    ),
)

CONTEXT = (
    "Northvale is a synthetic area made for demonstrations. Between the notification and the "
    "fieldwork week, inspectors from Ofsted, the CQC, HMICFRS and HMI Probation looked at how "
    "local agencies respond to children living with domestic abuse.\n\nNothing in this letter "
    "describes a real place, service or person."
)


def _answer(kind: QuestionKind, choices: tuple[str, ...], on: dt.date) -> Any:
    if kind in (QuestionKind.TEXT, QuestionKind.SUMMARY):
        return SUMMARY
    if kind is QuestionKind.YES_NO:
        return True
    if kind is QuestionKind.INTEGER:
        return 1
    if kind is QuestionKind.DATE:
        return on.isoformat()
    if kind is QuestionKind.MULTI_CHOICE:
        return [choices[0]]
    return choices[0]


def _agency_form(registry: Registry, inspectorate: str, framework: str) -> EvidenceForm | None:
    return next(
        (
            o.item
            for o in registry.evidence_forms_of(framework)
            if o.owner == inspectorate and o.item.subject is EvidenceSubject.AGENCY
        ),
        None,
    )


def load_demo_findings(
    session: Session, registry: Registry, demo: DemoInspection, now: dt.datetime | None = None
) -> int:
    """Publish the demo's findings and letter unless it has findings already; returns how many
    findings were published."""
    already = session.scalar(
        select(func.count()).select_from(Finding).where(Finding.inspection_id == demo.inspection_id)
    )
    if already:
        return 0
    now = now or utc_now()
    inspection = session.get(Inspection, demo.inspection_id)
    assert inspection is not None
    team = session.execute(
        select(Inspector)
        .join(TeamMember, TeamMember.inspector_id == Inspector.id)
        .where(TeamMember.inspection_id == inspection.id)
        .order_by(TeamMember.is_lead.desc(), Inspector.id)
    ).scalars()
    first_of: dict[str, Inspector] = {}
    for inspector in team:
        first_of.setdefault(inspector.inspectorate, inspector)
    agencies = session.scalars(
        select(Agency).where(Agency.area_id == inspection.area_id).order_by(Agency.id)
    ).all()

    def viewer(inspector: Inspector) -> Viewer:
        return Viewer(
            role=Role.INSPECTOR, inspector_id=inspector.id, inspectorate=inspector.inspectorate
        )

    evidence: dict[str, int] = {}
    for code, inspector in sorted(first_of.items()):
        form = _agency_form(registry, code, inspection.framework)
        described = registry.inspectorate(code)
        agency = next((a for a in agencies if described and a.kind in described.agency_kinds), None)
        if form is None or agency is None:
            continue
        record = EvidenceRecord(
            inspection_id=inspection.id,
            inspectorate=code,
            form=form.code,
            agency_id=agency.id,
            status="final",
            answers={
                q.code: _answer(
                    q.kind, tuple(c.code for c in q.choices), inspection.notification_date
                )
                for q in form.questions
            },
            recorded_by_id=inspector.id,
            recorded_at=now,
            updated_at=now,
        )
        session.add(record)
        session.flush()
        evidence[code] = record.id

    lead = viewer(first_of["ofsted"])
    published = 0
    for item in FINDINGS:
        finding = wf.create_finding(
            session,
            registry,
            lead,
            inspection,
            wf.FindingContent(
                kind=item.kind,
                title=item.title,
                text=item.text,
                headline=item.headline,
                criteria=item.criteria,
                agency_ids=[a.id for a in agencies if a.kind in item.agency_kinds],
                evidence_ids=[evidence[c] for c in item.evidence_from if c in evidence],
            ),
            now,
        )
        for inspector in first_of.values():
            wf.agree_finding(session, registry, viewer(inspector), inspection, finding, now)
        wf.publish_finding(session, registry, lead, inspection, finding, now)
        published += 1
    rp.update_report(
        session,
        lead,
        inspection,
        rp.ReportChanges(
            context=CONTEXT,
            practice_study_effective="A synthetic practice study: a midwife's referral before "
            "birth led to a plan that kept a baby and her mother safe.",
            practice_study_improvement="A synthetic practice study: a child's account of an "
            "incident was not recorded, so the referral said little about them.",
            next_steps="The partnership should decide how it will respond to these findings.",
            statement_due_on=inspection.notification_date + dt.timedelta(days=70),
        ),
    )
    rp.publish_report(session, registry, lead, inspection, now)
    return published
