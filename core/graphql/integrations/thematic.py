"""The thematic view: published findings counted across a round."""

from __future__ import annotations

import strawberry

from core.graphql.base.enums import AgencyKind
from core.graphql.integrations.published import PublishedFindingArea
from core.graphql.reference import Criterion, Framework
from core.integrations.thematic import Tally

# --- The thematic view --------------------------------------------------------------------------


@strawberry.type(description="Published findings of each kind, and in how many areas.")
class FindingCounts:
    strengths: int
    areas_for_improvement: int
    priority_actions: int
    areas: int = strawberry.field(description="How many areas had at least one of them.")
    areas_with_strengths: int
    areas_with_areas_for_improvement: int
    areas_with_priority_actions: int

    @staticmethod
    def of(tally: Tally) -> FindingCounts:
        return FindingCounts(
            strengths=tally.by_kind["strength"],
            areas_for_improvement=tally.by_kind["area_for_improvement"],
            priority_actions=tally.by_kind["priority_action"],
            areas=len(tally.areas),
            areas_with_strengths=len(tally.areas_by_kind["strength"]),
            areas_with_areas_for_improvement=len(tally.areas_by_kind["area_for_improvement"]),
            areas_with_priority_actions=len(tally.areas_by_kind["priority_action"]),
        )


@strawberry.type(description="Counts for one criterion of the framework.")
class CriterionCounts:
    criterion: Criterion
    counts: FindingCounts


@strawberry.type(description="Counts for one kind of agency.")
class AgencyKindCounts:
    agency_kind: AgencyKind
    counts: FindingCounts


@strawberry.type(
    description="Across a round of inspections (every inspection under one framework): how many "
    "strengths, areas for improvement and areas for priority action were published, by criterion "
    "and by kind of agency, and in how many of the areas."
)
class ThematicView:
    framework: Framework
    areas: list[PublishedFindingArea] = strawberry.field(
        description="The areas with published findings."
    )
    inspections: int
    findings: int
    totals: FindingCounts
    by_criterion: list[CriterionCounts] = strawberry.field(
        description="Every criterion of the framework, in its order, with zero counts too."
    )
    by_agency_kind: list[AgencyKindCounts]
