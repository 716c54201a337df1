"""How far an inspection's evidence covers its framework's criteria: per criterion, and per
inspectorate taking part, how many records cite it, how many are FINAL, and which children and
agencies they are about.

Only admins and the inspection's team see it (``None`` for anyone else), and only the evidence
``core.access`` lets the viewer see is counted. tests/core/test_findings.py asserts the tallies
and tests/core/test_statement_counts.py its cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import access
from core.contributions import Criterion, Inspectorate
from core.models import EvidenceRecord, Inspection
from core.registry import Owned, Registry
from core.viewer import Role, Viewer
from core.workflow import participation
from core.workflow.evidence import criteria_evidenced
from core.workflow.rules import on_team

FINAL = "final"  # EvidenceRecord.status of complete evidence


@dataclass(frozen=True, slots=True)
class InspectorateCoverage:
    inspectorate: Inspectorate
    evidence_count: int
    final_count: int
    child_ids: tuple[int, ...]  # sorted
    agency_ids: tuple[int, ...]  # sorted


@dataclass(frozen=True, slots=True)
class CriterionCoverage:
    criterion: Owned[Criterion]
    evidence_count: int
    final_count: int
    by_inspectorate: tuple[InspectorateCoverage, ...]  # every one taking part, in registry order


@dataclass(frozen=True, slots=True)
class Coverage:
    evidence_count: int
    criteria: tuple[CriterionCoverage, ...]  # every criterion of the framework, in its order


@dataclass
class _Tally:
    records: set[int] = field(default_factory=set)
    final: set[int] = field(default_factory=set)
    children: set[int] = field(default_factory=set)
    agencies: set[int] = field(default_factory=set)


_NOTHING = _Tally()  # a criterion no record evidences (only ever read)


def evidence_coverage(
    session: Session, registry: Registry, viewer: Viewer, inspection_id: int, framework: str
) -> Coverage | None:
    """The coverage of ``inspection_id``'s evidence, or None unless the viewer is an admin or on
    its team."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or not (
        viewer.role is Role.ADMIN or on_team(session, viewer, inspection)
    ):
        return None
    # Core rows of the columns read below: ORM entities cost the dashboard ~1 ms.
    records = session.execute(
        select(
            EvidenceRecord.id,
            EvidenceRecord.inspectorate,
            EvidenceRecord.form,
            EvidenceRecord.answers,
            EvidenceRecord.status,
            EvidenceRecord.child_id,
            EvidenceRecord.agency_id,
        )
        .where(EvidenceRecord.inspection_id == inspection_id, access.evidence_visible_to(viewer))
        .order_by(EvidenceRecord.id)
    ).all()
    tallies: dict[tuple[str, str], _Tally] = {}
    for record in records:
        form = registry.evidence_form(record.inspectorate, record.form)
        if form is None:
            continue  # a form its plugin no longer contributes: nothing to read it by
        for code in criteria_evidenced(form.item, record.answers or {}):
            tally = tallies.setdefault((code, record.inspectorate), _Tally())
            tally.records.add(record.id)
            if record.status == FINAL:
                tally.final.add(record.id)
            if record.child_id is not None:
                tally.children.add(record.child_id)
            if record.agency_id is not None:
                tally.agencies.add(record.agency_id)
    taking_part = participation.taking_part(session, registry, inspection)
    codes = {i.code for i in taking_part}
    criteria = []
    for owned in registry.criteria_of(framework):
        if owned.owner not in codes:
            continue  # led by an inspectorate that joined the framework after this inspection
        per = [(i, tallies.get((owned.item.code, i.code), _NOTHING)) for i in taking_part]
        criteria.append(
            CriterionCoverage(
                criterion=owned,
                evidence_count=len(set().union(*(t.records for _, t in per))),
                final_count=len(set().union(*(t.final for _, t in per))),
                by_inspectorate=tuple(
                    InspectorateCoverage(
                        inspectorate=i,
                        evidence_count=len(t.records),
                        final_count=len(t.final),
                        child_ids=tuple(sorted(t.children)),
                        agency_ids=tuple(sorted(t.agencies)),
                    )
                    for i, t in per
                ),
            )
        )
    return Coverage(evidence_count=len(records), criteria=tuple(criteria))
