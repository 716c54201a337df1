"""Recording an accepted Annex A list: its children, its rows, and the request it answers.

``core.lists.read_list`` decides whether a file is acceptable; this module stores one that is, in
the caller's transaction, with a fixed number of statements however long the list is:

- each row's child is recorded once per inspection by the local authority's unique ID (the list
  field ``child_id``). A child on several lists, or twice on one, stays one ``Child`` row with one
  id, so children already selected or tracked keep theirs. The child's gender, ethnicity, dates of
  birth, disability and domestic-abuse flag are updated from the list where the list gives them;
  a blank cell keeps what is known. An unborn child has an expected date of birth and no date of
  birth; a row giving a date of birth (and no expected one) records the child as born.
- the list is stored as a ``ListUpload`` with the summary of its QUERY problems (every one
  counted, see ``core.workflow.list_problems``), the first ``max_queries`` of them as
  ``ListQuery`` rows for the inspectors, and one ``ListRow`` per row, its values as JSON (dates
  as ISO strings).
- a new list for the same request replaces the rows of the one before (the earlier upload stays,
  as history: its name, hash, row count and query counts; its queries, which quote its cells,
  go). The request is marked received when its first list arrives.
- children outlive no list (data minimisation): a child whom the replaced list named and no list
  names now is deleted, unless the team needs the child (selected, tracked or sampled, asked
  about in a request, cited by evidence, given consent, named in a meeting); then the child is
  kept and marked ``delisted_at``, until a list names the child again. Children kept that way
  and no longer needed go at the next list of the inspection.

Lists with no child ID column (the fieldwork week's meetings) keep their rows with no child.

A list is thousands of rows, so they go in as the database's own bulk statements (one
``executemany`` on SQLite, ``COPY`` on PostgreSQL, values converted as SQLAlchemy's column types
store them, JSON by orjson), the children's facts taken column by column; only children already
known, or listed twice, are merged one by one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter, itemgetter, methodcaller
from typing import Any

import orjson
from sqlalchemy import Connection, Table, bindparam, delete, exists, select, update
from sqlalchemy.orm import Session

from core import events
from core.collector import collector_paused
from core.contributions import ListSpec
from core.events import EventKind
from core.lists import ListImport, Problem, Severity
from core.models import (
    Child,
    ChildSelection,
    Consent,
    EvidenceRecord,
    Inspection,
    IssuedRequest,
    ListQuery,
    ListRow,
    ListUpload,
    Meeting,
)
from core.settings import Settings
from core.workflow.list_problems import (
    summarise,
    summary_from_json,
    summary_json,
    without_examples,
)

CHILD_ID_FIELD = "child_id"
LOCAL_ID_LENGTH = 60  # Child.local_id

# List field -> Child column, for the facts about a child that lists carry.
CHILD_FACTS: Mapping[str, str] = {
    "gender": "gender",
    "ethnicity": "ethnicity",
    "date_of_birth": "date_of_birth",
    "expected_date_of_birth": "expected_date_of_birth",
    "disability": "has_disability",
    "domestic_abuse": "lives_with_domestic_abuse",
}
_COLUMNS = tuple(CHILD_FACTS.values())
_DATE_OF_BIRTH = _COLUMNS.index("date_of_birth")
_EXPECTED_DATE_OF_BIRTH = _COLUMNS.index("expected_date_of_birth")
_CHILDREN: Table = Child.__table__  # type: ignore[assignment]
_LIST_ROWS: Table = ListRow.__table__  # type: ignore[assignment]
_LIST_QUERIES: Table = ListQuery.__table__  # type: ignore[assignment]
DEFAULT_MAX_QUERIES = Settings().max_list_queries
_VALUES = attrgetter("values")
_ROW_NUMBER = attrgetter("row_number")


@dataclass(frozen=True, slots=True)
class RecordedList:
    upload: ListUpload
    child_ids: list[int]  # the children on the list, each once
    children_added: int
    children_updated: int
    removed_ids: list[int]  # children deleted: on no list any more, and needed by nothing
    delisted_ids: list[int]  # children this list left on no list, kept because they are needed


def storage_problems(spec: ListSpec, result: ListImport) -> list[Problem]:
    """ERRORs that the validator does not know of but storing would hit: over-long child IDs."""
    if not any(f.name == CHILD_ID_FIELD for f in spec.fields):
        return []
    ids = map(methodcaller("get", CHILD_ID_FIELD), map(_VALUES, result.rows))
    if all(len(value) <= LOCAL_ID_LENGTH for value in ids if isinstance(value, str)):
        return []
    label = next(f.label for f in spec.fields if f.name == CHILD_ID_FIELD)
    column = next((h for h, name in result.column_map.items() if name == CHILD_ID_FIELD), label)
    problems = []
    for row in result.rows:
        value = row.values.get(CHILD_ID_FIELD)
        if isinstance(value, str) and len(value) > LOCAL_ID_LENGTH:
            problems.append(
                Problem(
                    Severity.ERROR,
                    "child_id_too_long",
                    f"Row {row.row_number}: the child's unique ID has {len(value)} characters; "
                    f"IDs of up to {LOCAL_ID_LENGTH} are kept. Check the column holds the ID.",
                    row=row.row_number,
                    column=column,
                    value=value,
                    field=CHILD_ID_FIELD,
                )
            )
    return problems


def json_ready(values: Mapping[str, object]) -> dict[str, Any]:
    """A row's typed values as JSON: dates as ISO strings, the rest as they are."""
    return {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in values.items()
    }


