"""GraphQL subscriptions over real WebSockets (graphql-transport-ws) against the app served by
uvicorn (in a thread of this process, or `jtai serve` subprocesses), with every change made
through real HTTP mutations and uploads. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text

from core import events
from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.models import AuditEvent, InspectionEvent, IssuedRequest, TeamMember, utc_now
from core.plugins import make_plugin_manager
from core.registry import Registry
from core.settings import Settings
from core.tokens import create_token, hash_token, revoke_token
from core.viewer import Role
from core.workflow import selection as workflow_selection
from tests.helpers.annex_a_rows import BORN, cin_csv, cin_row
from tests.helpers.environment import FIRST_PARTY
from tests.helpers.findings_world import (
    WITHDRAW,
    agree,
    create_finding,
    publish_new,
    record_final_evidence,
    second_inspection,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, agency_id, request_id, set_times
from tests.helpers.live import Closed, Http, LiveClient, served
from tests.helpers.selection_world import build_world, select_children, track

EVENTS = """
subscription($id: ID!, $after: String) {
  inspectionEvents(inspectionId: $id, after: $after) {
    cursor kind occurredAt
    inspection { reference }
    request { id reference status receivedAt agency { kind } }
    listUpload { id }
    child { id }
    evidence { id status }
    coverage { criteriaWithoutFinalEvidence { code } }
    finding { id status }
    report { status version }
  }
}
"""
CHANGES = """
subscription($after: String) {
  findingChanges(after: $after) { cursor node { change findingId finding { id title } } }
}
"""
FEED = """
query { findingChanges(first: 100) {
  edges { cursor node { change findingId finding { id title } } } } }
"""
UPLOAD_DOCUMENT = """
mutation Upload($request: ID!, $file: Upload!) {
  uploadDocument(requestId: $request, file: $file) { duplicate errors { code message } }
}
"""
UPDATE_REPORT = """
mutation($input: UpdateReportInput!) { updateReport(input: $input) { errors { code message } } }
"""
PUBLISH_REPORT = """
mutation($id: ID!) { publishReport(inspectionId: $id) { errors { code message } } }
"""
PDF = ("minutes.pdf", b"%PDF-1.4 synthetic minutes", "application/pdf")

Serve = Callable[..., AbstractContextManager[str]]


def live_settings(database: Database, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database.url,
        "storage_dir": tmp_path / "documents",
        "subscription_keepalive_seconds": 0.5,
        "subscription_poll_seconds": 0.05,
        "overdue_check_seconds": 3600.0,  # the OVERDUE test sets its own
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def serve(database: Database, tmp_path: Path) -> Serve:
    """Serve a new app (its own event bus) with ``overrides`` of the live settings."""

    @contextmanager
    def start(**overrides: Any) -> Iterator[str]:
        settings = live_settings(database, tmp_path, **overrides)
        manager = make_plugin_manager(only=FIRST_PARTY)
        app = create_app(settings, plugin_manager=manager, database=database)
        with served(app) as url:
            EVENT_STORES[url] = database
            try:
                yield url
            finally:
                del EVENT_STORES[url]

    return start


@pytest.fixture
def base(serve: Serve) -> Iterator[str]:
    with serve() as url:
        yield url


@pytest.fixture
def http(base: str) -> Iterator[Http]:
    client = Http(base)
    yield client
    client.close()


def agency_token(database: Database, kind: str = "local_authority", area: str = "ZZ-DEMO-1") -> str:
    with database.write() as session:
        return create_token(
            session,
            role=Role.AGENCY_USER,
            label=f"{kind} of {area}",
            expires_in=dt.timedelta(hours=1),
            agency_id=agency_id(database, kind, area),
        ).token


@pytest.fixture
def issued(http: Http, demo: DemoInspection, lead_token: str, database: Database) -> None:
    """The demo's area requests issued over HTTP, none yet due."""
    http(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token)
    set_times(database, due_at=utc_now() + dt.timedelta(days=7))


# graphql-transport-ws does not acknowledge a `subscribe`: a change committed just after it is
# sent could reach the server before the subscription listens, and be missed. A test's first
# subscription therefore starts from the newest stored event's cursor, so such a change comes
# from the history instead (what a client reconnecting does); `after=` still wins.
EVENT_STORES: dict[str, Database] = {}  # a served app's base URL -> its database


