"""Connections page forwards and backwards, in every order, over the same rows a plain sorted list
holds; pageInfo says exactly whether more lies on either side."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from core.database import Database
from core.demo import DemoInspection
from core.models import Child, EvidenceRecord, Inspection, IssuedRequest
from core.registry import Registry
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number
from tests.helpers.inspections import add_led_inspection
from tests.helpers.issued_requests import ISSUE, agency_id

PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id }"
ARGS = "first: $first, after: $after, last: $last, before: $before"
VARIABLES = "$first: Int, $after: String, $last: Int, $before: String"
UTC = dt.UTC


def walk(
    gql: GraphQLClient,
    token: str,
    query: str,
    path: Callable[[Any], Any],
    size: int,
    extra: dict[str, Any] | None = None,
) -> tuple[list[int], list[int], int]:
    """Every row id, paging forwards with first/after and then backwards with last/before,
    checking pageInfo on every page; and the total count."""

    def page(**arguments: Any) -> Any:
        return path(gql(query, {**(extra or {}), **arguments}, token).ok())

    forwards: list[int] = []
    cursor: str | None = None
    while True:
        got = page(first=size, after=cursor)
        forwards += [int(gid_number(n["id"])) for n in got["nodes"]]
        info = got["pageInfo"]
        assert info["hasPreviousPage"] is (cursor is not None)
        if not info["hasNextPage"]:
            break
        cursor = info["endCursor"]
    backwards: list[int] = []
    cursor = None
    while True:
        got = page(last=size, before=cursor)
        backwards = [int(gid_number(n["id"])) for n in got["nodes"]] + backwards
        info = got["pageInfo"]
        assert info["hasNextPage"] is (cursor is not None)
        if not info["hasPreviousPage"]:
            break
        cursor = info["startCursor"]
    return forwards, backwards, got["totalCount"]


def ordered(rows: list[Any], key: Callable[[Any], Any], descending: bool) -> list[int]:
    """Row ids sorted by ``key`` then id, ``key`` descending but ties by id ascending."""
    if descending:
        return [r.id for r in sorted(rows, key=lambda r: (key(r), -r.id), reverse=True)]
    return [r.id for r in sorted(rows, key=lambda r: (key(r), r.id))]


def check(
    gql: GraphQLClient,
    token: str,
    query: str,
    path: Callable[[Any], Any],
    expected: list[int],
    extra: dict[str, Any] | None = None,
) -> None:
    sizes = (1, 3) if len(expected) <= 12 else (7,)  # long lists: fewer round trips
    for size in (*sizes, len(expected) + 1):
        forwards, backwards, total = walk(gql, token, query, path, size, extra)
        assert forwards == expected, f"forwards, pages of {size}"
        assert backwards == expected, f"backwards, pages of {size}"
        assert total == len(expected)


# --- Inspections ---------------------------------------------------------------------------------


def inspections_world(database: Database, demo: DemoInspection) -> list[Inspection]:
    dates = [dt.date(2026, 11, 17), dt.date(2026, 11, 10), dt.date(2026, 11, 17)]
    with database.write() as session:
        for number, code in enumerate(["K", "B", "Q", "A", "M", "C"]):
            inspection = add_led_inspection(session, demo.lead_inspector_id, code)
            inspection.notification_date = dates[number % 3]
    with database.session() as session:
        rows = list(session.scalars(select(Inspection)))
        session.expunge_all()
    return rows


INSPECTION_ORDERS: dict[str, Callable[[Inspection], Any]] = {
    "CREATED": lambda i: 0,
    "NOTIFICATION_DATE": lambda i: i.notification_date,
    "REFERENCE": lambda i: i.reference,
}


@pytest.mark.parametrize("order", sorted(INSPECTION_ORDERS))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_inspections_page_both_ways_in_every_order(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    order: str,
    direction: str,
) -> None:
    rows = inspections_world(database, demo)
    if order == "CREATED":  # by id alone, in either direction
        expected = sorted((i.id for i in rows), reverse=direction == "DESC")
    else:
        expected = ordered(rows, INSPECTION_ORDERS[order], direction == "DESC")
    query = (
        f"query({VARIABLES}) {{ inspections({ARGS}, orderBy: {order}_{direction}) {{ {PAGE} }} }}"
    )
    check(gql, lead_token, query, lambda d: d["inspections"], expected)


def test_inspections_filter_by_framework(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    inspections_world(database, demo)
    with database.write() as session:
        session.execute(
            update(Inspection).where(Inspection.reference == "JTAI-Q").values(framework="da-2024")
        )
    query = (
        "query($framework: String) { inspections(framework: $framework) "
        "{ totalCount nodes { reference } } }"
    )
    narrowed = gql(query, {"framework": "da-2024"}, lead_token).ok()["inspections"]
    assert [n["reference"] for n in narrowed["nodes"]] == ["JTAI-Q"]
    assert gql(query, {"framework": None}, lead_token).ok()["inspections"]["totalCount"] == 7
    errors = gql(query, {"framework": "da-1999"}, lead_token).errors
    assert errors[0]["message"].startswith("framework: 'da-1999' is not a framework")


# --- Children and evidence, per inspection (batched loaders) -------------------------------------


def children_world(database: Database, demo: DemoInspection) -> list[Child]:
    with database.write() as session:
        for number, local in enumerate(["Z9", "A1", "M5", "B2", "Y8", "C3", "X7"]):
            delisted = dt.datetime(2026, 11, 20, tzinfo=UTC) if number % 3 == 0 else None
            session.add(
                Child(inspection_id=demo.inspection_id, local_id=local, delisted_at=delisted)
            )
    with database.session() as session:
        rows = list(session.scalars(select(Child).where(Child.inspection_id == demo.inspection_id)))
        session.expunge_all()
    return rows


def child_order(rows: list[Child], order: str) -> list[int]:
    if order.startswith("CREATED"):
        return sorted((c.id for c in rows), reverse=order.endswith("DESC"))
    return ordered(rows, lambda c: c.local_id, order.endswith("DESC"))


INSPECTION_LIST = (
    "query($id: ID!, {variables}) {{ inspection(id: $id) {{ {field}({args}) {{ {page} }} }} }}"
)


@pytest.mark.parametrize("order", ["CREATED_ASC", "CREATED_DESC", "LOCAL_ID_ASC", "LOCAL_ID_DESC"])
@pytest.mark.parametrize("delisted", [None, True, False])
def test_children_page_both_ways_in_every_order_and_filter(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    order: str,
    delisted: bool | None,
) -> None:
    rows = children_world(database, demo)
    if delisted is not None:
        rows = [c for c in rows if (c.delisted_at is not None) is delisted]
    expected = child_order(rows, order)
    query = INSPECTION_LIST.format(
        variables=f"{VARIABLES}, $delisted: Boolean",
        field="children",
        args=f"{ARGS}, orderBy: {order}, delisted: $delisted",
        page=PAGE,
    )
    extra = {"id": gid("Inspection", demo.inspection_id), "delisted": delisted}
    check(gql, lead_token, query, lambda d: d["inspection"]["children"], expected, extra)


def evidence_world(
    database: Database, registry: Registry, demo: DemoInspection
) -> list[EvidenceRecord]:
    base = dt.datetime(2026, 11, 25, 10, tzinfo=UTC)
    form_of = {owned.owner: owned.item.code for owned in registry.evidence_forms}
    with database.write() as session:
        for number in range(8):
            inspectorate = "ofsted" if number % 2 else "cqc"
            session.add(
                EvidenceRecord(
                    inspection_id=demo.inspection_id,
                    inspectorate=inspectorate,
                    form=form_of[inspectorate],
                    status="final" if number % 3 else "draft",
                    answers={},
                    recorded_by_id=demo.lead_inspector_id,
                    updated_at=base + dt.timedelta(hours=(number * 5) % 3),
                )
            )
    with database.session() as session:
        rows = list(
            session.scalars(
                select(EvidenceRecord).where(EvidenceRecord.inspection_id == demo.inspection_id)
            )
        )
        session.expunge_all()
    return rows


def evidence_order(rows: list[EvidenceRecord], order: str) -> list[int]:
    if order.startswith("RECORDED"):
        return sorted((e.id for e in rows), reverse=order.endswith("DESC"))
    return ordered(rows, lambda e: e.updated_at, order.endswith("DESC"))


@pytest.mark.parametrize(
    "order", ["RECORDED_ASC", "RECORDED_DESC", "UPDATED_AT_ASC", "UPDATED_AT_DESC"]
)
@pytest.mark.parametrize(("status", "inspectorate"), [(None, None), ("FINAL", "ofsted")])
def test_evidence_pages_both_ways_in_every_order_and_filter(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    lead_token: str,
    order: str,
    status: str | None,
    inspectorate: str | None,
) -> None:
    rows = evidence_world(database, registry, demo)
    if status is not None:
        rows = [e for e in rows if e.status == status.lower() and e.inspectorate == inspectorate]
    expected = evidence_order(rows, order)
    query = INSPECTION_LIST.format(
        variables=f"{VARIABLES}, $status: EvidenceStatus, $inspectorate: String",
        field="evidence",
        args=f"{ARGS}, orderBy: {order}, status: $status, inspectorate: $inspectorate",
        page="totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
        "nodes { id }",
    )
    extra = {
        "id": gid("Inspection", demo.inspection_id),
        "status": status,
        "inspectorate": inspectorate,
    }
    check(gql, lead_token, query, lambda d: d["inspection"]["evidence"], expected, extra)


# --- Requests: the tracker and an agency's own ---------------------------------------------------


def requests_world(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> list[IssuedRequest]:
    gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    base = dt.datetime(2026, 11, 26, 17, tzinfo=UTC)
    with database.write() as session:
        ids = sorted(session.scalars(select(IssuedRequest.id)))
        for number, request in enumerate(ids):
            session.execute(
                update(IssuedRequest)
                .where(IssuedRequest.id == request)
                .values(
                    due_at=base + dt.timedelta(days=(number * 7) % 4),
                    issued_at=base - dt.timedelta(days=(number * 5) % 3),
                    received_at=base if number % 4 == 0 else None,
                )
            )
    with database.session() as session:
        rows = list(session.scalars(select(IssuedRequest)))
        session.expunge_all()
    return rows


def request_order(rows: list[IssuedRequest], order: str) -> list[int]:
    column = order.removesuffix("_ASC").removesuffix("_DESC").lower()
    return ordered(rows, lambda r: getattr(r, column), order.endswith("DESC"))


@pytest.mark.parametrize("order", ["DUE_AT_ASC", "DUE_AT_DESC", "ISSUED_AT_ASC", "ISSUED_AT_DESC"])
def test_the_tracker_pages_both_ways_in_every_order(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str, order: str
) -> None:
    rows = requests_world(gql, database, demo, lead_token)
    expected = request_order(rows, order)
    query = INSPECTION_LIST.format(
        variables=VARIABLES, field="requests", args=f"{ARGS}, orderBy: {order}", page=PAGE
    )
    extra = {"id": gid("Inspection", demo.inspection_id)}
    check(gql, lead_token, query, lambda d: d["inspection"]["requests"], expected, extra)


@pytest.mark.parametrize("order", ["DUE_AT_DESC", "ISSUED_AT_ASC"])
@pytest.mark.parametrize("status", [None, "RECEIVED"])
def test_my_requests_page_both_ways_by_status_and_inspection(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
    order: str,
    status: str | None,
) -> None:
    rows = requests_world(gql, database, demo, lead_token)
    police = agency_id(database, "police")
    token = make_token(Role.AGENCY_USER, agency_id=police)
    rows = [r for r in rows if r.agency_id == police]
    if status is not None:
        rows = [r for r in rows if r.received_at is not None]
    expected = request_order(rows, order)
    assert expected, "the police have requests in the demo"
    query = (
        f"query({VARIABLES}, $status: RequestStatus, $inspection: ID) "
        f"{{ myRequests({ARGS}, orderBy: {order}, status: $status, inspectionId: $inspection) "
        f"{{ {PAGE} }} }}"
    )
    extra = {"status": status, "inspection": gid("Inspection", demo.inspection_id)}
    check(gql, token, query, lambda d: d["myRequests"], expected, extra)
    other = gid("Inspection", demo.inspection_id + 1000)
    none = gql(query, {"inspection": other}, token).ok()["myRequests"]
    assert none["totalCount"] == 0 and none["nodes"] == []


# --- Refusals ------------------------------------------------------------------------------------


def test_first_and_last_together_are_refused(gql: GraphQLClient, lead_token: str) -> None:
    errors = gql("{ inspections(first: 2, last: 2) { totalCount } }", token=lead_token).errors
    assert "first: 2 and last: 2 were both given; give one of them" in errors[0]["message"]


def test_last_out_of_range_is_refused(gql: GraphQLClient, lead_token: str) -> None:
    errors = gql("{ inspections(last: 1000) { totalCount } }", token=lead_token).errors
    assert errors[0]["message"].startswith("last: 1000 is outside 0..100")
    assert "JTAI_MAX_PAGE_SIZE" in errors[0]["message"]


def test_a_bad_before_cursor_is_refused(gql: GraphQLClient, lead_token: str) -> None:
    errors = gql('{ inspections(before: "nope") { totalCount } }', token=lead_token).errors
    assert errors[0]["message"].startswith("before: 'nope' is not a cursor this API issued")


def test_an_unknown_inspectorate_filter_is_refused(
    gql: GraphQLClient, demo: DemoInspection, lead_token: str
) -> None:
    query = (
        'query($id: ID!) { inspection(id: $id) { evidence(inspectorate: "ofstead") '
        "{ totalCount } } }"
    )
    errors = gql(query, {"id": gid("Inspection", demo.inspection_id)}, lead_token).errors
    assert errors[0]["message"].startswith("inspectorate: 'ofstead' is not an inspectorate")


def test_an_unknown_order_is_refused_by_the_enum(gql: GraphQLClient, lead_token: str) -> None:
    errors = gql("{ inspections(orderBy: SIZE_ASC) { totalCount } }", token=lead_token).errors
    assert "SIZE_ASC" in errors[0]["message"] and "InspectionOrder" in errors[0]["message"]
    errors = gql('{ myRequests(status: "LATE") { totalCount } }', token=lead_token).errors
    assert "RequestStatus" in errors[0]["message"]
