"""The row rules: each data row read cell by cell, then checked as a whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from core.contributions import FieldRule, FieldType, ListField, ListSpec
from core.lists.files import Cell
from core.lists.result import ListImport, ParsedRow, Problem, Severity
from core.lists.values import BLANK_TEXTS, EXCEL_ERRORS, Invalid, Read, cell_text

ERROR = Severity.ERROR
QUERY = Severity.QUERY

AGE_GRACE = dt.timedelta(days=31)  # an age worked out at extraction up to a month ago still agrees
EXPECTED_DOB_PAST = dt.timedelta(days=31)
EXPECTED_DOB_AHEAD = dt.timedelta(days=300)  # a pregnancy lasts about 280 days
CHILD_ID = "child_id"


def non_blank(cell: Cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


@dataclass(slots=True)
class Column:
    index: int
    header: str
    field: ListField
    read: Read
    cache: dict[object, object] = dataclass_field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Roles:
    """The fields the row rules are about, found by their rule and type."""

    date_of_birth: ListField | None
    expected_date_of_birth: ListField | None
    age: ListField | None

    @classmethod
    def of(cls, spec: ListSpec) -> _Roles:
        def find(rule: FieldRule, kind: FieldType) -> ListField | None:
            return next((f for f in spec.fields if f.rule is rule and f.type is kind), None)

        return cls(
            date_of_birth=find(FieldRule.REQUIRED_UNLESS_UNBORN, FieldType.DATE),
            expected_date_of_birth=find(FieldRule.ONLY_WHEN_UNBORN, FieldType.DATE),
            age=find(FieldRule.REQUIRED_UNLESS_UNBORN, FieldType.INTEGER),
        )


class RowChecker:
    """Reads the data rows into ``result.rows`` and their problems into ``result.problems``."""

    __slots__ = ("_age", "_columns", "_dob", "_edd", "_names", "_result", "_today")

    def __init__(
        self, spec: ListSpec, columns: list[Column], result: ListImport, today: dt.date
    ) -> None:
        self._columns = columns
        self._result = result
        self._today = today
        self._names = tuple(f.name for f in spec.fields)
        roles = _Roles.of(spec)
        by_field = {column.field.name: column for column in columns}
        self._dob = by_field.get(roles.date_of_birth.name) if roles.date_of_birth else None
        self._edd = (
            by_field.get(roles.expected_date_of_birth.name)
            if roles.expected_date_of_birth
            else None
        )
        self._age = by_field.get(roles.age.name) if roles.age else None

    def _problem(
        self,
        severity: Severity,
        code: str,
        row: int,
        column: Column,
        value: str | None,
        text: str,
    ) -> None:
        self._result.problems.append(
            Problem(
                severity,
                code,
                f"Row {row}, column '{column.header}': {text}",
                row=row,
                column=column.header,
                value=value,
                field=column.field.name,
            )
        )

    def check(self, rows: Sequence[Sequence[Cell]], start: int) -> None:
        seen_ids: dict[str, int] = {}
        id_column = next((c for c in self._columns if c.field.name == CHILD_ID), None)
        names = self._names
        columns = self._columns
        parsed_rows = self._result.rows
        for index in range(start, len(rows)):
            cells = rows[index]
            width = len(cells)
            if not any(non_blank(cell) for cell in cells):
                continue
            row = index + 1
            values: dict[str, object] = dict.fromkeys(names)
            blanks: list[tuple[Column, Cell]] = []
            for column in columns:
                cell = cells[column.index] if column.index < width else None
                key: object = cell if isinstance(cell, str) else (type(cell), cell)
                value = column.cache.get(key, _MISSING)
                if value is _MISSING:
                    value = column.cache[key] = self._read(column, cell)
                if value is None:
                    blanks.append((column, cell))
                elif isinstance(value, Invalid):
                    self._problem(ERROR, value.code, row, column, cell_text(cell), value.text)
                else:
                    values[column.field.name] = value
            if columns and len(blanks) == len(columns):
                # Values only under ignored columns: a note or a footer, not a child.
                self._result.problems.append(
                    Problem(
                        QUERY,
                        "row_ignored",
                        f"Row {row} has values only in columns that are not part of the list, so "
                        "it is ignored.",
                        row=row,
                    )
                )
                continue
            self._check_row(row, cells, values, blanks)
            if id_column is not None and isinstance(child_id := values[CHILD_ID], str):
                first = seen_ids.setdefault(child_id, row)
                if first != row:
                    self._problem(
                        QUERY,
                        "duplicate_child_id",
                        row,
                        id_column,
                        child_id,
                        f"child ID '{child_id}' is also on row {first}. Check whether this is "
                        "the same child listed twice.",
                    )
            parsed_rows.append(ParsedRow(row, values))

    @staticmethod
    def _read(column: Column, cell: Cell) -> object:
        """The cell's typed value, an :class:`Invalid`, or ``None`` when blank."""
        if cell is None:
            return None
        if isinstance(cell, str):
            text = cell.strip()
            if text.casefold() in BLANK_TEXTS:
                return None
            if text in EXCEL_ERRORS:
                return Invalid(
                    "formula_error",
                    f"the cell shows the Excel error '{text}'. Correct the formula, or paste the "
                    "column as values.",
                )
        return column.read(cell)

    def _check_row(
        self,
        row: int,
        cells: Sequence[Cell],
        values: dict[str, object],
        blanks: list[tuple[Column, Cell]],
    ) -> None:
        dob_column, edd_column, age_column = self._dob, self._edd, self._age
        blank_fields = {column.field.name for column, _ in blanks}
        dob = values[dob_column.field.name] if dob_column else None
        edd = values[edd_column.field.name] if edd_column else None
        age = values[age_column.field.name] if age_column else None
        today = self._today
        # Given, even if unreadable: an unborn child is not also missing a date of birth. A date
        # of birth in the future next to an expected one is a due date in the wrong column.
        edd_given = edd_column is not None and edd_column.field.name not in blank_fields
        dob_blank = dob_column is None or dob_column.field.name in blank_fields
        dob_future = isinstance(dob, dt.date) and dob > today
        unborn = edd_given and (dob_blank or dob_future)
        for column, cell in blanks:
            field_ = column.field
            if not field_.required or (field_.rule is FieldRule.REQUIRED_UNLESS_UNBORN and unborn):
                continue
            text = f"'{field_.label}' must not be blank."
            if field_.rule is FieldRule.REQUIRED_UNLESS_UNBORN and edd_column is not None:
                text = (
                    f"'{field_.label}' is blank. Give it or, if the child is unborn, leave it "
                    f"blank and give the expected date of birth in '{edd_column.header}'."
                )
            self._problem(ERROR, "missing_value", row, column, cell_text(cell) or None, text)
        if isinstance(dob, dt.date) and dob_column is not None:
            if dob > today:
                if edd_given and edd_column is not None:
                    self._problem(
                        QUERY,
                        "future_date_of_birth_unborn",
                        row,
                        dob_column,
                        cell_text(_cell(cells, dob_column)),
                        f"date of birth {dob:%d/%m/%Y} is in the future; with an expected date "
                        "of birth given the child is read as unborn. Leave the date of birth "
                        "blank for unborn children.",
                    )
                else:
                    where = (
                        f" and give the expected date of birth in '{edd_column.header}'"
                        if edd_column is not None
                        else ""
                    )
                    self._problem(
                        ERROR,
                        "future_date_of_birth",
                        row,
                        dob_column,
                        cell_text(_cell(cells, dob_column)),
                        f"date of birth {dob:%d/%m/%Y} is in the future. If the child is unborn, "
                        f"leave it blank{where}.",
                    )
            elif edd_given and edd_column is not None:
                self._problem(
                    QUERY,
                    "expected_date_of_birth_with_date_of_birth",
                    row,
                    edd_column,
                    cell_text(_cell(cells, edd_column)),
                    f"an expected date of birth is given for a child born on {dob:%d/%m/%Y}. "
                    "Give it only for unborn children.",
                )
            if isinstance(age, int) and age_column is not None and dob <= today:
                possible = {_age(dob, today - AGE_GRACE), _age(dob, today)}
                if age not in possible:
                    self._problem(
                        QUERY,
                        "age_mismatch",
                        row,
                        age_column,
                        cell_text(_cell(cells, age_column)),
                        f"age {age} does not agree with the date of birth {dob:%d/%m/%Y}: the "
                        f"child is {_age(dob, today)} on {today:%d/%m/%Y}.",
                    )
        if unborn and isinstance(edd, dt.date) and edd_column is not None:
            written = cell_text(_cell(cells, edd_column))
            if edd < today - EXPECTED_DOB_PAST:
                self._problem(
                    QUERY,
                    "expected_date_of_birth_past",
                    row,
                    edd_column,
                    written,
                    f"the expected date of birth {edd:%d/%m/%Y} is more than a month ago. If the "
                    "child has been born, give the date of birth instead.",
                )
            elif edd > today + EXPECTED_DOB_AHEAD:
                self._problem(
                    QUERY,
                    "expected_date_of_birth_far",
                    row,
                    edd_column,
                    written,
                    f"the expected date of birth {edd:%d/%m/%Y} is more than ten months away. "
                    "Check the date.",
                )
            if isinstance(age, int) and age != 0 and age_column is not None:
                self._problem(
                    QUERY,
                    "age_of_unborn_child",
                    row,
                    age_column,
                    cell_text(_cell(cells, age_column)),
                    f"an age of {age} is given for an unborn child. Leave it blank or write 0.",
                )


_MISSING = object()


def _cell(cells: Sequence[Cell], column: Column) -> Cell:
    return cells[column.index] if column.index < len(cells) else None


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
