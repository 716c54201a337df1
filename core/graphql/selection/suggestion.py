"""A suggested sample of children, spread across the groups the framework names."""

from __future__ import annotations

import random
from enum import Enum

import strawberry
from strawberry import relay

from core import access
from core.graphql.base.inputs import row_id
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Info
from core.graphql.nodes import Child
from core.workflow import sampling

# --- Suggesting a sample --------------------------------------------------------------------------


@strawberry.type(description="A child the suggestion puts forward, and why.")
class SuggestedChild:
    child: Child = strawberry.field(extensions=scoped_by(access.children_visible_to))
    reason: str = strawberry.field(
        description="The child's groups and the under-represented group it fills."
    )
    list: str = strawberry.field(description="'child protection plan' or 'child in need'.")
    age_band: str = strawberry.field(description="unborn, 0-4, 5-10, 11-15 or 16+.")
    gender: str
    ethnicity: str
    disability: str


@strawberry.enum(description="A way the suggested sample is balanced: the groups it spreads over.")
class SampleDimension(Enum):
    LIST = sampling.LIST
    AGE_BAND = sampling.AGE_BAND
    GENDER = sampling.GENDER
    ETHNICITY = sampling.ETHNICITY
    DISABILITY = sampling.DISABILITY


@strawberry.type(description="How many children of one group the sample would hold.")
class SpreadCount:
    dimension: SampleDimension
    value: str = strawberry.field(
        description="The group, as the suggestion's fields of the dimension give it."
    )
    count: int


@strawberry.type(
    description="A reproducible suggestion of children to fill the 20: the same seed and the same "
    "lists give the same children. It changes nothing; pass the children and their reasons to "
    "selectChildren to select them."
)
class SampleSuggestion:
    seed: int = strawberry.field(description="Pass it again to get the same suggestion.")
    eligible_count: int = strawberry.field(
        description="Children who pass every selection rule, selected already or not."
    )
    already_selected: int
    suggestions: list[SuggestedChild] = strawberry.field(
        extensions=scoped_by(access.children_visible_to)
    )
    spread: list[SpreadCount] = strawberry.field(
        description="The children selected already plus the suggestions, by group."
    )


async def suggest_sample(
    info: Info, inspection_id: relay.GlobalID, seed: int | None
) -> SampleSuggestion | None:
    pk = row_id(inspection_id.node_id) if inspection_id.type_name == "Inspection" else None
    if pk is None:
        return None
    row = await info.context.loaders.inspection.load(pk)
    viewer = info.context.viewer
    if row is None:
        return None
    used_seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    suggested = sampling.suggest_sample(
        info.context.session,
        info.context.registry,
        row,
        used_seed,
        visible=access.children_visible_to(viewer),
    )
    info.context.touch("Child", (s.child.id for s in suggested.suggestions))
    return SampleSuggestion(
        seed=suggested.seed,
        eligible_count=suggested.eligible,
        already_selected=suggested.already_selected,
        suggestions=[
            SuggestedChild(
                child=Child.of(s.child),
                reason=s.reason,
                list=s.profile.list,
                age_band=s.profile.age_band,
                gender=s.profile.gender,
                ethnicity=s.profile.ethnicity,
                disability=s.profile.disability,
            )
            for s in suggested.suggestions
        ],
        spread=[
            SpreadCount(dimension=SampleDimension(dimension), value=value, count=count)
            for dimension in sampling.DIMENSIONS
            for value, count in sorted(suggested.spread[dimension].items())
        ],
    )
