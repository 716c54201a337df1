"""Choosing children's fields on the Inspection hub and at the root."""

from __future__ import annotations

import strawberry
from strawberry import relay

from core import access
from core.graphql.base.permissions import roles, scoped_by
from core.graphql.context import Info
from core.graphql.nodes import InspectionCore
from core.graphql.selection.suggestion import SampleSuggestion, suggest_sample
from core.graphql.selection.types import (
    ExtraFieldsDue,
    SampledChild,
    SelectedChild,
    TrackedChild,
    UntrackedChild,
    extra_fields_due,
    sampled_children,
    selected_children,
    selection_complete,
    tracked_children,
    tracking_complete,
    untracked_children,
)
from core.viewer import Role
from core.workflow.rules import is_lead


@strawberry.type
class SelectionFields(InspectionCore):
    """The hub's fields resolved here: the children chosen and sampled."""

    @strawberry.field(
        description="Whether you may choose this inspection's children (selectChildren, "
        "deselectChild, trackChildren): its lead inspector, by the rule those mutations apply "
        "before looking at the children."
    )
    async def viewer_can_select_children(self, info: Info) -> bool:
        context = info.context
        inspection = await context.loaders.inspection.load(self.id)  # visible, as the rule asks
        return inspection is not None and is_lead(context.session, context.viewer, inspection)

    @strawberry.field(
        description="The (up to 20) children the lead inspector selected, with their extra fields.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def selected_children(self, info: Info) -> list[SelectedChild]:
        return await selected_children(info, self)

    @strawberry.field(
        description="The five to seven children the partnership evaluates jointly.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def tracked_children(self, info: Info) -> list[TrackedChild]:
        return await tracked_children(info, self)

    @strawberry.field(
        description="Children taken out of tracking, oldest first: when, by whom and why.",
        extensions=scoped_by(access.children_visible_to),
    )
    def untracked_children(self, info: Info) -> list[UntrackedChild]:
        return untracked_children(info, self)

    @strawberry.field(description="True once five to seven children are tracked.")
    async def tracking_complete(self, info: Info) -> bool:
        return await tracking_complete(info, self)

    @strawberry.field(
        description="True once the lead inspector has selected the 20 children the guidance asks "
        "for; false while fewer are chosen (19 is a selection under way)."
    )
    async def selection_complete(self, info: Info) -> bool:
        return await selection_complete(info, self)

    @strawberry.field(
        description="Children inspectors sampled from the child-level lists.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def sampled_children(self, info: Info) -> list[SampledChild]:
        return await sampled_children(info, self)

    @strawberry.field(
        description="The selected children and whether their extra fields have arrived: for the "
        "team and for users of the area's local authority, who send them.",
        extensions=scoped_by(access.selected_children_visible_to),
    )
    async def extra_fields_due(self, info: Info) -> list[ExtraFieldsDue]:
        return await extra_fields_due(info, self)


@strawberry.type
class SelectionQueries:
    """The root fields of choosing children."""

    @strawberry.field(
        description="Suggest children to fill the inspection's 20: eligible under every selection "
        "rule, balanced across list, age band, gender, ethnicity and disability, each with the "
        "reason. The same seed and the same lists give the same children; with no seed, one is "
        "drawn and returned. It selects nothing (inspectors on the team and admins).",
        extensions=[*roles(Role.INSPECTOR, Role.ADMIN), *scoped_by(access.children_visible_to)],
    )
    async def suggest_sample(
        self, info: Info, inspection_id: relay.GlobalID, seed: int | None = None
    ) -> SampleSuggestion | None:
        return await suggest_sample(info, inspection_id, seed)
