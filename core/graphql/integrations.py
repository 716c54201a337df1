"""What integrators pull through the graph, and how admins manage webhooks.

Root fields: ``findings`` (published findings across every inspection, filtered, cursor-paginated),
``findingChanges`` (the change feed after a cursor), ``thematicView`` (counts across a round), and
for admins ``webhooks`` and ``webhookDeliveries`` (the delivery log). Every integrator-facing type
here is built from ``core.integrations.feed``: published findings only, and no field that reaches a
child or an evidence record.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import models as m
from core.contributions import AgencyKind as AgencyKindValue
from core.graphql.base.enums import AgencyKind, FindingChangeKind, FindingKind
from core.graphql.base.errors import BadArgument, MutationFailed, UserError, invalid, not_found
from core.graphql.base.mutations import run
from core.graphql.base.pagination import (
    Connection,
    decode_cursor,
    keyset_page,
    make_connection,
    page_size,
)
from core.graphql.base.permissions import require_admin, roles, signed_in
from core.graphql.context import Info
from core.graphql.reference import Criterion, Framework
from core.integrations import feed, webhooks
from core.integrations.thematic import Tally, thematic_view
from core.models import utc_now
from core.registry import Registry
from core.viewer import Role
from core.workflow.findings import ChangeKind
from core.workflow.findings import FindingKind as FindingKindValue

# --- Published findings -------------------------------------------------------------------------


@strawberry.type(description="The local area a published finding is about.")
class PublishedFindingArea:
    code: str
    name: str


@strawberry.type(description="An agency a published finding concerns.")
class PublishedFindingAgency:
    kind: AgencyKind
    name: str


@strawberry.type(
    description="A published finding as integrators receive it: what it says, the criteria and "
    "agencies it concerns, its inspection and area. Nothing about any child, no evidence."
)
class PublishedFinding:
    id: strawberry.ID = strawberry.field(description="The finding's global ID (a Finding).")
    kind: FindingKind
    headline: bool
    title: str
    text: str
    published_at: dt.datetime = strawberry.field(description="When it was first published.")
    updated_at: dt.datetime = strawberry.field(description="When it last changed.")
    inspection_reference: str
    framework_code: str
    area: PublishedFindingArea
    agencies: list[PublishedFindingAgency]
    criteria: list[Criterion] = strawberry.field(
        description="The criteria it cites, each with the inspectorate leading it."
    )
    finding_id: strawberry.Private[int]

    @staticmethod
    def of(item: feed.PublicFinding, registry: Registry) -> PublishedFinding:
        # Plain values only, criteria included (their nodes are shared): a page of 1,000 findings
        # then completes without a resolver call per finding (core/graphql/execution.py).
        found = (registry.criterion(item.framework, c.code) for c in item.criteria)
        return PublishedFinding(
            id=strawberry.ID(item.global_id),
            kind=FindingKindValue(item.kind),
            headline=item.headline,
            title=item.title,
            text=item.text,
            published_at=item.published_at,
            updated_at=item.updated_at,
            inspection_reference=item.inspection_reference,
            framework_code=item.framework,
            area=PublishedFindingArea(code=item.area_code, name=item.area_name),
            agencies=[PublishedFindingAgency(kind=a.kind, name=a.name) for a in item.agencies],
            criteria=[Criterion.of(o) for o in found if o is not None],
            finding_id=item.id,
        )

    @strawberry.field(
        description="Codes of the inspectorates that agreed it (every one taking part)."
    )
    async def agreed_by(self, info: Info) -> list[str]:
        # Read only when asked for: a page of 1,000 findings has ~4,000 agreements.
        codes: list[str] = await info.context.loaders.published_finding_agreements.load(
            self.finding_id
        )
        return codes

    @strawberry.field
    def framework(self, info: Info) -> Framework | None:
        found = info.context.registry.framework(self.framework_code)
        return Framework.of(found) if found else None


def _filters(
    framework: str | None,
    criterion: str | None,
    inspectorate: str | None,
    agency_kind: AgencyKindValue | None,
    area: str | None,
    published_from: dt.date | None,
    published_to: dt.date | None,
) -> feed.FindingFilters:
    return feed.FindingFilters(
        framework=framework,
        criterion=criterion,
        inspectorate=inspectorate,
        agency_kind=agency_kind.value if agency_kind is not None else None,
        area=area,
        published_from=published_from,
        published_to=published_to,
    )


# --- The change feed ----------------------------------------------------------------------------


@strawberry.type(
    description="One entry of the change feed: a finding was published, updated or withdrawn."
)
class FindingChangeEvent:
    change: FindingChangeKind
    occurred_at: dt.datetime
    finding_id: strawberry.ID = strawberry.field(description="The finding's global ID.")
    finding: PublishedFinding | None = strawberry.field(
        description="The finding as it is now; null once it is no longer published (withdrawn)."
    )


# --- The thematic view --------------------------------------------------------------------------


@strawberry.type(description="Published findings of each kind, and in how many areas.")
class FindingCounts:
    strengths: int
    areas_for_improvement: int
    priority_actions: int
    areas: int = strawberry.field(description="How many areas had at least one of them.")
    areas_with_strengths: int
    areas_with_areas_for_improvement: int
    areas_with_priority_actions: int

    @staticmethod
    def of(tally: Tally) -> FindingCounts:
        return FindingCounts(
            strengths=tally.by_kind["strength"],
            areas_for_improvement=tally.by_kind["area_for_improvement"],
            priority_actions=tally.by_kind["priority_action"],
            areas=len(tally.areas),
            areas_with_strengths=len(tally.areas_by_kind["strength"]),
            areas_with_areas_for_improvement=len(tally.areas_by_kind["area_for_improvement"]),
            areas_with_priority_actions=len(tally.areas_by_kind["priority_action"]),
        )


@strawberry.type(description="Counts for one criterion of the framework.")
class CriterionCounts:
    criterion: Criterion
    counts: FindingCounts


@strawberry.type(description="Counts for one kind of agency.")
class AgencyKindCounts:
    agency_kind: AgencyKind
    counts: FindingCounts


@strawberry.type(
    description="Across a round of inspections (every inspection under one framework): how many "
    "strengths, areas for improvement and areas for priority action were published, by criterion "
    "and by kind of agency, and in how many of the areas."
)
class ThematicView:
    framework: Framework
    areas: list[PublishedFindingArea] = strawberry.field(
        description="The areas with published findings."
    )
    inspections: int
    findings: int
    totals: FindingCounts
    by_criterion: list[CriterionCounts] = strawberry.field(
        description="Every criterion of the framework, in its order, with zero counts too."
    )
    by_agency_kind: list[AgencyKindCounts]


# --- Webhooks -----------------------------------------------------------------------------------


@strawberry.type(name="Webhook", description="A receiver that findings are pushed to, signed.")
class WebhookNode:
    id: int
    url: str
    label: str
    active: bool
    created_at: dt.datetime

    @staticmethod
    def of(row: m.Webhook) -> WebhookNode:
        return WebhookNode(
            id=row.id, url=row.url, label=row.label, active=row.active, created_at=row.created_at
        )


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@strawberry.type(
    name="WebhookDelivery",
    description="One change sent, or to be sent, to one webhook, with its attempts.",
)
class WebhookDeliveryNode:
    id: int
    webhook_id: int
    event: str = strawberry.field(description="finding.published, .updated or .withdrawn.")
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None = strawberry.field(
        description="When it is tried next, while PENDING."
    )
    last_status_code: int | None
    last_error: str | None
    delivered_at: dt.datetime | None
    body: str = strawberry.field(description="The exact JSON body that is signed and sent.")

    @staticmethod
    def of(row: m.WebhookDelivery, change: str) -> WebhookDeliveryNode:
        status = WebhookDeliveryStatus(row.status)
        return WebhookDeliveryNode(
            id=row.id,
            webhook_id=row.webhook_id,
            event=webhooks.event_name(change),
            status=status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at
            if status is WebhookDeliveryStatus.PENDING
            else None,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
            body=row.body,
        )


@strawberry.input
class RegisterWebhookInput:
    url: str = strawberry.field(description="Where to POST, e.g. https://receiver.example.org/jtai")
    label: str = strawberry.field(description="Whose receiver it is.")


@strawberry.type
class RegisterWebhookPayload:
    webhook: WebhookNode | None
    secret: str | None = strawberry.field(
        description="The signing secret, shown this once only: keep it with the receiver."
    )
    errors: list[UserError]


@strawberry.type
class WebhookPayload:
    webhook: WebhookNode | None
    errors: list[UserError]


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDeliveryNode | None
    errors: list[UserError]


def _delivery(session: Session, delivery: m.WebhookDelivery) -> WebhookDeliveryNode:
    change = session.scalar(
        select(m.FindingChange.change).where(m.FindingChange.id == delivery.change_id)
    )
    return WebhookDeliveryNode.of(delivery, change or "")


def _webhook_error(error: webhooks.WebhookError) -> MutationFailed:
    return MutationFailed(invalid(error.field, str(error)))


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
            page = feed.page_of_published(
                context.session,
                context.registry,
                filters,
                decode_cursor(after) if after else None,
                limit,
                with_agreements=False,
            )
        except feed.FilterError as error:
            raise BadArgument(str(error)) from None
        registry = context.registry
        return make_connection(
            page.findings,
            limit,
            page.total,
            lambda f: f.id,
            lambda f: PublishedFinding.of(f, registry),
            after is not None,
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
    def thematic_view(self, info: Info, framework_code: str) -> ThematicView:
        registry = info.context.registry
        framework = registry.framework(framework_code)
        if framework is None:
            known = ", ".join(f.code for f in registry.frameworks)
            raise BadArgument(
                f"frameworkCode: {framework_code!r} is not a framework; use one of {known}."
            )
        view = thematic_view(info.context.session, registry, framework_code)
        return ThematicView(
            framework=Framework.of(framework),
            areas=[PublishedFindingArea(code=c, name=n) for c, n in view.areas],
            inspections=view.inspections,
            findings=view.findings,
            totals=FindingCounts.of(view.totals),
            by_criterion=[
                CriterionCounts(criterion=Criterion.of(owned), counts=FindingCounts.of(tally))
                for code, tally in view.by_criterion
                if (owned := registry.criterion(framework_code, code)) is not None
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
        webhook_id: int | None = None,
        status: WebhookDeliveryStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDeliveryNode]:
        context = info.context
        filters = []
        if webhook_id is not None:
            filters.append(m.WebhookDelivery.webhook_id == webhook_id)
        if status is not None:
            filters.append(m.WebhookDelivery.status == status.value)
        return keyset_page(
            context.session,
            select(m.WebhookDelivery, m.FindingChange.change)
            .join(m.FindingChange, m.FindingChange.id == m.WebhookDelivery.change_id)
            .where(*filters),
            select(func.count()).select_from(m.WebhookDelivery).where(*filters),
            key=m.WebhookDelivery.id,
            first=first,
            after=after,
            maximum=context.settings.max_page_size,
            to_node=WebhookDeliveryNode.of,
            descending=True,
        )


@strawberry.type
class IntegrationMutations:
    """Webhooks (admins); the schema's Mutation type inherits them."""

    @strawberry.mutation(
        description="Register a webhook (admins). The signing secret is in this response only. "
        "It receives every change from now on; pull findingChanges for what came before.",
        extensions=signed_in(),
    )
    def register_webhook(self, info: Info, input: RegisterWebhookInput) -> RegisterWebhookPayload:
        def work(session: Session) -> tuple[m.Webhook, str]:
            require_admin(info)
            try:
                return webhooks.register(
                    session,
                    input.url,
                    input.label,
                    production=info.context.settings.production,
                    now=utc_now(),
                )
            except webhooks.WebhookError as error:
                raise _webhook_error(error) from None

        result, errors = run(info, work)
        if result is None:
            return RegisterWebhookPayload(webhook=None, secret=None, errors=errors)
        webhook, secret = result
        return RegisterWebhookPayload(webhook=WebhookNode.of(webhook), secret=secret, errors=[])

    @strawberry.mutation(
        description="Stop sending to a webhook (admins); its pending deliveries wait unsent.",
        extensions=signed_in(),
    )
    def deactivate_webhook(self, info: Info, webhook_id: int) -> WebhookPayload:
        def work(session: Session) -> m.Webhook:
            require_admin(info)
            webhook = session.get(m.Webhook, webhook_id)
            if webhook is None:
                raise MutationFailed(not_found("webhookId", webhook_id, "webhook"))
            webhook.active = False
            return webhook

        result, errors = run(info, work)
        return WebhookPayload(webhook=WebhookNode.of(result) if result else None, errors=errors)

    @strawberry.mutation(
        description="Send a delivery again, whatever its status (admins): a copy is queued for "
        "the next `jtai webhooks deliver`, and the log keeps the original.",
        extensions=signed_in(),
    )
    def redeliver_webhook(self, info: Info, delivery_id: int) -> WebhookDeliveryPayload:
        def work(session: Session) -> WebhookDeliveryNode:
            require_admin(info)
            try:
                copy = webhooks.redeliver(session, delivery_id, utc_now())
            except webhooks.WebhookError as error:
                raise _webhook_error(error) from None
            return _delivery(session, copy)

        result, errors = run(info, work)
        return WebhookDeliveryPayload(delivery=result, errors=errors)
