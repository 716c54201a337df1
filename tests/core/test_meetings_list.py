"""The meetings list becomes the fieldwork week's meetings, over HTTP: each row a meeting linked
to it; a replaced list updates them, removes those of rows gone, and never overwrites a meeting
changed by hand (the conflict is a QUERY on the list)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, IssuedRequest, Meeting
from core.registry import Registry
from core.timetable import LONDON
from core.viewer import Role
from core.workflow.meetings_list import read_time
from tests.helpers.corrections import audit_events, audit_mark, count_rows, send_file
from tests.helpers.council_files import csv_bytes
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number
from tests.helpers.selection_world import World, build_world, fieldwork_monday, future_tuesday

UPLOAD_LIST = """
mutation Meetings($request: ID!, $file: Upload!) {
  uploadList(requestId: $request, file: $file) {
    accepted errors { field code message } problems(first: 5) { nodes { code message } }
    listUpload { querySummary { queryCount groups { code count } }
      queries(first: 50) { nodes { code row column message } } }
  }
}
"""
WEEK = """
query Week($id: ID!) { inspection(id: $id) {
  meetings(includeRemoved: true) {
    id type { code } startsAt venue listRowNumber editedAt removedAt children { localId }
  }
} }
"""
UPDATE_MEETING = """
mutation Change($input: UpdateMeetingInput!) { updateMeeting(input: $input) {
  errors { field code message } } }
