"""A finding as the graph shows it, with its agreements and change history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from core import access
from core import models as m
from core.graphql.base.enums import (
    FindingAction,
    FindingChangeKind,
    FindingKind,
    FindingStatus,
)
from core.graphql.base.inputs import in_order, row_ids
from core.graphql.base.pagination import encode_cursor
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Info
from core.graphql.findings.loaders import finding_loaders
from core.graphql.nodes import (
    Agency,
    Evidence,
    InspectionRef,
    Inspector,
    load_inspection,
)
from core.graphql.reference import Criterion, Inspectorate, inspectorate_of
from core.workflow import findings as wf
from core.workflow.rules import Refused

# --- Types ----------------------------------------------------------------------------------------


@strawberry.type(description="One inspectorate's agreement to a finding: who agreed, and when.")
class FindingAgreement:
    inspectorate_code: strawberry.Private[str]
    inspector_id: strawberry.Private[int]
    agreed_at: dt.datetime

    @strawberry.field
    def inspectorate(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, self.inspectorate_code)

    @strawberry.field(description="The inspector who agreed for the inspectorate.")
    async def inspector(self, info: Info) -> Inspector | None:
        row = await info.context.loaders.inspector.load(self.inspector_id)
        return Inspector.of(row, info.context.registry) if row else None


@strawberry.type(
    description="A step in a finding's history: what was done, by which inspectorate's "
    "inspector, and when. Corrections (an agreement withdrawn, a withdrawal, a republication) "
    "appear here beside the steps they correct."
)
class FindingHistoryEntry:
    action: FindingAction
    occurred_at: dt.datetime
    inspectorate_code: strawberry.Private[str | None]
    inspector_id: strawberry.Private[int | None]

    @strawberry.field(description="The inspectorate acting; null for an admin.")
    def inspectorate(self, info: Info) -> Inspectorate | None:
        if self.inspectorate_code is None:
            return None
        return inspectorate_of(info, self.inspectorate_code)

    @strawberry.field(description="The inspector who took the step.")
    async def inspector(self, info: Info) -> Inspector | None:
        if self.inspector_id is None:
            return None
        row = await info.context.loaders.inspector.load(self.inspector_id)
        return Inspector.of(row, info.context.registry) if row else None


@strawberry.type(
    name="FindingChange",
    description="A change to a published finding, as the change feed records it.",
)
class FindingChangeNode:
    kind: FindingChangeKind
    occurred_at: dt.datetime
    cursor: str = strawberry.field(
        description="Pass it to findingChanges(after:) to see only later changes."
    )


@strawberry.type(
    description="A strength, area for improvement or area for priority action of one inspection, "
    "citing criteria, agencies and evidence. Never a grade."
)
class Finding(relay.Node):
    id: relay.NodeID[int]
    kind: FindingKind
    status: FindingStatus
    title: str
    text: str
    headline: bool = strawberry.field(description="Listed under the letter's headline findings.")
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    inspection_id: strawberry.Private[int]
    framework_code: strawberry.Private[str]
    created_by_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Finding, framework_code: str) -> Finding:
        return Finding(
            id=row.id,
            kind=wf.FindingKind(row.kind),
            status=wf.FindingStatus(row.status),
            title=row.title,
            text=row.text,
            headline=row.headline,
            created_at=row.created_at,
            updated_at=row.updated_at,
            published_at=row.published_at,
            inspection_id=row.inspection_id,
            framework_code=framework_code,
            created_by_id=row.created_by_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Sequence[str], required: bool = False
    ) -> list[Finding | None]:
        found = {f.id: f for f in _findings(info, m.Finding.id.in_(row_ids(node_ids)))}
        return in_order(node_ids, found)

    @strawberry.field
    async def inspection(self, info: Info) -> InspectionRef:
        return await load_inspection(info, self.inspection_id)

    @strawberry.field
    async def created_by(self, info: Info) -> Inspector | None:
        row = await info.context.loaders.inspector.load(self.created_by_id)
        return Inspector.of(row, info.context.registry) if row else None

    @strawberry.field(description="The criteria of the framework it cites, in framework order.")
    async def criteria(self, info: Info) -> list[Criterion]:
        codes = set(await finding_loaders(info).criteria.load(self.id))
        criteria = info.context.registry.criteria_of(self.framework_code)
        return [Criterion.of(o) for o in criteria if o.item.code in codes]

    @strawberry.field(description="The agencies of the area it concerns.")
    async def agencies(self, info: Info) -> list[Agency]:
        return [Agency.of(a) for a in await finding_loaders(info).agencies.load(self.id)]

    @strawberry.field(
        description="The evidence behind it: for the team and admins only.",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def evidence(self, info: Info) -> list[Evidence]:
        rows = await finding_loaders(info).evidence.load(self.id)
        return [info.context.evidence_types.to_node(r) for r in rows]

    @strawberry.field(description="Each inspectorate's agreement so far: who, and when.")
    async def agreements(self, info: Info) -> list[FindingAgreement]:
        rows = await finding_loaders(info).agreements.load(self.id)
        return [
            FindingAgreement(
                inspectorate_code=r.inspectorate, inspector_id=r.inspector_id, agreed_at=r.agreed_at
            )
            for r in rows
        ]

    @strawberry.field(
        description="The inspectorates taking part that have not agreed it yet: it is published "
        "only once this is empty."
    )
    async def awaiting_agreement_from(self, info: Info) -> list[Inspectorate]:
        rows = await finding_loaders(info).agreements.load(self.id)
        agreed = {r.inspectorate for r in rows}
        taking_part = await info.context.loaders.participants_of_inspection.load(self.inspection_id)
        registry = info.context.registry
        found = (registry.inspectorate(code) for code in taking_part if code not in agreed)
        return [Inspectorate.of(i) for i in found if i is not None]

    @strawberry.field(
        description="Whether agreeFinding would succeed for you now (the same rules decide): "
        "show or hide the Agree action by it. A few statements per finding."
    )
    def viewer_can_agree(self, info: Info) -> bool:
        return _viewer_may(info, self.id, wf.check_agree)

    @strawberry.field(
        description="Whether publishFinding would succeed for you now (the same rules decide): "
        "the lead inspector, once every inspectorate agreed. A few statements per finding."
    )
    def viewer_can_publish(self, info: Info) -> bool:
        return _viewer_may(info, self.id, wf.check_publish)

    @strawberry.field(
        description="Every step taken on it, oldest first: agreements given and withdrawn, "
        "publication, changes, withdrawal and republication."
    )
    async def history(self, info: Info) -> list[FindingHistoryEntry]:
        rows = await finding_loaders(info).history.load(self.id)
        return [
            FindingHistoryEntry(
                action=wf.FindingAction(r.action),
                occurred_at=r.occurred_at,
                inspectorate_code=r.inspectorate,
                inspector_id=r.inspector_id,
            )
            for r in rows
        ]

    @strawberry.field(description="Its entries in the change feed, oldest first.")
    async def changes(self, info: Info) -> list[FindingChangeNode]:
        rows = await finding_loaders(info).changes.load(self.id)
        return [
            FindingChangeNode(
                kind=wf.ChangeKind(r.change), occurred_at=r.occurred_at, cursor=encode_cursor(r.id)
            )
            for r in rows
        ]


def _viewer_may(info: Info, finding_id: int, check: Callable[..., None]) -> bool:
    """Whether ``check`` (a workflow rule an action runs before it writes) lets the viewer act
    on the finding, seen as the action sees it."""
    context = info.context
    row = context.session.execute(
        select(m.Finding, m.Inspection)
        .join(m.Inspection, m.Inspection.id == m.Finding.inspection_id)
        .where(m.Finding.id == finding_id, access.findings_visible_to(context.viewer))
    ).one_or_none()
    if row is None:
        return False
    finding, inspection = row
    try:
        check(context.session, context.registry, context.viewer, inspection, finding)
    except Refused:
        return False
    return True


def _findings(info: Info, *where: Any) -> list[Finding]:
    rows = info.context.session.execute(
        select(m.Finding, m.Inspection.framework)
        .join(m.Inspection, m.Inspection.id == m.Finding.inspection_id)
        .where(
            access.findings_visible_to(info.context.viewer),
            # A finding is the team's and the area's: integrators read PublishedFinding instead.
            access.inspections_visible_to(info.context.viewer),
            *where,
        )
        .order_by(m.Finding.id)
    )
    return [Finding.of(row, framework) for row, framework in rows]


async def inspection_findings(
    info: Info, inspection_id: int, status: wf.FindingStatus | None
) -> list[Finding]:
    where = [m.Finding.inspection_id == inspection_id]
    if status is not None:
        where.append(m.Finding.status == status.value)
    return _findings(info, *where)