def query_problem(row: ListQuery) -> Problem:
    return Problem(
        severity=Severity.QUERY,
        code=row.code,
        message=row.message,
        row=row.row_number,
        column=row.column_header,
        value=row.value,
        field=row.field,
    )


def latest_upload(session: Session, request_id: int) -> ListUpload | None:
    return session.scalar(
        select(ListUpload)
        .where(ListUpload.request_id == request_id)
        .order_by(ListUpload.id.desc())
        .limit(1)
    )


def record_list(
    session: Session,
    request: IssuedRequest,
    spec: ListSpec,
    result: ListImport,
    *,
    filename: str,
    sha256: str,
    received_at: dt.datetime,
    max_queries: int = DEFAULT_MAX_QUERIES,
) -> RecordedList:
    """Store an accepted list in the session's transaction (see the module docstring), keeping
    at most ``max_queries`` of its QUERY problems (the summary counts them all)."""
    if not result.accepted:
        raise ValueError("only an accepted list is recorded")
    with collector_paused():  # see core.collector: thousands of rows, no cycles
        return _record_list(
            session, request, spec, result, filename, sha256, received_at, max_queries
        )


def accept_list(
    session: Session,
    request_id: int,
    spec: ListSpec,
    result: ListImport,
    *,
    filename: str,
    sha256: str,
    received_at: dt.datetime,
    max_queries: int = DEFAULT_MAX_QUERIES,
) -> tuple[ListUpload, RecordedList | None]:
    """Record an accepted list answering the request, one list at a time per inspection: the
    upload, and what it recorded, or None when it is the same file as the request's latest."""
    request = session.get(IssuedRequest, request_id)
    assert request is not None
    # Two lists naming one new child must not both insert it (PostgreSQL; SQLite's BEGIN
    # IMMEDIATE already serialises writers).
    session.execute(
        select(Inspection.id).where(Inspection.id == request.inspection_id).with_for_update()
    )
    latest = latest_upload(session, request_id)
    if latest is not None and latest.sha256 == sha256:
        return latest, None
    recorded = record_list(
        session,
        request,
        spec,
        result,
        filename=filename,
        sha256=sha256,
        received_at=received_at,
        max_queries=max_queries,
    )
    return recorded.upload, recorded


