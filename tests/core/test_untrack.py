"""Untracking a tracked child over HTTP: the child's unanswered per-child requests are cancelled
(kept, CANCELLED in the tracker and in the agencies' myRequests), answered ones stay,
trackingComplete is recomputed, and after the joint evaluations are due only with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, ChildSelection, Inspection, IssuedRequest, Untracking
from core.registry import Registry
from core.viewer import Role
from core.workflow.selection import joint_evaluations_due
from tests.helpers.corrections import (
    audit_events,
    audit_mark,
    count_rows,
    deliveries,
    feed,
    send_file,
)
from tests.helpers.findings_world import Team, team_of
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number
from tests.helpers.selection_world import World, build_world, future_tuesday, select_children, track

UNTRACK = """
mutation Untrack($input: UntrackChildrenInput!) {
  untrackChildren(input: $input) {
    errors { field code message }
    untracked { child { localId } late reason cancelledRequestCount untrackedBy { name } }
    cancelledRequestIds
    inspection { trackingComplete }
  }
}
"""

STATE = """
query State($id: ID!) { inspection(id: $id) {
  trackingComplete
  trackedChildren { child { localId } }
  selectedChildren { child { localId } }
  untrackedChildren { child { localId } late reason cancelledRequestCount untrackedBy { name } }
} }
"""

TRACKER = """
query Tracker($id: ID!, $after: String) { inspection(id: $id) {
  requests(first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id reference status cancelledAt childLocalId }
  }
} }
"""

MINE = """
query Mine($after: String) { myRequests(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id reference status cancelledAt childLocalId }
} }
"""

DESELECT = """
mutation Deselect($input: DeselectChildInput!) {
  deselectChild(input: $input) { errors { field code message } }
}
"""

UPLOAD_DOCUMENT = """
mutation Upload($request: ID!, $file: Upload!) {
  uploadDocument(requestId: $request, file: $file) {
    request { status } errors { field code message }
  }
}
"""


@pytest.fixture
def world(database: Database, registry: Registry, demo: DemoInspection) -> World:
    return build_world(database, registry, demo, future_tuesday())


@pytest.fixture
def team(database: Database, world: World, make_token: TokenFactory, lead_token: str) -> Team:
    found = team_of(database, world.inspection_id, make_token, lead_token)
    found.audit_from = audit_mark(database)
    return found


@pytest.fixture
def council(database: Database, world: World, make_token: TokenFactory) -> str:
    with database.session() as session:
        agency = session.scalar(select(Agency.id).where(Agency.kind == "local_authority"))
    assert agency is not None
    return make_token(Role.AGENCY_USER, agency_id=agency)


def tracked_world(gql: GraphQLClient, lead: str, world: World) -> None:
    select_children(gql, lead, world, list(range(7)))
    assert track(gql, lead, world, [0, 1, 2, 3, 4])["inspection"]["trackingComplete"]


def untrack(
    gql: GraphQLClient, token: str, world: World, positions: list[int], **extra: Any
) -> dict[str, Any]:
    payload = {"inspectionId": world.inspection, "childIds": world.positions(*positions), **extra}
    result: dict[str, Any] = gql(UNTRACK, {"input": payload}, token).ok()["untrackChildren"]
    return result


def state(gql: GraphQLClient, token: str, world: World) -> dict[str, Any]:
    """The inspection's tracking, with every request of the tracker (read a page at a time)."""
    found: dict[str, Any] = gql(STATE, {"id": world.inspection}, token).ok()["inspection"]
    found["requests"] = {"nodes": every_request(gql, token, TRACKER, world.inspection)}
    return found


