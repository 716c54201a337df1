"""A synthetic demo inspection: an area, its agencies, a team from all four inspectorates, and
children with made-up identifiers. Nothing here describes a real place or person."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contributions import AgencyKind
from core.models import Agency, Child, Inspection, Inspector, LocalArea, TeamMember
from core.workflow.participation import record_participants

DEMO_AREA_CODE = "ZZ-DEMO-1"  # not an ONS code, so it can never match a real area
DEMO_REFERENCE = "JTAI-DEMO-001"
DEMO_FRAMEWORK = "da-2016"

AGENCIES = (
    (AgencyKind.LOCAL_AUTHORITY, "Northvale Council children's services"),
    (AgencyKind.SAFEGUARDING_PARTNERSHIP, "Northvale Safeguarding Children Partnership"),
    (AgencyKind.POLICE, "Northvale Constabulary"),
    (AgencyKind.HEALTH, "Northvale Integrated Care Board"),
    (AgencyKind.HEALTH, "Northvale Community Health NHS Trust"),
    (AgencyKind.PROBATION, "Probation Service, Northvale delivery unit"),
    (AgencyKind.YOUTH_OFFENDING_TEAM, "Northvale Youth Justice Service"),
    (AgencyKind.CAFCASS, "Cafcass, Northvale service area"),
    (AgencyKind.SCHOOL, "Northvale Primary School"),
    (AgencyKind.VOLUNTARY_SECTOR, "Northvale Refuge and IDVA Service"),
)

# (name, inspectorate code, is lead) - about the size of a 2016 JTAI team.
TEAM = (
    ("Alex Demo-Lead", "ofsted", True),
    ("Sam Example", "ofsted", False),
    ("Jo Sample", "ofsted", False),
    ("Priya Placeholder", "cqc", False),
    ("Chris Fictional", "cqc", False),
    ("Morgan Madeup", "hmicfrs", False),
    ("Taylor Testcase", "hmicfrs", False),
    ("Jordan Synthetic", "hmip", False),
    ("Casey Invented", "hmip", False),
)

GENDERS = ("M", "F", "M", "F", "U")
ETHNICITIES = ("WBRI", "WBRI", "WBRI", "WOTH", "MWBC", "APKN", "BAFR", "CHNE", "NOBT")


@dataclass(frozen=True, slots=True)
class DemoInspection:
    inspection_id: int
    lead_inspector_id: int
    created: bool


def last_weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def load_demo(
    session: Session,
    *,
    today: dt.date | None = None,
    seed: int = 2016,
    notified: dt.date | None = None,
) -> DemoInspection:
    """Create the demo inspection unless it exists; return its id and the lead inspector's.

    Notified on ``notified`` if given (``core.demo_timeline`` picks a day a few working days ago),
    else on the most recent Tuesday (the 2016 guidance's notification day).
    """
    existing = session.scalar(select(Inspection).where(Inspection.reference == DEMO_REFERENCE))
    if existing is not None:
        lead = session.scalar(
            select(TeamMember.inspector_id).where(
                TeamMember.inspection_id == existing.id, TeamMember.is_lead
            )
        )
        assert lead is not None
        return DemoInspection(existing.id, lead, created=False)

    area = LocalArea(code=DEMO_AREA_CODE, name="Northvale (synthetic demo area)")
    session.add(area)
    session.flush()
    session.add_all(Agency(area_id=area.id, kind=kind.value, name=name) for kind, name in AGENCIES)
    notified = notified or last_weekday_on_or_before(today or dt.date.today(), 1)
    inspection = Inspection(
        reference=DEMO_REFERENCE,
        area_id=area.id,
        framework=DEMO_FRAMEWORK,
        notification_date=notified,
    )
    session.add(inspection)
    session.flush()
    # The inspectorates of the demo's team take part, whatever else is installed.
    record_participants(session, inspection, sorted({code for _, code, _ in TEAM}))
    lead_id = 0
    for name, inspectorate, is_lead in TEAM:
        email = name.lower().replace(" ", ".") + "@example.org"
        inspector = session.scalar(select(Inspector).where(Inspector.email == email))
        if inspector is None:
            inspector = Inspector(name=name, email=email, inspectorate=inspectorate)
            session.add(inspector)
            session.flush()
        session.add(
            TeamMember(inspection_id=inspection.id, inspector_id=inspector.id, is_lead=is_lead)
        )
        if is_lead:
            lead_id = inspector.id
    session.add_all(_children(inspection.id, notified, random.Random(seed)))
    session.flush()
    return DemoInspection(inspection.id, lead_id, created=True)


def _children(inspection_id: int, notified: dt.date, rng: random.Random) -> list[Child]:
    children = []
    for number in range(1, 41):
        unborn = number % 13 == 0
        age_days = rng.randint(0, 17 * 365)
        children.append(
            Child(
                inspection_id=inspection_id,
                local_id=f"DEMO{number:05d}",
                gender=None if unborn else rng.choice(GENDERS),
                ethnicity=None if unborn else rng.choice(ETHNICITIES),
                date_of_birth=None if unborn else notified - dt.timedelta(days=age_days),
                expected_date_of_birth=notified + dt.timedelta(days=rng.randint(20, 200))
                if unborn
                else None,
                has_disability=rng.random() < 0.12,
                lives_with_domestic_abuse=rng.random() < 0.45,
            )
        )
    return children