def announce_refused(session: Session, request_id: int) -> None:
    """Announce a list that was refused (its own small transaction: the refusal itself stored
    nothing), so the inspection's tracker shows the agency tried; ids only."""
    request = session.get(IssuedRequest, request_id)
    if request is not None:
        events.record(
            session,
            EventKind.LIST_REFUSED,
            request.inspection_id,
            request_id=request.id,
            agency_id=request.agency_id,
        )


def _record_list(
    session: Session,
    request: IssuedRequest,
    spec: ListSpec,
    result: ListImport,
    filename: str,
    sha256: str,
    received_at: dt.datetime,
    max_queries: int,
) -> RecordedList:
    connection = session.connection()
    inspection_id = request.inspection_id
    rows = result.rows
    values: list[dict[str, object]] = list(map(_VALUES, rows))
    child_of_row: list[int | None] = [None] * len(rows)
    added = updated = 0
    with_children = any(f.name == CHILD_ID_FIELD for f in spec.fields)
    if with_children:
        child_of_row, added, updated = _record_children(connection, inspection_id, values)
    earlier = select(ListUpload.id).where(ListUpload.request_id == request.id)
    marked: set[int] = set()
    if with_children:
        marked = _mark_children_of(connection, earlier, received_at)
    _forget_earlier(session, request.id, earlier)
    queries = result.queries
    upload = ListUpload(
        inspection_id=inspection_id,
        request_id=request.id,
        list_code=spec.code,
        filename=filename,
        sha256=sha256,
        row_count=len(rows),
        query_summary=summary_json(summarise(queries, max_queries)),
        uploaded_at=received_at,
    )
    session.add(upload)
    session.flush()
    if queries and max_queries:
        _insert(
            connection,
            _LIST_QUERIES,
            ("upload_id", "code", "message", "row_number", "column_header", "value", "field"),
            (
                (upload.id, q.code, q.message, q.row, q.column, q.value, q.field)
                for q in queries[:max_queries]
            ),
        )
    if rows:
        _insert(
            connection,
            _LIST_ROWS,
            ("inspection_id", "child_id", "upload_id", "list_code", "row_number", "values"),
            zip(
                repeat(inspection_id),
                child_of_row,
                repeat(upload.id),
                repeat(spec.code),
                map(_ROW_NUMBER, rows),
                _json_texts(values),
                strict=False,
            ),
        )
    removed: list[int] = []
    delisted: list[int] = []
    if with_children:
        relisted = _unmark_listed(connection, inspection_id)
        removed = _remove_unneeded(session, inspection_id)
        delisted = sorted(marked - relisted - set(removed))
    newly_received = request.received_at is None
    if newly_received:
        request.received_at = received_at
    session.flush()
    events.record(
        session,
        EventKind.LIST_ACCEPTED,
        inspection_id,
        request_id=request.id,
        agency_id=request.agency_id,
        list_upload_id=upload.id,
    )
    if newly_received:
        late = received_at > request.due_at
        events.record_request(
            session, EventKind.REQUEST_LATE if late else EventKind.REQUEST_RECEIVED, request
        )
    return RecordedList(
        upload=upload,
        child_ids=sorted({child for child in child_of_row if child is not None}),
        children_added=added,
        children_updated=updated,
        removed_ids=removed,
        delisted_ids=delisted,
    )


def _forget_earlier(session: Session, request_id: int, earlier: Any) -> None:
    """The replaced list's rows and queries go; its summary keeps counts, codes and rows only."""
    connection = session.connection()
    connection.execute(delete(_LIST_ROWS).where(_LIST_ROWS.c.upload_id.in_(earlier)))
    connection.execute(delete(_LIST_QUERIES).where(_LIST_QUERIES.c.upload_id.in_(earlier)))
    previous = latest_upload(session, request_id)  # older ones lost their examples before
    if previous is not None:
        stripped = summary_json(without_examples(summary_from_json(previous.query_summary)))
        if stripped != previous.query_summary:
            previous.query_summary = stripped


