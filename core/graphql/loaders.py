"""Batch loaders: one SQL statement per relation per level of a query, however many rows.

Each loader applies the viewer's scope from ``core.access`` in its SQL. Loaders live on the request
context, so their caches never outlive a request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, aliased
from strawberry.dataloader import DataLoader

from core import access
from core.graphql.base.context import RequestContext
from core.graphql.base.pagination import Ordering, PageArgs
from core.graphql.selection_loaders import SelectionLoaders
from core.integrations import feed
from core.models import (
    Agency,
    Child,
    Document,
    EvidenceRecord,
    Finding,
    Inspection,
    InspectionInspectorate,
    Inspector,
    IssuedRequest,
    ListQuery,
    ListRow,
    ListUpload,
    LocalArea,
    TeamMember,
)
from core.prepared import prepared, viewer_values
from core.viewer import Viewer
from core.workflow.requests import RequestStatus, status_clause

ModelT = TypeVar("ModelT")
Rule = Callable[[Viewer], ColumnElement[bool]]  # a core.access rule

# The batch's ids, bound when a prepared statement (core.prepared) runs.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_PARTICIPANTS = (
    select(InspectionInspectorate.inspection_id, InspectionInspectorate.inspectorate)
    .where(InspectionInspectorate.inspection_id.in_(_IDS))
    .order_by(InspectionInspectorate.inspectorate)
)


@dataclass(frozen=True, slots=True)
class PageKey:
    parent_id: int
    limit: int
    after_id: int | None


@dataclass(frozen=True, slots=True)
class ListPageKey:
    """One page of a parent's list: the page asked, its order (an enum of ``base/orders.py``)
    and the filters' values (the loader turns them into SQL)."""

    parent_id: int
    args: PageArgs
    order: Any
    filters: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Any]  # up to limit + 1 rows: one more than asked means another page
    total: int
    up_to_after: int = 0  # rows up to the after-cursor, for the page's hasPreviousPage
    from_before: int = 0  # rows from the before-cursor on, for its hasNextPage

    @property
    def counts(self) -> tuple[int, int, int]:
        return (self.total, self.up_to_after, self.from_before)


class RequestRow(Protocol):
    """What an ``IssuedRequest`` node is made from: the ORM entity, or a Core row of
    ``REQUEST_COLUMNS`` (a page of 50 as ORM entities cost the dashboard ~2 ms)."""

    @property
    def id(self) -> int: ...
    @property
    def reference(self) -> str: ...
    @property
    def due_at(self) -> dt.datetime: ...
    @property
    def issued_at(self) -> dt.datetime: ...
    @property
    def received_at(self) -> dt.datetime | None: ...
    @property
    def cancelled_at(self) -> dt.datetime | None: ...
    @property
    def inspection_id(self) -> int: ...
    @property
    def agency_id(self) -> int: ...
    @property
    def child_id(self) -> int | None: ...


REQUEST_COLUMNS = (
    IssuedRequest.id,
    IssuedRequest.reference,
    IssuedRequest.due_at,
    IssuedRequest.issued_at,
    IssuedRequest.received_at,
    IssuedRequest.cancelled_at,
    IssuedRequest.inspection_id,
    IssuedRequest.agency_id,
    IssuedRequest.child_id,
)


def readable_evidence(context: RequestContext) -> ColumnElement[bool]:
    """Evidence recorded with a form some installed plugin still contributes: a record whose
    plugin was removed has no type to be read as, and is left out until it is installed again
    (``Inspection.missingPlugins`` says which)."""
    forms = [(o.owner, o.item.code) for o in context.registry.evidence_forms]
    return tuple_(EvidenceRecord.inspectorate, EvidenceRecord.form).in_(forms)


