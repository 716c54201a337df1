"""A change and its audit event commit together, and every error message says truly what was saved.

The database connection is dropped (its driver connection closed under it, as a network failure
or a restarted server would) at the moments that matter: at the audit event's INSERT, at the
commit, and at the first statement after the commit, while the answer is being built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, AuditEvent, Inspection, IssuedRequest, LocalArea
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid

CREATE_AGENCY = """
mutation CreateAgency($input: CreateAgencyInput!) {
  createAgency(input: $input) { agency { id name area { name } } errors { code message } }
}
"""
ISSUE = """
mutation Issue($id: ID!) {
  issueDocumentRequests(inspectionId: $id) {
    issuedCount requests { reference agency { name } } errors { message }
  }
}
"""


class DroppedConnection:
    """Closes the driver's connection under the statement chosen by ``drop_at``, once."""

    def __init__(self, drop_at: Callable[[str, bool], bool]) -> None:
        self.drop_at = drop_at  # (statement, committed already in this request) -> drop now?
        self.committed = False
        self.dropped: list[str] = []

    def on_commit(self, connection: Any) -> None:
        self.committed = True

    def before_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.dropped and self.drop_at(statement, self.committed):
            self.dropped.append(statement)
            cursor.connection.close()  # the statement now fails as on a dead connection


@contextmanager
def dropped(
    database: Database, drop_at: Callable[[str, bool], bool]
) -> Iterator[DroppedConnection]:
    fault = DroppedConnection(drop_at)
    event.listen(database.engine, "commit", fault.on_commit)
    event.listen(database.engine, "before_cursor_execute", fault.before_execute)
    try:
        yield fault
    finally:
        event.remove(database.engine, "before_cursor_execute", fault.before_execute)
        event.remove(database.engine, "commit", fault.on_commit)
    assert fault.dropped, "the fault was never injected"


def at_audit_insert(statement: str, committed: bool) -> bool:
    return statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS")


def after_commit(statement: str, committed: bool) -> bool:
    return committed and statement.lstrip().upper().startswith("SELECT")


def events_since(database: Database, since: int) -> list[AuditEvent]:
    with database.session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.id > since).order_by(AuditEvent.id))
        )


def last_event(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def agencies_named(database: Database, name: str) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).where(Agency.name == name)) or 0


def issued_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(IssuedRequest)) or 0


@pytest.fixture
def admin(demo: DemoInspection, make_token: TokenFactory) -> str:
    return make_token(Role.ADMIN)


@pytest.fixture
def area(database: Database, demo: DemoInspection) -> str:
    with database.session() as session:
        inspection = session.get_one(Inspection, demo.inspection_id)
        return gid("LocalArea", inspection.area_id)


def create_agency(gql: GraphQLClient, admin: str, area: str, name: str) -> Any:
    variables = {"input": {"areaId": area, "kind": "POLICE", "name": name}}
    return gql(CREATE_AGENCY, variables, admin)


def test_a_change_and_its_audit_event_commit_together(
    gql: GraphQLClient, database: Database, admin: str, area: str
) -> None:
    start = last_event(database)
    transactions: list[list[str]] = [[]]

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.split()
        if words[0].upper() == "INSERT":
            transactions[-1].append(" ".join(words[:3]))

    def new_transaction(connection: Any) -> None:
        transactions.append([])

    event.listen(database.engine, "before_cursor_execute", note)
    event.listen(database.engine, "commit", new_transaction)
    try:
        payload = create_agency(gql, admin, area, "Eastmoor Police").ok()["createAgency"]
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
        event.remove(database.engine, "commit", new_transaction)
    assert payload["errors"] == [] and payload["agency"]["area"]["name"]
    [change] = [t for t in transactions if "INSERT INTO agencies" in " ".join(t)]
    assert "INSERT INTO audit_events" in change  # in the very transaction that made the change
    [recorded] = events_since(database, start)
    assert (recorded.operation_name, recorded.outcome) == ("CreateAgency", "ok")


