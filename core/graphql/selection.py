"""Choosing children over GraphQL: the 20, the tracked 5-7, sampling, and a suggested sample.

The rules live in ``core.workflow.selection``; the mutations call it through ``run_service``, so a
refusal comes back as ``errors`` data (a broken rule's message starts ``Rule '<name>':``), and this
module resolves the ``Inspection`` fields that ``nodes.py`` declares (tests/core/test_selection.py).
The fieldwork (consent, meetings, people to meet) is ``fieldwork.py``.

Who sees what (``core.access``): the children chosen, with their details, reach admins and the
inspection team only. Agency users of the inspected area see what their own actions need and no
more, as the child's id and the local authority's own ID for it, never the child's record: users
of the area's local authority see which children are selected and whether their eight extra fields
have come (``extraFieldsDue``), since the LA sends them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any, TypeVar

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry import relay

from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.errors import UserError
from core.graphql.base.inputs import node_id, node_ids, row_id
from core.graphql.base.mutations import run_service
from core.graphql.base.permissions import roles, scoped_by, signed_in
from core.graphql.context import Info
from core.graphql.list_rows import ListValue
from core.graphql.nodes import Child, InspectionCore, InspectionRef, Inspector, load_inspector
from core.viewer import Role
from core.workflow import sampling
from core.workflow import selection as sel

T = TypeVar("T")


def _list_spec(info: Info, framework: str, code: str) -> c.ListSpec | None:
    for request in info.context.registry.document_requests_of(framework):
        spec = request.item.list_spec
        if spec is not None and spec.code == code:
            return spec
    return None


# --- The children chosen --------------------------------------------------------------------------


def _render(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


async def _extra_fields(
    info: Info, inspection_id: int, framework: str, child_id: int
) -> list[ListValue] | None:
    rows = await info.context.loaders.selection.extra_fields.load(inspection_id)
    row = rows.get(child_id)
    if row is None:
        return None
    spec = _list_spec(info, framework, sel.EXTRA_FIELDS_LIST)
    fields = (
        [(f.name, f.label) for f in spec.fields if f.name != "child_id"]
        if spec is not None
        else [(name, name) for name in sorted(row.values) if name != "child_id"]
    )
    return [
        ListValue(name=name, label=label, value=_render(row.values.get(name)))
        for name, label in fields
    ]


_EXTRA_FIELDS = (
    "The eight extra fields the local authority sends for each selected child (the "
    "'selected-children' list, by mid-afternoon on day two); null until a row for the child "
    "arrives."
)
_MISSING_EXTRA_FIELDS = "True while no 'selected-children' row for the child has arrived."


@strawberry.type(description="One of the (up to) 20 children the lead inspector selected.")
class SelectedChild:
    child: Child = strawberry.field(extensions=scoped_by(access.children_visible_to))
    late: bool = strawberry.field(
        description="Selected after the framework's 'select-children' deadline."
    )
    reason: str | None = strawberry.field(description="Why the child was selected, if given.")
    chosen_at: dt.datetime
    inspection_id: strawberry.Private[int]
    framework: strawberry.Private[str]
    chosen_by_id: strawberry.Private[int | None]

    @staticmethod
    def of(row: m.ChildSelection, child: m.Child, framework: str) -> SelectedChild:
        return SelectedChild(
            child=Child.of(child),
            late=row.late,
            reason=row.reason,
            chosen_at=row.chosen_at,
            inspection_id=row.inspection_id,
            framework=framework,
            chosen_by_id=row.chosen_by_id,
        )

    @strawberry.field(description="The inspector who selected the child.")
    async def chosen_by(self, info: Info) -> Inspector | None:
        return await load_inspector(info, self.chosen_by_id)

    @strawberry.field(description="True once the child is one of the tracked children.")
    async def tracked(self, info: Info) -> bool:
        tracked = await info.context.loaders.selection.tracked.load(self.inspection_id)
        return any(child.id == self.child.id for _, child in tracked)

    @strawberry.field(description=_EXTRA_FIELDS)
    async def extra_fields(self, info: Info) -> list[ListValue] | None:
        return await _extra_fields(info, self.inspection_id, self.framework, self.child.id)

    @strawberry.field(description=_MISSING_EXTRA_FIELDS)
    async def missing_extra_fields(self, info: Info) -> bool:
        found = await _extra_fields(info, self.inspection_id, self.framework, self.child.id)
        return found is None


@strawberry.type(
    description="One of the selected children as the area's local authority sees it: which child "
    "(its own ID for it), and whether the eight extra fields for it have arrived."
)
class ExtraFieldsDue:
    child_id: relay.GlobalID
    local_id: str = strawberry.field(description="The local authority's unique ID for the child.")
    child_pk: strawberry.Private[int]
    inspection_id: strawberry.Private[int]
    framework: strawberry.Private[str]

    @strawberry.field(description=_EXTRA_FIELDS)
    async def extra_fields(self, info: Info) -> list[ListValue] | None:
        return await _extra_fields(info, self.inspection_id, self.framework, self.child_pk)

    @strawberry.field(description=_MISSING_EXTRA_FIELDS)
    async def missing_extra_fields(self, info: Info) -> bool:
        found = await _extra_fields(info, self.inspection_id, self.framework, self.child_pk)
        return found is None


@strawberry.type(description="One of the five to seven children the partnership evaluates jointly.")
class TrackedChild:
    child: Child = strawberry.field(extensions=scoped_by(access.children_visible_to))
    late: bool = strawberry.field(
        description="Named after the framework's 'name-tracked-children' deadline."
    )
    reason: str | None = strawberry.field(description="The reason given when it was selected.")
    chosen_at: dt.datetime
    chosen_by_id: strawberry.Private[int | None]

    @staticmethod
    def of(row: m.ChildSelection, child: m.Child) -> TrackedChild:
        return TrackedChild(
            child=Child.of(child),
            late=row.late,
            reason=row.reason,
            chosen_at=row.chosen_at,
            chosen_by_id=row.chosen_by_id,
        )

    @strawberry.field(description="The inspector who named the child for tracking.")
    async def chosen_by(self, info: Info) -> Inspector | None:
        return await load_inspector(info, self.chosen_by_id)


@strawberry.type(description="A child an inspector sampled from one of the child-level lists.")
class SampledChild:
    child: Child = strawberry.field(extensions=scoped_by(access.children_visible_to))
    list_code: str = strawberry.field(description="The list the child was sampled from.")
    reason: str | None
    chosen_at: dt.datetime
    framework: strawberry.Private[str]
    chosen_by_id: strawberry.Private[int | None]

    @staticmethod
    def of(row: m.ChildSelection, child: m.Child, framework: str) -> SampledChild:
        return SampledChild(
            child=Child.of(child),
            list_code=row.list_code or "",
            reason=row.reason,
            chosen_at=row.chosen_at,
            framework=framework,
            chosen_by_id=row.chosen_by_id,
        )

    @strawberry.field(description="The list's title, from the framework's list specification.")
    def list_title(self, info: Info) -> str | None:
        spec = _list_spec(info, self.framework, self.list_code)
        return spec.title if spec else None

    @strawberry.field(description="The inspector who sampled the child.")
    async def chosen_by(self, info: Info) -> Inspector | None:
        return await load_inspector(info, self.chosen_by_id)


async def selected_children(info: Info, inspection: InspectionCore) -> list[SelectedChild]:
    rows = await info.context.loaders.selection.selected.load(inspection.id)
    return [SelectedChild.of(row, child, inspection.framework_code) for row, child in rows]


async def tracked_children(info: Info, inspection: InspectionCore) -> list[TrackedChild]:
    rows = await info.context.loaders.selection.tracked.load(inspection.id)
    return [TrackedChild.of(row, child) for row, child in rows]


async def sampled_children(info: Info, inspection: InspectionCore) -> list[SampledChild]:
    rows = await info.context.loaders.selection.sampled.load(inspection.id)
    return [SampledChild.of(row, child, inspection.framework_code) for row, child in rows]


async def tracking_complete(info: Info, inspection: InspectionCore) -> bool:
    counts = await info.context.loaders.selection.counts.load(inspection.id)
    return sel.tracking_complete(counts.get(sel.Kind.TRACKED.value, 0))


async def selection_complete(info: Info, inspection: InspectionCore) -> bool:
    counts = await info.context.loaders.selection.counts.load(inspection.id)
    return sel.selection_complete(counts.get(sel.Kind.SELECTED.value, 0))


async def extra_fields_due(info: Info, inspection: InspectionCore) -> list[ExtraFieldsDue]:
    rows = await info.context.loaders.selection.selected_for_area.load(inspection.id)
    return [
        ExtraFieldsDue(
            child_id=relay.GlobalID("Child", str(child.id)),
            local_id=child.local_id,
            child_pk=child.id,
            inspection_id=inspection.id,
            framework=inspection.framework_code,
        )
        for _, child in rows
    ]


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


@strawberry.type(description="How many children of one group the sample would hold.")
class SpreadCount:
    dimension: str = strawberry.field(
        description="list, age band, gender, ethnicity or disability."
    )
    value: str
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
            SpreadCount(dimension=dimension, value=value, count=count)
            for dimension in sampling.DIMENSIONS
            for value, count in sorted(suggested.spread[dimension].items())
        ],
    )


# --- Mutations ------------------------------------------------------------------------------------


@strawberry.input
class SelectChildrenInput:
    inspection_id: relay.GlobalID
    child_ids: list[relay.GlobalID] = strawberry.field(description="Children to select.")
    reasons: list[str | None] | None = strawberry.field(
        default=None,
        description="One reason per child, in the same order (e.g. a suggestion's reasons).",
    )


@strawberry.type
class SelectChildrenPayload:
    inspection: InspectionRef | None
    selected: list[SelectedChild] = strawberry.field(
        description="The children asked for, selected (now or before).",
        extensions=scoped_by(access.children_visible_to),
    )
    errors: list[UserError]


@strawberry.input
class DeselectChildInput:
    inspection_id: relay.GlobalID
    child_id: relay.GlobalID


@strawberry.type
class DeselectChildPayload:
    inspection: InspectionRef | None
    errors: list[UserError]


@strawberry.input
class TrackChildrenInput:
    inspection_id: relay.GlobalID
    child_ids: list[relay.GlobalID] = strawberry.field(
        description="Selected children to track; five to seven in all."
    )


@strawberry.type
class TrackChildrenPayload:
    inspection: InspectionRef | None
    tracked: list[TrackedChild] = strawberry.field(
        description="The children asked for, tracked (now or before).",
        extensions=scoped_by(access.children_visible_to),
    )
    errors: list[UserError]


@strawberry.input
class SampleChildInput:
    inspection_id: relay.GlobalID
    child_id: relay.GlobalID
    list_code: str = strawberry.field(
        description="The child-level list: contacts, early-help, referrals, assessments or "
        "section-47."
    )
    reason: str = strawberry.field(description="Why this child, at this point of their journey.")


@strawberry.type
class SampleChildPayload:
    inspection: InspectionRef | None
    sampled: SampledChild | None = strawberry.field(
        extensions=scoped_by(access.children_visible_to)
    )
    errors: list[UserError]


def _with_children(
    session: Session, rows: Sequence[m.ChildSelection]
) -> list[tuple[m.ChildSelection, m.Child]]:
    """Each selection with its child, the children loaded in one statement."""
    ids = [row.child_id for row in rows]
    children = {c.id: c for c in session.scalars(select(m.Child).where(m.Child.id.in_(ids)))}
    return [(row, children[row.child_id]) for row in rows]


def _touch_children(info: Info, rows: Sequence[m.ChildSelection]) -> None:
    info.context.touch("Child", (row.child_id for row in rows))


@strawberry.type
class SelectionMutations:
    """Mutations of choosing children and arranging the fieldwork; Mutation inherits them."""

    @strawberry.mutation(
        description="Select children living with domestic abuse from the children-in-need and "
        "child-protection-plan lists (the lead inspector): at most 20, each flagged Y and in the "
        "framework's age scope; all or nothing. After the 'select-children' deadline the "
        "selection is recorded as late.",
        extensions=signed_in(),
    )
    def select_children(self, info: Info, input: SelectChildrenInput) -> SelectChildrenPayload:
        def call(session: Session) -> tuple[m.Inspection, list[tuple[m.ChildSelection, m.Child]]]:
            inspection_id = node_id("input.inspectionId", input.inspection_id, "Inspection")
            child_ids = node_ids("input.childIds", input.child_ids, "Child")
            inspection, rows = sel.select_children(
                session,
                info.context.registry,
                info.context.viewer,
                inspection_id,
                child_ids,
                input.reasons,
                now=info.context.asked_at,
            )
            _touch_children(info, rows)
            return inspection, _with_children(session, rows)

        done, errors = run_service(info, call)
        if done is None:
            return SelectChildrenPayload(inspection=None, selected=[], errors=errors)
        inspection, rows = done
        return SelectChildrenPayload(
            inspection=InspectionCore.of(inspection),
            selected=[SelectedChild.of(row, child, inspection.framework) for row, child in rows],
            errors=[],
        )

    @strawberry.mutation(
        description="Take a child out of the selected children (the lead inspector), unless the "
        "child is tracked.",
        extensions=signed_in(),
    )
    def deselect_child(self, info: Info, input: DeselectChildInput) -> DeselectChildPayload:
        def call(session: Session) -> m.Inspection:
            inspection_id = node_id("input.inspectionId", input.inspection_id, "Inspection")
            child_id = node_id("input.childId", input.child_id, "Child")
            inspection = sel.deselect_child(session, info.context.viewer, inspection_id, child_id)
            info.context.touch("Child", (child_id,))
            return inspection

        inspection, errors = run_service(info, call)
        return DeselectChildPayload(
            inspection=InspectionCore.of(inspection) if inspection else None, errors=errors
        )

    @strawberry.mutation(
        description="Name selected children for the partnership to evaluate jointly (the lead "
        "inspector): five to seven in all, an eighth is refused. Their per-child requests (case "
        "files, the joint evaluation, consent) are issued at once. After the "
        "'name-tracked-children' deadline the tracking is recorded as late.",
        extensions=signed_in(),
    )
    def track_children(self, info: Info, input: TrackChildrenInput) -> TrackChildrenPayload:
        def call(session: Session) -> tuple[m.Inspection, list[tuple[m.ChildSelection, m.Child]]]:
            inspection_id = node_id("input.inspectionId", input.inspection_id, "Inspection")
            child_ids = node_ids("input.childIds", input.child_ids, "Child")
            inspection, rows = sel.track_children(
                session,
                info.context.registry,
                info.context.viewer,
                inspection_id,
                child_ids,
                now=info.context.asked_at,
            )
            _touch_children(info, rows)
            return inspection, _with_children(session, rows)

        done, errors = run_service(info, call)
        if done is None:
            return TrackChildrenPayload(inspection=None, tracked=[], errors=errors)
        inspection, rows = done
        return TrackChildrenPayload(
            inspection=InspectionCore.of(inspection),
            tracked=[TrackedChild.of(row, child) for row, child in rows],
            errors=[],
        )

    @strawberry.mutation(
        description="Sample a child from one of the child-level lists it is on (any inspector on "
        "the team).",
        extensions=signed_in(),
    )
    def sample_child(self, info: Info, input: SampleChildInput) -> SampleChildPayload:
        def call(session: Session) -> tuple[m.Inspection, m.ChildSelection, m.Child]:
            inspection_id = node_id("input.inspectionId", input.inspection_id, "Inspection")
            child_id = node_id("input.childId", input.child_id, "Child")
            inspection, row = sel.sample_child(
                session,
                info.context.viewer,
                inspection_id,
                child_id,
                input.list_code,
                input.reason,
                now=info.context.asked_at,
            )
            _touch_children(info, [row])
            return inspection, row, session.get_one(m.Child, row.child_id)

        done, errors = run_service(info, call)
        if done is None:
            return SampleChildPayload(inspection=None, sampled=None, errors=errors)
        inspection, row, child = done
        return SampleChildPayload(
            inspection=InspectionCore.of(inspection),
            sampled=SampledChild.of(row, child, inspection.framework),
            errors=[],
        )


@strawberry.type
class SelectionFields(InspectionCore):
    """The hub's fields resolved here: the children chosen and sampled."""

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
        extensions=[
            *roles(Role.INSPECTOR, Role.ADMIN),
            *scoped_by(access.children_visible_to),
        ],
    )
    async def suggest_sample(
        self, info: Info, inspection_id: relay.GlobalID, seed: int | None = None
    ) -> SampleSuggestion | None:
        return await suggest_sample(info, inspection_id, seed)
