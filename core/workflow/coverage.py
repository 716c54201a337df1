"""How far an inspection's evidence covers its framework's criteria: per criterion, and per
inspectorate taking part, how many records cite it, how many are FINAL, and which children and
agencies they are about.

Only admins and the inspection's team see it (``None`` for anyone else), and only the evidence
``core.access`` lets the viewer see is counted: one statement, built once per process
(``core.prepared``). tests/core/test_evidence_rules.py asserts the tallies and
tests/core/test_statement_counts.py their cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, select, true
from sqlalchemy.orm import Session

from core import access
from core.contributions import Criterion, Inspectorate
from core.models import EvidenceRecord, Inspection, TeamMember
from core.prepared import prepared, viewer_values
from core.registry import Owned, Registry
from core.viewer import Role, Viewer
from core.workflow.evidence import criteria_evidenced

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


@dataclass(slots=True)
class _Tally:
    """The records of one inspectorate citing one criterion. A record cites each criterion at most
    once, and has one inspectorate, so counts add up across inspectorates without a set."""

    records: int = 0
    final: int = 0
    children: set[int] = field(default_factory=set)
    agencies: set[int] = field(default_factory=set)


def _allowed_and_records(viewer: Viewer) -> Select[Any]:
    """Whether the viewer may see the coverage (an admin, or an inspector on the team), on every
    row, with the columns of the visible evidence records read below (Core rows: ORM entities
    cost the dashboard ~1 ms); one row of nulls when there are none, and no row without the
    inspection. One statement, built once per kind of viewer."""

    def build(stand_in: Viewer) -> Select[Any]:
        allowed: ColumnElement[bool] = true()
        if stand_in.role is not Role.ADMIN:
            allowed = (
                select(TeamMember.id)
                .where(
                    TeamMember.inspection_id == Inspection.id,
                    TeamMember.inspector_id == stand_in.inspector_id,
                )
                .exists()
            )
        visible = and_(
            EvidenceRecord.inspection_id == Inspection.id, access.evidence_visible_to(stand_in)
        )
        return (
            select(
                allowed.label("allowed"),
                EvidenceRecord.id,
                EvidenceRecord.inspectorate,
                EvidenceRecord.form,
                EvidenceRecord.answers,
                EvidenceRecord.status,
                EvidenceRecord.child_id,
                EvidenceRecord.agency_id,
            )
            .select_from(Inspection)
            .outerjoin(EvidenceRecord, visible)
            .where(Inspection.id == bindparam("inspection_id"))
            .order_by(EvidenceRecord.id)
        )

    return prepared("coverage: allowed, records", viewer, build)


def evidence_coverage(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection_id: int,
    framework: str,
    taking_part_codes: Sequence[str],
) -> Coverage | None:
    """The coverage of ``inspection_id``'s evidence, or None unless the viewer is an admin or on
    its team. ``taking_part_codes``: the inspectorates taking part, sorted
    (``participation.participant_codes``; the graph has them from its loader)."""
    if viewer.role is not Role.ADMIN and (
        viewer.role is not Role.INSPECTOR or viewer.inspector_id is None
    ):
        return None  # only admins and team members: no need to ask the database
    values = {"inspection_id": inspection_id, **viewer_values(viewer)}
    found = session.execute(_allowed_and_records(viewer), values).all()
    if not found or not found[0].allowed:
        return None
    records = [row for row in found if row.id is not None]
    tallies: dict[tuple[str, str], _Tally] = {}
    for record in records:
        form = registry.evidence_form(record.inspectorate, record.form)
        if form is None:
            continue  # a form its plugin no longer contributes: nothing to read it by
        final = record.status == FINAL
        for code in criteria_evidenced(form.item, record.answers or {}):
            tally = tallies.get((code, record.inspectorate))
            if tally is None:
                tally = tallies[(code, record.inspectorate)] = _Tally()
            tally.records += 1
            tally.final += final
            if record.child_id is not None:
                tally.children.add(record.child_id)
            if record.agency_id is not None:
                tally.agencies.add(record.agency_id)
    # The inspectorates taking part whose plugins are installed (participation.taking_part).
    taking_part = [
        inspectorate
        for code in taking_part_codes
        if (inspectorate := registry.inspectorate(code)) is not None
    ]
    codes = {i.code for i in taking_part}
    # Most criteria have no evidence from most inspectorates: one shared row for each.
    nothing = {i.code: InspectorateCoverage(i, 0, 0, (), ()) for i in taking_part}
    criteria = []
    for owned in registry.criteria_of(framework):
        if owned.owner not in codes:
            continue  # led by an inspectorate that joined the framework after this inspection
        per = []
        evidence_count = final_count = 0
        for inspectorate in taking_part:
            tally = tallies.get((owned.item.code, inspectorate.code))
            if tally is None:
                per.append(nothing[inspectorate.code])
                continue
            evidence_count += tally.records
            final_count += tally.final
            per.append(
                InspectorateCoverage(
                    inspectorate=inspectorate,
                    evidence_count=tally.records,
                    final_count=tally.final,
                    child_ids=tuple(sorted(tally.children)),
                    agency_ids=tuple(sorted(tally.agencies)),
                )
            )
        criteria.append(
            CriterionCoverage(
                criterion=owned,
                evidence_count=evidence_count,
                final_count=final_count,
                by_inspectorate=tuple(per),
            )
        )
    return Coverage(evidence_count=len(records), criteria=tuple(criteria))