def _mark_children_of(connection: Connection, uploads: Any, now: dt.datetime) -> set[int]:
    """Mark the children of the replaced list as on no list, until the new rows say otherwise."""
    children = _CHILDREN.c
    named = select(_LIST_ROWS.c.child_id).where(_LIST_ROWS.c.upload_id.in_(uploads))
    marked = connection.execute(
        update(_CHILDREN)
        .where(children.id.in_(named), children.delisted_at.is_(None))
        .values(delisted_at=now)
        .returning(children.id)
    )
    return set(marked.scalars())


def _unmark_listed(connection: Connection, inspection_id: int) -> set[int]:
    """Children marked as on no list whom a list names now (this one, or another request's)."""
    children = _CHILDREN.c
    listed = exists().where(_LIST_ROWS.c.child_id == children.id)
    cleared = connection.execute(
        update(_CHILDREN)
        .where(children.inspection_id == inspection_id, children.delisted_at.is_not(None), listed)
        .values(delisted_at=None)
        .returning(children.id)
    )
    return set(cleared.scalars())


def _remove_unneeded(session: Session, inspection_id: int) -> list[int]:
    """Delete, in one statement, the inspection's children on no list whom nothing needs: not
    chosen, asked about, cited by evidence, given consent or named in a meeting."""
    children = _CHILDREN.c
    in_meetings = {
        child_id
        for child_ids in session.scalars(
            select(Meeting.child_ids).where(Meeting.inspection_id == inspection_id)
        )
        for child_id in child_ids or ()
    }
    needed = [
        exists().where(model.child_id == children.id)
        for model in (ChildSelection, IssuedRequest, EvidenceRecord, Consent)
    ]
    unneeded = [~need for need in needed]
    if in_meetings:
        unneeded.append(children.id.not_in(sorted(in_meetings)))
    removed = session.connection().execute(
        delete(_CHILDREN)
        .where(children.inspection_id == inspection_id, children.delisted_at.is_not(None))
        .where(*unneeded)
        .returning(children.id)
    )
    return sorted(removed.scalars())


def _record_children(
    connection: Connection, inspection_id: int, values: Sequence[Mapping[str, object]]
) -> tuple[list[int | None], int, int]:
    """Insert the new children and update the known ones, in bulk; each row's child id."""
    children = _CHILDREN.c
    existing = {
        row.local_id: row
        for row in connection.execute(
            select(children.id, children.local_id, *(children[c] for c in _COLUMNS)).where(
                children.inspection_id == inspection_id
            )
        )
    }
    local_ids, *facts = _columns(values, (CHILD_ID_FIELD, *CHILD_FACTS))
    distinct = set(local_ids)
    updates: list[dict[str, object]] = []
    each_new_once = (
        set(map(type, local_ids)) == {str}
        and "" not in distinct
        and len(distinct) == len(local_ids)
        and distinct.isdisjoint(existing)
    )
    if each_new_once:
        # Each row a new child, listed once: its facts are the row's, as they are.
        stored = [_stored_column(index, column) for index, column in enumerate(facts)]
        inserts = list(zip(repeat(inspection_id), local_ids, *stored, strict=False))
    else:
        known = _merged_facts(local_ids, facts, existing)
        inserts = [
            (inspection_id, local_id, *_stored_row(child_facts))
            for local_id, child_facts in known.items()
            if local_id not in existing
        ]
        for local_id, child_facts in known.items():
            before = existing.get(local_id)
            if before is not None and any(
                getattr(before, c) != v for c, v in zip(_COLUMNS, child_facts, strict=True)
            ):
                updates.append({"b_id": before.id, **dict(zip(_COLUMNS, child_facts, strict=True))})
    if inserts:
        _insert(connection, _CHILDREN, ("inspection_id", "local_id", *_COLUMNS), inserts)
    if updates:
        connection.execute(
            update(_CHILDREN)
            .where(children.id == bindparam("b_id"))
            .values({c: bindparam(c) for c in _COLUMNS}),
            updates,
        )
    ids: dict[object, int] = {local_id: row.id for local_id, row in existing.items()}
    if inserts:
        query = "SELECT local_id, id FROM children WHERE inspection_id = ?"
        ids = dict(_fetch(connection, query, inspection_id))
    if each_new_once:
        child_of_row: list[int | None] = list(map(ids.__getitem__, local_ids))
    else:
        child_of_row = [
            ids[local_id] if isinstance(local_id, str) and local_id else None
            for local_id in local_ids
        ]
    return child_of_row, len(inserts), len(updates)