def newest_cursor(base: str) -> str | None:
    database = EVENT_STORES.get(base)
    if database is None:
        return None
    with database.session() as session:
        newest = session.scalar(select(func.max(InspectionEvent.id)))
    return events.encode_cursor(newest or 0)


def subscribed(base: str, token: str, inspection_id: int, after: str | None = None) -> LiveClient:
    after = after if after is not None else newest_cursor(base)
    client = LiveClient(base)
    assert client.init(token) == {"type": "connection_ack"}
    client.op = client.subscribe(EVENTS, {"id": gid("Inspection", inspection_id), "after": after})
    return client


def take(client: LiveClient, count: int) -> list[dict[str, Any]]:
    return [client.next_data(client.op)["inspectionEvents"] for _ in range(count)]


def kinds(found: list[dict[str, Any]]) -> list[str]:
    return [event["kind"] for event in found]


def upload(http: Http, token: str, request: int, content: bytes = PDF[1]) -> None:
    body = http.upload(
        UPLOAD_DOCUMENT,
        {"request": gid("IssuedRequest", request)},
        token,
        (PDF[0], content, PDF[2]),
    )
    assert body["data"]["uploadDocument"]["errors"] == []


def any_request(database: Database, kind: str) -> int:
    """The first request issued to the demo area's agency of ``kind``."""
    with database.session() as session:
        found = session.scalar(
            select(IssuedRequest.id)
            .where(IssuedRequest.agency_id == agency_id(database, kind))
            .order_by(IssuedRequest.id)
        )
    assert found is not None
    return found


def last_audit_id(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def event_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(InspectionEvent)) or 0


# --- Signing in ---------------------------------------------------------------------------------


def test_connection_init_without_a_valid_token_closes_4401(
    base: str, demo: DemoInspection, lead_token: str
) -> None:
    with LiveClient(base) as client:
        closed = client.init(None)
        assert closed["code"] == 4401 and "authorization" in closed["reason"]
    with LiveClient(base) as client:
        closed = client.init("jtai_not-a-real-token")
        assert closed["code"] == 4401 and "unknown, expired or revoked" in closed["reason"]
    # A token in the URL is never read: without one in connection_init the socket closes.
    in_url = f"/graphql?token={lead_token}&access_token={lead_token}"
    with LiveClient(base, path=in_url) as client:
        assert client.init(None)["code"] == 4401
    # Subscribing before connection_init is the protocol's 4401 too.
    with LiveClient(base) as client:
        client.subscribe(EVENTS, {"id": gid("Inspection", demo.inspection_id)})
        assert client.closed().code == 4401
    with LiveClient(base) as client:  # "Authorization" is accepted as well
        assert client.init(lead_token, key="Authorization") == {"type": "connection_ack"}


def test_the_socket_carries_subscriptions_only_and_refuses_hostile_messages(
    base: str, lead_token: str
) -> None:
    with LiveClient(base) as client:
        client.init(lead_token)
        for document in ("{ viewer { role } }", 'mutation { revokeToken(tokenId: "x") { ok } }'):
            op = client.subscribe(document)
            message = client.receive()
            assert message["type"] == "error" and message["id"] == op
            assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
            assert "over HTTP" in message["payload"][0]["message"]
        deep = "[" * 200 + "]" * 200
        client.ws.send('{"id": "y", "type": "subscribe", "payload": ' + deep + "}")
        closed = client.closed()
        assert closed.code == 4400 and "JTAI_MAX_JSON_NESTING" in closed.reason


def test_a_page_on_an_origin_not_listed_cannot_open_a_socket(serve: Serve) -> None:
    with serve(cors_origins=("https://ui.example.org",)) as url:
        with pytest.raises(Exception) as refused:
            LiveClient(url, origin="https://evil.example.com")
        assert "403" in str(refused.value)
        with LiveClient(url, origin="https://ui.example.org") as client:
            assert client.ws.subprotocol == "graphql-transport-ws"


def test_the_server_pings_to_keep_the_connection_alive(base: str, lead_token: str) -> None:
    with LiveClient(base) as client:
        client.init(lead_token)
        assert client.quiet(1.3) == []
        assert client.pings >= 2  # every JTAI_SUBSCRIPTION_KEEPALIVE_SECONDS (0.5 s here)


# --- Refused at subscribe time ------------------------------------------------------------------