def every_request(
    gql: GraphQLClient, token: str, query: str, inspection: str | None = None
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"after": after} if inspection is None else {"id": inspection, "after": after}
        data = gql(query, variables, token).ok()
        page = data["inspection"]["requests"] if inspection else data["myRequests"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def statuses(requests: list[dict[str, Any]], local_id: str) -> dict[str, str]:
    """The child's per-child requests: global ID -> status."""
    return {r["id"]: r["status"] for r in requests if r["childLocalId"] == local_id}


def the_joint_evaluation(database: Database, world: World, position: int) -> int:
    with database.session() as session:
        found = session.scalar(
            select(IssuedRequest.id).where(
                IssuedRequest.child_id == world.children[position],
                IssuedRequest.reference == "joint-evaluation",
            )
        )
    assert found is not None
    return found


def test_untracking_cancels_the_unanswered_requests_and_keeps_the_answered(
    gql: GraphQLClient, world: World, team: Team, council: str, database: Database
) -> None:
    tracked_world(gql, team.lead, world)
    child = world.local_ids[0]
    answered = the_joint_evaluation(database, world, 0)
    sent = send_file(
        gql,
        council,
        UPLOAD_DOCUMENT,
        {"request": gid("IssuedRequest", answered)},
        ("evaluation.pdf", b"%PDF-1.4 synthetic", "application/pdf"),
    ).ok()["uploadDocument"]
    assert sent["errors"] == [] and sent["request"]["status"] == "RECEIVED"
    before = statuses(state(gql, team.lead, world)["requests"]["nodes"], child)
    answered_id = gid("IssuedRequest", answered)
    assert before[answered_id] == "RECEIVED"
    unanswered = {ref for ref, status in before.items() if status != "RECEIVED"}
    assert unanswered, "the child has per-child requests besides the one answered"
    requests_before = count_rows(database, IssuedRequest)

    payload = untrack(gql, team.lead, world, [0])

    assert payload["errors"] == []
    assert payload["inspection"] == {"trackingComplete": False}  # four left
    [untracked] = payload["untracked"]
    assert untracked["child"] == {"localId": child}
    assert untracked["late"] is False and untracked["reason"] is None
    assert untracked["cancelledRequestCount"] == len(unanswered)
    assert len(payload["cancelledRequestIds"]) == len(unanswered)
    # The tracker: the child's unanswered requests CANCELLED, never deleted; the answered stays.
    after = state(gql, team.lead, world)
    assert len(after["requests"]["nodes"]) == count_rows(database, IssuedRequest)
    assert count_rows(database, IssuedRequest) == requests_before
    assert statuses(after["requests"]["nodes"], child) == {
        ref: "RECEIVED" if ref == answered_id else "CANCELLED" for ref in before
    }
    cancelled = [r for r in after["requests"]["nodes"] if r["status"] == "CANCELLED"]
    assert {r["id"] for r in cancelled} == set(payload["cancelledRequestIds"])
    assert all(r["cancelledAt"] for r in cancelled)
    assert [c["child"]["localId"] for c in after["trackedChildren"]] == world.local_ids[1:5]
    assert child in [c["child"]["localId"] for c in after["selectedChildren"]]  # still selected
    assert after["untrackedChildren"] == [
        {
            "child": {"localId": child},
            "late": False,
            "reason": None,
            "cancelledRequestCount": len(unanswered),
            "untrackedBy": {"name": "Alex Demo-Lead"},
        }
    ]
    # The agency the requests were issued to sees the cancellation where it saw the request.
    mine = every_request(gql, council, MINE)
    council_cancelled = {r["id"] for r in mine if r["status"] == "CANCELLED"}
    assert council_cancelled and council_cancelled <= set(payload["cancelledRequestIds"])
    assert statuses(mine, child)[answered_id] == "RECEIVED"
    # A cancelled request takes no more documents.
    refused = send_file(
        gql,
        council,
        UPLOAD_DOCUMENT,
        {"request": next(iter(council_cancelled))},
        ("late.pdf", b"%PDF-1.4 other", "application/pdf"),
    ).ok()["uploadDocument"]
    assert refused["errors"][0]["field"] == "requestId"
    assert "cancelled" in refused["errors"][0]["message"]
    # Audited like tracking: who, the child and the requests cancelled; no finding event.
    [event] = audit_events(database, "Untrack", team.audit_from)
    assert event.outcome == "ok" and event.role == "inspector"
    assert event.touched["Child"] == [world.children[0]]
    assert event.touched["IssuedRequest"] == sorted(
        int(gid_number(i)) for i in payload["cancelledRequestIds"]
    )
    assert feed(database) == [] and deliveries(database) == []
    # The tracker filters by the new status, and the other statuses leave cancelled ones out.
    by_status = """query($id: ID!, $status: RequestStatus) { inspection(id: $id) {
      requests(status: $status, first: 100) { totalCount } } }"""
    totals = {
        status: gql(by_status, {"id": world.inspection, "status": status}, team.lead).ok()[
            "inspection"
        ]["requests"]["totalCount"]
        for status in ("CANCELLED", "OUTSTANDING", "OVERDUE", "RECEIVED", "RECEIVED_LATE")
    }
    assert totals["CANCELLED"] == len(unanswered)
    assert sum(totals.values()) == len(after["requests"]["nodes"])


def test_tracking_again_asks_again(
    gql: GraphQLClient, world: World, team: Team, database: Database
) -> None:
    tracked_world(gql, team.lead, world)
    cancelled = untrack(gql, team.lead, world, [0])["cancelledRequestIds"]
    assert track(gql, team.lead, world, [0])["inspection"]["trackingComplete"]
    nodes = state(gql, team.lead, world)["requests"]["nodes"]
    again = {r["id"]: r["status"] for r in nodes if r["id"] in cancelled}
    assert len(again) == len(cancelled) and "CANCELLED" not in again.values()


def test_deselecting_a_tracked_child_is_refused_until_untracked(
    gql: GraphQLClient, world: World, team: Team
) -> None:
    tracked_world(gql, team.lead, world)
    input_ = {"inspectionId": world.inspection, "childId": world.child(1)}
    refused = gql(DESELECT, {"input": input_}, team.lead).ok()["deselectChild"]
    [error] = refused["errors"]
    assert error["field"] == "input.childId" and error["code"] == "TRACKED_STAY_SELECTED"
    assert "untrackChildren" in error["message"] and "Untrack the child first" in error["message"]
    assert untrack(gql, team.lead, world, [1])["errors"] == []
    done = gql(DESELECT, {"input": input_}, team.lead).ok()["deselectChild"]
    assert done["errors"] == []
    selected = [c["child"]["localId"] for c in state(gql, team.lead, world)["selectedChildren"]]
    assert world.local_ids[1] not in selected


def _unchanged(gql: GraphQLClient, team: Team, world: World, database: Database) -> None:
    after = state(gql, team.lead, world)
    assert after["trackingComplete"] and len(after["trackedChildren"]) == 5
    assert after["untrackedChildren"] == []
    assert "CANCELLED" not in {r["status"] for r in after["requests"]["nodes"]}
    assert count_rows(database, Untracking) == 0


@pytest.mark.parametrize("inspectorate", ["cqc", "hmicfrs", "hmip"])
def test_only_the_lead_untracks(
    gql: GraphQLClient, world: World, team: Team, database: Database, inspectorate: str
) -> None:
    tracked_world(gql, team.lead, world)
    payload = untrack(gql, team.by_inspectorate[inspectorate], world, [0])
    [error] = payload["errors"]
    assert error["code"] == "NOT_ALLOWED" and "Only the lead inspector" in error["message"]
    assert payload["untracked"] == [] and payload["inspection"] is None
    _unchanged(gql, team, world, database)
    events = audit_events(database, "Untrack", team.audit_from)
    assert [(e.outcome, e.inspector_id) for e in events] == [
        ("rejected", team.inspector_ids[inspectorate])
    ], [(e.outcome, e.touched) for e in events]


def test_agencies_and_admins_do_not_untrack(
    gql: GraphQLClient,
    world: World,
    team: Team,
    council: str,
    make_token: TokenFactory,
    database: Database,
) -> None:
    tracked_world(gql, team.lead, world)
    for token in (council, make_token(Role.ADMIN)):
        [error] = untrack(gql, token, world, [0])["errors"]
        assert error["code"] == "NOT_ALLOWED"
    _unchanged(gql, team, world, database)


def test_unknown_and_untracked_children_are_refused_naming_each(
    gql: GraphQLClient, world: World, team: Team, database: Database
) -> None:
    tracked_world(gql, team.lead, world)
    payload = {
        "inspectionId": world.inspection,
        "childIds": [world.child(0), world.child(6), gid("Child", 999_999)],
    }
    errors = gql(UNTRACK, {"input": payload}, team.lead).ok()["untrackChildren"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("input.childIds[2]", "NOT_FOUND")]
    payload["childIds"] = payload["childIds"][:2]
    errors = gql(UNTRACK, {"input": payload}, team.lead).ok()["untrackChildren"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("input.childIds[1]", "INVALID_INPUT")]
    assert "is not tracked" in errors[0]["message"]
    unknown = {"inspectionId": gid("Inspection", 999_999), "childIds": [world.child(0)]}
    errors = gql(UNTRACK, {"input": unknown}, team.lead).ok()["untrackChildren"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("input.inspectionId", "NOT_FOUND")]
    empty = {"inspectionId": world.inspection, "childIds": []}
    errors = gql(UNTRACK, {"input": empty}, team.lead).ok()["untrackChildren"]["errors"]
    assert [e["field"] for e in errors] == ["input.childIds"]
    too_long = {
        "inspectionId": world.inspection,
        "childIds": [world.child(0)],
        "reason": "x" * 1001,
    }
    errors = gql(UNTRACK, {"input": too_long}, team.lead).ok()["untrackChildren"]["errors"]
    assert [e["field"] for e in errors] == ["input.reason"]
    assert "at most 1000 characters" in errors[0]["message"]
    _unchanged(gql, team, world, database)


def test_after_the_joint_evaluations_are_due_only_with_a_reason(
    gql: GraphQLClient,
    world: World,
    team: Team,
    registry: Registry,
    database: Database,
) -> None:
    tracked_world(gql, team.lead, world)
    with database.write() as session:  # move the inspection back in time: no clock is frozen
        inspection = session.get_one(Inspection, world.inspection_id)
        inspection.notification_date = dt.date.today() - dt.timedelta(days=28)
        due = joint_evaluations_due(registry, inspection)
        session.execute(
            update(ChildSelection).values(chosen_at=dt.datetime.now(dt.UTC) - dt.timedelta(10))
        )
    assert due is not None and due < dt.datetime.now(dt.UTC)
    refused = untrack(gql, team.lead, world, [2])
    [error] = refused["errors"]
    assert error["field"] == "input.reason" and error["code"] == "INVALID_INPUT"
    assert "joint evaluations" in error["message"] and "reason" in error["message"]
    _unchanged(gql, team, world, database)
    blank = untrack(gql, team.lead, world, [2], reason="   ")
    assert [e["field"] for e in blank["errors"]] == ["input.reason"]
    reason = "The council says the child moved out of the area before notification."
    done = untrack(gql, team.lead, world, [2], reason=reason)
    assert done["errors"] == []
    assert done["untracked"][0]["late"] is True and done["untracked"][0]["reason"] == reason
    recorded = state(gql, team.lead, world)["untrackedChildren"]
    assert [(u["late"], u["reason"]) for u in recorded] == [(True, reason)]
