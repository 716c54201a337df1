"""The children chosen for an inspection: selected, tracked, sampled, and the extra fields due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import Any, cast

import strawberry
from sqlalchemy import select
from strawberry import relay

from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.permissions import scoped_by, scoped_in_sql
from core.graphql.context import Context, Info
from core.graphql.list_rows import ListValue
from core.graphql.nodes import Child, InspectionCore, Inspector, load_inspector
from core.workflow import selection as sel


def _chooser(info: Info, inspector_id: int | None) -> Inspector | None:
    """Who chose a child: joined by the selection's statement when the viewer may see them (no
    task per child), else through the inspector loader (graphql-core awaits it)."""
    if inspector_id is None:
        return None
    found = info.context.loaders.selection.choosers.get(inspector_id)
    if found is None:
        return load_inspector(info, inspector_id)  # type: ignore[return-value]
    return Inspector.made(info.context.registry, inspector_id, *found)


class _ChooserLater:
    """Who chose a child, when the selection's statement did not join them: loaded only if the
    field is read, when graphql-core awaits it as it would a resolver's coroutine (made only
    then, so an unread one leaves no coroutine behind)."""

    __slots__ = ("_context", "_inspector_id")

    def __init__(self, context: Context, inspector_id: int) -> None:
        self._context = context
        self._inspector_id = inspector_id

    def __await__(self) -> Generator[Any, None, Inspector | None]:
        return self._load().__await__()

    async def _load(self) -> Inspector | None:
        row = await self._context.loaders.inspector.load(self._inspector_id)
        return Inspector.of(row, self._context.registry) if row else None


def _chosen_by(context: Context, inspector_id: int | None) -> Inspector | None:
    """A plain field's value: the joined inspector (as ``_chooser``), None, or the loader's
    answer awaited when read (typed as the field's type: graphql-core awaits it)."""
    if inspector_id is None:
        return None
    found = context.loaders.selection.choosers.get(inspector_id)
    if found is None:
        return cast(Inspector, _ChooserLater(context, inspector_id))
    return Inspector.made(context.registry, inspector_id, *found)


def _chosen_child(context: Context, child: m.Child) -> Child:
    """The chosen child's node, noted for the audit trail: the plain ``child`` fields of the
    chosen (``scoped_in_sql``) run nothing when read."""
    context.touch("Child", (child.id,))
    return Child.of(child)


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
    spec = info.context.registry.list_with_role(framework, c.ListRole.SELECTED_CHILD_DETAILS)
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
    child: Child = strawberry.field(metadata=scoped_in_sql(access.children_visible_to))
    late: bool = strawberry.field(
        description="Selected after the framework's 'select-children' deadline."
    )
    reason: str | None = strawberry.field(description="Why the child was selected, if given.")
    chosen_at: dt.datetime
    inspection_id: strawberry.Private[int]
    framework: strawberry.Private[str]
    chosen_by_id: strawberry.Private[int | None]
    # A plain field declared here (no annotation), so that the schema keeps its place.
    chosen_by = strawberry.field(
        graphql_type=Inspector | None, description="The inspector who selected the child."
    )

    @staticmethod
    def of(
        row: m.ChildSelection, child: m.Child, framework: str, context: Context
    ) -> SelectedChild:
        return SelectedChild(  # type: ignore[call-arg]  # chosen_by: see its declaration
            child=_chosen_child(context, child),
            late=row.late,
            reason=row.reason,
            chosen_at=row.chosen_at,
            inspection_id=row.inspection_id,
            framework=framework,
            chosen_by_id=row.chosen_by_id,
            chosen_by=_chosen_by(context, row.chosen_by_id),
        )

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
    child: Child = strawberry.field(metadata=scoped_in_sql(access.children_visible_to))
    late: bool = strawberry.field(
        description="Named after the framework's 'name-tracked-children' deadline."
    )
    reason: str | None = strawberry.field(description="The reason given when it was selected.")
    chosen_at: dt.datetime
    chosen_by_id: strawberry.Private[int | None]
    chosen_by = strawberry.field(
        graphql_type=Inspector | None,
        description="The inspector who named the child for tracking.",
    )

    @staticmethod
    def of(row: m.ChildSelection, child: m.Child, context: Context) -> TrackedChild:
        return TrackedChild(  # type: ignore[call-arg]  # chosen_by: see SelectedChild's
            child=_chosen_child(context, child),
            late=row.late,
            reason=row.reason,
            chosen_at=row.chosen_at,
            chosen_by_id=row.chosen_by_id,
            chosen_by=_chosen_by(context, row.chosen_by_id),
        )


@strawberry.type(
    description="A child taken out of tracking (a correction): when, by whom, why, and how many "
    "of the child's per-child requests were cancelled."
)
class UntrackedChild:
    child: Child = strawberry.field(extensions=scoped_by(access.children_visible_to))
    tracked_at: dt.datetime
    untracked_at: dt.datetime
    late: bool = strawberry.field(
        description="Untracked after the joint evaluations were due (a reason is then required)."
    )
    reason: str | None
    cancelled_request_count: int = strawberry.field(
        description="The child's per-child requests not yet answered, cancelled by it."
    )
    untracked_by_id: strawberry.Private[int | None]

    @staticmethod
    def of(row: m.Untracking, child: m.Child) -> UntrackedChild:
        return UntrackedChild(
            child=Child.of(child),
            tracked_at=row.tracked_at,
            untracked_at=row.untracked_at,
            late=row.late,
            reason=row.reason,
            cancelled_request_count=row.cancelled_requests,
            untracked_by_id=row.untracked_by_id,
        )

    @strawberry.field(description="The inspector who untracked the child.")
    async def untracked_by(self, info: Info) -> Inspector | None:
        return await load_inspector(info, self.untracked_by_id)


def untracked_children(info: Info, inspection: InspectionCore) -> list[UntrackedChild]:
    rows = info.context.session.execute(
        select(m.Untracking, m.Child)
        .join(m.Child, m.Child.id == m.Untracking.child_id)
        .where(
            m.Untracking.inspection_id == inspection.id,
            access.children_visible_to(info.context.viewer),
        )
        .order_by(m.Untracking.id)
    )
    found = [UntrackedChild.of(row, child) for row, child in rows]
    info.context.touch("Child", (u.child.id for u in found))
    return found


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
    def chosen_by(self, info: Info) -> Inspector | None:
        return _chooser(info, self.chosen_by_id)


async def selected_children(info: Info, inspection: InspectionCore) -> list[SelectedChild]:
    rows = await info.context.loaders.selection.selected.load(inspection.id)
    return [
        SelectedChild.of(row, child, inspection.framework_code, info.context) for row, child in rows
    ]


async def tracked_children(info: Info, inspection: InspectionCore) -> list[TrackedChild]:
    rows = await info.context.loaders.selection.tracked.load(inspection.id)
    return [TrackedChild.of(row, child, info.context) for row, child in rows]


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