def test_subscribing_is_refused_by_the_rules_of_the_queries(
    base: str, database: Database, demo: DemoInspection, make_token: TokenFactory, lead_token: str
) -> None:
    inspection = gid("Inspection", demo.inspection_id)
    second_inspection(database, demo)
    refusals = [
        (make_token(Role.INTEGRATOR), EVENTS, {"id": inspection}, "FORBIDDEN", "findingChanges"),
        (agency_token(database, area="ZZ-SECOND"), EVENTS, {"id": inspection}, "NOT_FOUND", "id"),
        (lead_token, EVENTS, {"id": gid("Inspection", 99999)}, "NOT_FOUND", "inspectionId"),
        (lead_token, EVENTS, {"id": gid("Child", 1)}, "NOT_FOUND", "inspectionId"),
        (lead_token, EVENTS, {"id": inspection, "after": "nonsense"}, "BAD_USER_INPUT", "after"),
        (lead_token, CHANGES, {}, "FORBIDDEN", "integrator"),
        (make_token(Role.INTEGRATOR), CHANGES, {"after": "nonsense"}, "BAD_USER_INPUT", "after"),
    ]
    for token, query, variables, code, named in refusals:
        with LiveClient(base) as client:
            client.init(token)
            op = client.subscribe(query, variables)
            message = client.receive()
            assert message["type"] == "error" and message["id"] == op, message
            [error] = message["payload"]
            assert error["extensions"]["code"] == code, error
            assert named in error["message"], error


# --- What each viewer receives ------------------------------------------------------------------


def test_request_events_reach_the_team_and_only_the_agency_they_concern(
    base: str, http: Http, database: Database, demo: DemoInspection, lead_token: str, issued: None
) -> None:
    la_token = agency_token(database, "local_authority")
    police_token = agency_token(database, "police")
    lead = subscribed(base, lead_token, demo.inspection_id)
    la = subscribed(base, la_token, demo.inspection_id)
    police = subscribed(base, police_token, demo.inspection_id)
    la_request = request_id(database, "1.1")
    police_request = any_request(database, "police")
    upload(http, la_token, la_request)
    set_times(database, [police_request], due_at=utc_now() - dt.timedelta(hours=1))
    upload(http, police_token, police_request)

    on_time, late = take(lead, 2)
    assert (on_time["kind"], on_time["request"]["id"]) == (
        "REQUEST_RECEIVED",
        gid("IssuedRequest", la_request),
    )
    assert on_time["request"]["status"] == "RECEIVED" and on_time["request"]["receivedAt"]
    assert (late["kind"], late["request"]["id"]) == (
        "REQUEST_LATE",
        gid("IssuedRequest", police_request),
    )
    assert late["request"]["status"] == "RECEIVED_LATE"
    [own] = take(la, 1)
    assert (
        own["kind"] == "REQUEST_RECEIVED" and own["request"]["agency"]["kind"] == "LOCAL_AUTHORITY"
    )
    [police_own] = take(police, 1)
    assert police_own["kind"] == "REQUEST_LATE"
    # Nothing else: neither agency hears of the other's request.
    assert la.quiet(0.4) == [] and police.quiet(0.1) == []
    for client in (lead, la, police):
        client.close()