def _columns(values: Sequence[Mapping[str, object]], names: Sequence[str]) -> list[list[object]]:
    """``[row.get(name) for row in values]`` for each of ``names``, reading each row once."""
    if not values or len(names) < 2:
        return [list(map(methodcaller("get", name), values)) for name in names]
    try:
        picked = list(map(itemgetter(*names), values))  # rows of one list have the same fields
    except (KeyError, TypeError):
        return [list(map(methodcaller("get", name), values)) for name in names]
    return [list(column) for column in zip(*picked, strict=True)]


def _merged_facts(
    local_ids: Sequence[object], facts: Sequence[Sequence[object]], existing: Mapping[str, Any]
) -> dict[str, list[object]]:
    """Each child's facts: what is known of it, then each of its rows in turn (blank cells change
    nothing; a date of birth with no expected one means born since an earlier list said unborn)."""
    known: dict[str, list[object]] = {}
    for local_id, *row in zip(local_ids, *facts, strict=True):
        if not isinstance(local_id, str) or not local_id:
            continue
        child = known.get(local_id)
        if child is None:
            before = existing.get(local_id)
            child = known[local_id] = [getattr(before, c) if before else None for c in _COLUMNS]
        for index, value in enumerate(row):
            if value is not None:
                child[index] = value
        if row[_DATE_OF_BIRTH] is not None and row[_EXPECTED_DATE_OF_BIRTH] is None:
            child[_EXPECTED_DATE_OF_BIRTH] = None
    return known


_DATES = frozenset({_DATE_OF_BIRTH, _EXPECTED_DATE_OF_BIRTH})


def _stored_column(index: int, column: list[object]) -> list[object]:
    """A column of children's facts as the driver stores it: dates as ISO text."""
    if index not in _DATES:
        return column
    return [value.isoformat() if isinstance(value, dt.date) else value for value in column]


def _stored_row(facts: Sequence[object]) -> list[object]:
    return [
        value.isoformat() if index in _DATES and isinstance(value, dt.date) else value
        for index, value in enumerate(facts)
    ]


def _json_texts(values: Sequence[Mapping[str, object]]) -> list[str]:
    """Each row's values as JSON text (dates as ISO strings), by orjson."""
    try:
        return list(map(bytes.decode, map(orjson.dumps, values)))
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, say: the standard library's way
        return [_json_text(row) for row in values]


def _json_text(values: Mapping[str, object]) -> str:
    try:
        return orjson.dumps(values).decode()
    except orjson.JSONEncodeError:
        return json.dumps(json_ready(values))


def _marks(connection: Connection, statement: str) -> str:
    """``statement`` with its ``?`` marks in the driver's own parameter style."""
    return statement if connection.dialect.paramstyle == "qmark" else statement.replace("?", "%s")


def _fetch(connection: Connection, statement: str, *parameters: object) -> Sequence[Any]:
    """The rows of a query as the driver's own tuples (thousands of them: no ``Row`` objects)."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_marks(connection, statement), parameters)
        return cursor.fetchall()
    finally:
        cursor.close()


def _insert(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """One bulk insert of ``rows`` (values as the columns store them: dates as ISO text, JSON as
    text): ``COPY`` with psycopg, the driver's ``executemany`` otherwise."""
    quote = connection.dialect.identifier_preparer.quote  # 'values' is a keyword
    names = ", ".join(quote(column) for column in columns)
    if connection.dialect.driver == "psycopg":
        driver = connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["?"] * len(columns))
    statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
    connection.exec_driver_sql(_marks(connection, statement), list(rows))
