"""Issuing the framework's requests and tracking them, through the graph as its users drive it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from core.contributions import RequestScope
from core.database import Database
from core.demo import DemoInspection
from core.models import (
    Agency,
    Child,
    Document,
    Inspection,
    Inspector,
    IssuedRequest,
    LocalArea,
)
from core.registry import Registry
from core.viewer import Role
from core.workflow.requests import issue_area_requests
from tests.helpers.graphql import GraphQLClient, StatementCounter, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.inspections import add_led_inspection
from tests.helpers.issued_requests import ISSUE, agency_id, request_id, set_times

TRACKER = """
query Tracker($id: ID!, $agency: ID, $status: RequestStatus, $first: Int, $after: String) {
  inspection(id: $id) {
    requests(agencyId: $agency, status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id reference dueAt status agency { id kind } }
    }
  }
}
"""

MY_REQUESTS = """
query Mine($first: Int, $after: String) {
  myRequests(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id reference dueAt status agency { id } inspection { reference } }
  }
}
"""


def expected_area_requests(registry: Registry, database: Database, inspection_id: int) -> int:
    """One request per once-per-area framework request and agency of a kind it is addressed to."""
    with database.session() as session:
        inspection = session.get(Inspection, inspection_id)
        assert inspection is not None
        kinds = list(
            session.scalars(select(Agency.kind).where(Agency.area_id == inspection.area_id))
        )
        framework = inspection.framework
    return sum(
        1
        for owned in registry.document_requests_of(framework)
        if owned.item.scope is not RequestScope.TRACKED_CHILD
        for kind in kinds
        if kind in owned.item.addressed_to
    )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def issued(gql: GraphQLClient, lead_token: str, demo: DemoInspection) -> list[dict[str, Any]]:
    payload = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    result = payload["issueDocumentRequests"]
    assert result["errors"] == []
    requests: list[dict[str, Any]] = result["requests"]
    return requests


def tracker(gql: GraphQLClient, token: str, inspection_id: int, **variables: Any) -> Any:
    return gql(TRACKER, {"id": gid("Inspection", inspection_id), **variables}, token).ok()[
        "inspection"
    ]["requests"]


# --- Issuing -------------------------------------------------------------------------------------


def test_the_lead_issues_one_request_per_addressed_agency_and_again_changes_nothing(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    lead_token: str,
    demo: DemoInspection,
) -> None:
    expected = expected_area_requests(registry, database, demo.inspection_id)
    assert expected > 30  # lists, other information and Cafcass's, to several agencies
    first = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    payload = first["issueDocumentRequests"]
    assert payload["errors"] == []
    assert payload["issuedCount"] == expected
    assert len(payload["requests"]) == expected
    assert payload["inspection"] == {"reference": "JTAI-DEMO-001"}

    by_reference = {o.item.reference: o for o in registry.document_requests_of("da-2016")}
    for request in payload["requests"]:
        owned = by_reference[request["reference"]]
        assert request["title"] == owned.item.title
        assert request["agency"]["kind"].lower() in owned.item.addressed_to
        assert request["owner"] == {"code": owned.owner}
        spec = owned.item.list_spec
        assert request["listSpec"] == ({"code": spec.code} if spec else None)
    # The two Northvale health bodies are each asked for what health is asked for.
    health = [r for r in payload["requests"] if r["agency"]["kind"] == "HEALTH"]
    assert len({r["agency"]["name"] for r in health}) == 2

    again = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    assert again["issueDocumentRequests"]["issuedCount"] == 0
    assert len(again["issueDocumentRequests"]["requests"]) == expected
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(IssuedRequest)) == expected


@pytest.mark.parametrize(
    ("who", "code"),
    [("team_cqc", "NOT_ALLOWED"), ("outsider", "NOT_FOUND"), ("agency", "NOT_ALLOWED")],
)
def test_only_the_lead_or_an_admin_issues_requests(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    who: str,
    code: str,
) -> None:
    with database.write() as session:
        outsider = Inspector(name="Out Sider", email="out.sider@example.org", inspectorate="cqc")
        session.add(outsider)
        session.flush()
        cqc = session.scalar(select(Inspector.id).where(Inspector.name == "Priya Placeholder"))
        outsider_id = outsider.id
    tokens = {
        "team_cqc": lambda: make_token(Role.INSPECTOR, inspector_id=cqc),
        "outsider": lambda: make_token(Role.INSPECTOR, inspector_id=outsider_id),
        "agency": lambda: make_token(
            Role.AGENCY_USER, agency_id=agency_id(database, "local_authority")
        ),
    }
    payload = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, tokens[who]()).ok()[
        "issueDocumentRequests"
    ]
    assert payload["requests"] == [] and payload["issuedCount"] == 0
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("inspectionId", code)]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(IssuedRequest)) == 0

    admin = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, make_token(Role.ADMIN)).ok()
    assert admin["issueDocumentRequests"]["errors"] == []
    assert admin["issueDocumentRequests"]["issuedCount"] > 0


# --- Status --------------------------------------------------------------------------------------


def test_status_is_derived_when_asked_outstanding_overdue_received_and_late(
    gql: GraphQLClient,
    database: Database,
    lead_token: str,
    demo: DemoInspection,
    issued: list[dict[str, Any]],
) -> None:
    at = now()
    set_times(database, due_at=at + dt.timedelta(days=3))
    everything = tracker(gql, lead_token, demo.inspection_id, first=100)
    assert everything["totalCount"] == len(issued)
    assert {n["status"] for n in everything["nodes"]} == {"OUTSTANDING"}

    overdue = request_id(database, "list.children-in-need")
    on_time = request_id(database, "1.1")
    late = request_id(database, "2.1", "safeguarding_partnership")
    set_times(database, [overdue], due_at=at - dt.timedelta(hours=1))
    set_times(
        database,
        [on_time],
        due_at=at + dt.timedelta(days=1),
        received_at=at - dt.timedelta(hours=2),
    )
    set_times(
        database, [late], due_at=at - dt.timedelta(days=2), received_at=at - dt.timedelta(days=1)
    )

    def ids_with(status: str) -> set[str]:
        page = tracker(gql, lead_token, demo.inspection_id, status=status, first=100)
        assert page["totalCount"] == len(page["nodes"])
        assert {n["status"] for n in page["nodes"]} <= {status}
        return {n["id"] for n in page["nodes"]}

    assert ids_with("OVERDUE") == {gid("IssuedRequest", overdue)}
    assert ids_with("RECEIVED") == {gid("IssuedRequest", on_time)}
    assert ids_with("RECEIVED_LATE") == {gid("IssuedRequest", late)}
    assert len(ids_with("OUTSTANDING")) == len(issued) - 3

    node = gql(
        "query($id: ID!) { node(id: $id) { ... on IssuedRequest { status title receivedAt } } }",
        {"id": gid("IssuedRequest", late)},
        lead_token,
    ).ok()["node"]
    assert node["status"] == "RECEIVED_LATE"
    assert node["receivedAt"] is not None


def test_the_tracker_pages_soonest_due_first_and_filters_by_agency(
    gql: GraphQLClient,
    database: Database,
    lead_token: str,
    demo: DemoInspection,
    issued: list[dict[str, Any]],
) -> None:
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = tracker(gql, lead_token, demo.inspection_id, first=7, after=after)
        seen.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(issued) == len({n["id"] for n in seen})
    due = [n["dueAt"] for n in seen]
    assert due == sorted(due)

    police = agency_id(database, "police")
    page = tracker(gql, lead_token, demo.inspection_id, agency=gid("Agency", police), first=100)
    assert page["totalCount"] == sum(1 for r in issued if r["agency"]["kind"] == "POLICE")
    assert {n["agency"]["id"] for n in page["nodes"]} == {gid("Agency", police)}

    wrong_type = {"id": gid("Inspection", demo.inspection_id), "agency": gid("Child", 1)}
    bad = gql(TRACKER, wrong_type, lead_token)
    assert bad.errors[0]["message"] == (
        f"agencyId: {gid('Child', 1)!r} is not the ID of an Agency. Pass an Agency.id."
    )
    assert bad.errors[0]["extensions"]["code"] == "BAD_GLOBAL_ID"


# --- Who sees which requests ---------------------------------------------------------------------


def test_an_agency_user_sees_only_its_own_agencys_requests(
    gql: GraphQLClient,
    database: Database,
    make_token: TokenFactory,
    demo: DemoInspection,
    issued: list[dict[str, Any]],
) -> None:
    police = agency_id(database, "police")
    token = make_token(Role.AGENCY_USER, agency_id=police)
    own = sum(1 for r in issued if r["agency"]["kind"] == "POLICE")

    page = tracker(gql, token, demo.inspection_id, first=100)
    assert page["totalCount"] == own
    assert {n["agency"]["id"] for n in page["nodes"]} == {gid("Agency", police)}
    # Asking for another agency's requests gives nothing, not an error.
    council = agency_id(database, "local_authority")
    assert tracker(gql, token, demo.inspection_id, agency=gid("Agency", council))["totalCount"] == 0
    hidden = gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("IssuedRequest", request_id(database, "1.1"))},
        token,
    ).ok()
    assert hidden == {"node": None}

    mine = gql(MY_REQUESTS, {"first": 100}, token).ok()["myRequests"]
    assert mine["totalCount"] == own
    assert {n["id"] for n in mine["nodes"]} == {n["id"] for n in page["nodes"]}
    assert [n["dueAt"] for n in mine["nodes"]] == sorted(n["dueAt"] for n in mine["nodes"])
    assert {n["inspection"]["reference"] for n in mine["nodes"]} == {"JTAI-DEMO-001"}


def test_another_areas_agency_sees_no_request(
    gql: GraphQLClient,
    database: Database,
    make_token: TokenFactory,
    demo: DemoInspection,
    issued: list[dict[str, Any]],
) -> None:
    with database.write() as session:
        area = LocalArea(code="ZZ-OTHER", name="Another synthetic area")
        session.add(area)
        session.flush()
        other = Agency(area_id=area.id, kind="police", name="Other constabulary")
        session.add(other)
        session.flush()
        other_id = other.id
    token = make_token(Role.AGENCY_USER, agency_id=other_id)
    mine = gql(MY_REQUESTS, {}, token).ok()["myRequests"]
    assert mine == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [],
    }
    assert gql(TRACKER, {"id": gid("Inspection", demo.inspection_id)}, token).ok() == {
        "inspection": None
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSPECTOR, Role.INTEGRATOR])
def test_my_requests_is_for_agency_users(
    gql: GraphQLClient, make_token: TokenFactory, demo: DemoInspection, role: Role
) -> None:
    token = make_token(
        role, inspector_id=demo.lead_inspector_id if role is Role.INSPECTOR else None
    )
    response = gql(MY_REQUESTS, {}, token)
    assert response.data is None
    assert response.errors[0]["extensions"]["code"] == "FORBIDDEN"


# --- Cost ----------------------------------------------------------------------------------------

NESTED_TRACKER = """
{ inspections(first: 50) { edges { node { reference
    requests(first: 100) { totalCount nodes {
      reference title status dueAt listSpec { code } owner { code }
      agency { name area { code } } inspection { reference }
      child { localId } childLocalId
      documents { filename sizeBytes request { reference } }
      listUploads { rowCount querySummary { queryCount } queries(first: 2) { nodes { code } } }
    } }
    listUploads { listCode rowCount }
} } } }
"""


def add_inspections_with_requests(
    database: Database, registry: Registry, demo: DemoInspection, count: int
) -> None:
    """More inspections led by the demo lead, with their requests issued and a document each."""
    with database.write() as session:
        for number in range(count):
            inspection = add_led_inspection(session, demo.lead_inspector_id, f"MORE-{number}")
            session.add(Child(inspection_id=inspection.id, local_id=f"M{number}"))
            for request in issue_area_requests(session, registry, inspection)[:5]:
                session.add(
                    Document(
                        request_id=request.id,
                        filename="minutes.pdf",
                        content_type="application/pdf",
                        size_bytes=10,
                        sha256=f"{request.id:064x}",
                        storage_key=f"{request.id:032x}",
                    )
                )


def test_the_tracker_costs_the_same_number_of_statements_however_many_requests(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    lead_token: str,
    demo: DemoInspection,
    issued: list[dict[str, Any]],
) -> None:
    def count() -> tuple[int, int]:
        counter = StatementCounter()
        data = gql(NESTED_TRACKER, token=lead_token, counter=counter).ok()
        edges = data["inspections"]["edges"]
        return counter.count, sum(e["node"]["requests"]["totalCount"] for e in edges)

    with database.write() as session:  # a document at every level from the first count on
        session.add(
            Document(
                request_id=request_id(database, "1.1"),
                filename="structure.pdf",
                content_type="application/pdf",
                size_bytes=10,
                sha256="0" * 64,
                storage_key="0" * 32,
            )
        )
    with_one, requests_one = count()
    add_inspections_with_requests(database, registry, demo, 4)
    with_five, requests_five = count()
    assert requests_five > 2 * requests_one
    assert with_five == with_one, "a resolver issues a query per row: batch it in a loader"
    # Token lookup, the inspections page and its count, then one statement per relation and
    # level (the requests page is two: its count and its rows).
    assert with_one <= 20