class Loaders:
    """The request's data loaders, each made when first used: building all of them (their
    access scopes are SQL expressions) cost every request ~1 ms, and most use two or three."""

    def __init__(self, context: RequestContext) -> None:
        self._context = context

    @cached_property
    def area(self) -> DataLoader[int, Any]:
        return DataLoader(load_fn=self._by_id(LocalArea, access.areas_visible_to))

    @cached_property
    def agency(self) -> DataLoader[int, Any]:
        return DataLoader(load_fn=self._by_id(Agency, access.agencies_visible_to))

    @cached_property
    def inspector(self) -> DataLoader[int, Any]:
        return DataLoader(load_fn=self._by_id(Inspector, access.inspectors_visible_to))

    @cached_property
    def inspection(self) -> DataLoader[int, Any]:
        return DataLoader(load_fn=self._inspections)

    @cached_property
    def child(self) -> DataLoader[int, Any]:
        return DataLoader(load_fn=self._by_id(Child, access.children_visible_to, audited="Child"))

    @cached_property
    def agencies_of_area(self) -> DataLoader[int, list[Agency]]:
        return DataLoader(load_fn=self._agencies_of_area)

    @cached_property
    def requests(self) -> RequestLoaders:
        return RequestLoaders(self._context)

    @cached_property
    def team_of_inspection(self) -> DataLoader[int, list[tuple[TeamMember, Inspector]]]:
        return DataLoader(load_fn=self._team_of_inspection)

    @cached_property
    def participants_of_inspection(self) -> DataLoader[int, list[str]]:
        return DataLoader(load_fn=self._participants_of_inspection)

    @cached_property
    def children_page(self) -> DataLoader[ListPageKey, Page]:
        return DataLoader(
            load_fn=self._pages(
                Child,
                Child.inspection_id,
                access.children_visible_to(self._context.viewer),
                audited="Child",
                filters_of=_child_filters,
            )
        )

    @cached_property
    def evidence_page(self) -> DataLoader[ListPageKey, Page]:
        context = self._context
        return DataLoader(
            load_fn=self._pages(
                EvidenceRecord,
                EvidenceRecord.inspection_id,
                and_(access.evidence_visible_to(context.viewer), readable_evidence(context)),
                audited="EvidenceRecord",
                filters_of=_evidence_filters,
            )
        )

    @cached_property
    def selection(self) -> SelectionLoaders:
        """Choosing children and the fieldwork week (core/graphql/selection/)."""
        return SelectionLoaders(self._context)

    @cached_property
    def published_finding_agreements(self) -> DataLoader[int, list[str]]:
        """Published findings only: what integrators may read."""
        return DataLoader(load_fn=self._published_agreements)

    def _by_id(self, model: Any, rule: Rule, audited: str | None = None) -> Any:
        viewer = self._context.viewer
        statement = prepared(
            ("by id", model, rule),
            viewer,
            lambda stand_in: select(model).where(model.id.in_(_IDS), rule(stand_in)),
        )

        async def load(ids: list[int]) -> list[Any]:
            values = {"ids": ids, **viewer_values(viewer)}
            found = {row.id: row for row in self._context.session.scalars(statement, values)}
            if audited:
                self._context.touch(audited, found)
            return [found.get(i) for i in ids]

        return load

    async def _inspections(self, ids: list[int]) -> list[Inspection | None]:
        """Inspections by id, each with its area when the viewer may see it and the codes of the
        inspectorates taking part, which prime the area's and the participants' loaders: the
        dashboard's area and timetable then cost no statement of their own."""
        viewer = self._context.viewer

        def build(stand_in: Viewer) -> Select[Inspection, LocalArea, str]:
            area = and_(LocalArea.id == Inspection.area_id, access.areas_visible_to(stand_in))
            taking_part = InspectionInspectorate.inspection_id == Inspection.id
            return (
                select(Inspection, LocalArea, InspectionInspectorate.inspectorate)
                .select_from(Inspection)
                .outerjoin(LocalArea, area)
                .outerjoin(InspectionInspectorate, taking_part)
                .where(Inspection.id.in_(_IDS), access.inspections_visible_to(stand_in))
                .order_by(Inspection.id, InspectionInspectorate.inspectorate)
            )

        statement = prepared("inspections with their areas and participants", viewer, build)
        found: dict[int, Inspection] = {}
        participants: dict[int, list[str]] = {}
        for inspection, area, code in self._context.session.execute(
            statement, {"ids": ids, **viewer_values(viewer)}
        ):
            found[inspection.id] = inspection
            codes = participants.setdefault(inspection.id, [])
            if code is not None:
                codes.append(code)
            if area is not None:
                self.area.prime(area.id, area)
        self.participants_of_inspection.prime_many(participants)
        return [found.get(i) for i in ids]

    async def _published_agreements(self, finding_ids: list[int]) -> list[list[str]]:
        chosen = feed.published(Finding.id.in_(finding_ids))
        found = feed.agreements_of(self._context.session, chosen)
        return [list(found.get(i, ())) for i in finding_ids]

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

    async def _participants_of_inspection(self, inspection_ids: list[int]) -> list[list[str]]:
        """The codes of the inspectorates taking part in each inspection, sorted."""
        grouped: dict[int, list[str]] = defaultdict(list)
        for inspection_id, code in self._context.session.execute(
            _PARTICIPANTS, {"ids": inspection_ids}
        ):
            grouped[inspection_id].append(code)
        return [grouped[i] for i in inspection_ids]

    async def _team_of_inspection(
        self, inspection_ids: list[int]
    ) -> list[list[tuple[TeamMember, Inspector]]]:
        viewer = self._context.viewer

        def build(stand_in: Viewer) -> Select[TeamMember, Inspector]:
            return (
                select(TeamMember, Inspector)
                .join(Inspector, Inspector.id == TeamMember.inspector_id)
                .join(Inspection, Inspection.id == TeamMember.inspection_id)
                .where(TeamMember.inspection_id.in_(_IDS), access.inspections_visible_to(stand_in))
                .order_by(TeamMember.is_lead.desc(), Inspector.inspectorate, Inspector.name)
            )

        statement = prepared("team of inspections", viewer, build)
        values = {"ids": inspection_ids, **viewer_values(viewer)}
        grouped: dict[int, list[tuple[TeamMember, Inspector]]] = defaultdict(list)
        for member, inspector in self._context.session.execute(statement, values):
            grouped[member.inspection_id].append((member, inspector))
        return [grouped[i] for i in inspection_ids]

    def _pages(
        self,
        model: Any,
        parent: InstrumentedAttribute[int],
        scope: ColumnElement[bool],
        audited: str,
        filters_of: Callable[[tuple[Any, ...]], list[ColumnElement[bool]]],
    ) -> Any:
        """Pages of ``model`` for many parents at once, cut per parent with ROW_NUMBER()."""

        async def load(keys: list[ListPageKey]) -> list[Page]:
            session = self._context.session
            groups: dict[tuple[PageArgs, Any, tuple[Any, ...]], list[int]] = defaultdict(list)
            for key in keys:
                groups[(key.args, key.order, key.filters)].append(key.parent_id)
            pages: dict[ListPageKey, Page] = {}
            for (args, order, filter_values), ids in groups.items():
                ordering: Ordering = order.ordering
                where = [parent.in_(ids), scope, *filters_of(filter_values)]
                counted = session.execute(
                    select(parent, func.count(), *ordering.outside_counts(args))
                    .where(*where)
                    .group_by(parent)
                )
                counts = {row[0]: tuple(row[1:]) for row in counted}
                rows = session.scalars(_window(model, parent, where, ordering, args))
                grouped: dict[int, list[Any]] = defaultdict(list)
                for row in rows:
                    grouped[getattr(row, parent.key)].append(row)
                for parent_id in ids:
                    found = grouped[parent_id]
                    key = ListPageKey(parent_id, args, order, filter_values)
                    pages[key] = Page(found, *counts.get(parent_id, (0, 0, 0)))
                    # Audit what the client gets, not the extra row that only says "more".
                    self._context.touch(audited, (row.id for row in found[: args.limit]))
            return [pages[k] for k in keys]

        return load


