"""The lead inspector's dashboard (benchmarks/dashboard.py's query) costs a fixed number of
database round trips, and on PostgreSQL its statements stay prepared from one request to the next.

Counted at the driver (tests/helpers/round_trips.py). On PostgreSQL the page's reads and the audit
event of the child-level data it returns share one transaction: BEGIN, the page's statements, the
audit event (the chain's lock, then the INSERT) and COMMIT; no ROLLBACK, which made
psycopg forget its prepared statements on every request. Before: a ROLLBACK ended the reads and a
second BEGIN started the audit write (two round trips more), and no statement was ever prepared.
"""

from __future__ import annotations

import re

import pytest

from benchmarks.dashboard import QUERY
from core.database import Database
from core.demo import DemoInspection
from core.models import Child, ChildSelection
from tests.helpers.graphql import GraphQLClient, StatementCounter
from tests.helpers.ids import gid
from tests.helpers.round_trips import RoundTrips, count_round_trips

# Statements the demo's dashboard sends on PostgreSQL, signing in apart: the page's 5 reads, then
# the audit event's lock and its INSERT (which reads the last hash and hashes the event itself).
# SQLite has no lock but sends its BEGINs itself and reads the last hash apart.
STATEMENTS = 7
SQLITE_STATEMENTS = 9  # BEGIN, the reads, BEGIN IMMEDIATE, the last hash and the INSERT
PSYCOPG_PREPARES_AFTER = 5  # psycopg's prepare_threshold: executions before a statement is prepared


@pytest.fixture
def chosen(database: Database, demo: DemoInspection) -> None:
    """Three selected children and one tracked: the child-level data whose reading is audited."""
    with database.write() as session:
        children = [Child(inspection_id=demo.inspection_id, local_id=f"RT{n}") for n in range(3)]
        session.add_all(children)
        session.flush()
        session.add_all(
            ChildSelection(
                inspection_id=demo.inspection_id,
                child_id=child.id,
                kind=kind,
                chosen_by_id=demo.lead_inspector_id,
            )
            for child, kind in [*((c, "selected") for c in children), (children[0], "tracked")]
        )


def _dashboard(gql: GraphQLClient, demo: DemoInspection, token: str) -> None:
    inspection = gql(QUERY, {"id": gid("Inspection", demo.inspection_id)}, token).ok()["inspection"]
    assert inspection["selectedChildren"], "no child-level data read: no audit event to write"


def _sent(trips: RoundTrips, word: str) -> int:
    return sum(1 for trip in trips.sent if re.search(rf'Query\t\d*\s*"{word}', trip))


def test_the_dashboard_costs_a_fixed_number_of_statements(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    chosen: None,
) -> None:
    counter = StatementCounter()
    answer = gql(QUERY, {"id": gid("Inspection", demo.inspection_id)}, lead_token, counter=counter)
    assert answer.ok()["inspection"]["selectedChildren"]
    statements = [s for s in counter.statements if "api_tokens" not in s]  # signing in apart
    expected = SQLITE_STATEMENTS if database.is_sqlite else STATEMENTS
    assert len(statements) == expected, statements


def test_on_postgresql_the_dashboard_is_one_transaction_of_fixed_round_trips(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    chosen: None,
) -> None:
    if database.is_sqlite:
        return  # SQLite ends the read to take the write lock up front (BEGIN IMMEDIATE)
    _dashboard(gql, demo, lead_token)
    with count_round_trips(database) as trips:
        _dashboard(gql, demo, lead_token)
    assert _sent(trips, "BEGIN") == 1, trips.sent
    assert _sent(trips, "COMMIT") == 1, trips.sent
    assert _sent(trips, "ROLLBACK") == 0, trips.sent
    assert trips.count == STATEMENTS + 2, trips.sent  # the statements, BEGIN and COMMIT


def test_on_postgresql_the_dashboards_statements_stay_prepared(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    chosen: None,
) -> None:
    if database.is_sqlite:
        return  # nothing to prepare
    _dashboard(gql, demo, lead_token)
    with count_round_trips(database) as trips:  # one fresh connection, used by every request
        for _ in range(PSYCOPG_PREPARES_AFTER + 2):
            _dashboard(gql, demo, lead_token)
    last = trips.sent[-(STATEMENTS + 2) :]  # the last request's (counted in the test above)
    assert '"BEGIN"' in last[0] and '"COMMIT"' in last[-1], last
    parsed = [trip for trip in last if '\tParse\t "" ' in trip]  # unnamed: parsed and planned anew
    assert parsed == [], parsed
    assert sum("\tBind\t" in trip for trip in last) == STATEMENTS  # each a prepared statement
    assert not any("DEALLOCATE" in trip for trip in trips.sent), "psycopg forgot its statements"


def test_on_postgresql_a_read_without_an_audit_event_ends_with_commit(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    """No child-level data read, so no audit event: the read transaction still ends without the
    ROLLBACK that makes psycopg forget its prepared statements (COMMIT costs the same trip)."""
    if database.is_sqlite:
        return
    query = "query($id: ID!) { inspection(id: $id) { reference area { name } } }"
    variables = {"id": gid("Inspection", demo.inspection_id)}
    gql(query, variables, lead_token).ok()
    with count_round_trips(database) as trips:
        for _ in range(2):
            assert gql(query, variables, lead_token).ok()["inspection"]["area"]["name"]
    assert _sent(trips, "ROLLBACK") == 0, trips.sent
    assert _sent(trips, "COMMIT") == 2, trips.sent