def test_a_connection_dropped_at_the_audit_event_changes_nothing_and_says_so(
    gql: GraphQLClient, database: Database, admin: str, area: str
) -> None:
    start = last_event(database)
    with dropped(database, at_audit_insert):
        response = create_agency(gql, admin, area, "Westmoor Police")
    [error] = response.errors
    request_id = error["extensions"]["requestId"]
    # A lost connection is the database's failure, not a bug: it says so, and that nothing changed.
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["message"] == (
        "The database is unavailable. Nothing was changed; try again in a few seconds."
    )
    assert agencies_named(database, "Westmoor Police") == 0  # true: nothing was changed
    # The failure is recorded afterwards, on a new connection.
    [recorded] = events_since(database, start)
    assert (recorded.request_id, recorded.outcome) == (request_id, "error")


def test_issuing_with_the_connection_dropped_at_the_audit_event_issues_nothing(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    with dropped(database, at_audit_insert):
        response = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token)
    assert "nothing was changed" in response.errors[0]["message"].lower()
    assert issued_count(database) == 0


def test_an_answer_that_fails_after_the_commit_says_the_change_was_saved(
    gql: GraphQLClient, database: Database, admin: str, area: str
) -> None:
    start = last_event(database)
    with dropped(database, after_commit):
        response = create_agency(gql, admin, area, "Northmoor Police")
    [error] = response.errors
    request_id = error["extensions"]["requestId"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["message"] == (
        "The change was saved (createAgency), but the database became unavailable before the "
        "answer was built. Read it again in a few seconds to see the result."
    )
    assert "nothing was changed" not in str(response.body).lower()
    assert agencies_named(database, "Northmoor Police") == 1
    saved, failed = events_since(database, start)
    assert (saved.request_id, saved.outcome) == (request_id, "ok")
    assert (failed.request_id, failed.outcome) == (request_id, "error")


def test_issued_requests_whose_answer_fails_after_the_commit_are_reported_as_saved(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    start = last_event(database)
    with dropped(database, after_commit):
        response = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token)
    assert response.errors and all(
        e["message"].startswith("The change was saved (issueDocumentRequests)")
        for e in response.errors
    )
    issued = issued_count(database)
    assert issued > 0
    saved = events_since(database, start)[0]
    assert saved.outcome == "ok" and len(saved.touched["IssuedRequest"]) == issued


def test_a_connection_dropped_at_the_commit_says_the_change_may_have_been_saved(
    gql: GraphQLClient, database: Database, admin: str, area: str
) -> None:
    start = last_event(database)
    failed: list[bool] = []

    def fail_commit(connection: Any) -> None:
        if not failed:  # once: the failure is then recorded on a new connection
            failed.append(True)
            connection.connection.dbapi_connection.close()

    event.listen(database.engine, "commit", fail_commit)
    try:
        response = create_agency(gql, admin, area, "Southmoor Police")
    finally:
        event.remove(database.engine, "commit", fail_commit)
    [error] = response.errors
    assert error["message"] == (
        "The database became unavailable while saving, so the change may or may not have been "
        "saved. Read it again before you retry."
    )
    assert events_since(database, start)[-1].outcome == "error"


def test_when_the_rest_of_a_request_cannot_be_audited_the_saved_part_is_named(
    gql: GraphQLClient, database: Database, admin: str
) -> None:
    two = """
    mutation Two {
      first: createLocalArea(input: {code: "ZZ-AUD-1", name: "Audited"}) { errors { code } }
      again: createLocalArea(input: {code: "ZZ-AUD-1", name: "Refused"}) { errors { code } }
    }
    """
    start = last_event(database)

    def at_second_event(statement: str, committed: bool) -> bool:
        return committed and at_audit_insert(statement, committed)

    with dropped(database, at_second_event):
        response = gql(two, token=admin)
    assert response.data is None
    [error] = response.errors
    assert error["message"].startswith(
        "Internal error: the change was saved (first), and recorded in the audit trail, but the "
        "rest of this request could not be recorded, so nothing is returned."
    )
    with database.session() as session:
        assert session.scalar(select(func.count()).where(LocalArea.code == "ZZ-AUD-1")) == 1
    [saved] = events_since(database, start)
    assert saved.outcome == "ok"
