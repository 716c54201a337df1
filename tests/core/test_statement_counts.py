"""A nested query costs the same number of SQL statements however many rows it returns."""

from __future__ import annotations

from core.database import Database
from core.demo import DemoInspection
from core.models import Child
from tests.helpers.graphql import GraphQLClient, StatementCounter
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