def _window(
    model: Any,
    parent: InstrumentedAttribute[int],
    where: list[ColumnElement[bool]],
    ordering: Ordering,
    args: PageArgs,
) -> Select[Any]:
    position = func.row_number().over(
        partition_by=parent, order_by=ordering.order_by(reverse=args.backward)
    )
    ranked = (
        select(model.id.label("id"), position.label("position"))
        .where(*where, *ordering.window(args))
        .subquery()
    )
    return (
        select(model)
        .join(ranked, ranked.c.id == model.id)
        # The parents again, outside the window: PostgreSQL misjudges how many rows the window
        # keeps and otherwise scans the whole table to join it back (1.5 M children: 131 ms).
        .where(ranked.c.position <= args.limit + 1, where[0])
        .order_by(parent, ranked.c.position)
    )


def _id_window(
    model: Any,
    parent: InstrumentedAttribute[int],
    scope: ColumnElement[bool],
    parent_ids: list[int],
    limit: int,
    after_id: int | None,
) -> Select[Any]:
    """Forward pages in id order, for the lists paged by ``PageKey`` (a list's queries)."""
    args = PageArgs(limit=limit, after_id=after_id)
    return _window(model, parent, [parent.in_(parent_ids), scope], Ordering(model), args)


def _child_filters(values: tuple[Any, ...]) -> list[ColumnElement[bool]]:
    """``(delisted,)``: None for every child, True or False for those delisted or not."""
    (delisted,) = values or (None,)
    if delisted is None:
        return []
    return [Child.delisted_at.is_not(None) if delisted else Child.delisted_at.is_(None)]


