"""The thematic view across a round of inspections (seed 004): how many strengths, areas for
improvement and areas for priority action were published against each criterion and each kind of
agency, and in how many of the round's areas.

A round is every inspection under one framework. Only published findings count; a finding citing
two criteria counts once for each, and a finding about two police forces counts once for police.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.contributions import AgencyKind
from core.models import Agency, Finding, FindingAgency, FindingCriterion, Inspection, LocalArea
from core.registry import Registry

PUBLISHED = "published"
KINDS = ("strength", "area_for_improvement", "priority_action")


@dataclass
class Tally:
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    areas: set[str] = field(default_factory=set)
    areas_by_kind: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})

    def add(self, kind: str, count: int, area: str) -> None:
        self.by_kind[kind] = self.by_kind.get(kind, 0) + count
        self.areas.add(area)
        self.areas_by_kind.setdefault(kind, set()).add(area)


@dataclass(frozen=True, slots=True)
class ThematicView:
    framework: str
    areas: list[tuple[str, str]]  # (code, name) of the areas with published findings
    inspections: int
    findings: int
    by_criterion: list[tuple[str, Tally]]  # every criterion of the framework, in its order
    by_agency_kind: list[tuple[AgencyKind, Tally]]  # every agency kind, in enum order
    totals: Tally


def thematic_view(session: Session, registry: Registry, framework: str) -> ThematicView:
    published = (Finding.status == PUBLISHED, Inspection.framework == framework)
    base = (
        select(Finding.kind, LocalArea.code)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .join(LocalArea, LocalArea.id == Inspection.area_id)
        .where(*published)
    )
    totals = Tally()
    for kind, area, count in session.execute(
        base.add_columns(func.count(Finding.id)).group_by(Finding.kind, LocalArea.code)
    ):
        totals.add(kind, count, area)
    by_criterion: dict[str, Tally] = defaultdict(Tally)
    for code, kind, area, count in session.execute(
        select(FindingCriterion.criterion_code, Finding.kind, LocalArea.code, func.count())
        .join(Finding, Finding.id == FindingCriterion.finding_id)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .join(LocalArea, LocalArea.id == Inspection.area_id)
        .where(*published)
        .group_by(FindingCriterion.criterion_code, Finding.kind, LocalArea.code)
    ):
        by_criterion[code].add(kind, count, area)
    by_agency: dict[str, Tally] = defaultdict(Tally)
    for agency_kind, kind, area, count in session.execute(
        select(Agency.kind, Finding.kind, LocalArea.code, func.count(func.distinct(Finding.id)))
        .select_from(FindingAgency)
        .join(Agency, Agency.id == FindingAgency.agency_id)
        .join(Finding, Finding.id == FindingAgency.finding_id)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .join(LocalArea, LocalArea.id == Inspection.area_id)
        .where(*published)
        .group_by(Agency.kind, Finding.kind, LocalArea.code)
    ):
        by_agency[agency_kind].add(kind, count, area)
    areas = session.execute(
        select(LocalArea.code, LocalArea.name)
        .join(Inspection, Inspection.area_id == LocalArea.id)
        .join(Finding, Finding.inspection_id == Inspection.id)
        .where(*published)
        .distinct()
        .order_by(LocalArea.code)
    ).all()
    inspections = session.scalar(
        select(func.count(func.distinct(Finding.inspection_id)))
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .where(*published)
    )
    return ThematicView(
        framework=framework,
        areas=[(code, name) for code, name in areas],
        inspections=inspections or 0,
        findings=sum(totals.by_kind.values()),
        by_criterion=[
            (o.item.code, by_criterion.get(o.item.code, Tally()))
            for o in registry.criteria_of(framework)
        ],
        by_agency_kind=[(kind, by_agency.get(kind.value, Tally())) for kind in AgencyKind],
        totals=totals,
    )
