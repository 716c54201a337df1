"""A nested query costs the same number of SQL statements however many rows it returns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from benchmarks.dashboard import QUERY as DASHBOARD_QUERY
from core.database import Database
from core.demo import DemoInspection
from core.demo_findings import load_demo_findings
from core.models import Child, Finding
from core.registry import Registry
from core.synthetic import Scale, generate
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, StatementCounter, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.inspections import add_led_inspection

NESTED = """
{ inspections(first: 50) { totalCount edges { node {
    reference framework { code criteria { code lead { code } } }
    area { name agencies { kind name area { code } } }
    team { isLead inspector { name inspectorate { code } } }
    leadInspector { name }
    children(first: 10) { totalCount nodes { localId inspection { reference } } }
    evidence(first: 10) { totalCount nodes { id } }
} } } }
"""


# The same tree paged backwards, ordered and filtered: still one statement per relation and level.
BACKWARDS = """
{ inspections(last: 50, orderBy: NOTIFICATION_DATE_DESC) { totalCount edges { node {
    reference
    children(last: 10, orderBy: LOCAL_ID_DESC, delisted: false) { totalCount nodes { localId } }
    evidence(last: 10, orderBy: UPDATED_AT_DESC, status: FINAL) { totalCount nodes { id } }
    requests(last: 5, orderBy: DUE_AT_DESC, status: OUTSTANDING) { totalCount nodes { id } }
} } } }
"""


def add_inspections(database: Database, demo: DemoInspection, count: int) -> None:
    """More inspections led by the demo lead, each with agencies and twelve children."""
    with database.write() as session:
        for number in range(count):
            inspection = add_led_inspection(session, demo.lead_inspector_id, f"EXTRA-{number}")
            session.add_all(
                Child(inspection_id=inspection.id, local_id=f"X{number}-{n}") for n in range(12)
            )


def count_statements(gql: GraphQLClient, token: str, query: str = NESTED) -> tuple[int, int]:
    counter = StatementCounter()
    data = gql(query, token=token, counter=counter).ok()
    return counter.count, data["inspections"]["totalCount"]


def test_nested_query_statement_count_does_not_grow_with_rows(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    with_one, total = count_statements(gql, lead_token)
    assert total == 1
    add_inspections(database, demo, 6)
    with_seven, total = count_statements(gql, lead_token)
    assert total == 7
    assert with_seven == with_one, "a resolver issues a query per row: batch it in a loader"
    # Token lookup, the page and its count, one statement per relation and level, and the
    # audit event (children were read).
    assert with_one <= 16


def test_backward_ordered_filtered_pages_cost_the_same_however_many_rows(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    with_one, total = count_statements(gql, lead_token, BACKWARDS)
    assert total == 1
    add_inspections(database, demo, 6)
    with_seven, total = count_statements(gql, lead_token, BACKWARDS)
    assert total == 7
    assert with_seven == with_one, "a resolver issues a query per row: batch it in a loader"
    # Three BEGINs, the token lookup, the page and its count, a page and a count per list, and
    # the audit event with its chain's previous hash.
    assert with_one <= 14


FINDINGS_PAGE = """query($first: Int) { findings(first: $first) { totalCount
  pageInfo { hasNextPage } nodes { id criteria { code } agencies { name } } } }"""


def test_the_findings_page_costs_the_same_however_many_rows(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    make_token: TokenFactory,
) -> None:
    """The integrators' page: its rows and their links (one statement for both on PostgreSQL,
    where each is a round trip), however many findings; counted only when it is not the whole
    list."""
    with database.write() as session:
        assert load_demo_findings(session, registry, demo) == 4
    integrator = make_token(Role.INTEGRATOR)

    def statements(first: int) -> list[str]:
        gql(FINDINGS_PAGE, {"first": first}, integrator).ok()  # the token is known after it
        counter = StatementCounter()
        gql(FINDINGS_PAGE, {"first": first}, token=integrator, counter=counter).ok()
        return counter.statements

    whole = statements(100)
    with database.write() as session:
        for number in range(20):
            session.add(
                Finding(
                    inspection_id=demo.inspection_id,
                    kind="strength",
                    title=f"Finding {number}",
                    text="Partners share information promptly.",
                    status="published",
                    created_by_id=demo.lead_inspector_id,
                    published_at=dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC),
                )
            )
    assert len(statements(100)) == len(whole)
    assert not any("count(" in s.lower() for s in whole)  # the whole list is its own count
    links = [s for s in whole if "finding_criteria" in s or "finding_agencies" in s]
    assert len(links) == (1 if database.url.startswith("postgresql") else 2)
    paged = statements(10)
    assert len(paged) == len(whole) + 1 and sum("count(" in s.lower() for s in paged) == 1


def test_the_dashboard_costs_the_same_statements_however_many_inspections(
    gql: GraphQLClient, database: Database, registry: Registry, make_token: TokenFactory
) -> None:
    first = generate(database, registry, inspections=1, seed=7, scale=Scale.SMALL).inspections[0]
    token = make_token(Role.INSPECTOR, inspector_id=first.lead_inspector_id)
    variables = {"id": gid("Inspection", first.inspection_id)}

    def count() -> tuple[int, dict[str, Any]]:
        counter = StatementCounter()
        data = gql(DASHBOARD_QUERY, variables, token=token, counter=counter).ok()
        return counter.count, data["inspection"]

    with_one, seen = count()
    assert seen["requests"]["nodes"] and seen["selectedChildren"] and seen["trackedChildren"]
    assert seen["evidenceCoverage"]["evidenceCount"] > 0 and seen["team"]
    generate(database, registry, inspections=3, seed=8, scale=Scale.SMALL)
    with_four, again = count()
    assert again == seen
    assert with_four == with_one, "a resolver issues a query per row: batch it in a loader"
    # The token lookup; the inspection with its area and who takes part (for the timetable and
    # the coverage); the requests' first page (counted by its rows); the selected and the tracked
    # children (one statement); the team; the coverage (who may see it, with the records); the
    # audit event: on SQLite its BEGIN IMMEDIATE, the chain's previous hash and the INSERT (and
    # the read's BEGIN); on PostgreSQL the chain's lock and an INSERT that reads the previous hash
    # itself, in the read's own transaction (its BEGIN comes with the driver, uncounted).
    assert with_one <= 10
