"""Children do not outlive their list (data minimisation), over real multipart HTTP on SQLite and
PostgreSQL: replacing a list deletes the children only it named, unless the inspection needs them
(chosen, asked about, cited by evidence, with consent recorded, named in a meeting); those are kept
and shown as on no list, until a list names them again. In bulk: the statements do not grow with
the children removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select

from core.database import Database
from core.demo import DemoInspection
from core.models import (
    Agency,
    Child,
    ChildSelection,
    Consent,
    EvidenceRecord,
    IssuedRequest,
    ListRow,
    Meeting,
)
from core.viewer import Role
from tests.helpers.annex_a_rows import BORN, cin_csv, cin_row, cp_row, cp_xlsx
from tests.helpers.graphql import GraphQLClient, StatementCounter, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, agency_id, request_id
from tests.helpers.lists_world import post_list, uploaded

CHILD = """
query($id: ID!) { node(id: $id) { ... on Child { localId onAList delistedAt lists { listCode } } } }
"""


@pytest.fixture
def issued(gql: GraphQLClient, lead_token: str, demo: DemoInspection) -> None:
    result = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    assert result["issueDocumentRequests"]["errors"] == []


@pytest.fixture
def la_token(make_token: TokenFactory, database: Database, demo: DemoInspection) -> str:
    return make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority"))


def listing(numbers: range | list[int]) -> bytes:
    return cin_csv(*(cin_row(f"LF{n:05d}", BORN) for n in numbers))


def child_ids(database: Database) -> dict[str, int]:
    with database.session() as session:
        found = select(Child.local_id, Child.id).where(Child.local_id.like("LF%"))
        return dict(session.execute(found).all())


def counted(gql: GraphQLClient, database: Database, send: Callable[[], Any]) -> tuple[Any, int]:
    gql.forget_tokens()  # sign-in's statement counted every time, not only when the cache lapsed
    counter = StatementCounter()
    event.listen(database.engine, "before_cursor_execute", counter)
    try:
        return send(), counter.count
    finally:
        event.remove(database.engine, "before_cursor_execute", counter)


def test_a_shorter_list_removes_the_children_only_the_longer_one_named(
    gql: GraphQLClient, database: Database, la_token: str, lead_token: str, issued: None
) -> None:
    asked = request_id(database, "list.children-in-need")
    first = uploaded(post_list(gql, la_token, asked, listing(range(1, 60))))
    assert (first["accepted"], first["childrenAdded"]) == (True, 59)
    assert len(child_ids(database)) == 59

    shorter, statements = counted(
        gql, database, lambda: uploaded(post_list(gql, la_token, asked, listing(range(1, 11))))
    )
    assert (shorter["childrenRemoved"], shorter["childrenDelisted"]) == (49, 0)
    assert sorted(child_ids(database)) == [f"LF{n:05d}" for n in range(1, 11)]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ListRow)) == 10

    # Removing 9 costs the statements that removing 49 did: one bulk delete, not one per child.
    uploaded(post_list(gql, la_token, asked, listing(range(1, 21))))
    fewer, again = counted(
        gql, database, lambda: uploaded(post_list(gql, la_token, asked, listing(range(1, 12))))
    )
    assert fewer["childrenRemoved"] == 9
    assert again == statements

    # The inspection's children now count only those listed (and the demo's own).
    query = "query($id: ID!) { node(id: $id) { ... on Inspection { children { totalCount } } } }"
    with database.session() as session:
        inspection_id = session.scalar(select(Child.inspection_id).limit(1))
        everyone = session.scalar(select(func.count()).select_from(Child))
    assert inspection_id is not None
    seen = gql(query, {"id": gid("Inspection", inspection_id)}, lead_token).ok()["node"]
    assert seen["children"]["totalCount"] == everyone
    assert len(child_ids(database)) == 11


def needed_in_every_way(database: Database, demo: DemoInspection, ids: dict[str, int]) -> None:
    """LF00011-LF00017, each needed by the inspection in one way; the rest of 11-59 by none."""
    inspection = demo.inspection_id
    with database.write() as session:
        police = session.scalar(select(Agency.id).where(Agency.kind == "police"))
        assert police is not None
        session.add_all(
            [
                ChildSelection(inspection_id=inspection, child_id=ids["LF00011"], kind="selected"),
                ChildSelection(inspection_id=inspection, child_id=ids["LF00012"], kind="selected"),
                ChildSelection(inspection_id=inspection, child_id=ids["LF00012"], kind="tracked"),
                ChildSelection(inspection_id=inspection, child_id=ids["LF00013"], kind="sampled"),
                EvidenceRecord(
                    inspection_id=inspection,
                    inspectorate="ofsted",
                    form="case-tracking",
                    child_id=ids["LF00014"],
                    answers={},
                    recorded_by_id=demo.lead_inspector_id,
                ),
                IssuedRequest(
                    inspection_id=inspection,
                    reference="child.test",
                    agency_id=police,
                    child_id=ids["LF00015"],
                    child_key=ids["LF00015"],
                    due_at=dt.datetime(2026, 12, 1, 17, tzinfo=dt.UTC),
                ),
                Consent(
                    inspection_id=inspection,
                    child_id=ids["LF00016"],
                    person="child",
                    outcome="given",
                ),
                Meeting(
                    inspection_id=inspection,
                    meeting_type="ICPC",
                    starts_at=dt.datetime(2026, 12, 8, 10, tzinfo=dt.UTC),
                    child_ids=[ids["LF00017"]],
                ),
            ]
        )


def test_children_the_inspection_needs_are_kept_and_shown_as_on_no_list(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    la_token: str,
    lead_token: str,
    issued: None,
) -> None:
    asked = request_id(database, "list.children-in-need")
    uploaded(post_list(gql, la_token, asked, listing(range(1, 60))))
    ids = child_ids(database)
    needed_in_every_way(database, demo, ids)

    shorter = uploaded(post_list(gql, la_token, asked, listing(range(1, 11))))
    assert (shorter["childrenRemoved"], shorter["childrenDelisted"]) == (42, 7)
    kept = [f"LF{n:05d}" for n in range(11, 18)]
    assert sorted(child_ids(database)) == [f"LF{n:05d}" for n in range(1, 11)] + kept
    for local_id in kept:
        node = gql(CHILD, {"id": gid("Child", ids[local_id])}, lead_token).ok()["node"]
        assert (node["localId"], node["onAList"], node["lists"]) == (local_id, False, [])
        assert node["delistedAt"] is not None
    listed = gql(CHILD, {"id": gid("Child", ids["LF00001"])}, lead_token).ok()["node"]
    assert (listed["onAList"], listed["delistedAt"]) == (True, None)

    # A list naming a kept child again puts the child back on a list; a kept child no longer
    # needed (the sampled one, unsampled since) goes with the next list of the inspection.
    with database.write() as session:
        sampled = session.scalar(
            select(ChildSelection).where(ChildSelection.child_id == ids["LF00013"])
        )
        session.delete(sampled)
    again = uploaded(post_list(gql, la_token, asked, listing([*range(1, 11), 11])))
    assert (again["childrenRemoved"], again["childrenDelisted"]) == (1, 0)
    back = gql(CHILD, {"id": gid("Child", ids["LF00011"])}, lead_token).ok()["node"]
    assert (back["onAList"], back["delistedAt"]) == (True, None)
    assert back["lists"] == [{"listCode": "children-in-need"}]
    assert "LF00013" not in child_ids(database)


def test_a_child_on_another_list_stays_when_one_list_drops_them(
    gql: GraphQLClient, database: Database, la_token: str, lead_token: str, issued: None
) -> None:
    cin = request_id(database, "list.children-in-need")
    uploaded(post_list(gql, la_token, cin, listing(range(1, 4))))
    plans = request_id(database, "list.child-protection-plans")
    workbook = cp_xlsx([cp_row("LF00003", BORN)])
    assert uploaded(post_list(gql, la_token, plans, workbook, "cp.xlsx"))["accepted"] is True

    result = uploaded(post_list(gql, la_token, cin, listing([1])))
    assert (result["childrenRemoved"], result["childrenDelisted"]) == (1, 0)
    ids = child_ids(database)
    assert sorted(ids) == ["LF00001", "LF00003"]
    node = gql(CHILD, {"id": gid("Child", ids["LF00003"])}, lead_token).ok()["node"]
    assert (node["onAList"], node["lists"]) == (True, [{"listCode": "child-protection-plans"}])