def test_issuing_requests_and_an_accepted_and_a_refused_list(
    base: str, http: Http, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    lead = subscribed(base, lead_token, demo.inspection_id)
    http(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token)
    with database.session() as session:
        issued_count = session.scalar(select(func.count()).select_from(IssuedRequest)) or 0
    issued = take(lead, issued_count)
    assert set(kinds(issued)) == {"REQUEST_ISSUED"}
    assert all(event["request"]["status"] in ("OUTSTANDING", "OVERDUE") for event in issued)
    set_times(database, due_at=utc_now() + dt.timedelta(days=7))
    la_token = agency_token(database, "local_authority")
    asked = request_id(database, "list.children-in-need")
    broken = cin_csv(cin_row("CIN-1001", BORN).replace("N1 - Abuse or neglect", "N99"))
    path, sent = _list_upload(asked, la_token, broken)
    refused = http.client.post(path, **sent)
    assert refused.json()["data"]["uploadList"]["accepted"] is False
    path, sent = _list_upload(asked, la_token, cin_csv(cin_row("CIN-1001", BORN)))
    accepted = http.client.post(path, **sent)
    assert accepted.json()["data"]["uploadList"]["accepted"] is True
    refusal, acceptance, received = take(lead, 3)
    assert refusal["kind"] == "LIST_REFUSED" and refusal["listUpload"] is None
    assert refusal["request"]["id"] == gid("IssuedRequest", asked)
    assert acceptance["kind"] == "LIST_ACCEPTED" and acceptance["listUpload"]["id"]
    assert received["kind"] == "REQUEST_RECEIVED"
    assert received["request"]["id"] == gid("IssuedRequest", asked)
    lead.close()


def _list_upload(request: int, token: str, content: bytes) -> tuple[str, dict[str, Any]]:
    import json

    query = (
        "mutation($request: ID!, $file: Upload!) { uploadList(requestId: $request, file: $file) "
        "{ accepted errors { code } } }"
    )
    operations = {
        "query": query,
        "variables": {"request": gid("IssuedRequest", request), "file": None},
    }
    return "/graphql", {
        "data": {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        "files": {"0": ("cin.csv", content, "text/csv")},
        "headers": {"Authorization": f"Bearer {token}", "GraphQL-Require-Preflight": "1"},
    }


def test_children_selected_tracked_and_untracked(
    base: str,
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    lead_token: str,
) -> None:
    world = build_world(database, registry, demo, utc_now().date() + dt.timedelta(days=21))
    audit_from = last_audit_id(database)
    la = subscribed(base, agency_token(database), demo.inspection_id)
    lead = subscribed(base, lead_token, demo.inspection_id)
    with database.session() as session:
        start = session.scalar(select(func.max(InspectionEvent.id))) or 0
    assert select_children(gql, lead_token, world, [0, 1])["errors"] == []
    assert track(gql, lead_token, world, [0])["errors"] == []
    untrack = (
        "mutation($input: UntrackChildrenInput!) { untrackChildren(input: $input) "
        "{ errors { code message } } }"
    )
    payload = {"inspectionId": world.inspection, "childIds": [world.child(0)]}
    assert gql(untrack, {"input": payload}, lead_token).ok()["untrackChildren"]["errors"] == []
    with database.session() as session:
        stored = session.execute(
            select(InspectionEvent.kind, InspectionEvent.agency_id).where(
                InspectionEvent.id > start
            )
        ).all()
    la_agency = agency_id(database, "local_authority")
    found = take(lead, len(stored))
    assert lead.quiet(0.2) == []
    chosen = [(e["kind"], e["child"]["id"]) for e in found if e["kind"].startswith("CHILD_")]
    assert chosen == [
        ("CHILD_SELECTED", world.child(0)),
        ("CHILD_SELECTED", world.child(1)),
        ("CHILD_TRACKED", world.child(0)),
        ("CHILD_UNTRACKED", world.child(0)),
    ]
    # Tracking issues the child's own requests; the agencies hear of theirs, never of children.
    assert {e["kind"] for e in found} == {
        "CHILD_SELECTED",
        "CHILD_TRACKED",
        "CHILD_UNTRACKED",
        "REQUEST_ISSUED",
    }
    own = [kind for kind, agency in stored if agency == la_agency]
    assert own and set(own) == {"REQUEST_ISSUED"}
    heard = take(la, len(own))
    assert {e["request"]["agency"]["kind"] for e in heard} == {"LOCAL_AUTHORITY"}
    assert all(e["child"] is None for e in heard)
    assert la.quiet(0.3) == []
    # Each child shown was audited, as a query's read of it would be: ids, never values.
    with database.session() as session:
        audited = session.scalars(
            select(AuditEvent).where(
                AuditEvent.operation_type == "subscription", AuditEvent.id > audit_from
            )
        ).all()
    shown = {child for event in audited for child in event.touched.get("Child", [])}
    assert shown == {world.children[0], world.children[1]}
    lead.close()
    la.close()


def test_the_dashboard_from_evidence_to_the_letter_for_each_role(
    base: str,
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
) -> None:
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    lead = subscribed(base, lead_token, demo.inspection_id)
    member = subscribed(base, team.by_inspectorate["cqc"], demo.inspection_id)
    la = subscribed(base, agency_token(database), demo.inspection_id)
    integrator = LiveClient(base)
    integrator.init(make_token(Role.INTEGRATOR))
    feed_op = integrator.subscribe(CHANGES, {})

    record_final_evidence(gql, database, team)  # four inspectorates' FINAL evidence
    published = publish_new(gql, team)
    withdrawn = create_finding(gql, team, title="A draft the team drops")
    agree(gql, team, withdrawn["id"], ("cqc",))
    assert gql(WITHDRAW, {"id": withdrawn["id"]}, team.lead).ok()["withdrawFinding"]["errors"] == []
    report = {
        "inspectionId": team.inspection,
        "context": "A synthetic area.",
        "nextSteps": "The partnership should respond.",
        "statementDueOn": "2027-02-26",
    }
    assert gql(UPDATE_REPORT, {"input": report}, team.lead).ok()["updateReport"]["errors"] == []
    letter = gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()["publishReport"]
    assert letter["errors"] == []

    expected = (
        ["EVIDENCE_RECORDED", "COVERAGE_CHANGED"] * 4
        + ["FINDING_CREATED"]
        + ["FINDING_AGREED"] * 4
        + ["FINDING_PUBLISHED"]
        + ["FINDING_CREATED", "FINDING_AGREED", "FINDING_WITHDRAWN"]
        + ["LETTER_PUBLISHED"]
    )
    for client in (lead, member):
        found = take(client, len(expected))
        assert kinds(found) == expected
        assert [e["evidence"]["status"] for e in found if e["evidence"]] == ["FINAL"] * 4
        assert {e["evidence"]["id"] for e in found if e["evidence"]} == set(team.evidence.values())
        coverage = [e["coverage"] for e in found if e["kind"] == "COVERAGE_CHANGED"]
        assert all(c is not None for c in coverage)
        assert found[13]["finding"] == {"id": published["id"], "status": "PUBLISHED"}
        assert found[-2]["finding"] == {"id": withdrawn["id"], "status": "WITHDRAWN"}
        assert found[-1]["report"] == {"status": "PUBLISHED", "version": 1}
        cursors = [e["cursor"] for e in found]
        assert len(set(cursors)) == len(cursors)
        assert client.quiet(0.1) == []
    assert la.quiet(0.3) == []  # an agency user hears of its requests only
    # The integrator: exactly the rows of Query.findingChanges, with the same cursors.
    message = integrator.receive()
    assert message["id"] == feed_op and message["type"] == "next"
    edges = gql(FEED, None, make_token(Role.INTEGRATOR)).ok()["findingChanges"]["edges"]
    assert [message["payload"]["data"]["findingChanges"]] == edges
    assert edges[0]["node"]["finding"]["id"] == published["id"]
    assert integrator.quiet(0.3) == []
    for client in (lead, member, la, integrator):
        client.close()


# --- Nothing for a rolled-back change; access re-checked for every event -------------------------


def test_a_rolled_back_change_is_never_announced(
    base: str,
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    lead_token: str,
) -> None:
    world = build_world(database, registry, demo, utc_now().date() + dt.timedelta(days=21))
    lead = subscribed(base, lead_token, demo.inspection_id)
    before = event_count(database)
    with database.session() as session:
        lead_viewer = _viewer(session, lead_token)
    with pytest.raises(RuntimeError), database.write() as session:
        workflow_selection.select_children(
            session, registry, lead_viewer, demo.inspection_id, [world.children[0]]
        )
        assert event_count(database) == before  # not visible outside the transaction
        raise RuntimeError("the request failed after the workflow ran")
    assert event_count(database) == before
    # A refused mutation records nothing either: selecting a child twice in one request.
    assert select_children(gql, lead_token, world, [2])["errors"] == []
    [event] = take(lead, 1)
    assert (event["kind"], event["child"]["id"]) == ("CHILD_SELECTED", world.child(2))
    assert lead.quiet(0.3) == []
    lead.close()


def _viewer(session: Any, token: str) -> Any:
    from core.tokens import viewer_for_token

    return viewer_for_token(session, token)


def test_a_revoked_token_closes_4401_and_a_member_removed_from_the_team_4403(
    base: str,
    http: Http,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
    issued: None,
) -> None:
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    revoked_token = make_token(Role.INSPECTOR, inspector_id=team.inspector_ids["cqc"])
    revoked = subscribed(base, revoked_token, demo.inspection_id)
    removed = subscribed(base, team.by_inspectorate["hmip"], demo.inspection_id)
    lead = subscribed(base, lead_token, demo.inspection_id)
    with database.write() as session:
        token_id = session.scalar(
            select(func.max(_token_table().id)).where(
                _token_table().token_hash == hash_token(revoked_token)
            )
        )
        assert token_id is not None and revoke_token(session, token_id)
        session.execute(
            delete(TeamMember).where(
                TeamMember.inspection_id == demo.inspection_id,
                TeamMember.inspector_id == team.inspector_ids["hmip"],
            )
        )
    la_token = agency_token(database)
    upload(http, la_token, request_id(database, "1.1"))
    assert take(lead, 1)[0]["kind"] == "REQUEST_RECEIVED"
    closed = revoked.closed()
    assert closed.code == 4401 and "revoked" in closed.reason
    closed = removed.closed()
    assert closed.code == 4403 and "team" in closed.reason
    lead.close()


def _token_table() -> Any:
    from core.models import ApiToken

    return ApiToken


def test_a_token_revoked_on_a_quiet_connection_closes_4401_at_the_next_keep_alive(
    base: str, database: Database, demo: DemoInspection, make_token: TokenFactory
) -> None:
    token = make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)
    client = subscribed(base, token, demo.inspection_id)
    assert client.quiet(0.2) == []
    with database.write() as session:
        token_id = session.scalar(
            select(_token_table().id).where(_token_table().token_hash == hash_token(token))
        )
        assert token_id is not None and revoke_token(session, token_id)
    closed = client.closed(timeout=5)  # keep-alive every 0.5 s here
    assert closed.code == 4401 and "revoked" in closed.reason


def test_an_expired_token_closes_4401_without_an_event(
    base: str, database: Database, demo: DemoInspection, make_token: TokenFactory
) -> None:
    token = make_token(
        Role.INSPECTOR, inspector_id=demo.lead_inspector_id, expires_in=dt.timedelta(seconds=1)
    )
    client = subscribed(base, token, demo.inspection_id)
    closed = client.closed(timeout=5)
    assert closed.code == 4401 and "expired" in closed.reason


# --- Limits --------------------------------------------------------------------------------------


def test_subscriptions_per_token_and_per_process_are_capped(
    serve: Serve, demo: DemoInspection, lead_token: str, make_token: TokenFactory
) -> None:
    inspection = gid("Inspection", demo.inspection_id)
    limits = {"subscriptions_per_token": 2, "subscriptions_per_process": 3}
    with serve(**limits) as url, LiveClient(url) as client, LiveClient(url) as other:
        client.init(lead_token)
        for _ in range(2):
            client.subscribe(EVENTS, {"id": inspection})
        assert client.quiet(0.3) == []
        op = client.subscribe(EVENTS, {"id": inspection})
        message = client.receive()
        assert message["type"] == "error" and message["id"] == op
        [error] = message["payload"]
        assert error["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
        assert "JTAI_SUBSCRIPTIONS_PER_TOKEN" in error["message"]
        # Another token may subscribe, up to the process's cap.
        other.init(make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id))
        other.subscribe(EVENTS, {"id": inspection})
        assert other.quiet(0.3) == []  # subscribed (two in flight at once race for the place)
        op = other.subscribe(EVENTS, {"id": inspection})
        message = other.receive()
        assert message["type"] == "error" and message["id"] == op
        assert message["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
        assert "JTAI_SUBSCRIPTIONS_PER_PROCESS" in message["payload"][0]["message"]
        # Completing one frees its place.
        client.send({"id": "1", "type": "complete"})
        assert client.quiet(0.3) == []
        other.subscribe(EVENTS, {"id": inspection})
        assert other.quiet(0.3) == []


def test_a_subscriber_that_falls_behind_is_disconnected_with_1013(
    serve: Serve, demo: DemoInspection, lead_token: str
) -> None:
    with serve(subscription_queue_size=3) as url:
        client = subscribed(url, lead_token, demo.inspection_id)
        http = Http(url)
        try:
            # One transaction issues some twenty requests: more events at once than the queue
            # holds.
            http(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token)
            got: list[dict[str, Any]] = []
            with pytest.raises(Closed) as closed:
                while True:
                    got.append(client.receive())
        finally:
            http.close()
        assert closed.value.code == 1013
        assert "JTAI_SUBSCRIPTION_QUEUE_SIZE" in closed.value.reason
        assert len(got) <= 3


# --- Resumption ----------------------------------------------------------------------------------


def test_resuming_after_a_cursor_sends_what_was_missed_then_live_events_without_duplicates(
    base: str, http: Http, database: Database, demo: DemoInspection, lead_token: str, issued: None
) -> None:
    la_token = agency_token(database)
    references = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]
    requests = [request_id(database, reference) for reference in references]
    first = subscribed(base, lead_token, demo.inspection_id)
    upload(http, la_token, requests[0])
    upload(http, la_token, requests[1])
    seen = take(first, 2)
    first.close()
    upload(http, la_token, requests[2])  # missed while disconnected
    upload(http, la_token, requests[3])
    again = subscribed(base, lead_token, demo.inspection_id, after=seen[0]["cursor"])
    missed = take(again, 3)
    assert [e["request"]["id"] for e in missed] == [gid("IssuedRequest", r) for r in requests[1:4]]
    assert missed[0]["cursor"] == seen[1]["cursor"]
    upload(http, la_token, requests[4])
    [live] = take(again, 1)
    assert live["request"]["id"] == gid("IssuedRequest", requests[4])
    assert again.quiet(0.3) == []
    again.close()
    # findingChanges resumes with the change feed's own cursors.
    with database.session() as session:
        stored = session.scalars(
            select(InspectionEvent.id).where(InspectionEvent.inspection_id == demo.inspection_id)
        ).all()
    assert len(stored) >= 5


def test_the_change_feed_subscription_resumes_from_a_query_cursor(
    base: str,
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
) -> None:
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    record_final_evidence(gql, database, team)
    first = publish_new(gql, team, title="First synthetic finding")
    second = publish_new(gql, team, title="Second synthetic finding")
    integrator_token = make_token(Role.INTEGRATOR)
    edges = gql(FEED, None, integrator_token).ok()["findingChanges"]["edges"]
    assert [e["node"]["finding"]["id"] for e in edges] == [first["id"], second["id"]]
    with LiveClient(base) as client:
        client.init(integrator_token)
        op = client.subscribe(CHANGES, {"after": edges[0]["cursor"]})
        message = client.receive()
        assert message["id"] == op and message["payload"]["data"]["findingChanges"] == edges[1]
        third = publish_new(gql, team, title="Third synthetic finding")
        live = client.receive()["payload"]["data"]["findingChanges"]
        assert live["node"]["finding"]["id"] == third["id"]
        latest = gql(FEED, None, integrator_token).ok()["findingChanges"]["edges"]
        assert latest[-1] == live
        assert client.quiet(0.3) == []


# --- Deadlines that pass --------------------------------------------------------------------------


def test_a_deadline_that_passes_is_announced_once_across_servers(
    serve: Serve, gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    # Issued before the servers start, and not yet due: nothing is overdue.
    gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    set_times(database, due_at=utc_now() + dt.timedelta(days=7))
    with serve(overdue_check_seconds=0.1) as one, serve(overdue_check_seconds=0.1) as two:
        watchers = [subscribed(url, lead_token, demo.inspection_id) for url in (one, two)]
        overdue = request_id(database, "1.1")
        set_times(database, [overdue], due_at=utc_now() - dt.timedelta(minutes=1))
        for client in watchers:
            [event] = take(client, 1)
            assert event["kind"] == "REQUEST_OVERDUE"
            assert event["request"] == {
                **event["request"],
                "id": gid("IssuedRequest", overdue),
                "status": "OVERDUE",
            }
            assert client.quiet(0.5) == []  # both servers checked; one event
            client.close()
        with database.session() as session:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(InspectionEvent)
                    .where(InspectionEvent.kind == events.EventKind.REQUEST_OVERDUE.value)
                )
                == 1
            )


