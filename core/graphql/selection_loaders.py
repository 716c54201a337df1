"""Batch loaders for choosing children and the fieldwork week, keyed by inspection id.

One SQL statement per relation however many inspections a query walks; each applies the viewer's
rule from ``core.access`` in its SQL and notes the children it returns for the audit trail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select
from strawberry.dataloader import DataLoader

from core import access
from core.graphql.base.context import RequestContext
from core.models import (
    Child,
    ChildSelection,
    Consent,
    Inspection,
    Inspector,
    ListRow,
    ListUpload,
    Meeting,
    PersonToMeet,
)
from core.prepared import prepared, viewer_values
from core.viewer import Viewer
from core.workflow.selection import Kind, selected_child_details

Chosen = tuple[ChildSelection, Child]
Rule = Callable[[Viewer], ColumnElement[bool]]  # a core.access rule
ChosenKey = tuple[int, Kind, Rule]  # an inspection, a kind of chosen children, the rule


@dataclass(frozen=True, slots=True)
class ChosenOfKind:
    """One kind of chosen children, seen under one rule, through the shared loader."""

    loader: DataLoader[ChosenKey, list[Chosen]]
    kind: Kind
    rule: Rule

    def load(self, inspection_id: int) -> Awaitable[list[Chosen]]:
        return self.loader.load((inspection_id, self.kind, self.rule))


def _chosen(stand_in: Viewer, *, rule: Rule) -> Select[ChildSelection, Child, str, str]:
    """Chosen children of the kinds asked, with who chose them when the viewer may see them."""
    return (
        select(ChildSelection, Child, Inspector.name, Inspector.inspectorate)
        .join(Child, Child.id == ChildSelection.child_id)
        .outerjoin(
            Inspector,
            and_(
                Inspector.id == ChildSelection.chosen_by_id,
                access.inspectors_visible_to(stand_in),
            ),
        )
        .where(
            ChildSelection.inspection_id.in_(bindparam("ids", expanding=True)),
            ChildSelection.kind.in_(bindparam("kinds", expanding=True)),
            rule(stand_in),
        )
        .order_by(ChildSelection.chosen_at, ChildSelection.id)
    )


class SelectionLoaders:
    """Each loader made when first used (their access scopes are SQL expressions)."""

    def __init__(self, context: RequestContext) -> None:
        self._context = context
        # Who chose the children loaded so far, joined by their statement when the viewer may
        # see them: inspector id -> (name, inspectorate). `chosenBy` reads it without a task.
        self.choosers: dict[int, tuple[str, str]] = {}

    @cached_property
    def _chosen(self) -> DataLoader[ChosenKey, list[Chosen]]:
        """Every kind of chosen children asked for in one turn of the loop, in one statement
        per access rule (the dashboard asks for the selected and the tracked together)."""
        return DataLoader(load_fn=self._load_chosen)

    @property
    def selected(self) -> ChosenOfKind:
        return ChosenOfKind(self._chosen, Kind.SELECTED, access.children_visible_to)

    @property
    def tracked(self) -> ChosenOfKind:
        return ChosenOfKind(self._chosen, Kind.TRACKED, access.children_visible_to)

    @property
    def sampled(self) -> ChosenOfKind:
        return ChosenOfKind(self._chosen, Kind.SAMPLED, access.children_visible_to)

    # The narrower views agency users get (the child's id and the LA's ID for it).
    @property
    def selected_for_area(self) -> ChosenOfKind:
        return ChosenOfKind(self._chosen, Kind.SELECTED, access.selected_children_visible_to)

    @property
    def tracked_for_area(self) -> ChosenOfKind:
        return ChosenOfKind(self._chosen, Kind.TRACKED, access.tracked_children_visible_to)

    @cached_property
    def extra_fields(self) -> DataLoader[int, Any]:
        return DataLoader(load_fn=self._extra_fields(self._context.viewer))

    @cached_property
    def counts(self) -> DataLoader[int, dict[str, int]]:
        return DataLoader(load_fn=self._counts)

    @cached_property
    def meetings(self) -> DataLoader[int, list[Any]]:
        return DataLoader(load_fn=self._of_inspection(Meeting, Meeting.starts_at))

    @cached_property
    def people(self) -> DataLoader[int, list[Any]]:
        return DataLoader(load_fn=self._of_inspection(PersonToMeet, PersonToMeet.id))

    @cached_property
    def consents(self) -> DataLoader[int, list[Consent]]:
        return DataLoader(load_fn=self._consents(self._context.viewer))

    async def _load_chosen(self, keys: list[ChosenKey]) -> list[list[Chosen]]:
        viewer = self._context.viewer
        asked: dict[Rule, tuple[set[int], set[str]]] = {}
        for inspection_id, kind, rule in keys:
            ids, kinds = asked.setdefault(rule, (set(), set()))
            ids.add(inspection_id)
            kinds.add(kind.value)
        grouped: dict[ChosenKey, list[Chosen]] = defaultdict(list)
        for rule, (ids, kinds) in asked.items():
            statement = prepared(("chosen children", rule), viewer, partial(_chosen, rule=rule))
            values = {"ids": sorted(ids), "kinds": sorted(kinds), **viewer_values(viewer)}
            for chosen, child, name, inspectorate in self._context.session.execute(
                statement, values
            ):
                grouped[(chosen.inspection_id, Kind(chosen.kind), rule)].append((chosen, child))
                if name is not None and chosen.chosen_by_id is not None:
                    self.choosers[chosen.chosen_by_id] = (name, inspectorate)
                self._context.touch("Child", (child.id,))
        return [grouped[key] for key in keys]

    def _extra_fields(self, viewer: Viewer) -> Callable[[list[int]], Any]:
        """The latest 'selected-children' row of each child, whichever upload brought it."""

        registry = self._context.registry
        details = {
            code
            for framework in registry.frameworks
            if (code := selected_child_details(registry, framework.code)) is not None
        }

        async def load(inspection_ids: list[int]) -> list[dict[int, ListRow]]:
            statement = (
                select(ListRow)
                .join(ListUpload, ListUpload.id == ListRow.upload_id)
                .join(Child, Child.id == ListRow.child_id)
                .where(
                    ListRow.inspection_id.in_(inspection_ids),
                    ListRow.list_code.in_(details),
                    access.selected_children_visible_to(viewer),
                )
                .order_by(ListUpload.id, ListRow.row_number, ListRow.id)
            )
            grouped: dict[int, dict[int, ListRow]] = defaultdict(dict)
            for row in self._context.session.scalars(statement):
                if row.child_id is not None:
                    grouped[row.inspection_id][row.child_id] = row  # later rows win
            return [grouped[i] for i in inspection_ids]

        return load

    async def _counts(self, inspection_ids: list[int]) -> list[dict[str, int]]:
        """How many children of each kind: numbers only, for whoever sees the inspection."""
        statement = (
            select(ChildSelection.inspection_id, ChildSelection.kind, func.count())
            .where(ChildSelection.inspection_id.in_(inspection_ids))
            .group_by(ChildSelection.inspection_id, ChildSelection.kind)
        )
        grouped: dict[int, dict[str, int]] = defaultdict(dict)
        for inspection_id, kind, count in self._context.session.execute(statement):
            grouped[inspection_id][kind] = count
        return [grouped[i] for i in inspection_ids]

    def _of_inspection(self, model: Any, order: Any) -> Callable[[list[int]], Any]:
        async def load(inspection_ids: list[int]) -> list[list[Any]]:
            statement = (
                select(model)
                .join(Inspection, Inspection.id == model.inspection_id)
                .where(
                    model.inspection_id.in_(inspection_ids),
                    access.inspections_visible_to(self._context.viewer),
                )
                .order_by(order, model.id)
            )
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in self._context.session.scalars(statement):
                grouped[row.inspection_id].append(row)
            return [grouped[i] for i in inspection_ids]

        return load

    def _consents(self, viewer: Viewer) -> Callable[[list[int]], Any]:
        async def load(inspection_ids: list[int]) -> list[list[Consent]]:
            statement = (
                select(Consent)
                .join(Child, Child.id == Consent.child_id)
                .where(
                    Consent.inspection_id.in_(inspection_ids),
                    access.tracked_children_visible_to(viewer),
                )
                .order_by(Consent.id)
            )
            grouped: dict[int, list[Consent]] = defaultdict(list)
            for row in self._context.session.scalars(statement):
                grouped[row.inspection_id].append(row)
            return [grouped[i] for i in inspection_ids]

        return load