"""
HEADERS: list[object] = [
    "Meeting type",
    "Date",
    "Time",
    "Children concerned (child unique IDs)",
    "Venue",
]


@pytest.fixture
def world(database: Database, registry: Registry, demo: DemoInspection) -> World:
    return build_world(database, registry, demo, future_tuesday())


@pytest.fixture
def council(database: Database, world: World, make_token: TokenFactory) -> str:
    with database.session() as session:
        agency = session.scalar(select(Agency.id).where(Agency.kind == "local_authority"))
    assert agency is not None
    return make_token(Role.AGENCY_USER, agency_id=agency)


def day(world: World, offset: int) -> str:
    return (fieldwork_monday(world.notified) + dt.timedelta(days=offset)).strftime("%d/%m/%Y")


def send_meetings(
    gql: GraphQLClient, database: Database, token: str, rows: list[list[object]]
) -> dict[str, Any]:
    with database.session() as session:
        request = session.scalar(
            select(IssuedRequest.id).where(IssuedRequest.reference == "list.meetings")
        )
    assert request is not None
    data = csv_bytes([HEADERS, *rows])
    sent = send_file(
        gql,
        token,
        UPLOAD_LIST,
        {"request": gid("IssuedRequest", request)},
        ("meetings.csv", data, "text/csv"),
    ).ok()["uploadList"]
    assert sent["accepted"], sent["problems"]
    result: dict[str, Any] = sent
    return result


def week(gql: GraphQLClient, token: str, world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = gql(WEEK, {"id": world.inspection}, token).ok()["inspection"][
        "meetings"
    ]
    return sorted(found, key=lambda m: int(gid_number(m["id"])))  # made in row order


def at(world: World, offset: int, hour: int, minute: int = 0) -> dt.datetime:
    monday = fieldwork_monday(world.notified)
    return dt.datetime.combine(
        monday + dt.timedelta(days=offset), dt.time(hour, minute), tzinfo=LONDON
    )


def test_an_accepted_meetings_list_makes_the_meetings_it_describes(
    gql: GraphQLClient, world: World, council: str, lead_token: str, database: Database
) -> None:
    mark = audit_mark(database)
    first, second, third = world.local_ids[:3]
    sent = send_meetings(
        gql,
        database,
        council,
        [
            ["ICPC", day(world, 1), "10:00", f"{first}; {second}", "Civic centre"],
            ["MARAC", day(world, 2), "2pm", second, ""],
            ["Review CPC", day(world, 3), "14.30", f"{third}, NOPE-123", "Room 4"],
            ["CLA", day(world, 4), "whenever", first, ""],
            ["STRATEGY", day(world, -7), "09:00", first, ""],
        ],
    )
    summary = sent["listUpload"]["querySummary"]
    assert summary["queryCount"] == 3
    assert sorted(g["code"] for g in summary["groups"]) == [
        "meeting_child_not_found",
        "meeting_not_made",  # the time
        "meeting_not_made",  # the date
    ]
    rows = {(q["code"], q["row"]) for q in sent["listUpload"]["queries"]["nodes"]}
    assert rows == {
        ("meeting_child_not_found", 4),
        ("meeting_not_made", 5),
        ("meeting_not_made", 6),
    }
    meetings = week(gql, lead_token, world)
    assert [(m["listRowNumber"], m["type"]["code"]) for m in meetings] == [
        (2, "ICPC"),
        (3, "MARAC"),
        (4, "RCPC"),
    ]
    starts = [dt.datetime.fromisoformat(m["startsAt"]) for m in meetings]
    assert starts == [at(world, 1, 10), at(world, 2, 14), at(world, 3, 14, 30)]
    assert [[c["localId"] for c in m["children"]] for m in meetings] == [
        [first, second],
        [second],
        [third],
    ]
    assert [m["venue"] for m in meetings] == ["Civic centre", None, "Room 4"]
    assert all(m["editedAt"] is None and m["removedAt"] is None for m in meetings)
    # Audited with the upload that made them.
    [event] = audit_events(database, "Meetings", mark)
    assert sorted(event.touched["Meeting"]) == sorted(int(gid_number(m["id"])) for m in meetings)


def test_a_replaced_list_updates_its_meetings_but_not_those_changed_by_hand(
    gql: GraphQLClient, world: World, council: str, lead_token: str, database: Database
) -> None:
    first = world.local_ids[0]
    send_meetings(
        gql,
        database,
        council,
        [
            ["ICPC", day(world, 1), "10:00", first, "Civic centre"],
            ["MARAC", day(world, 2), "14:00", first, "Police HQ"],
            ["CLA", day(world, 3), "11:00", first, ""],
            ["OTHER", day(world, 4), "11:00", first, ""],
        ],
    )
    made = week(gql, lead_token, world)
    by_hand = {"meetingId": made[0]["id"], "venue": "Civic centre, room 9"}
    changed = gql(UPDATE_MEETING, {"input": by_hand}, lead_token).ok()["updateMeeting"]
    assert changed["errors"] == []
    removed = gql(
        "mutation($id: ID!) { removeMeeting(meetingId: $id) { errors { code } } }",
        {"id": made[3]["id"]},
        lead_token,
    ).ok()["removeMeeting"]
    assert removed["errors"] == []

    sent = send_meetings(
        gql,
        database,
        council,
        [
            ["ICPC", day(world, 1), "11:00", first, "Civic centre"],  # moved: but changed by hand
            ["MARAC", day(world, 2), "15:00", first, "Police HQ"],  # moved an hour
            ["CLA", day(world, 3), "11:00", first, ""],  # as it was
        ],  # the OTHER meeting's row is gone; it was removed by hand anyway
    )
    queries = sent["listUpload"]["queries"]["nodes"]
    assert [(q["code"], q["row"]) for q in queries] == [("meeting_edited_by_hand", 2)]
    assert "changed by hand" in queries[0]["message"]
    after = week(gql, lead_token, world)
    assert [m["id"] for m in after] == [m["id"] for m in made]  # the same records, updated
    hand, marac, cla, other = after
    assert hand["venue"] == "Civic centre, room 9"  # not overwritten
    assert dt.datetime.fromisoformat(hand["startsAt"]) == at(world, 1, 10)
    assert dt.datetime.fromisoformat(marac["startsAt"]) == at(world, 2, 15)
    assert cla["removedAt"] is None and cla["startsAt"] == made[2]["startsAt"]
    assert other["removedAt"] is not None  # its row is gone; it stays removed
    assert count_rows(database, Meeting) == 4

    # A list that drops rows removes the meetings made from them, unless changed by hand; the
    # meeting still listed keeps its record although its row moved up.
    sent = send_meetings(
        gql, database, council, [["MARAC", day(world, 2), "15:00", first, "Police HQ"]]
    )
    [query] = sent["listUpload"]["queries"]["nodes"]
    assert query["code"] == "meeting_edited_by_hand" and query["row"] is None
    final = week(gql, lead_token, world)
    assert [m["removedAt"] is None for m in final] == [True, True, False, False]
    assert final[0]["id"] == hand["id"] and final[0]["venue"] == "Civic centre, room 9"
    assert (final[1]["id"], final[1]["listRowNumber"]) == (marac["id"], 2)


def test_a_row_that_no_longer_makes_a_meeting_removes_the_one_it_made(
    gql: GraphQLClient, world: World, council: str, lead_token: str, database: Database
) -> None:
    first = world.local_ids[0]
    send_meetings(gql, database, council, [["ICPC", day(world, 1), "10:00", first, ""]])
    [made] = week(gql, lead_token, world)
    sent = send_meetings(gql, database, council, [["ICPC", day(world, 1), "soon", first, ""]])
    assert [q["code"] for q in sent["listUpload"]["queries"]["nodes"]] == ["meeting_not_made"]
    [after] = week(gql, lead_token, world)
    assert after["id"] == made["id"] and after["removedAt"] is not None
    # Corrected again, the same record comes back.
    send_meetings(gql, database, council, [["ICPC", day(world, 1), "10:30", first, ""]])
    [back] = week(gql, lead_token, world)
    assert back["id"] == made["id"] and back["removedAt"] is None
    assert dt.datetime.fromisoformat(back["startsAt"]) == at(world, 1, 10, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00", dt.time(10)),
        ("9.30", dt.time(9, 30)),
        ("1430", dt.time(14, 30)),
        ("2pm", dt.time(14)),
        ("12 am", dt.time(0)),
        ("2:30 PM", dt.time(14, 30)),
        ("25:00", None),
        ("13pm", None),
        ("noon-ish", None),
    ],
)
def test_list_times_read_as_lists_write_them(text: str, expected: dt.time | None) -> None:
    assert read_time(text) == expected
