"""Batched loads of findings' citations, agreements and changes: one query per relation each."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from core import access
from core import models as m
from core.graphql.context import Context, Info
from core.graphql.loaders import readable_evidence

# --- Batch loading what findings cite -------------------------------------------------------------


class FindingLoaders:
    """Per-request loaders for what findings cite, each scoped in SQL by ``core.access``."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.criteria = DataLoader(load_fn=self._criteria)
        self.agencies = DataLoader(load_fn=self._agencies)
        self.evidence = DataLoader(load_fn=self._evidence)
        self.agreements = DataLoader(load_fn=self._agreements)
        self.changes = DataLoader(load_fn=self._changes)
        self.history = DataLoader(load_fn=self._history)

    def _grouped(self, statement: Any, keys: list[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        for finding_id, value in self._context.session.execute(statement):
            grouped[finding_id].append(value)
        return [grouped[k] for k in keys]

    async def _criteria(self, ids: list[int]) -> list[list[str]]:
        return self._grouped(
            select(m.FindingCriterion.finding_id, m.FindingCriterion.criterion_code).where(
                m.FindingCriterion.finding_id.in_(ids)
            ),
            ids,
        )

    async def _agencies(self, ids: list[int]) -> list[list[m.Agency]]:
        return self._grouped(
            select(m.FindingAgency.finding_id, m.Agency)
            .join(m.Agency, m.Agency.id == m.FindingAgency.agency_id)
            .where(
                m.FindingAgency.finding_id.in_(ids),
                access.agencies_visible_to(self._context.viewer),
            )
            .order_by(m.Agency.kind, m.Agency.name),
            ids,
        )

    async def _evidence(self, ids: list[int]) -> list[list[m.EvidenceRecord]]:
        grouped = self._grouped(
            select(m.FindingEvidence.finding_id, m.EvidenceRecord)
            .join(m.EvidenceRecord, m.EvidenceRecord.id == m.FindingEvidence.evidence_id)
            .where(
                m.FindingEvidence.finding_id.in_(ids),
                access.evidence_visible_to(self._context.viewer),
                readable_evidence(self._context),
            )
            .order_by(m.EvidenceRecord.id),
            ids,
        )
        self._context.touch("EvidenceRecord", (r.id for rows in grouped for r in rows))
        return grouped

    async def _agreements(self, ids: list[int]) -> list[list[m.FindingAgreement]]:
        return self._grouped(
            select(m.FindingAgreement.finding_id, m.FindingAgreement)
            .where(m.FindingAgreement.finding_id.in_(ids))
            .order_by(m.FindingAgreement.agreed_at, m.FindingAgreement.id),
            ids,
        )

    async def _changes(self, ids: list[int]) -> list[list[m.FindingChange]]:
        return self._grouped(
            select(m.FindingChange.finding_id, m.FindingChange)
            .where(m.FindingChange.finding_id.in_(ids))
            .order_by(m.FindingChange.id),
            ids,
        )

    async def _history(self, ids: list[int]) -> list[list[m.FindingEvent]]:
        return self._grouped(
            select(m.FindingEvent.finding_id, m.FindingEvent)
            .where(m.FindingEvent.finding_id.in_(ids))
            .order_by(m.FindingEvent.id),
            ids,
        )


_LOADERS_KEY = "_jtai_finding_loaders"


def finding_loaders(info: Info) -> FindingLoaders:
    """This request's finding loaders, kept on its context beside core's own so they never
    outlive the request."""
    state = vars(info.context)
    loaders = state.get(_LOADERS_KEY)
    if loaders is None:
        loaders = state[_LOADERS_KEY] = FindingLoaders(info.context)
    assert isinstance(loaders, FindingLoaders)
    return loaders
