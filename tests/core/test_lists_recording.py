"""core.workflow.lists stores an accepted list with bulk statements: children once per inspection
by the LA's ID, their facts merged row by row, one row per list row with its own values, the latest
list of a request replacing its rows. Checked here, on SQLite and PostgreSQL, against the rules
written out plainly: new children listed once (the bulk path), and children already known, listed
twice or with no ID (merged one by one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from core.contributions import FieldType, ListField, ListSpec
from core.database import Database
from core.lists import ListImport, ParsedRow, Problem, Severity
from core.models import (
    Agency,
    Child,
    Inspection,
    IssuedRequest,
    ListQuery,
    ListRow,
    ListUpload,
    LocalArea,
)
from core.workflow.lists import CHILD_FACTS, json_ready, record_list

FIELDS = (
    ListField(name="child_id", label="Child ID", type=FieldType.TEXT),
    ListField(name="gender", label="Gender", type=FieldType.TEXT, required=False),
    ListField(name="ethnicity", label="Ethnicity", type=FieldType.TEXT, required=False),
    ListField(name="date_of_birth", label="DOB", type=FieldType.DATE, required=False),
    ListField(name="expected_date_of_birth", label="EDD", type=FieldType.DATE, required=False),
    ListField(name="disability", label="Disability", type=FieldType.YES_NO, required=False),
    ListField(name="domestic_abuse", label="DA", type=FieldType.YES_NO, required=False),
    ListField(name="visits", label="Visits", type=FieldType.INTEGER, required=False),
)
FIRST = ListSpec(code="first-list", title="First", coverage="test", fields=FIELDS)
SECOND = ListSpec(code="second-list", title="Second", coverage="test", fields=FIELDS)
NO_IDS = ListSpec(code="no-ids", title="No IDs", coverage="test", fields=FIELDS[1:])
BORN = dt.date(2015, 6, 1)
DUE = dt.date(2024, 9, 1)


def row(
    number: int,
    child_id: str | None,
    *,
    gender: str | None = "F",
    born: dt.date | None = BORN,
    due: dt.date | None = None,
    disabled: bool | None = False,
    abuse: bool | None = True,
    visits: int | None = 1,
    fields: Sequence[ListField] = FIELDS,
) -> ParsedRow:
    values: dict[str, object] = {
        "child_id": child_id,
        "gender": gender,
        "ethnicity": "WBRI",
        "date_of_birth": born,
        "expected_date_of_birth": due,
        "disability": disabled,
        "domestic_abuse": abuse,
        "visits": visits,
    }
    return ParsedRow(number, {f.name: values[f.name] for f in fields})


def accepted(spec: ListSpec, rows: list[ParsedRow]) -> ListImport:
    query = Problem(Severity.QUERY, "unknown_column", "Column 'Notes' is ignored.", column="Notes")
    return ListImport(list_code=spec.code, rows=rows, problems=[query])


def requests(database: Database, count: int) -> list[int]:
    with database.write() as session:
        area = LocalArea(code="ZZ-REC", name="Recording area (synthetic)")
        session.add(area)
        session.flush()
        agency = Agency(area_id=area.id, kind="local_authority", name="Council")
        inspection = Inspection(
            reference="JTAI-REC", area_id=area.id, framework="da-2016", notification_date=DUE
        )
        session.add_all([agency, inspection])
        session.flush()
        due = dt.datetime(2024, 9, 2, 17, tzinfo=dt.UTC)
        asked = [
            IssuedRequest(
                inspection_id=inspection.id, reference=f"list.{n}", agency_id=agency.id, due_at=due
            )
            for n in range(count)
        ]
        session.add_all(asked)
        session.flush()
        return [request.id for request in asked]


def record(database: Database, request_id: int, spec: ListSpec, rows: list[ParsedRow]) -> Any:
    with database.write() as session:
        request = session.get(IssuedRequest, request_id)
        assert request is not None
        return record_list(
            session,
            request,
            spec,
            accepted(spec, rows),
            filename=f"{spec.code}.csv",
            sha256=f"{request_id:064d}",
            received_at=dt.datetime(2024, 9, 2, 9, tzinfo=dt.UTC),
        )


def children(database: Database) -> dict[str, tuple[object, ...]]:
    with database.session() as session:
        return {
            child.local_id: tuple(getattr(child, column) for column in CHILD_FACTS.values())
            for child in session.scalars(select(Child))
        }


def merged(
    known: Mapping[str, tuple[object, ...]], rows: list[ParsedRow]
) -> dict[str, tuple[object, ...]]:
    """The rule, one row at a time: blanks change nothing; a date of birth given with no
    expected one means born, so the expected date goes."""
    facts = {
        local_id: dict(zip(CHILD_FACTS.values(), f, strict=True)) for local_id, f in known.items()
    }
    for parsed in rows:
        local_id = parsed.values.get("child_id")
        if not isinstance(local_id, str) or not local_id:
            continue
        child = facts.setdefault(local_id, dict.fromkeys(CHILD_FACTS.values()))
        for field, column in CHILD_FACTS.items():
            if parsed.values.get(field) is not None:
                child[column] = parsed.values[field]
        values = parsed.values
        if values.get("date_of_birth") is not None and values.get("expected_date_of_birth") is None:
            child["expected_date_of_birth"] = None
    return {local_id: tuple(child.values()) for local_id, child in facts.items()}


def stored_rows(database: Database) -> list[tuple[str, int, str | None, dict[str, Any]]]:
    with database.session() as session:
        local = dict(session.execute(select(Child.id, Child.local_id)).all())
        return [
            (r.list_code, r.row_number, local.get(r.child_id) if r.child_id else None, r.values)
            for r in session.scalars(select(ListRow).order_by(ListRow.id))
        ]


def expected_rows(spec: ListSpec, rows: list[ParsedRow]) -> list[tuple[Any, ...]]:
    return [
        (spec.code, r.row_number, r.values.get("child_id") or None, json_ready(r.values))
        for r in rows
    ]


def test_new_children_listed_once_are_stored_in_bulk(database: Database) -> None:
    [asked] = requests(database, 1)
    rows = [row(n + 2, f"C{n:05d}", visits=n) for n in range(2_000)]
    rows[7] = row(9, "C00007", gender="U", born=None, due=DUE, visits=None)  # unborn
    recorded = record(database, asked, FIRST, rows)

    assert (recorded.children_added, recorded.children_updated) == (2_000, 0)
    assert children(database) == merged({}, rows)
    assert stored_rows(database) == expected_rows(FIRST, rows)
    with database.session() as session:
        ids = dict(session.execute(select(Child.local_id, Child.id)).all())
        upload = session.get(ListUpload, recorded.upload.id)
        assert upload is not None and upload.row_count == 2_000
        assert upload.query_summary["queries"] == 1
        assert upload.query_summary["groups"][0]["code"] == "unknown_column"
        stored = session.scalars(select(ListQuery.code).where(ListQuery.upload_id == upload.id))
        assert list(stored) == ["unknown_column"]
        request = session.get(IssuedRequest, asked)
        assert request is not None and request.received_at is not None
    assert recorded.child_ids == sorted(ids.values())
    # Ids in the order the list first names each child.
    assert [ids[f"C{n:05d}"] for n in range(2_000)] == sorted(ids.values())


def test_known_and_repeated_children_are_merged_row_by_row(database: Database) -> None:
    first, second = requests(database, 2)
    before = [row(2, "A"), row(3, "B", due=None), row(4, "U1", gender="U", born=None, due=DUE)]
    record(database, first, FIRST, before)
    known = children(database)
    with database.session() as session:
        ids_before = dict(session.execute(select(Child.local_id, Child.id)).all())

    rows = [
        row(2, "A"),  # known, nothing new
        row(3, "B", gender="M", disabled=None),  # known: gender changes, a blank keeps disability
        row(4, "U1", gender="F", born=BORN, due=None),  # born since: the expected date goes
        row(5, "N", gender=None, abuse=None),  # new, listed twice: the later row fills blanks
        row(6, None),  # no ID: a row with no child
        row(7, "N", gender="F", abuse=False, visits=2**70),  # beyond 64 bits in JSON
        row(8, "", visits=None),  # an empty ID is no child either
    ]
    recorded = record(database, second, SECOND, rows)

    expected = merged(known, rows)
    assert children(database) == expected
    assert (recorded.children_added, recorded.children_updated) == (1, 2)
    with database.session() as session:
        ids = dict(session.execute(select(Child.local_id, Child.id)).all())
    assert {k: ids[k] for k in ids_before} == ids_before  # known children keep their ids
    assert recorded.child_ids == sorted(ids[k] for k in ("A", "B", "U1", "N"))
    assert stored_rows(database) == expected_rows(FIRST, before) + expected_rows(SECOND, rows)


def test_a_new_list_for_a_request_replaces_its_rows_only(database: Database) -> None:
    first, second = requests(database, 2)
    record(database, first, FIRST, [row(2, "A"), row(3, "B")])
    record(database, second, SECOND, [row(2, "B")])
    again = record(database, first, FIRST, [row(2, "C"), row(3, "A", gender="M")])

    assert (again.children_added, again.children_updated) == (1, 1)
    assert [(r[0], r[1], r[2]) for r in stored_rows(database)] == [
        ("second-list", 2, "B"),
        ("first-list", 2, "C"),
        ("first-list", 3, "A"),
    ]
    assert set(children(database)) == {"A", "B", "C"}
    with database.session() as session:
        assert len(session.scalars(select(ListUpload)).all()) == 3


def test_a_list_without_child_ids_keeps_rows_with_no_child(database: Database) -> None:
    [asked] = requests(database, 1)
    rows = [row(n + 2, None, fields=NO_IDS.fields) for n in range(300)]
    recorded = record(database, asked, NO_IDS, rows)
    assert (recorded.children_added, recorded.child_ids) == (0, [])
    assert children(database) == {}
    assert stored_rows(database) == expected_rows(NO_IDS, rows)