def test_the_listener_reconnects_when_the_database_drops_it_and_loses_nothing(
    base: str, http: Http, database: Database, demo: DemoInspection, lead_token: str, issued: None
) -> None:
    if database.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite workers poll the table")
    lead = subscribed(base, lead_token, demo.inspection_id)
    assert lead.quiet(0.3) == []  # subscribed: the listener is connected by now
    with database.engine.begin() as connection:
        dropped = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN jtai_events%'"
            )
        ).all()
    assert dropped
    la_token = agency_token(database)
    first, second = request_id(database, "1.1"), request_id(database, "1.2")
    upload(http, la_token, first)  # perhaps while no listener is connected
    upload(http, la_token, second)
    assert [e["request"]["id"] for e in take(lead, 2)] == [
        gid("IssuedRequest", first),
        gid("IssuedRequest", second),
    ]
    lead.close()


def wait_until_listening(database: Database) -> None:
    """A NOTIFY sent before a server's LISTEN reaches nobody: wait for the server's listener
    (started by its first subscriber) to appear among the database's backends."""
    deadline = time.monotonic() + 20  # a bound on the server starting it, not a timing claim
    while True:
        with database.session() as session:
            listening = session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND query LIKE 'LISTEN jtai_events%'"
                )
            )
        if listening:
            return
        assert time.monotonic() < deadline, "the server never started listening"
        time.sleep(0.05)


