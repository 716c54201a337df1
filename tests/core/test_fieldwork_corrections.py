"""Correcting the fieldwork week over HTTP: meetings and people to meet are changed and removed by
whoever may add them (the lead inspector, the area's local authority), with the rules of adding
them; removed ones are kept and shown on request; every change is audited and reachable by
``node(id:)`` under the team's access rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, Inspector, Meeting, PersonToMeet
from core.registry import Registry
from core.timetable import LONDON
from core.viewer import Role
from tests.helpers.corrections import audit_events, audit_mark, count_rows
from tests.helpers.findings_world import Team, team_of
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number
from tests.helpers.selection_world import World, build_world, fieldwork_monday, future_tuesday

MEETING = "id type { code } startsAt venue childCount editedAt removedAt listRowNumber"
PERSON = "id role organisation arrangedFor editedAt removedAt agency { name }"
ADD_MEETING = (
    "mutation Add($input: AddMeetingInput!) { addMeeting(input: $input) "
    "{ errors { field code message } meeting { " + MEETING + " } } }"
)
UPDATE_MEETING = (
    "mutation Change($input: UpdateMeetingInput!) { updateMeeting(input: $input) "
    "{ errors { field code message } meeting { " + MEETING + " children { localId } } } }"
)
REMOVE_MEETING = (
    "mutation Remove($id: ID!) { removeMeeting(meetingId: $id) "
    "{ errors { field code message } meeting { " + MEETING + " } } }"
)
ADD_PERSON = (
    "mutation AddPerson($input: AddPersonToMeetInput!) { addPersonToMeet(input: $input) "
    "{ errors { field code message } person { " + PERSON + " } } }"
)
UPDATE_PERSON = (
    "mutation ChangePerson($input: UpdatePersonToMeetInput!) { updatePersonToMeet(input: $input) "
    "{ errors { field code message } person { " + PERSON + " } } }"
)
REMOVE_PERSON = (
    "mutation RemovePerson($id: ID!) { removePersonToMeet(personId: $id) "
    "{ errors { field code message } person { " + PERSON + " } } }"
)
WEEK = (
    "query Week($id: ID!) { inspection(id: $id) { "
    "meetings { " + MEETING + " } all: meetings(includeRemoved: true) { " + MEETING + " } "
    "peopleToMeet { "
    + PERSON
    + " } everyone: peopleToMeet(includeRemoved: true) { "
    + PERSON
    + " } } }"
)
NODE = (
    "query Node($id: ID!) { node(id: $id) { __typename ... on Meeting { " + MEETING + " } "
    "... on PersonToMeet { " + PERSON + " } } }"
)
COUNCIL = "Northvale Council children's services"
POLICE = "Northvale Constabulary"
REFUGE = "Northvale Refuge and IDVA Service"


@pytest.fixture
def world(database: Database, registry: Registry, demo: DemoInspection) -> World:
    return build_world(database, registry, demo, future_tuesday())


@pytest.fixture
def team(database: Database, world: World, make_token: TokenFactory, lead_token: str) -> Team:
    return team_of(database, world.inspection_id, make_token, lead_token)


def agency_token(database: Database, make_token: TokenFactory, name: str) -> str:
    with database.session() as session:
        agency = session.scalar(select(Agency.id).where(Agency.name == name))
    assert agency is not None
    return make_token(Role.AGENCY_USER, agency_id=agency)


def in_fieldwork(world: World, day: int = 1, hour: int = 10) -> str:
    monday = fieldwork_monday(world.notified)
    local = dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), tzinfo=LONDON)
    return local.isoformat()


def one(gql: GraphQLClient, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    [payload] = gql(query, variables, token).ok().values()
    result: dict[str, Any] = payload
    return result


def a_meeting(gql: GraphQLClient, token: str, world: World) -> dict[str, Any]:
    added = one(
        gql,
        ADD_MEETING,
        {
            "input": {
                "inspectionId": world.inspection,
                "type": "ICPC",
                "startsAt": in_fieldwork(world),
                "venue": "Civic centre",
                "childIds": world.positions(0, 1),
            }
        },
        token,
    )
    assert added["errors"] == []
    meeting: dict[str, Any] = added["meeting"]
    return meeting


def a_person(gql: GraphQLClient, token: str, world: World) -> dict[str, Any]:
    added = one(
        gql,
        ADD_PERSON,
        {
            "input": {
                "inspectionId": world.inspection,
                "role": "IDVA",
                "organisation": "Northvale Refuge",
            }
        },
        token,
    )
    assert added["errors"] == []
    person: dict[str, Any] = added["person"]
    return person


def week(gql: GraphQLClient, token: str, world: World) -> dict[str, Any]:
    found: dict[str, Any] = gql(WEEK, {"id": world.inspection}, token).ok()["inspection"]
    return found


def test_the_lead_changes_a_meeting_and_the_week_shows_it(
    gql: GraphQLClient, world: World, team: Team, database: Database
) -> None:
    meeting = a_meeting(gql, team.lead, world)
    assert meeting["editedAt"] is None and meeting["listRowNumber"] is None
    mark = audit_mark(database)
    observer = gid("Inspector", team.inspector_ids["cqc"])
    changes = {
        "meetingId": meeting["id"],
        "type": "rcpc",
        "startsAt": in_fieldwork(world, 3, 14),
        "venue": None,
        "childIds": world.positions(2),
        "attendingInspectorId": observer,
    }
    payload = one(gql, UPDATE_MEETING, {"input": changes}, team.lead)
    assert payload["errors"] == []
    changed = payload["meeting"]
    assert changed["id"] == meeting["id"]
    assert changed["type"] == {"code": "RCPC"} and changed["venue"] is None
    assert changed["children"] == [{"localId": world.local_ids[2]}]
    assert dt.datetime.fromisoformat(changed["startsAt"]) == dt.datetime.fromisoformat(
        in_fieldwork(world, 3, 14)
    )
    assert changed["editedAt"] is not None
    # Left out stays as it is: only the venue changes now.
    again = one(
        gql, UPDATE_MEETING, {"input": {"meetingId": meeting["id"], "venue": "Room 4"}}, team.lead
    )["meeting"]
    assert (again["type"], again["venue"], again["childCount"]) == ({"code": "RCPC"}, "Room 4", 1)
    shown = week(gql, team.lead, world)["meetings"]
    assert [(m["id"], m["venue"]) for m in shown] == [(meeting["id"], "Room 4")]
    events = audit_events(database, "Change", mark)
    row = int(gid_number(meeting["id"]))
    assert [(e.outcome, e.touched) for e in events] == [
        ("ok", {"Child": [world.children[2]], "Meeting": [row]}),
        ("ok", {"Child": [world.children[2]], "Meeting": [row]}),
    ]


def test_the_local_authority_changes_and_removes_meetings_too(
    gql: GraphQLClient, world: World, team: Team, database: Database, make_token: TokenFactory
) -> None:
    council = agency_token(database, make_token, COUNCIL)
    meeting = a_meeting(gql, council, world)
    node = gql(NODE, {"id": meeting["id"]}, council).ok()["node"]
    assert node["__typename"] == "Meeting" and node["id"] == meeting["id"]
    changed = one(
        gql, UPDATE_MEETING, {"input": {"meetingId": meeting["id"], "type": "CLA"}}, council
    )
    assert changed["errors"] == [] and changed["meeting"]["type"] == {"code": "CLA"}
    assert changed["meeting"]["children"] == []  # the LA user does not see children
    removed = one(gql, REMOVE_MEETING, {"id": meeting["id"]}, council)
    assert removed["errors"] == [] and removed["meeting"]["removedAt"] is not None
    seen = week(gql, team.lead, world)
    assert seen["meetings"] == []
    assert [(m["id"], m["removedAt"] is not None) for m in seen["all"]] == [(meeting["id"], True)]
    assert count_rows(database, Meeting) == 1  # kept, never deleted
    # A removed meeting is changed or removed no more.
    for query, variables in (
        (UPDATE_MEETING, {"input": {"meetingId": meeting["id"], "venue": "x"}}),
        (REMOVE_MEETING, {"id": meeting["id"]}),
    ):
        [error] = one(gql, query, variables, team.lead)["errors"]
        assert error["code"] == "NOT_FOUND"


@pytest.mark.parametrize("inspectorate", ["cqc", "hmicfrs", "hmip"])
def test_other_inspectorates_do_not_change_or_remove_meetings(
    gql: GraphQLClient, world: World, team: Team, database: Database, inspectorate: str
) -> None:
    meeting = a_meeting(gql, team.lead, world)
    person = a_person(gql, team.lead, world)
    token = team.by_inspectorate[inspectorate]
    before = week(gql, team.lead, world)
    mark = audit_mark(database)
    attempts = [
        (UPDATE_MEETING, {"input": {"meetingId": meeting["id"], "venue": "Elsewhere"}}),
        (REMOVE_MEETING, {"id": meeting["id"]}),
        (UPDATE_PERSON, {"input": {"personId": person["id"], "organisation": "Other"}}),
        (REMOVE_PERSON, {"id": person["id"]}),
    ]
    for query, variables in attempts:
        payload = one(gql, query, variables, token)
        [error] = payload["errors"]
        assert error["code"] == "NOT_ALLOWED" and "Only the lead inspector" in error["message"]
        assert payload.get("meeting", payload.get("person")) is None
    assert week(gql, team.lead, world) == before
    rejected = [
        e.outcome
        for name in ("Change", "Remove", "ChangePerson", "RemovePerson")
        for e in audit_events(database, name, mark)
    ]
    assert rejected == ["rejected"] * 4


def test_another_agency_and_another_area_are_refused(
    gql: GraphQLClient,
    world: World,
    team: Team,
    database: Database,
    make_token: TokenFactory,
) -> None:
    meeting = a_meeting(gql, team.lead, world)
    police = agency_token(database, make_token, POLICE)
    [error] = one(gql, REMOVE_MEETING, {"id": meeting["id"]}, police)["errors"]
    assert error["code"] == "NOT_ALLOWED"
    with database.write() as session:
        stranger = Inspector(name="Out Sider", email="out.sider@example.org", inspectorate="cqc")
        session.add(stranger)
        session.flush()
        stranger_id = stranger.id
    outsider = make_token(Role.INSPECTOR, inspector_id=stranger_id)
    assert gql(NODE, {"id": meeting["id"]}, outsider).ok()["node"] is None  # not on the team
    [error] = one(gql, REMOVE_MEETING, {"id": meeting["id"]}, outsider)["errors"]
    assert (error["field"], error["code"]) == ("meetingId", "NOT_FOUND")
    assert week(gql, team.lead, world)["meetings"][0]["removedAt"] is None


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"type": "BRUNCH"}, "input.type", "'BRUNCH' is not a meeting type"),
        ({"type": None}, "input.type", "cannot be cleared"),
        ({"startsAt": "WEEK_TWO"}, "input.startsAt", "Rule 'fieldwork week'"),
        ({"startsAt": None}, "input.startsAt", "cannot be cleared"),
        ({"childIds": ["UNKNOWN"]}, "input.childIds[0]", "no child of JTAI-DEMO-001"),
        ({"venue": "x" * 201}, "input.venue", "at most 200 characters"),
        ({"attendingInspectorId": "AGENCY"}, "input.attendingInspectorId", "not the ID of a"),
        ({"meetingId": "UNKNOWN_MEETING"}, "input.meetingId", "no meeting"),
        ({"meetingId": "A_CHILD"}, "input.meetingId", "not the ID of a Meeting"),
    ],
)
def test_a_bad_change_is_refused_and_nothing_changes(
    gql: GraphQLClient,
    world: World,
    team: Team,
    changes: dict[str, Any],
    field: str,
    words: str,
) -> None:
    meeting = a_meeting(gql, team.lead, world)
    before = week(gql, team.lead, world)
    week_two = dt.datetime.combine(
        fieldwork_monday(world.notified) - dt.timedelta(days=3), dt.time(10), tzinfo=LONDON
    )
    replacements = {
        "WEEK_TWO": week_two.isoformat(),
        "UNKNOWN": gid("Child", 999_999),
        "AGENCY": gid("Agency", 1),
        "UNKNOWN_MEETING": gid("Meeting", 999_999),
        "A_CHILD": world.child(0),
    }

    def replaced(value: Any) -> Any:
        if isinstance(value, list):
            return [replaced(v) for v in value]
        return replacements.get(value, value) if isinstance(value, str) else value

    input_ = {"meetingId": meeting["id"], **{k: replaced(v) for k, v in changes.items()}}
    payload = one(gql, UPDATE_MEETING, {"input": input_}, team.lead)
    [error] = payload["errors"]
    assert error["field"] == field and words in error["message"], error
    assert payload["meeting"] is None
    assert week(gql, team.lead, world) == before


def test_people_to_meet_are_changed_and_removed(
    gql: GraphQLClient, world: World, team: Team, database: Database, make_token: TokenFactory
) -> None:
    person = a_person(gql, team.lead, world)
    with database.session() as session:
        refuge = session.scalar(select(Agency.id).where(Agency.name == REFUGE))
    assert refuge is not None
    changes = {
        "personId": person["id"],
        "role": "REFUGE_WORKER",
        "agencyId": gid("Agency", refuge),
        "arrangedFor": in_fieldwork(world, 2, 11),
    }
    changed = one(gql, UPDATE_PERSON, {"input": changes}, team.lead)
    assert changed["errors"] == []
    assert changed["person"]["role"] == "REFUGE_WORKER"
    assert changed["person"]["organisation"] == "Northvale Refuge"  # left out: kept
    assert changed["person"]["agency"] == {"name": REFUGE}
    assert changed["person"]["editedAt"] is not None
    cleared = one(
        gql,
        UPDATE_PERSON,
        {"input": {"personId": person["id"], "agencyId": None, "arrangedFor": None}},
        team.lead,
    )["person"]
    assert (cleared["agency"], cleared["arrangedFor"]) == (None, None)
    council = agency_token(database, make_token, COUNCIL)
    assert gql(NODE, {"id": person["id"]}, council).ok()["node"]["role"] == "REFUGE_WORKER"
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"organisation": " "}, "input.organisation"),
        ({"organisation": None}, "input.organisation"),
        ({"role": None}, "input.role"),
        ({"arrangedFor": "2020-01-06T10:00:00+00:00"}, "input.arrangedFor"),
        ({"agencyId": gid("Agency", 999_999)}, "input.agencyId"),
        ({"personId": gid("PersonToMeet", 999_999)}, "input.personId"),
    ]
    before = week(gql, team.lead, world)
    for extra, field in refusals:
        payload = one(gql, UPDATE_PERSON, {"input": {"personId": person["id"], **extra}}, council)
        assert [e["field"] for e in payload["errors"]] == [field], payload
    assert week(gql, team.lead, world) == before
    removed = one(gql, REMOVE_PERSON, {"id": person["id"]}, council)
    assert removed["errors"] == [] and removed["person"]["removedAt"] is not None
    seen = week(gql, team.lead, world)
    assert seen["peopleToMeet"] == [] and len(seen["everyone"]) == 1
    assert count_rows(database, PersonToMeet) == 1
    [error] = one(gql, REMOVE_PERSON, {"id": person["id"]}, team.lead)["errors"]
    assert (error["field"], error["code"]) == ("personId", "NOT_FOUND")