def _evidence_filters(values: tuple[Any, ...]) -> list[ColumnElement[bool]]:
    """``(status, inspectorate)``: each None for any."""
    status, inspectorate = values or (None, None)
    filters: list[ColumnElement[bool]] = []
    if status is not None:
        filters.append(EvidenceRecord.status == status)
    if inspectorate is not None:
        filters.append(EvidenceRecord.inspectorate == inspectorate)
    return filters


# --- Requests, documents and lists ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestPageKey:
    """One page of an inspection's requests: the tracker's filters, size and cursor."""

    inspection_id: int
    agency_id: int | None
    status: RequestStatus | None
    args: PageArgs
    order: Any  # a RequestOrder


def request_filters(
    agency_id: int | None, status: RequestStatus | None, now: dt.datetime
) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if agency_id is not None:
        filters.append(IssuedRequest.agency_id == agency_id)
    if status is not None:
        filters.append(status_clause(status, now))
    return filters


def _request_pages(
    viewer: Viewer,
    *,
    ordering: Ordering,
    args: PageArgs,
    ids: list[int] | BindParameter[list[int]],
    filters: list[ColumnElement[bool]],
) -> tuple[Select[Any], Select[Any]]:
    """Pages of many inspections' requests, cut per inspection with ROW_NUMBER(): the counts'
    statement and the rows'."""
    where = [IssuedRequest.inspection_id.in_(ids), access.requests_visible_to(viewer), *filters]
    counting = (
        select(IssuedRequest.inspection_id, func.count(), *ordering.outside_counts(args))
        .where(*where)
        .group_by(IssuedRequest.inspection_id)
    )
    position = func.row_number().over(
        partition_by=IssuedRequest.inspection_id,
        order_by=ordering.order_by(reverse=args.backward),
    )
    # Each row also carries its inspection's count: without cursors a page is empty only when
    # the count is 0, so the first page needs no counting statement of its own.
    total = func.count().over(partition_by=IssuedRequest.inspection_id)
    ranked = (
        select(IssuedRequest.id.label("id"), position.label("position"), total.label("total"))
        .where(*where, *ordering.window(args))
        .subquery()
    )
    rows = (
        select(
            *REQUEST_COLUMNS,
            Inspection.framework,
            Agency.kind.label("agency_kind"),
            Agency.name.label("agency_name"),
            Agency.area_id.label("agency_area_id"),
            ranked.c.total,
        )
        .join(Inspection, Inspection.id == IssuedRequest.inspection_id)
        # Each request's agency in the same statement, if the viewer may see it (else null and
        # its field goes through the agency loader, which refuses it).
        .outerjoin(
            Agency, and_(Agency.id == IssuedRequest.agency_id, access.agencies_visible_to(viewer))
        )
        .join(ranked, ranked.c.id == IssuedRequest.id)
        # As in _window: the inspections again, or PostgreSQL scans every request.
        .where(ranked.c.position <= args.limit + 1, IssuedRequest.inspection_id.in_(ids))
        .order_by(IssuedRequest.inspection_id, ranked.c.position)
    )
    return cast(Select[Any], counting), cast(Select[Any], rows)


def list_upload_select() -> Select[ListUpload, str, bool]:
    """List uploads with their inspection's framework and whether each is its request's latest."""
    later = aliased(ListUpload)
    superseded = (
        select(later.id)
        .where(later.request_id == ListUpload.request_id, later.id > ListUpload.id)
        .exists()
    )
    return select(ListUpload, Inspection.framework, ~superseded).join(
        Inspection, Inspection.id == ListUpload.inspection_id
    )


