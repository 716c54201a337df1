"""Webhooks and their delivery log, and the admins' mutations that manage them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry import relay

from core import ids
from core import models as m
from core.graphql.base.domain_errors import IntegrationError
from core.graphql.base.errors import MutationFailed, invalid, not_found
from core.graphql.base.inputs import in_order, node_id, row_ids
from core.graphql.base.mutations import run
from core.graphql.base.permissions import require_admin, signed_in
from core.graphql.context import Info
from core.integrations import webhooks
from core.models import utc_now
from core.viewer import Role


def _admin(info: Info) -> bool:
    """Webhooks and their log are for admins: to anyone else ``node(id:)`` finds nothing."""
    return info.context.viewer.role is Role.ADMIN


# --- Webhooks -----------------------------------------------------------------------------------


@strawberry.type(name="Webhook", description="A receiver that findings are pushed to, signed.")
class WebhookNode(relay.Node):
    id: relay.NodeID[int]
    url: str
    label: str
    active: bool
    created_at: dt.datetime

    @staticmethod
    def of(row: m.Webhook) -> WebhookNode:
        return WebhookNode(
            id=row.id, url=row.url, label=row.label, active=row.active, created_at=row.created_at
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookNode | None]:
        wanted = list(node_ids)
        if not _admin(info):
            return [None for _ in wanted]
        rows = info.context.session.scalars(
            select(m.Webhook).where(m.Webhook.id.in_(row_ids(wanted)))
        )
        return in_order(wanted, {row.id: WebhookNode.of(row) for row in rows})


@strawberry.enum(description="The change a delivery carries; the `X-JTAI-Event` header's value.")
class WebhookEvent(Enum):
    FINDING_PUBLISHED = "finding.published"
    FINDING_UPDATED = "finding.updated"
    FINDING_WITHDRAWN = "finding.withdrawn"
    FINDING_REPUBLISHED = "finding.republished"


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@strawberry.type(
    name="WebhookDelivery",
    description="One change sent, or to be sent, to one webhook, with its attempts.",
)
class WebhookDeliveryNode(relay.Node):
    id: relay.NodeID[int]
    webhook_id: strawberry.ID = strawberry.field(description="The webhook's global ID.")
    event: WebhookEvent
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
            webhook_id=strawberry.ID(ids.global_id("Webhook", row.webhook_id)),
            event=WebhookEvent(webhooks.event_name(change)),
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

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookDeliveryNode | None]:
        wanted = list(node_ids)
        if not _admin(info):
            return [None for _ in wanted]
        rows = info.context.session.execute(
            select(m.WebhookDelivery, m.FindingChange.change)
            .join(m.FindingChange, m.FindingChange.id == m.WebhookDelivery.change_id)
            .where(m.WebhookDelivery.id.in_(row_ids(wanted)))
        )
        found = {row.id: WebhookDeliveryNode.of(row, change) for row, change in rows}
        return in_order(wanted, found)


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
    errors: list[IntegrationError]


@strawberry.type
class WebhookPayload:
    webhook: WebhookNode | None
    errors: list[IntegrationError]


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDeliveryNode | None
    errors: list[IntegrationError]


def _delivery(session: Session, delivery: m.WebhookDelivery) -> WebhookDeliveryNode:
    change = session.scalar(
        select(m.FindingChange.change).where(m.FindingChange.id == delivery.change_id)
    )
    return WebhookDeliveryNode.of(delivery, change or "")


def _webhook_error(error: webhooks.WebhookError) -> MutationFailed:
    return MutationFailed(invalid(error.field, str(error)))


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

        result, errors = run(info, work, errors=IntegrationError)
        if result is None:
            return RegisterWebhookPayload(webhook=None, secret=None, errors=errors)
        webhook, secret = result
        return RegisterWebhookPayload(webhook=WebhookNode.of(webhook), secret=secret, errors=[])

    @strawberry.mutation(
        description="Stop sending to a webhook (admins); its pending deliveries wait unsent.",
        extensions=signed_in(),
    )
    def deactivate_webhook(self, info: Info, webhook_id: relay.GlobalID) -> WebhookPayload:
        def work(session: Session) -> m.Webhook:
            require_admin(info)
            try:
                return webhooks.deactivate(session, node_id("webhookId", webhook_id, "Webhook"))
            except webhooks.WebhookNotFound:
                raise MutationFailed(not_found("webhookId", str(webhook_id), "webhook")) from None

        result, errors = run(info, work, errors=IntegrationError)
        return WebhookPayload(webhook=WebhookNode.of(result) if result else None, errors=errors)

    @strawberry.mutation(
        description="Send a delivery again, whatever its status (admins): a copy is queued for "
        "the next `jtai webhooks deliver`, and the log keeps the original.",
        extensions=signed_in(),
    )
    def redeliver_webhook(self, info: Info, delivery_id: relay.GlobalID) -> WebhookDeliveryPayload:
        def work(session: Session) -> WebhookDeliveryNode:
            require_admin(info)
            row = node_id("deliveryId", delivery_id, "WebhookDelivery")
            try:
                copy = webhooks.redeliver(session, row, utc_now())
            except webhooks.WebhookNotFound:
                raise MutationFailed(
                    not_found("deliveryId", str(delivery_id), "webhook delivery")
                ) from None
            except webhooks.WebhookError as error:
                raise _webhook_error(error) from None
            return _delivery(session, copy)

        result, errors = run(info, work, errors=IntegrationError)
        return WebhookDeliveryPayload(delivery=result, errors=errors)
