"""Rows written straight into the database for tests that need more than the demo."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.models import Agency, Inspection, LocalArea, TeamMember
from core.workflow.participation import record_participants
from tests.helpers.environment import FIRST_PARTY


def add_led_inspection(session: Session, lead_inspector_id: int, code: str) -> Inspection:
    """Another da-2016 inspection led by ``lead_inspector_id``, in its own area with three
    agencies; for tests that show a query costs the same however many inspections there are."""
    area = LocalArea(code=f"ZZ-{code}", name=f"Area {code}")
    session.add(area)
    session.flush()
    session.add_all(
        Agency(area_id=area.id, kind=kind, name=f"{kind} {code}")
        for kind in ("local_authority", "police", "health")
    )
    inspection = Inspection(
        reference=f"JTAI-{code}",
        area_id=area.id,
        framework="da-2016",
        notification_date=dt.date(2026, 11, 17),
    )
    session.add(inspection)
    session.flush()
    record_participants(session, inspection, FIRST_PARTY)
    session.add(
        TeamMember(inspection_id=inspection.id, inspector_id=lead_inspector_id, is_lead=True)
    )
    return inspection
