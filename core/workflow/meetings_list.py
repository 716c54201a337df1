"""Meetings from the meetings list: an accepted Annex A meetings list (seed 003 para 14) becomes
the fieldwork week's ``Meeting`` records, so inspectors need not type them in again.

- Each row makes one meeting, linked to the row it came from (``list_row_number``, and
  ``list_row_id`` while the list is current): its type from the lead inspectorate's meeting-type
  codes, its date and time (London), its venue, and the children it names that are children of the
  inspection. A row that cannot make a meeting (no time that reads as one, a time outside the
  fieldwork week) is reported as a QUERY on the list, as is a child ID the inspection does not know.
- A replaced list updates the meetings it describes again: a row keeps the meeting of the same
  type and time, else the meeting of its row number; the meetings of rows no longer on it are
  removed (kept, marked removed).
- A meeting that was changed or removed by hand (``edited_at``) is never overwritten: when the new
  list says something else for its row, the conflict is reported as a QUERY on the list.

Core finds the meetings list, and the meeting types, through one function each
(:func:`meetings_list`, :func:`core.workflow.fieldwork.meeting_types`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contributions import FieldRole, ListRole, ListSpec
from core.lists import Problem, Severity
from core.models import Child, Inspection, ListQuery, ListRow, ListUpload, Meeting
from core.registry import Registry, field_with_role
from core.timetable import LONDON
from core.workflow.fieldwork import MAX_VENUE, meeting_types
from core.workflow.list_problems import summarise, summary_json
from core.workflow.rules import check_in_fieldwork_week

_TIME = re.compile(r"(\d{1,2})(?:[:.h]?(\d{2}))?\s*(am|pm)?", re.IGNORECASE)
_CHILD_IDS = re.compile(r"[,;\s]+")


def meetings_list(registry: Registry, framework: str) -> ListSpec | None:
    """The list spec of the framework's meetings list, if it asks for one."""
    return registry.list_with_role(framework, ListRole.MEETINGS)


@dataclass
class MeetingsFromList:
    """What a meetings list did to the meetings, and the QUERY problems it raised."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    queries: list[Problem] = field(default_factory=list)

    @property
    def touched(self) -> list[int]:
        return sorted({*self.created, *self.updated, *self.removed})


@dataclass(frozen=True, slots=True)
class _Described:
    """The meeting a row describes."""

    meeting_type: str
    starts_at: dt.datetime
    venue: str | None
    child_ids: list[int]


def read_time(text: str) -> dt.time | None:
    """A time of day as lists write it: '10:00', '9.30', '1430', '2pm', '2:30 pm'."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _label(spec: ListSpec, name: str) -> str | None:
    return next((f.label for f in spec.fields if f.name == name), None)


def _query(spec: ListSpec, row: ListRow, code: str, message: str, name: str | None) -> Problem:
    value = row.values.get(name) if name else None
    return Problem(
        Severity.QUERY,
        code,
        f"Row {row.row_number}: {message}",
        row=row.row_number,
        column=_label(spec, name) if name else None,
        value=None if value is None else str(value)[:200],
        field=name,
    )


def _field_name(spec: ListSpec, role: FieldRole) -> str | None:
    """The name of the meetings list's field core reads for ``role`` (the registry checks each
    required role has one)."""
    found = field_with_role(spec, role)
    return found.name if found else None


def _value(values: dict[str, Any], name: str | None) -> Any:
    return values.get(name) if name else None


def _describe(
    spec: ListSpec,
    registry: Registry,
    inspection: Inspection,
    row: ListRow,
    children: dict[str, int],
    queries: list[Problem],
) -> _Described | None:
    values: dict[str, Any] = row.values
    kind, date, time_of_day, named_children, place = (
        _field_name(spec, role)
        for role in (
            FieldRole.MEETING_TYPE,
            FieldRole.MEETING_DATE,
            FieldRole.MEETING_TIME,
            FieldRole.MEETING_CHILDREN,
            FieldRole.MEETING_VENUE,
        )
    )
    code_set = meeting_types(registry, inspection.framework)
    codes = {c.code for c in code_set.codes} if code_set else set()
    meeting_type = _value(values, kind)
    if meeting_type not in codes:
        queries.append(
            _query(spec, row, "meeting_not_made", "no meeting type: no meeting made.", kind)
        )
        return None
    day = dt.date.fromisoformat(str(_value(values, date)))
    time = read_time(str(_value(values, time_of_day) or ""))
    if time is None:
        queries.append(
            _query(
                spec,
                row,
                "meeting_not_made",
                "the time does not read as a time of day (e.g. 10:00, 2pm): no meeting made. "
                "Correct it in the list, or add the meeting by hand.",
                time_of_day,
            )
        )
        return None
    starts_at = dt.datetime.combine(day, time, tzinfo=LONDON)
    outside = check_in_fieldwork_week(date or "meeting_date", starts_at, inspection, "The meeting")
    if outside:
        queries.append(
            _query(
                spec,
                row,
                "meeting_not_made",
                f"{outside[0].message} No meeting made.",
                date,
            )
        )
        return None
    named = [t for t in _CHILD_IDS.split(str(_value(values, named_children) or "")) if t]
    unknown = [t for t in named if t not in children]
    if unknown:
        queries.append(
            _query(
                spec,
                row,
                "meeting_child_not_found",
                f"{', '.join(unknown[:5])} {'is' if len(unknown) == 1 else 'are'} not a child "
                f"of {inspection.reference}: the meeting was made without "
                f"{'it' if len(unknown) == 1 else 'them'}.",
                named_children,
            )
        )
    venue = str(_value(values, place) or "").strip()[:MAX_VENUE] or None
    child_ids = list(dict.fromkeys(children[t] for t in named if t in children))
    return _Described(str(meeting_type), starts_at.astimezone(dt.UTC), venue, child_ids)