class RequestLoaders:
    """Loaders of the request workflow (``context.loaders.requests``), each scoped in SQL."""

    def __init__(self, context: RequestContext) -> None:
        self._context = context
        self.request = DataLoader(load_fn=self._requests)
        self.page = DataLoader(load_fn=self._pages)
        self.documents_of_request = DataLoader(load_fn=self._documents_of_request)
        self.document = DataLoader(load_fn=self._documents)
        self.list_uploads_of_request = DataLoader(load_fn=self._list_uploads_of_request)
        self.list_uploads_of_inspection = DataLoader(load_fn=self._list_uploads_of_inspection)
        self.list_upload = DataLoader(load_fn=self._list_uploads)
        self.queries_page = DataLoader(load_fn=self._queries_pages)
        self.lists_of_child = DataLoader(load_fn=self._lists_of_child)
        self.child_local_id = DataLoader(load_fn=self._child_local_ids)

    @property
    def _scope(self) -> ColumnElement[bool]:
        return access.requests_visible_to(self._context.viewer)

    def _with_framework(self) -> Select[IssuedRequest, str]:
        return select(IssuedRequest, Inspection.framework).join(
            Inspection, Inspection.id == IssuedRequest.inspection_id
        )

    async def _requests(self, ids: list[int]) -> list[tuple[IssuedRequest, str] | None]:
        statement = self._with_framework().where(IssuedRequest.id.in_(ids), self._scope)
        found = {r.id: (r, f) for r, f in self._context.session.execute(statement)}
        return [found.get(i) for i in ids]

    async def _pages(self, keys: list[RequestPageKey]) -> list[Page]:
        """Pages of many inspections' requests at once, cut per inspection with ROW_NUMBER()."""
        session = self._context.session
        groups: dict[tuple[int | None, RequestStatus | None, PageArgs, Any], list[int]]
        groups = defaultdict(list)
        for key in keys:
            groups[(key.agency_id, key.status, key.args, key.order)].append(key.inspection_id)
        pages: dict[RequestPageKey, Page] = {}
        viewer = self._context.viewer
        for (agency_id, status, args, order), ids in groups.items():
            ordering: Ordering = order.ordering
            values: dict[str, Any] = {}
            counts: dict[int, tuple[int, ...]] = {}
            if agency_id is None and status is None and args.after_id is args.before_id is None:
                # The tracker's first page, unfiltered (the dashboard's): built once per process,
                # and counted by its rows (nothing before or after a first page's cursors).
                _, statement = prepared(
                    ("request pages", order, args),
                    viewer,
                    partial(_request_pages, ordering=ordering, args=args, ids=_IDS, filters=[]),
                )
                values = {"ids": ids, **viewer_values(viewer)}
            else:
                filters = request_filters(agency_id, status, self._context.asked_at)
                counting, statement = _request_pages(
                    viewer, ordering=ordering, args=args, ids=ids, filters=filters
                )
                counted = session.execute(counting, values).all()
                counts = {row[0]: tuple(row[1:]) for row in counted}
            grouped: dict[int, list[tuple[RequestRow, str]]] = defaultdict(list)
            for row in session.execute(statement, values):  # Core rows: no ORM entity each
                grouped[row.inspection_id].append((row, row.framework))
                counts.setdefault(row.inspection_id, (row.total, 0, 0))
            for inspection_id in ids:
                key = RequestPageKey(inspection_id, agency_id, status, args, order)
                pages[key] = Page(grouped[inspection_id], *counts.get(inspection_id, (0, 0, 0)))
        return [pages[key] for key in keys]

    async def _documents_of_request(self, request_ids: list[int]) -> list[list[Document]]:
        statement = (
            select(Document)
            .where(
                Document.request_id.in_(request_ids),
                access.documents_visible_to(self._context.viewer),
            )
            .order_by(Document.uploaded_at, Document.id)
        )
        grouped: dict[int, list[Document]] = defaultdict(list)
        for document in self._context.session.scalars(statement):
            grouped[document.request_id].append(document)
        self._context.touch("Document", (d.id for rows in grouped.values() for d in rows))
        return [grouped[i] for i in request_ids]

    async def _documents(self, ids: list[int]) -> list[Document | None]:
        statement = select(Document).where(
            Document.id.in_(ids), access.documents_visible_to(self._context.viewer)
        )
        found = {row.id: row for row in self._context.session.scalars(statement)}
        self._context.touch("Document", found)
        return [found.get(i) for i in ids]

    def _list_uploads_where(
        self, *where: ColumnElement[bool]
    ) -> list[tuple[ListUpload, str, bool]]:
        statement = (
            list_upload_select()
            .where(*where, access.list_uploads_visible_to(self._context.viewer))
            .order_by(ListUpload.id)
        )
        rows: list[tuple[ListUpload, str, bool]] = list(self._context.session.execute(statement))
        self._context.touch("ListUpload", (row[0].id for row in rows))
        return rows

    async def _list_uploads_of_request(
        self, request_ids: list[int]
    ) -> list[list[tuple[ListUpload, str, bool]]]:
        grouped: dict[int, list[tuple[ListUpload, str, bool]]] = defaultdict(list)
        for row in self._list_uploads_where(ListUpload.request_id.in_(request_ids)):
            grouped[row[0].request_id].append(row)
        return [grouped[i] for i in request_ids]

    async def _list_uploads_of_inspection(
        self, inspection_ids: list[int]
    ) -> list[list[tuple[ListUpload, str, bool]]]:
        grouped: dict[int, list[tuple[ListUpload, str, bool]]] = defaultdict(list)
        for row in self._list_uploads_where(ListUpload.inspection_id.in_(inspection_ids)):
            grouped[row[0].inspection_id].append(row)
        return [grouped[i] for i in inspection_ids]

    async def _list_uploads(self, ids: list[int]) -> list[tuple[ListUpload, str, bool] | None]:
        found = {row[0].id: row for row in self._list_uploads_where(ListUpload.id.in_(ids))}
        return [found.get(i) for i in ids]

    async def _queries_pages(self, keys: list[PageKey]) -> list[Page]:
        """Pages of many lists' stored queries at once, in the order found (by id)."""
        session = self._context.session
        uploads = select(ListUpload.id).where(access.list_uploads_visible_to(self._context.viewer))
        scope = ListQuery.upload_id.in_(uploads)
        upload_ids = sorted({key.parent_id for key in keys})
        totals = dict(
            session.execute(
                select(ListQuery.upload_id, func.count())
                .where(ListQuery.upload_id.in_(upload_ids), scope)
                .group_by(ListQuery.upload_id)
            ).all()
        )
        by_window: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        for key in keys:
            by_window[(key.limit, key.after_id)].append(key.parent_id)
        pages: dict[PageKey, Page] = {}
        for (limit, after_id), ids in by_window.items():
            grouped: dict[int, list[ListQuery]] = defaultdict(list)
            window = _id_window(ListQuery, ListQuery.upload_id, scope, ids, limit, after_id)
            for row in session.scalars(window):
                grouped[row.upload_id].append(row)
            for upload_id in ids:
                key = PageKey(upload_id, limit, after_id)
                pages[key] = Page(rows=grouped[upload_id], total=totals.get(upload_id, 0))
        return [pages[key] for key in keys]

    async def _lists_of_child(self, child_ids: list[int]) -> list[list[tuple[ListRow, str]]]:
        statement = (
            select(ListRow, Inspection.framework)
            .join(Child, Child.id == ListRow.child_id)
            .join(Inspection, Inspection.id == ListRow.inspection_id)
            .where(
                ListRow.child_id.in_(child_ids), access.children_visible_to(self._context.viewer)
            )
            .order_by(ListRow.child_id, ListRow.list_code, ListRow.row_number, ListRow.id)
        )
        grouped: dict[int, list[tuple[ListRow, str]]] = defaultdict(list)
        for row, framework in self._context.session.execute(statement):
            if row.child_id is not None:
                grouped[row.child_id].append((row, framework))
        return [grouped[i] for i in child_ids]

    async def _child_local_ids(self, child_ids: list[int]) -> list[str | None]:
        """The LA's ID of the child a per-child request is about, for whoever sees the request:
        the agency asked for a child's documents must know which child."""
        asked_about = select(IssuedRequest.child_id).where(self._scope)
        statement = select(Child.id, Child.local_id).where(
            Child.id.in_(child_ids), Child.id.in_(asked_about)
        )
        found = dict(self._context.session.execute(statement).all())
        self._context.touch("Child", found)
        return [found.get(i) for i in child_ids]
