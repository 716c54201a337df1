"""Recording an accepted Annex A list: its children, its rows, and the request it answers.

``core.lists.read_list`` decides whether a file is acceptable; this module stores one that is, in
the caller's transaction, with a fixed number of statements however long the list is:

- each row's child is recorded once per inspection by the local authority's unique ID (the list
  field ``child_id``). A child on several lists, or twice on one, stays one ``Child`` row with one
  id, so children already selected or tracked keep theirs. The child's gender, ethnicity, dates of
  birth, disability and domestic-abuse flag are updated from the list where the list gives them;
  a blank cell keeps what is known. An unborn child has an expected date of birth and no date of
  birth; a row giving a date of birth (and no expected one) records the child as born.
- the list is stored as a ``ListUpload`` (with its QUERY problems, for the inspector) and one
  ``ListRow`` per row, with JSON-ready values (dates as ISO strings).
- a new list for the same request replaces the rows of the one before (the earlier upload stays,
  as history); the request is marked received when its first list arrives.

Lists with no child ID column (the fieldwork week's meetings) keep their rows with no child.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core.contributions import ListSpec
from core.lists import ListImport, ParsedRow, Problem, Severity
from core.models import Child, IssuedRequest, ListRow, ListUpload

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
_COLUMNS = (
    "gender",
    "ethnicity",
    "date_of_birth",
    "expected_date_of_birth",
    "has_disability",
    "lives_with_domestic_abuse",
)


@dataclass(frozen=True, slots=True)
class RecordedList:
    upload: ListUpload
    child_ids: list[int]  # the children on the list, each once
    children_added: int
    children_updated: int


def storage_problems(spec: ListSpec, result: ListImport) -> list[Problem]:
    """ERRORs that the validator does not know of but storing would hit: over-long child IDs."""
    if not any(f.name == CHILD_ID_FIELD for f in spec.fields):
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


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "severity": problem.severity.value,
        "code": problem.code,
        "message": problem.message,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "field": problem.field,
    }


def problem_from_json(data: Mapping[str, Any]) -> Problem:
    return Problem(
        severity=Severity(data["severity"]),
        code=data["code"],
        message=data["message"],
        row=data.get("row"),
        column=data.get("column"),
        value=data.get("value"),
        field=data.get("field"),
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
) -> RecordedList:
    """Store an accepted list in the session's transaction (see the module docstring)."""
    if not result.accepted:
        raise ValueError("only an accepted list is recorded")
    has_children = any(f.name == CHILD_ID_FIELD for f in spec.fields)
    child_of_row: dict[int, int] = {}
    added = updated = 0
    if has_children:
        child_of_row, added, updated = _record_children(session, request.inspection_id, result.rows)
    earlier = select(ListUpload.id).where(ListUpload.request_id == request.id)
    session.execute(delete(ListRow).where(ListRow.upload_id.in_(earlier)))
    upload = ListUpload(
        inspection_id=request.inspection_id,
        request_id=request.id,
        list_code=spec.code,
        filename=filename,
        sha256=sha256,
        row_count=len(result.rows),
        queries=[problem_json(p) for p in result.queries],
        uploaded_at=received_at,
    )
    session.add(upload)
    session.flush()
    if result.rows:
        session.execute(
            insert(ListRow),
            [
                {
                    "inspection_id": request.inspection_id,
                    "child_id": child_of_row.get(row.row_number),
                    "upload_id": upload.id,
                    "list_code": spec.code,
                    "row_number": row.row_number,
                    "values": json_ready(row.values),
                }
                for row in result.rows
            ],
        )
    if request.received_at is None:
        request.received_at = received_at
    session.flush()
    return RecordedList(
        upload=upload,
        child_ids=sorted(set(child_of_row.values())),
        children_added=added,
        children_updated=updated,
    )


def _record_children(
    session: Session, inspection_id: int, rows: Iterable[ParsedRow]
) -> tuple[dict[int, int], int, int]:
    """Insert the new children and update the known ones, in bulk; map row numbers to child ids."""
    existing = {
        row.local_id: row
        for row in session.execute(
            select(Child.id, Child.local_id, *(getattr(Child, c) for c in _COLUMNS)).where(
                Child.inspection_id == inspection_id
            )
        )
    }
    facts: dict[str, dict[str, object]] = {}
    local_of_row: dict[int, str] = {}
    for row in rows:
        local_id = row.values.get(CHILD_ID_FIELD)
        if not isinstance(local_id, str) or not local_id:
            continue
        local_of_row[row.row_number] = local_id
        known = facts.get(local_id)
        if known is None:
            before = existing.get(local_id)
            known = {c: getattr(before, c) if before else None for c in _COLUMNS}
            facts[local_id] = known
        _merge(known, row.values)
    inserts = [
        {"inspection_id": inspection_id, "local_id": local_id, **values}
        for local_id, values in facts.items()
        if local_id not in existing
    ]
    updates = [
        {"id": existing[local_id].id, **values}
        for local_id, values in facts.items()
        if local_id in existing
        and any(getattr(existing[local_id], c) != values[c] for c in _COLUMNS)
    ]
    if inserts:
        session.execute(insert(Child), inserts)
    if updates:
        session.execute(update(Child), updates)
    ids = {local_id: row.id for local_id, row in existing.items()}
    if inserts:
        recorded = session.execute(
            select(Child.local_id, Child.id).where(Child.inspection_id == inspection_id)
        ).all()
        ids = dict(recorded)
    return (
        {number: ids[local_id] for number, local_id in local_of_row.items()},
        len(inserts),
        len(updates),
    )


def _merge(known: dict[str, object], values: Mapping[str, object]) -> None:
    """Fold one row's facts into what is known of the child; blank cells change nothing."""
    for list_field, column in CHILD_FACTS.items():
        value = values.get(list_field)
        if value is not None:
            known[column] = value
    if values.get("date_of_birth") is not None and values.get("expected_date_of_birth") is None:
        known["expected_date_of_birth"] = None  # born since an earlier list said unborn
