"""The ``Inspection`` hub, assembled last from the domains' field mixins, and its timetable.

Each domain module defines the ``Inspection`` fields it resolves as a mixin on ``InspectionCore``
(``RequestFields``, ``SelectionFields``, ``FieldworkFields``, ``FindingFields``); this module
imports them and nothing imports it but the root types, so the import graph stays one-way. Other
types name the hub through ``nodes.InspectionRef``, a ``strawberry.lazy`` reference. The mixins'
order here is the order of the fields in the schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum
from typing import Annotated
from weakref import WeakKeyDictionary

import strawberry

from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.errors import BadArgument
from core.graphql.base.orders import ChildOrder, EvidenceOrder
from core.graphql.base.pagination import PAGING, Connection, page_args, page_connection
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Info
from core.graphql.fieldwork import FieldworkFields
from core.graphql.findings import FindingFields
from core.graphql.loaders import ListPageKey
from core.graphql.nodes import (
    Agency,
    Child,
    Evidence,
    EvidenceStatus,
    InspectionCore,
    Inspector,
    TeamMember,
    load_nodes,
)
from core.graphql.reference import Inspectorate, inspectorate_of, use
from core.graphql.requests import RequestFields
from core.graphql.selection import SelectionFields
from core.registry import Registry
from core.timetable import build_timetable


@strawberry.type
class InspectionFields(InspectionCore):
    """The hub's own fields after its core ones: the timetable, the area's agencies, the team."""

    @strawberry.field(description="Weeks, days and every deadline, as dates and times.")
    async def timetable(self, info: Info) -> Timetable:
        # The deadlines of the inspectorates taking part only: a plugin installed later adds none.
        taking_part = await info.context.loaders.participants_of_inspection.load(self.id)
        key = (self.framework_code, self.notification_date, frozenset(taking_part))
        built = _TIMETABLES.setdefault(info.context.registry, {})
        found = built.get(key)
        if found is None:
            if len(built) >= _TIMETABLES_KEPT:
                built.clear()  # rebuilt as asked: a bound, not a policy
            found = built.setdefault(key, _timetable(info, *key))
        return found

    @strawberry.field(description="The area's agencies.")
    async def agencies(self, info: Info) -> list[Agency]:
        rows = await info.context.loaders.agencies_of_area.load(self.area_id)
        return [Agency.of(row) for row in rows]

    @strawberry.field(description="The inspection team, the lead inspector first.")
    async def team(self, info: Info) -> list[TeamMember]:
        rows = await info.context.loaders.team_of_inspection.load(self.id)
        return [
            TeamMember(is_lead=mb.is_lead, inspector=Inspector.of(ins, info.context.registry))
            for mb, ins in rows
        ]

    @strawberry.field
    async def lead_inspector(self, info: Info) -> Inspector:
        rows = await info.context.loaders.team_of_inspection.load(self.id)
        lead = next(
            (Inspector.of(ins, info.context.registry) for mb, ins in rows if mb.is_lead), None
        )
        if lead is None:  # an inspection is created with its lead, who stays on its team
            raise LookupError(f"inspection {self.id} has no lead inspector")
        return lead

    @strawberry.field(
        description="Children recorded for this inspection (inspectors only), oldest added "
        f"first unless `orderBy` says otherwise. {PAGING}",
        extensions=scoped_by(access.children_visible_to),
    )
    async def children(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: ChildOrder = ChildOrder.CREATED_ASC,
        delisted: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only children taken off the lists; false: only those still "
                "on them; null: all."
            ),
        ] = None,
    ) -> Connection[Child]:
        args = page_args(first, after, last, before, info.context.settings.max_page_size)
        key = ListPageKey(self.id, args, order_by, (delisted,))
        page = await info.context.loaders.children_page.load(key)
        return page_connection(page.rows, args, page.counts, lambda r: r.id, Child.of)

    @strawberry.field(
        description="Evidence recorded in this inspection, by every inspectorate, first "
        f"recorded first unless `orderBy` says otherwise. {PAGING}",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def evidence(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: EvidenceOrder = EvidenceOrder.RECORDED_ASC,
        status: Annotated[
            EvidenceStatus | None,
            strawberry.argument(description="Only drafts, or only final evidence."),
        ] = None,
        inspectorate: Annotated[
            str | None,
            strawberry.argument(description="Only the evidence of this inspectorate (its code)."),
        ] = None,
    ) -> Connection[Evidence]:
        args = page_args(first, after, last, before, info.context.settings.max_page_size)
        if inspectorate is not None and info.context.registry.inspectorate(inspectorate) is None:
            raise BadArgument(
                f"inspectorate: {inspectorate!r} is not an inspectorate of this server. Use a "
                "code from `inspectorates { code }`, or leave it out for every inspectorate's.",
                "BAD_FILTER",
            )
        filters = (status.value if status else None, inspectorate)
        key = ListPageKey(self.id, args, order_by, filters)
        page = await info.context.loaders.evidence_page.load(key)
        return page_connection(
            page.rows, args, page.counts, lambda r: r.id, info.context.evidence_types.to_node
        )


@strawberry.type(description="One JTAI of one area, under exactly one framework.")
class Inspection(InspectionFields, RequestFields, SelectionFields, FieldworkFields, FindingFields):
    @staticmethod
    def of(row: m.Inspection) -> Inspection:
        return Inspection(
            id=row.id,
            reference=row.reference,
            notification_date=row.notification_date,
            framework_code=row.framework,
            area_id=row.area_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Inspection | None]:
        rows = await load_nodes(info.context.loaders.inspection, node_ids)
        return [Inspection.of(r) if r else None for r in rows]


@strawberry.enum(description="Who must act on a deadline.")
class DeadlineKind(Enum):
    DOCUMENT_REQUEST = "document_request"  # the area must send something
    MILESTONE = "milestone"  # the inspection team must do something


@strawberry.type(description="One of the three weeks of an inspection.")
class InspectionWeek:
    number: int
    starts: dt.date
    ends: dt.date
    on_site: bool = strawberry.field(description="Inspectors are on site in week 3 only.")


@strawberry.type(description="Day N of the inspection, counted in working days from notification.")
class InspectionDay:
    number: int
    date: dt.date


@strawberry.type(description="A deadline of this inspection, as a date and time.")
class ScheduledDeadline:
    kind: DeadlineKind
    reference: str = strawberry.field(description="The request's reference or milestone's code.")
    title: str
    due_at: dt.datetime = strawberry.field(description="In UTC; the rule reads London time.")
    rule: str = strawberry.field(description="The guidance's wording, e.g. 'end of day, day 5'.")
    owner_code: str = strawberry.field(deprecation_reason=use("owner { code }"))

    @strawberry.field(description="The inspectorate whose request or milestone it is.")
    def owner(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, self.owner_code)


@strawberry.type(description="The inspection's three weeks, its days and every deadline.")
class Timetable:
    notification_date: dt.date
    weeks: list[InspectionWeek]
    days: list[InspectionDay]
    deadlines: list[ScheduledDeadline]


# A timetable is a function of the registry, the framework, the notification date and who takes
# part, and is only ever read: built once per process and shared by every request asking (building
# one cost the dashboard ~0.6 ms a request).
_TIMETABLES: WeakKeyDictionary[Registry, dict[tuple[str, dt.date, frozenset[str]], Timetable]] = (
    WeakKeyDictionary()
)
_TIMETABLES_KEPT = 1024  # per registry


def _timetable(
    info: Info, framework: str, notification: dt.date, taking_part: frozenset[str]
) -> Timetable:
    registry = info.context.registry
    owners: dict[str, tuple[DeadlineKind, str, str]] = {}
    rules: list[tuple[str, str, c.Deadline]] = []
    for request in registry.document_requests_of(framework):
        if request.owner not in taking_part:
            continue
        key = f"request:{request.item.reference}"
        owners[key] = (DeadlineKind.DOCUMENT_REQUEST, request.item.reference, request.owner)
        rules.append((key, request.item.title, request.item.deadline))
    for milestone in registry.milestones_of(framework):
        if milestone.owner not in taking_part:
            continue
        key = f"milestone:{milestone.item.code}"
        owners[key] = (DeadlineKind.MILESTONE, milestone.item.code, milestone.owner)
        rules.append((key, milestone.item.title, milestone.item.deadline))
    built = build_timetable(notification, rules)
    return Timetable(
        notification_date=built.notification,
        weeks=[
            InspectionWeek(number=w.number, starts=w.starts, ends=w.ends, on_site=w.on_site)
            for w in built.weeks
        ],
        days=[InspectionDay(number=n, date=day) for n, day in enumerate(built.days)],
        deadlines=[
            ScheduledDeadline(
                kind=owners[d.key][0],
                reference=owners[d.key][1],
                title=d.title,
                due_at=d.due_at.astimezone(dt.UTC),
                rule=d.description,
                owner_code=owners[d.key][2],
            )
            for d in built.deadlines
        ],
    )
