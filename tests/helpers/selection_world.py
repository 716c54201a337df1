"""A synthetic world for choosing children: the demo inspection's 40 children on the area's lists.

The lists arrive through the list import (another part of the system); here their rows are written
straight into the database, with the real list codes and field names of the Ofsted plugin's list
specifications. Every name, date and ID is made up.

The demo's 40 children (DEMO00001..DEMO00040), by position ``i`` (0-based):

- 0-29 are eligible: on the children-in-need list (even ``i``) or the child-protection-plans list
  (odd ``i``), and on both when ``i`` is a multiple of 6; flagged domestic abuse Y. Their age band
  cycles unborn, 0-4, 5-10, 11-15, 16+ with ``i % 5``; gender cycles M, F, U with ``i // 5 % 3``;
  ethnicity over four codes with ``i // 2 % 4``; disabled when ``i % 7`` is 1 or 4 (9 of 30).
- 30-33 are on the children-in-need list flagged domestic abuse N.
- 34-39 are on neither selection list; 34 and 35 (and 0) are on the contacts list, 36 on referrals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, Child, Inspection, IssuedRequest, ListRow, ListUpload
from core.registry import Registry
from core.timetable import ENGLAND_AND_WALES, due_at, inspection_weeks
from core.workflow.list_problems import NO_PROBLEMS, summary_json
from core.workflow.requests import issue_area_requests
from tests.helpers.ids import gid

ELIGIBLE = range(30)
NOT_FLAGGED = range(30, 34)
OFF_THE_LISTS = range(34, 40)
AGES = (None, 2, 7, 13, 16)  # None: unborn
GENDERS = ("M", "F", "U")
ETHNICITIES = ("WBRI", "APKN", "BAFR", "MWBC")


def future_tuesday(weeks_ahead: int = 3) -> dt.date:
    """A working Tuesday at least ``weeks_ahead`` weeks from today: every deadline is ahead."""
    day = dt.date.today() + dt.timedelta(weeks=weeks_ahead)
    while day.weekday() != 1 or not ENGLAND_AND_WALES.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def born(notified: dt.date, age: int | None) -> tuple[dt.date | None, dt.date | None]:
    """(date of birth, expected date of birth) for an age in whole years at notification."""
    if age is None:
        return None, notified + dt.timedelta(days=60)
    return dt.date(notified.year - age, notified.month, 1) - dt.timedelta(days=30), None


def common_values(child: Child) -> dict[str, Any]:
    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    return {
        "child_id": child.local_id,
        "gender": child.gender,
        "ethnicity": child.ethnicity,
        "date_of_birth": iso(child.date_of_birth),
        "expected_date_of_birth": iso(child.expected_date_of_birth),
        "age_years": None,
    }


def list_request(session: Session, inspection: Inspection, list_code: str) -> IssuedRequest:
    """The list's request to the area's local authority, issued if it was not (da-2024 has none)."""
    reference = f"list.{list_code}"
    found = session.scalar(
        select(IssuedRequest).where(
            IssuedRequest.inspection_id == inspection.id, IssuedRequest.reference == reference
        )
    )
    if found is not None:
        return found
    council = session.scalar(
        select(Agency).where(Agency.area_id == inspection.area_id, Agency.kind == "local_authority")
    )
    assert council is not None
    request = IssuedRequest(
        inspection_id=inspection.id,
        reference=reference,
        agency_id=council.id,
        child_key=0,
        due_at=dt.datetime.now(dt.UTC),
    )
    session.add(request)
    session.flush()
    return request


def put_list(
    session: Session,
    inspection: Inspection,
    list_code: str,
    rows: list[tuple[Child, dict[str, Any]]],
) -> ListUpload:
    """One accepted upload of ``list_code`` holding ``rows`` (child, values beyond the common)."""
    upload = ListUpload(
        inspection_id=inspection.id,
        request_id=list_request(session, inspection, list_code).id,
        list_code=list_code,
        filename=f"{list_code}.csv",
        sha256="0" * 64,
        row_count=len(rows),
        query_summary=summary_json(NO_PROBLEMS),
    )
    session.add(upload)
    session.flush()
    session.add_all(
        ListRow(
            inspection_id=inspection.id,
            child_id=child.id,
            upload_id=upload.id,
            list_code=list_code,
            row_number=number + 2,  # row 1 holds the headers
            values={**common_values(child), **extra},
        )
        for number, (child, extra) in enumerate(rows)
    )
    session.flush()
    return upload


def cin_values(child: Child, domestic_abuse: bool) -> dict[str, Any]:
    return {
        "disability": child.has_disability,
        "cin_start_date": "2026-01-05",
        "primary_need": "N1",
        "allocated_team": "Team A",
        "domestic_abuse": domestic_abuse,
    }


def cp_values(child: Child, domestic_abuse: bool) -> dict[str, Any]:
    return {
        "disability": child.has_disability,
        "cp_plan_start_date": "2026-02-02",
        "initial_category_of_abuse": "EMO",
        "latest_category_of_abuse": "EMO",
        "order_last_six_months": False,
        "previous_cp_plans": 0,
        "domestic_abuse": domestic_abuse,
    }


EXTRA_FIELDS = {
    "known_to_yot": False,
    "nps_working_with_adult": True,
    "crc_working_with_adult": False,
    "police_investigation_or_proceedings": True,
    "adult_court_orders": False,
    "looked_after": False,
    "looking_after_authority": None,
    "postcode": "ZZ1 1ZZ",
}


@dataclass
class World:
    inspection_id: int
    notified: dt.date
    children: list[int]  # the demo's children by position, ids in local-ID order
    local_ids: list[str]

    @property
    def inspection(self) -> str:
        return gid("Inspection", self.inspection_id)

    def child(self, position: int) -> str:
        return gid("Child", self.children[position])

    def positions(self, *positions: int) -> list[str]:
        return [self.child(p) for p in positions]


def build_world(
    database: Database, registry: Registry, demo: DemoInspection, notified: dt.date
) -> World:
    with database.write() as session:
        inspection = session.get_one(Inspection, demo.inspection_id)
        inspection.notification_date = notified
        issue_area_requests(session, registry, inspection)
        children = list(
            session.scalars(
                select(Child).where(Child.inspection_id == inspection.id).order_by(Child.local_id)
            )
        )
        assert len(children) == 40
        for i, child in enumerate(children):
            child.date_of_birth, child.expected_date_of_birth = born(notified, AGES[i % 5])
            child.gender = GENDERS[i // 5 % 3]
            child.ethnicity = ETHNICITIES[i // 2 % 4]
            child.has_disability = i % 7 in (1, 4)
            child.lives_with_domestic_abuse = i < 30
        session.flush()
        cin = [(children[i], cin_values(children[i], True)) for i in ELIGIBLE if i % 2 == 0]
        cin += [(children[i], cin_values(children[i], False)) for i in NOT_FLAGGED]
        cp = [
            (children[i], cp_values(children[i], True))
            for i in ELIGIBLE
            if i % 2 == 1 or i % 6 == 0
        ]
        put_list(session, inspection, "children-in-need", cin)
        put_list(session, inspection, "child-protection-plans", cp)
        contact = {"contact_date": "2026-10-01", "contact_source": "2A"}
        put_list(session, inspection, "contacts", [(children[i], contact) for i in (0, 34, 35)])
        referral = {
            "referral_date": "2026-10-02",
            "referral_source": "5A",
            "referral_nfa": False,
            "referrals_last_12_months": 1,
        }
        put_list(session, inspection, "referrals", [(children[36], referral)])
        return World(
            inspection_id=inspection.id,
            notified=notified,
            children=[c.id for c in children],
            local_ids=[c.local_id for c in children],
        )


def milestone_passed(registry: Registry, framework: str, code: str, notified: dt.date) -> bool:
    [milestone] = [m for m in registry.milestones_of(framework) if m.item.code == code]
    return due_at(milestone.item.deadline, notified) < dt.datetime.now(dt.UTC)


def fieldwork_monday(notified: dt.date) -> dt.date:
    return inspection_weeks(notified)[2].starts


SELECT = """
mutation Select($input: SelectChildrenInput!) {
  selectChildren(input: $input) {
    errors { field code message }
    selected { child { id localId } late reason tracked missingExtraFields }
  }
}
"""

TRACK = """
mutation Track($input: TrackChildrenInput!) {
  trackChildren(input: $input) {
    errors { field code message }
    tracked { child { id localId } late reason }
    inspection { trackingComplete }
  }
}
"""


def select_children(gql: Any, token: str, world: World, positions: list[int], **extra: Any) -> Any:
    payload = {"inspectionId": world.inspection, "childIds": world.positions(*positions), **extra}
    return gql(SELECT, {"input": payload}, token).ok()["selectChildren"]


def track(gql: Any, token: str, world: World, positions: list[int]) -> Any:
    payload = {"inspectionId": world.inspection, "childIds": world.positions(*positions)}
    return gql(TRACK, {"input": payload}, token).ok()["trackChildren"]
