"""What integrators pull through the graph, and how admins manage webhooks.

Root fields: ``findings`` (published findings across every inspection, filtered, cursor-paginated),
``findingChanges`` (the change feed after a cursor), ``thematicView`` (counts across a round), and
for admins ``webhooks`` and ``webhookDeliveries`` (the delivery log). Every integrator-facing type
here is built from ``core.integrations.feed``: published findings only, and no field that reaches a
child or an evidence record.
"""

from __future__ import annotations

from core.graphql.integrations.fields import IntegrationQueries
from core.graphql.integrations.published import (
    FindingChangeEvent,
    PublishedFinding,
    PublishedFindingAgency,
    PublishedFindingArea,
)
from core.graphql.integrations.thematic import (
    AgencyKindCounts,
    CriterionCounts,
    FindingCounts,
    ThematicView,
)
from core.graphql.integrations.webhooks import (
    IntegrationMutations,
    RegisterWebhookInput,
    RegisterWebhookPayload,
    WebhookDeliveryNode,
    WebhookDeliveryPayload,
    WebhookDeliveryStatus,
    WebhookNode,
    WebhookPayload,
)

__all__ = [
    "AgencyKindCounts",
    "CriterionCounts",
    "FindingChangeEvent",
    "FindingCounts",
    "IntegrationMutations",
    "IntegrationQueries",
    "PublishedFinding",
    "PublishedFindingAgency",
    "PublishedFindingArea",
    "RegisterWebhookInput",
    "RegisterWebhookPayload",
    "ThematicView",
    "WebhookDeliveryNode",
    "WebhookDeliveryPayload",
    "WebhookDeliveryStatus",
    "WebhookNode",
    "WebhookPayload",
]
