"""Selecting, deselecting, tracking and sampling children."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry import relay

from core import access
from core import models as m
from core.graphql.base.domain_errors import SelectionError
from core.graphql.base.inputs import node_id, node_ids
from core.graphql.base.mutations import run_service
from core.graphql.base.permissions import scoped_by, signed_in
from core.graphql.context import Info
from core.graphql.nodes import InspectionCore, InspectionRef
from core.graphql.selection.types import (
    SampledChild,
    SelectedChild,
    TrackedChild,
    UntrackedChild,
)
from core.workflow import selection as sel

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
    errors: list[SelectionError]


@strawberry.input
class DeselectChildInput:
    inspection_id: relay.GlobalID
    child_id: relay.GlobalID


@strawberry.type
class DeselectChildPayload:
    inspection: InspectionRef | None
    errors: list[SelectionError]


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
    errors: list[SelectionError]


@strawberry.input
class UntrackChildrenInput:
    inspection_id: relay.GlobalID
    child_ids: list[relay.GlobalID] = strawberry.field(description="Tracked children to untrack.")
    reason: str | None = strawberry.field(
        default=None,
        description="Why (recorded); required once the joint evaluations are due.",
    )


@strawberry.type
class UntrackChildrenPayload:
    inspection: InspectionRef | None
    untracked: list[UntrackedChild] = strawberry.field(
        description="The children asked for, untracked now.",
        extensions=scoped_by(access.children_visible_to),
    )
    cancelled_request_ids: list[relay.GlobalID] = strawberry.field(
        description="The per-child requests cancelled (status CANCELLED in the tracker)."
    )
    errors: list[SelectionError]


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
    errors: list[SelectionError]


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

        done, errors = run_service(info, call, errors=SelectionError)
        if done is None:
            return SelectChildrenPayload(inspection=None, selected=[], errors=errors)
        inspection, rows = done
        return SelectChildrenPayload(
            inspection=InspectionCore.of(inspection),
            selected=[
                SelectedChild.of(row, child, inspection.framework, info.context)
                for row, child in rows
            ],
            errors=[],
        )

    @strawberry.mutation(
        description="Take a child out of the selected children (the lead inspector); a tracked "
        "child is refused until untracked (untrackChildren).",
        extensions=signed_in(),
    )
    def deselect_child(self, info: Info, input: DeselectChildInput) -> DeselectChildPayload:
        def call(session: Session) -> m.Inspection:
            inspection_id = node_id("input.inspectionId", input.inspection_id, "Inspection")
            child_id = node_id("input.childId", input.child_id, "Child")
            inspection = sel.deselect_child(session, info.context.viewer, inspection_id, child_id)
            info.context.touch("Child", (child_id,))
            return inspection

        inspection, errors = run_service(info, call, errors=SelectionError)
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

        done, errors = run_service(info, call, errors=SelectionError)
        if done is None:
            return TrackChildrenPayload(inspection=None, tracked=[], errors=errors)
        inspection, rows = done
        return TrackChildrenPayload(
            inspection=InspectionCore.of(inspection),
            tracked=[TrackedChild.of(row, child, info.context) for row, child in rows],
            errors=[],
        )

    @strawberry.mutation(
        description="Take tracked children out of tracking (the lead inspector): each child's "
        "per-child requests not yet answered are cancelled (kept, with status CANCELLED, and the "
        "agencies see it in myRequests); answered ones and evidence stay, the child stays "
        "selected, and trackingComplete is recomputed. After the joint evaluations are due, "
        "only with a reason, which is recorded.",
        extensions=signed_in(),
    )
    def untrack_children(self, info: Info, input: UntrackChildrenInput) -> UntrackChildrenPayload:
        def call(session: Session) -> tuple[m.Inspection, list[sel.Untracked]]:
            inspection_id = node_id("input.inspectionId", input.inspection_id, "Inspection")
            child_ids = node_ids("input.childIds", input.child_ids, "Child")
            inspection, done = sel.untrack_children(
                session,
                info.context.registry,
                info.context.viewer,
                inspection_id,
                child_ids,
                input.reason,
                now=info.context.asked_at,
            )
            info.context.touch("Child", (u.child.id for u in done))
            info.context.touch("IssuedRequest", (i for u in done for i in u.cancelled_request_ids))
            return inspection, done

        result, errors = run_service(info, call, errors=SelectionError)
        if result is None:
            return UntrackChildrenPayload(
                inspection=None, untracked=[], cancelled_request_ids=[], errors=errors
            )
        inspection, done = result
        return UntrackChildrenPayload(
            inspection=InspectionCore.of(inspection),
            untracked=[UntrackedChild.of(u.untracking, u.child) for u in done],
            cancelled_request_ids=[
                relay.GlobalID("IssuedRequest", str(i))
                for u in done
                for i in u.cancelled_request_ids
            ],
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
                info.context.registry,
                info.context.viewer,
                inspection_id,
                child_id,
                input.list_code,
                input.reason,
                now=info.context.asked_at,
            )
            _touch_children(info, [row])
            return inspection, row, session.get_one(m.Child, row.child_id)

        done, errors = run_service(info, call, errors=SelectionError)
        if done is None:
            return SampleChildPayload(inspection=None, sampled=None, errors=errors)
        inspection, row, child = done
        return SampleChildPayload(
            inspection=InspectionCore.of(inspection),
            sampled=SampledChild.of(row, child, inspection.framework),
            errors=[],
        )