def _as_described(meeting: Meeting) -> _Described:
    return _Described(
        meeting.meeting_type,
        meeting.starts_at.astimezone(dt.UTC),
        meeting.venue,
        list(meeting.child_ids),
    )


def make_meetings(
    session: Session,
    registry: Registry,
    spec: ListSpec,
    upload: ListUpload,
    now: dt.datetime,
) -> MeetingsFromList:
    """Create, update and remove the meetings the accepted meetings list ``upload`` describes."""
    inspection = session.get_one(Inspection, upload.inspection_id)
    done = MeetingsFromList()
    rows = list(
        session.scalars(
            select(ListRow).where(ListRow.upload_id == upload.id).order_by(ListRow.row_number)
        )
    )
    statement = select(Child.local_id, Child.id).where(Child.inspection_id == inspection.id)
    children: dict[str, int] = {row.local_id: row.id for row in session.execute(statement)}
    unmatched = list(
        session.scalars(
            select(Meeting)
            .where(Meeting.inspection_id == inspection.id, Meeting.list_row_number.is_not(None))
            .order_by(Meeting.id)
        )
    )
    described = [
        (row, _describe(spec, registry, inspection, row, children, done.queries)) for row in rows
    ]
    # A row keeps the meeting of the same type and time (rows move when lines are added or
    # removed), else the meeting of its row number, else makes a new one.
    matched: dict[int, Meeting] = {}
    for row, wanted in described:
        if wanted is None:
            continue
        found = next(
            (
                m
                for m in unmatched
                if (m.meeting_type, m.starts_at.astimezone(dt.UTC))
                == (wanted.meeting_type, wanted.starts_at)
            ),
            None,
        )
        if found is not None:
            matched[row.id] = found
            unmatched.remove(found)
    for row, _ in described:
        if row.id not in matched:
            found = next((m for m in unmatched if m.list_row_number == row.row_number), None)
            if found is not None:
                matched[row.id] = found
                unmatched.remove(found)
    for row, wanted in described:
        meeting = matched.get(row.id)
        if meeting is not None and meeting.edited_at is not None:
            meeting.list_row_id = row.id
            if meeting.removed_at is not None or wanted != _as_described(meeting):
                done.queries.append(_conflict(spec, row, meeting))
            continue
        if wanted is None:
            if meeting is not None and meeting.removed_at is None:
                meeting.removed_at = now
                done.removed.append(meeting.id)
            continue
        if meeting is None:
            meeting = Meeting(inspection_id=inspection.id)
            session.add(meeting)
            _apply(meeting, wanted, row)
            session.flush()
            done.created.append(meeting.id)
        elif wanted != _as_described(meeting) or meeting.removed_at is not None:
            _apply(meeting, wanted, row)
            done.updated.append(meeting.id)
        else:
            meeting.list_row_id = row.id
            meeting.list_row_number = row.row_number
    for meeting in unmatched:
        number = meeting.list_row_number
        if meeting.edited_at is None and meeting.removed_at is None:
            meeting.removed_at = now
            done.removed.append(meeting.id)
        elif meeting.removed_at is None:
            done.queries.append(
                Problem(
                    Severity.QUERY,
                    "meeting_edited_by_hand",
                    f"The meeting made from row {number} of the earlier list was changed by hand "
                    "and the new list has no such row: it is kept as it is. Remove it by hand "
                    "(removeMeeting) if it no longer takes place.",
                    row=None,
                )
            )
    session.flush()
    return done


def _apply(meeting: Meeting, described: _Described, row: ListRow) -> None:
    meeting.meeting_type = described.meeting_type
    meeting.starts_at = described.starts_at
    meeting.venue = described.venue
    meeting.child_ids = described.child_ids
    meeting.list_row_id = row.id
    meeting.list_row_number = row.row_number
    meeting.removed_at = None


def _conflict(spec: ListSpec, row: ListRow, meeting: Meeting) -> Problem:
    assert meeting.edited_at is not None
    done = "removed" if meeting.removed_at is not None else "changed"
    return _query(
        spec,
        row,
        "meeting_edited_by_hand",
        f"the meeting made from this row was {done} by hand on "
        f"{meeting.edited_at:%Y-%m-%d %H:%M} UTC, so the list's values for it were not applied. "
        "Check which is right, and change the meeting by hand (updateMeeting) if the list is.",
        None,
    )


def add_list_queries(
    session: Session,
    upload: ListUpload,
    earlier: Sequence[Problem],
    new: Sequence[Problem],
    max_queries: int,
) -> None:
    """Keep ``new`` QUERY problems with the list, after the ``earlier`` ones (within the same
    ``max_queries``), and count them in its summary."""
    if not new:
        return
    room = max(0, max_queries - min(len(earlier), max_queries))
    session.add_all(
        ListQuery(
            upload_id=upload.id,
            code=q.code,
            message=q.message,
            row_number=q.row,
            column_header=q.column,
            value=q.value,
            field=q.field,
        )
        for q in new[:room]
    )
    upload.query_summary = summary_json(summarise([*earlier, *new], max_queries))
    session.flush()
