"""In the area, through the graph: the fieldwork week's meetings, the people inspectors talk with,
and consent to meet the tracked children and their parents or carers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, Consent, Inspector, LocalArea, Meeting, PersonToMeet
from core.registry import Registry
from core.timetable import LONDON
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.selection_world import (
    World,
    build_world,
    fieldwork_monday,
    future_tuesday,
    select_children,
    track,
)

ADD_MEETING = """
mutation AddMeeting($input: AddMeetingInput!) {
  addMeeting(input: $input) {
    errors { field code message }
    meeting { id type { code label } startsAt venue childCount
      attendingInspector { name } children { localId } }
  }
}
"""

ADD_PERSON = """
mutation AddPerson($input: AddPersonToMeetInput!) {
  addPersonToMeet(input: $input) {
    errors { field code message }
    person { role organisation arrangedFor agency { name } }
  }
}
"""

RECORD_CONSENT = """
mutation Consent($input: RecordConsentInput!) {
  recordConsent(input: $input) {
    errors { field code message }
    consent { localId complete child { localId }
      forChild { person status reason recordedBy { name } }
      forParentOrCarer { person status reason } }
  }
}
"""

FIELDWORK = """
query Fieldwork($id: ID!) { inspection(id: $id) {
  meetings { type { code } startsAt venue childCount children { localId } }
  peopleToMeet { role organisation agency { name } }
  consents { childId localId complete child { localId }
    forChild { status reason recordedAt recordedBy { name } }
    forParentOrCarer { status reason } }
} }
"""


@pytest.fixture
def world(database: Database, registry: Registry, demo: DemoInspection) -> World:
    return build_world(database, registry, demo, future_tuesday())


def agency_token(database: Database, make_token: TokenFactory, name: str) -> str:
    with database.session() as session:
        agency = session.scalar(select(Agency.id).where(Agency.name == name))
    assert agency is not None
    return make_token(Role.AGENCY_USER, agency_id=agency)


COUNCIL = "Northvale Council children's services"
POLICE = "Northvale Constabulary"
REFUGE = "Northvale Refuge and IDVA Service"


def in_fieldwork(world: World, day: int = 1, hour: int = 10) -> str:
    """An instant in the fieldwork week: ``day`` 0 is its Monday; London wall-clock ``hour``."""
    monday = fieldwork_monday(world.notified)
    local = dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), tzinfo=LONDON)
    return local.isoformat()


def meeting_input(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "inspectionId": world.inspection,
        "type": "ICPC",
        "startsAt": in_fieldwork(world),
        "venue": "Northvale civic centre, room 2",
        "childIds": world.positions(0, 1),
        **overrides,
    }


def add_meeting(gql: GraphQLClient, token: str, input_: dict[str, Any]) -> Any:
    return gql(ADD_MEETING, {"input": input_}, token).ok()["addMeeting"]


def count(database: Database, model: Any) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def the_error(payload: dict[str, Any]) -> dict[str, Any]:
    assert len(payload["errors"]) == 1, payload["errors"]
    error: dict[str, Any] = payload["errors"][0]
    return error


# --- Meetings ---------------------------------------------------------------------------------


def test_the_lead_adds_a_meeting_of_the_fieldwork_week(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    with database.session() as session:
        observer = session.scalar(select(Inspector.id).where(Inspector.name == "Sam Example"))
    assert observer is not None
    payload = add_meeting(
        gql,
        lead_token,
        meeting_input(world, attendingInspectorId=gid("Inspector", observer)),
    )
    assert payload["errors"] == []
    meeting = payload["meeting"]
    assert meeting["type"] == {"code": "ICPC", "label": "Initial child protection conference"}
    assert meeting["venue"] == "Northvale civic centre, room 2"
    assert meeting["attendingInspector"] == {"name": "Sam Example"}
    assert [c["localId"] for c in meeting["children"]] == world.local_ids[:2]
    assert meeting["childCount"] == 2
    # Stored as one instant: 10:00 London time, whatever the offset of the season.
    assert dt.datetime.fromisoformat(meeting["startsAt"]) == dt.datetime.fromisoformat(
        in_fieldwork(world)
    )


def test_the_local_authority_adds_meetings_and_sees_them_without_the_children(
    gql: GraphQLClient,
    world: World,
    lead_token: str,
    database: Database,
    make_token: TokenFactory,
) -> None:
    council = agency_token(database, make_token, COUNCIL)
    payload = add_meeting(gql, council, meeting_input(world, type="marac", venue=None))
    assert payload["errors"] == []
    assert payload["meeting"]["type"]["code"] == "MARAC"  # codes match whatever the case
    assert payload["meeting"]["children"] == []  # the LA user does not see children
    assert payload["meeting"]["childCount"] == 2
    add_meeting(
        gql, lead_token, meeting_input(world, type="Strategy", startsAt=in_fieldwork(world, 0, 9))
    )
    seen = gql(FIELDWORK, {"id": world.inspection}, council).ok()["inspection"]
    assert [m["type"]["code"] for m in seen["meetings"]] == ["STRATEGY", "MARAC"]  # soonest first
    assert [m["children"] for m in seen["meetings"]] == [[], []]
    lead_view = gql(FIELDWORK, {"id": world.inspection}, lead_token).ok()["inspection"]
    assert [c["localId"] for c in lead_view["meetings"][1]["children"]] == world.local_ids[:2]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"type": "BRUNCH"}, "input.type", "'BRUNCH' is not a meeting type; use one of ICPC"),
        ({"startsAt": "WEEK_TWO"}, "input.startsAt", "Rule 'fieldwork week': The meeting must"),
        ({"startsAt": "SATURDAY"}, "input.startsAt", "Rule 'fieldwork week'"),
        ({"startsAt": "NAIVE"}, "input.startsAt", "give the time with its UTC offset"),
        ({"childIds": ["OTHER"]}, "input.childIds[0]", "no child of JTAI-DEMO-001"),
        ({"venue": "x" * 201}, "input.venue", "at most 200 characters"),
        ({"attendingInspectorId": "OUTSIDER"}, "input.attendingInspectorId", "not on the team"),
    ],
)
def test_a_bad_meeting_is_refused_and_nothing_is_added(
    gql: GraphQLClient,
    world: World,
    lead_token: str,
    database: Database,
    overrides: dict[str, Any],
    field: str,
    words: str,
) -> None:
    monday = fieldwork_monday(world.notified)
    with database.write() as session:
        outsider = Inspector(name="Out Sider", email="out.sider@example.org", inspectorate="cqc")
        session.add(outsider)
        session.flush()
        outsider_id = outsider.id
    replacements = {
        "WEEK_TWO": dt.datetime.combine(
            monday - dt.timedelta(days=3), dt.time(10), tzinfo=LONDON
        ).isoformat(),
        "SATURDAY": dt.datetime.combine(
            monday + dt.timedelta(days=5), dt.time(10), tzinfo=LONDON
        ).isoformat(),
        "NAIVE": dt.datetime.combine(monday, dt.time(10)).isoformat(),
        "OTHER": gid("Child", 999_999),
        "OUTSIDER": gid("Inspector", outsider_id),
    }
    resolved = {
        key: replacements.get(value, value)
        if isinstance(value, str)
        else [replacements.get(v, v) for v in value]
        for key, value in overrides.items()
    }
    payload = add_meeting(gql, lead_token, meeting_input(world, **resolved))
    error = the_error(payload)
    assert error["field"] == field and words in error["message"], error
    assert payload["meeting"] is None
    assert count(database, Meeting) == 0


@pytest.mark.parametrize("who", ["police", "team_cqc"])
def test_only_the_lead_or_the_local_authority_adds_meetings(
    gql: GraphQLClient, world: World, database: Database, make_token: TokenFactory, who: str
) -> None:
    if who == "police":
        token = agency_token(database, make_token, POLICE)
    else:
        with database.session() as session:
            cqc = session.scalar(select(Inspector.id).where(Inspector.name == "Priya Placeholder"))
        token = make_token(Role.INSPECTOR, inspector_id=cqc)
    error = the_error(add_meeting(gql, token, meeting_input(world)))
    assert error["code"] == "NOT_ALLOWED"
    assert (
        "Only the lead inspector of JTAI-DEMO-001 or a user of the area's local authority"
        in (error["message"])
    )
    assert count(database, Meeting) == 0


# --- People to meet ---------------------------------------------------------------------------


def test_people_to_meet_are_added_with_their_role_and_agency(
    gql: GraphQLClient,
    world: World,
    lead_token: str,
    database: Database,
    make_token: TokenFactory,
) -> None:
    with database.session() as session:
        refuge = session.scalar(select(Agency.id).where(Agency.name == REFUGE))
    assert refuge is not None
    payload = gql(
        ADD_PERSON,
        {
            "input": {
                "inspectionId": world.inspection,
                "role": "IDVA",
                "organisation": "Northvale Refuge and IDVA Service",
                "agencyId": gid("Agency", refuge),
                "arrangedFor": in_fieldwork(world, 2, 14),
            }
        },
        lead_token,
    ).ok()["addPersonToMeet"]
    assert payload["errors"] == []
    assert payload["person"]["role"] == "IDVA"
    assert payload["person"]["agency"] == {"name": REFUGE}
    council = agency_token(database, make_token, COUNCIL)
    by_council = gql(
        ADD_PERSON,
        {
            "input": {
                "inspectionId": world.inspection,
                "role": "MARAC_COORDINATOR",
                "organisation": "Northvale MARAC",
            }
        },
        council,
    ).ok()["addPersonToMeet"]
    assert by_council["errors"] == [] and by_council["person"]["arrangedFor"] is None
    people = gql(FIELDWORK, {"id": world.inspection}, lead_token).ok()["inspection"]["peopleToMeet"]
    assert [(p["role"], p["agency"]) for p in people] == [
        ("IDVA", {"name": REFUGE}),
        ("MARAC_COORDINATOR", None),
    ]


def test_a_person_to_meet_needs_an_agency_of_the_area_and_a_time_in_the_week(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    with database.write() as session:
        elsewhere = LocalArea(code="ZZ-ELSE", name="Elsewhere")
        session.add(elsewhere)
        session.flush()
        other = Agency(area_id=elsewhere.id, kind="cafcass", name="Cafcass elsewhere")
        session.add(other)
        session.flush()
        other_id = other.id
    payload = gql(
        ADD_PERSON,
        {
            "input": {
                "inspectionId": world.inspection,
                "role": "CAFCASS",
                "organisation": "Cafcass",
                "agencyId": gid("Agency", other_id),
                "arrangedFor": in_fieldwork(world, 7),
            }
        },
        lead_token,
    ).ok()["addPersonToMeet"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("input.arrangedFor", "FIELDWORK_WEEK"),
        ("input.agencyId", "NOT_FOUND"),
    ]
    assert payload["errors"][0]["message"].startswith("Rule 'fieldwork week'")
    assert count(database, PersonToMeet) == 0


# --- Consent ------------------------------------------------------------------------------------


@pytest.fixture
def tracked(gql: GraphQLClient, world: World, lead_token: str) -> World:
    assert select_children(gql, lead_token, world, list(range(6)))["errors"] == []
    assert track(gql, lead_token, world, list(range(5)))["errors"] == []
    return world


def record(gql: GraphQLClient, token: str, world: World, position: int, **answer: Any) -> Any:
    variables = {"input": {"childId": world.child(position), **answer}}
    return gql(RECORD_CONSENT, variables, token).ok()["recordConsent"]


def test_an_agency_of_the_area_records_consent_for_a_tracked_child(
    gql: GraphQLClient,
    tracked: World,
    database: Database,
    make_token: TokenFactory,
    lead_token: str,
) -> None:
    police = agency_token(database, make_token, POLICE)
    before = gql(FIELDWORK, {"id": tracked.inspection}, police).ok()["inspection"]["consents"]
    assert [c["localId"] for c in before] == tracked.local_ids[:5]
    assert {(c["forChild"]["status"], c["forParentOrCarer"]["status"]) for c in before} == {
        ("NOT_YET_RECORDED", "NOT_YET_RECORDED")
    }
    assert {c["child"] is None for c in before} == {True}  # the id, not the child's record

    given = record(gql, police, tracked, 0, person="CHILD", outcome="GIVEN")
    assert given["errors"] == []
    assert given["consent"]["forChild"] == {
        "person": "CHILD",
        "status": "GIVEN",
        "reason": None,
        "recordedBy": {"name": POLICE},
    }
    assert given["consent"]["complete"] is False
    refused = record(
        gql,
        police,
        tracked,
        0,
        person="PARENT_OR_CARER",
        outcome="REFUSED",
        reason="The mother does not want to meet inspectors at present.",
    )
    assert refused["consent"]["complete"] is True
    assert refused["consent"]["forParentOrCarer"]["status"] == "REFUSED"

    # Recording again replaces the answer.
    council = agency_token(database, make_token, COUNCIL)
    changed = record(
        gql, council, tracked, 0, person="CHILD", outcome="NOT_POSSIBLE", reason="Aged 2."
    )
    assert changed["consent"]["forChild"]["status"] == "NOT_POSSIBLE"
    assert changed["consent"]["forChild"]["recordedBy"] == {"name": COUNCIL}
    assert count(database, Consent) == 2

    lead_view = gql(FIELDWORK, {"id": tracked.inspection}, lead_token).ok()["inspection"]
    first = lead_view["consents"][0]
    assert first["child"] == {"localId": tracked.local_ids[0]}
    assert (first["forChild"]["status"], first["forChild"]["reason"]) == ("NOT_POSSIBLE", "Aged 2.")
    assert [c["complete"] for c in lead_view["consents"]] == [True, False, False, False, False]


@pytest.mark.parametrize("outcome", ["REFUSED", "NOT_POSSIBLE"])
def test_a_reason_is_required_unless_consent_is_given(
    gql: GraphQLClient, tracked: World, database: Database, make_token: TokenFactory, outcome: str
) -> None:
    police = agency_token(database, make_token, POLICE)
    payload = record(gql, police, tracked, 1, person="CHILD", outcome=outcome, reason="  ")
    error = the_error(payload)
    assert (error["field"], error["code"]) == ("input.reason", "CONSENT_REASON")
    assert error["message"].startswith("Rule 'reason unless given': consent ")
    assert count(database, Consent) == 0


def test_consent_is_recorded_only_for_tracked_children(
    gql: GraphQLClient, tracked: World, database: Database, make_token: TokenFactory
) -> None:
    police = agency_token(database, make_token, POLICE)
    payload = record(gql, police, tracked, 5, person="CHILD", outcome="GIVEN")  # selected only
    error = the_error(payload)
    assert error["message"].startswith("Rule 'consent for tracked children': this child is not")
    assert "DEMO" not in error["message"]  # the agency user learns nothing about the child
    assert count(database, Consent) == 0


def test_only_agency_users_of_the_area_record_consent(
    gql: GraphQLClient,
    tracked: World,
    database: Database,
    make_token: TokenFactory,
    lead_token: str,
) -> None:
    with database.write() as session:
        elsewhere = LocalArea(code="ZZ-ELSE", name="Elsewhere")
        session.add(elsewhere)
        session.flush()
        other = Agency(area_id=elsewhere.id, kind="police", name="Police elsewhere")
        session.add(other)
        session.flush()
        other_id = other.id
    assert (
        the_error(record(gql, lead_token, tracked, 0, person="CHILD", outcome="GIVEN"))["code"]
        == "NOT_ALLOWED"
    )
    stranger = make_token(Role.AGENCY_USER, agency_id=other_id)
    error = the_error(record(gql, stranger, tracked, 0, person="CHILD", outcome="GIVEN"))
    assert error["code"] == "NOT_FOUND"
    assert count(database, Consent) == 0
    # Nor do they see the area's consents: the inspection is not theirs.
    assert gql(FIELDWORK, {"id": tracked.inspection}, stranger).ok() == {"inspection": None}
    integrator = make_token(Role.INTEGRATOR)
    assert gql(FIELDWORK, {"id": tracked.inspection}, integrator).ok() == {"inspection": None}
