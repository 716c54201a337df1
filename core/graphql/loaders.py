"""Batch loaders: one SQL statement per relation per level of a query, however many rows.

Each loader applies the viewer's scope from ``core.access`` in its SQL. Loaders live on the request
context, so their caches never outlive a request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute
from strawberry.dataloader import DataLoader

from core import access
from core.models import Agency, Child, EvidenceRecord, Inspection, Inspector, LocalArea, TeamMember

if TYPE_CHECKING:
    from core.graphql.context import Context

ModelT = TypeVar("ModelT")


@dataclass(frozen=True, slots=True)
class PageKey:
    parent_id: int
    limit: int
    after_id: int | None


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Any]  # up to limit + 1 rows: one more than asked means another page
    total: int


class Loaders:
    def __init__(self, context: Context) -> None:
        self._context = context
        viewer = context.viewer
        self.area = DataLoader(load_fn=self._by_id(LocalArea, access.areas_visible_to(viewer)))
        self.agency = DataLoader(load_fn=self._by_id(Agency, access.agencies_visible_to(viewer)))
        self.inspector = DataLoader(
            load_fn=self._by_id(Inspector, access.inspectors_visible_to(viewer))
        )
        self.inspection = DataLoader(
            load_fn=self._by_id(Inspection, access.inspections_visible_to(viewer))
        )
        self.child = DataLoader(
            load_fn=self._by_id(Child, access.children_visible_to(viewer), audited="Child")
        )
        self.agencies_of_area = DataLoader(load_fn=self._agencies_of_area)
        self.team_of_inspection = DataLoader(load_fn=self._team_of_inspection)
        self.children_page = DataLoader(
            load_fn=self._pages(
                Child, Child.inspection_id, access.children_visible_to(viewer), audited="Child"
            )
        )
        self.evidence_page = DataLoader(
            load_fn=self._pages(
                EvidenceRecord,
                EvidenceRecord.inspection_id,
                access.evidence_visible_to(viewer),
                audited="EvidenceRecord",
            )
        )

    def _by_id(self, model: Any, scope: ColumnElement[bool], audited: str | None = None) -> Any:
        async def load(ids: list[int]) -> list[Any]:
            statement = select(model).where(model.id.in_(ids), scope)
            found = {row.id: row for row in self._context.session.scalars(statement)}
            if audited:
                self._context.touch(audited, found)
            return [found.get(i) for i in ids]

        return load

    async def _agencies_of_area(self, area_ids: list[int]) -> list[list[Agency]]:
        statement = (
            select(Agency)
            .where(Agency.area_id.in_(area_ids), access.agencies_visible_to(self._context.viewer))
            .order_by(Agency.kind, Agency.name, Agency.id)
        )
        grouped: dict[int, list[Agency]] = defaultdict(list)
        for agency in self._context.session.scalars(statement):
            grouped[agency.area_id].append(agency)
        return [grouped[i] for i in area_ids]

    async def _team_of_inspection(
        self, inspection_ids: list[int]
    ) -> list[list[tuple[TeamMember, Inspector]]]:
        statement = (
            select(TeamMember, Inspector)
            .join(Inspector, Inspector.id == TeamMember.inspector_id)
            .join(Inspection, Inspection.id == TeamMember.inspection_id)
            .where(
                TeamMember.inspection_id.in_(inspection_ids),
                access.inspections_visible_to(self._context.viewer),
            )
            .order_by(TeamMember.is_lead.desc(), Inspector.inspectorate, Inspector.name)
        )
        grouped: dict[int, list[tuple[TeamMember, Inspector]]] = defaultdict(list)
        for member, inspector in self._context.session.execute(statement):
            grouped[member.inspection_id].append((member, inspector))
        return [grouped[i] for i in inspection_ids]

    def _pages(
        self,
        model: Any,
        parent: InstrumentedAttribute[int],
        scope: ColumnElement[bool],
        audited: str,
    ) -> Any:
        """Pages of ``model`` for many parents at once, cut per parent with ROW_NUMBER()."""

        async def load(keys: list[PageKey]) -> list[Page]:
            session = self._context.session
            parent_ids = sorted({k.parent_id for k in keys})
            counted = session.execute(
                select(parent, func.count()).where(parent.in_(parent_ids), scope).group_by(parent)
            )
            totals = {row[0]: row[1] for row in counted}
            pages: dict[PageKey, list[Any]] = {}
            by_window: dict[tuple[int, int | None], list[int]] = defaultdict(list)
            for key in keys:
                by_window[(key.limit, key.after_id)].append(key.parent_id)
            for (limit, after_id), ids in by_window.items():
                rows = session.scalars(_window(model, parent, scope, ids, limit, after_id))
                grouped: dict[int, list[Any]] = defaultdict(list)
                for row in rows:
                    grouped[getattr(row, parent.key)].append(row)
                for parent_id in ids:
                    pages[PageKey(parent_id, limit, after_id)] = grouped[parent_id]
                    # Audit what the client gets, not the extra row that only says "more".
                    self._context.touch(audited, (row.id for row in grouped[parent_id][:limit]))
            return [Page(rows=pages[k], total=totals.get(k.parent_id, 0)) for k in keys]

        return load


def _window(
    model: Any,
    parent: InstrumentedAttribute[int],
    scope: ColumnElement[bool],
    parent_ids: list[int],
    limit: int,
    after_id: int | None,
) -> Select[Any]:
    position = func.row_number().over(partition_by=parent, order_by=model.id).label("position")
    inner = select(model.id.label("id"), position).where(parent.in_(parent_ids), scope)
    if after_id is not None:
        inner = inner.where(model.id > after_id)
    ranked = inner.subquery()
    return (
        select(model)
        .join(ranked, ranked.c.id == model.id)
        .where(ranked.c.position <= limit + 1)
        .order_by(parent, model.id)
    )