def test_revoking_a_token_closes_its_sockets_at_once_on_postgresql(
    serve: Serve, database: Database, demo: DemoInspection, make_token: TokenFactory
) -> None:
    if database.is_sqlite:
        pytest.skip("the revocation notice is a NOTIFY; SQLite finds it at the next keep-alive")
    token = make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)
    with serve(subscription_keepalive_seconds=600) as url:  # no keep-alive check in this test
        client = subscribed(url, token, demo.inspection_id)
        wait_until_listening(database)
        assert client.quiet(0.3) == []
        with database.write() as session:
            token_id = session.scalar(
                select(_token_table().id).where(_token_table().token_hash == hash_token(token))
            )
            assert token_id is not None and revoke_token(session, token_id)
        closed = client.closed(timeout=5)
        assert closed.code == 4401 and "revoked" in closed.reason


def test_identical_subscriptions_of_one_viewer_share_each_event_s_execution(
    base: str,
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
) -> None:
    world = build_world(database, registry, demo, utc_now().date() + dt.timedelta(days=21))
    audit_from = last_audit_id(database)  # the trail is append-only: other tests' events stay
    same = [subscribed(base, lead_token, demo.inspection_id) for _ in range(3)]
    other_token = make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)
    other = subscribed(base, other_token, demo.inspection_id)
    assert select_children(gql, lead_token, world, [3])["errors"] == []
    for client in [*same, other]:
        [event] = take(client, 1)
        assert (event["kind"], event["child"]["id"]) == ("CHILD_SELECTED", world.child(3))
        client.close()
    # One execution, so one audit event, for the three; the other token's read is its own.
    with database.session() as session:
        audited = session.scalars(
            select(AuditEvent).where(
                AuditEvent.operation_type == "subscription", AuditEvent.id > audit_from
            )
        ).all()
    readers = sorted(event.token_id or 0 for event in audited)
    assert len(readers) == 2 and len(set(readers)) == 2


