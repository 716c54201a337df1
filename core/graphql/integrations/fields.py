"""The integrators' root fields: findings, the change feed, the thematic view, webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import func, select
from strawberry import relay

from core import models as m
from core.graphql.base.enums import AgencyKind
from core.graphql.base.errors import BadArgument
from core.graphql.base.inputs import row_id
from core.graphql.base.pagination import (
    Connection,
    Ordering,
    decode_cursor,
    keyset_page,
    make_connection,
    page_args,
    page_size,
    row_built_connection,
)
from core.graphql.base.permissions import roles
from core.graphql.context import Info
from core.graphql.integrations.published import (
    FindingChangeEvent,
    PublishedFinding,
    PublishedFindingArea,
    _filters,
)
from core.graphql.integrations.thematic import (
    AgencyKindCounts,
    CriterionCounts,
    FindingCounts,
    ThematicView,
)
from core.graphql.integrations.webhooks import (
    WebhookDeliveryNode,
    WebhookDeliveryStatus,
    WebhookNode,
)
from core.graphql.reference import Criterion, Framework
from core.integrations import feed
from core.integrations.thematic import thematic_view
from core.viewer import Role
from core.workflow.findings import ChangeKind

# --- Root fields --------------------------------------------------------------------------------


@strawberry.type
class IntegrationQueries:
    """Root query fields for integrators and webhook admins; ``Query`` inherits them."""

    @strawberry.field(
        description="Published findings across every inspection, oldest first, filtered; no "
        "child-level data (integrators and admins). `inspectorate` keeps findings citing a "
        "criterion that inspectorate leads; `publishedFrom`/`publishedTo` are UTC days, inclusive.",
        extensions=roles(Role.INTEGRATOR, Role.ADMIN),
    )
    def findings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        framework: str | None = None,
        criterion: str | None = None,
        inspectorate: str | None = None,
        agency_kind: AgencyKind | None = None,
        area: Annotated[str | None, strawberry.argument(description="A local area's code.")] = None,
        published_from: dt.date | None = None,
        published_to: dt.date | None = None,
    ) -> Connection[PublishedFinding]:
        context = info.context
        limit = page_size(first, context.settings.max_page_size)
        filters = _filters(
            framework, criterion, inspectorate, agency_kind, area, published_from, published_to
        )
        try:
            found, total = feed.page_rows_of_published(
                context.session,
                context.registry,
                filters,
                decode_cursor(after) if after else None,
                limit,
            )
        except feed.FilterError as error:
            raise BadArgument(str(error), "BAD_FILTER") from None
        page = PublishedFinding.page(found, context.registry, limit)
        return row_built_connection(
            page, [row[0] for row in page.rows], total, page.more, after is not None
        )

    @strawberry.field(
        description="The change feed: every time a finding was published, updated or withdrawn, "
        "oldest first. Keep pageInfo.endCursor and pass it as `after` next time to take only what "
        "is new (integrators and admins).",
        extensions=roles(Role.INTEGRATOR, Role.ADMIN),
    )
    def finding_changes(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[FindingChangeEvent]:
        context = info.context
        limit = page_size(first, context.settings.max_page_size)
        rows, total = feed.changes_after(
            context.session, decode_cursor(after) if after else None, limit
        )
        current = feed.public_findings(
            context.session,
            context.registry,
            (r.finding_id for r in rows[:limit]),
            with_agreements=False,
        )

        def event(row: m.FindingChange) -> FindingChangeEvent:
            found = current.get(row.finding_id)
            return FindingChangeEvent(
                change=ChangeKind(row.change),
                occurred_at=row.occurred_at,
                finding_id=strawberry.ID(feed.finding_global_id(row.finding_id)),
                finding=PublishedFinding.of(found, context.registry) if found else None,
            )

        return make_connection(rows, limit, total, lambda r: r.id, event, after is not None)

    @strawberry.field(
        description="Counts of published strengths, areas for improvement and priority actions "
        "across every inspection under a framework, by criterion and by kind of agency.",
        extensions=roles(Role.INTEGRATOR, Role.ADMIN, Role.INSPECTOR),
    )
    def thematic_view(
        self,
        info: Info,
        framework: Annotated[str, strawberry.argument(description="A framework's code.")],
    ) -> ThematicView:
        registry = info.context.registry
        found = registry.framework(framework)
        if found is None:
            known = ", ".join(f.code for f in registry.frameworks)
            raise BadArgument(
                f"framework: {framework!r} is not a framework; use one of {known}.", "BAD_FILTER"
            )
        view = thematic_view(info.context.session, registry, framework)
        return ThematicView(
            framework=Framework.of(found),
            areas=[PublishedFindingArea(code=c, name=n) for c, n in view.areas],
            inspections=view.inspections,
            findings=view.findings,
            totals=FindingCounts.of(view.totals),
            by_criterion=[
                CriterionCounts(criterion=Criterion.of(owned), counts=FindingCounts.of(tally))
                for code, tally in view.by_criterion
                if (owned := registry.criterion(framework, code)) is not None
            ],
            by_agency_kind=[
                AgencyKindCounts(agency_kind=kind, counts=FindingCounts.of(tally))
                for kind, tally in view.by_agency_kind
            ],
        )

    @strawberry.field(description="Registered webhooks (admins).", extensions=roles(Role.ADMIN))
    def webhooks(self, info: Info) -> list[WebhookNode]:
        rows = info.context.session.scalars(select(m.Webhook).order_by(m.Webhook.id))
        return [WebhookNode.of(row) for row in rows]

    @strawberry.field(
        description="The delivery log, newest first (admins).", extensions=roles(Role.ADMIN)
    )
    def webhook_deliveries(
        self,
        info: Info,
        webhook_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="A Webhook's global ID.")
        ] = None,
        status: WebhookDeliveryStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDeliveryNode]:
        context = info.context
        filters = []
        if webhook_id is not None:
            row = row_id(webhook_id.node_id) if webhook_id.type_name == "Webhook" else None
            if row is None:
                raise BadArgument(
                    f"webhookId: {str(webhook_id)!r} is not the ID of a Webhook. "
                    "Pass a Webhook.id.",
                    "BAD_GLOBAL_ID",
                )
            filters.append(m.WebhookDelivery.webhook_id == row)
        if status is not None:
            filters.append(m.WebhookDelivery.status == status.value)
        return keyset_page(
            context.session,
            select(m.WebhookDelivery, m.FindingChange.change)
            .join(m.FindingChange, m.FindingChange.id == m.WebhookDelivery.change_id)
            .where(*filters),
            select(func.count()).select_from(m.WebhookDelivery).where(*filters),
            ordering=Ordering(m.WebhookDelivery, descending_id=True),
            args=page_args(first, after, None, None, context.settings.max_page_size),
            to_node=WebhookDeliveryNode.of,
        )