def test_a_subscription_sent_over_http_is_refused_with_a_code(
    gql: GraphQLClient, demo: DemoInspection, lead_token: str
) -> None:
    for query in (EVENTS, CHANGES):
        answer = gql(query, {"id": gid("Inspection", demo.inspection_id)}, lead_token)
        assert answer.status == 400
        [error] = answer.body["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST" and "WebSocket" in error["message"]


def test_a_failure_inside_an_event_reaches_the_subscriber_masked(
    base: str,
    http: Http,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    issued: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unexpected error while resolving an event's field (a pool timeout, a driver error with
    an outside URL) is INTERNAL with no text of its own, as over HTTP."""
    from core.graphql import subscriptions

    async def broken(*_args: object) -> object:
        raise RuntimeError("postgresql://secret@db.internal: pool exhausted")

    monkeypatch.setattr(subscriptions, "load_inspection", broken)
    client = subscribed(base, lead_token, demo.inspection_id)
    upload(http, agency_token(database), request_id(database, "1.1"))
    message = client.receive()
    client.close()
    assert "secret" not in str(message), message
    errors = message["payload"]["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["INTERNAL"], message


def test_every_close_reason_fits_a_close_frame_whole() -> None:
    """A close frame carries 123 bytes of reason: the server's own reasons fit whole, and a longer
    one (a quoted value) is cut at a word with an ellipsis, never mid-word."""
    from core import event_bus, live
    from core.graphql import subscriptions

    reasons = [
        live.NO_TOKEN,
        live.BAD_TOKEN,
        event_bus.REVOKED,
        event_bus.QUEUE_FULL.format(size=10**9),
        subscriptions.TOKEN_GONE,
        subscriptions.ACCESS_LOST,
    ]
    for reason in reasons:
        assert len(reason.encode()) <= live.MAX_CLOSE_REASON_BYTES, reason
        assert live.close_reason(reason) == reason
    cut = live.close_reason("word " * 40)
    assert len(cut.encode()) <= live.MAX_CLOSE_REASON_BYTES
    assert cut.endswith("word…")
