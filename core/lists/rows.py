"""The row rules: each data row read cell by cell, then checked as a whole.

A list is thousands of rows, nearly all of them plain, so :meth:`RowChecker.check` first reads the
rows a column at a time (each distinct cell once, text stripped and DD/MM/YYYY dates parsed in
bulk) and flags every row that might have a problem; the flagged rows, and only those, are then
read one by one with every rule. The rows and problems are exactly those of reading every row one
by one (``tests/core/test_lists_bulk.py`` compares the two on random lists).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from itertools import compress, count, islice, repeat
from operator import and_, is_, is_not, itemgetter, le, lt
from typing import Any, cast

from core.contributions import FieldRule, FieldType, ListField, ListSpec
from core.lists.files import Cell
from core.lists.result import ListImport, ParsedRow, Problem, Severity
from core.lists.values import (
    BLANK_TEXTS,
    EXCEL_ERRORS,
    UNBORN_AGE,
    Invalid,
    Read,
    cell_text,
    read_uk_dates,
)

ERROR = Severity.ERROR
QUERY = Severity.QUERY

# A stated age agrees with the date of birth if it is the child's age on a day from a month before
# the list's date (an age field refreshed monthly) to two weeks after it (a list extracted by its
# deadline, up to day seven of the inspection, with ages worked out that day).
AGE_GRACE = dt.timedelta(days=31)
AGE_AFTER = dt.timedelta(days=14)
# An unborn child may be up to two weeks past its due date (pregnancies run to 42 weeks before
# labour is induced); further back it has surely been born, and the row is refused.
EXPECTED_DOB_OVERDUE = dt.timedelta(days=14)
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

    __slots__ = (
        "_age",
        "_as_of",
        "_columns",
        "_dob",
        "_edd",
        "_first_rows",
        "_id_column",
        "_names",
        "_result",
    )

    def __init__(
        self, spec: ListSpec, columns: list[Column], result: ListImport, as_of: dt.date
    ) -> None:
        self._columns = columns
        self._result = result
        self._as_of = as_of
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
        self._id_column = by_field.get(CHILD_ID)
        self._first_rows: dict[str, int] = {}  # each child ID's first row, as rows are read

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
        """Read ``rows[start:]``: column by column where every row is plain, row by row elsewhere.

        The rows are first read a column at a time, each distinct cell once (:class:`_Outcomes`),
        with checks that flag, never decide: a blank required cell, an unreadable one, a date of
        birth in the future, an expected date of birth, an age that disagrees with the date of
        birth, a child ID seen before, a short row. A row with no flag cannot have a problem and
        its values are those read; every flagged row is read again by :meth:`_check_one`, the rules
        in full, in row order, so the problems are the same as reading every row that way.
        """
        data = rows[start:]
        total = len(data)
        if not total:
            return
        if not self._columns:
            for position in range(total):
                self._check_one(start + position, rows[start + position])
            return
        plan = self._plan()
        width = max(column.index for column in self._columns) + 1
        short: list[int] = []
        if min(map(len, data)) < width:
            short = [position for position, length in enumerate(map(len, data)) if length < width]
            data = list(data)
            for position in short:  # read as its missing cells are: None
                data[position] = [*data[position], *[None] * (width - len(data[position]))]
        if max(map(len, data)) > width:  # cells right of the last column read: not wanted here
            data = [row[:width] for row in data]
        flagged: set[int] = set(short)
        by_name: dict[str, list[object]] = {}
        cells_by_column = list(zip(*data, strict=True))  # every row is now ``width`` wide
        for column, outcomes in plan:
            values = _read_column(column, outcomes, cells_by_column[column.index])
            by_name[column.field.name] = values
            if outcomes.flagged:
                flagged.update(compress(count(), map(is_, values, repeat(_FLAG))))
        if self._dob is not None and self._age is not None:
            dobs = by_name[self._dob.field.name]
            ages = by_name[self._age.field.name]
            flagged.update(_age_disagrees(dobs, ages, self._as_of))
        if (id_column := self._id_column) is not None:
            flagged.update(self._repeated_ids(by_name[id_column.field.name], start))
        columns: list[Iterable[object]] = [by_name.get(name, _NONE) for name in self._names]
        self._assemble(rows, start, total, columns, sorted(flagged))

    def _plan(self) -> list[tuple[Column, _Outcomes]]:
        dob, edd = self._dob, self._edd
        return [
            (
                column,
                _Outcomes(
                    column,
                    flag_blank=column.field.required,
                    flag_given=column is edd,
                    latest=self._as_of if column is dob else None,
                ),
            )
            for column in self._columns
        ]

    def _repeated_ids(self, ids: list[object], start: int) -> list[int]:
        """The positions of rows whose child ID an earlier row has; notes every ID's first row."""
        if set(map(type, ids)) == {str}:
            texts = ids
        else:
            texts = [child_id for child_id in ids if isinstance(child_id, str)]
        if len(set(texts)) == len(texts):
            return []
        first = self._first_rows
        repeated = []
        for position, child_id in enumerate(ids):
            if isinstance(child_id, str):
                row = start + position + 1
                if first.setdefault(child_id, row) != row:
                    repeated.append(position)
        return repeated

    def _assemble(
        self,
        rows: Sequence[Sequence[Cell]],
        start: int,
        total: int,
        columns: list[Iterable[object]],
        flagged: list[int],
    ) -> None:
        """The ``total`` rows from ``rows[start]`` on: plain ones straight from the ``columns`` of
        their values (one per field of the spec), flagged ones read again with every rule."""
        parsed_rows = self._result.rows
        built = map(_row_builder(self._names), count(start + 1), *columns)
        done = 0
        for position in (*flagged, total):
            if position > done:
                parsed_rows.extend(islice(built, position - done))
            if position < total:
                next(built)
                self._check_one(start + position, rows[start + position])
            done = position + 1

    def _check_one(self, index: int, cells: Sequence[Cell]) -> None:
        """Read one row with every rule: its values into ``result.rows``, its problems after."""
        if not any(non_blank(cell) for cell in cells):
            return
        width = len(cells)
        row = index + 1
        values: dict[str, object] = dict.fromkeys(self._names)
        blanks: list[tuple[Column, Cell]] = []
        for column in self._columns:
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
        if self._columns and len(blanks) == len(self._columns):
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
            return
        self._check_row(row, cells, values, blanks)
        id_column = self._id_column
        if id_column is not None and isinstance(child_id := values[CHILD_ID], str):
            first = self._first_rows.setdefault(child_id, row)
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
        self._result.rows.append(ParsedRow(row, values))

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
        as_of = self._as_of
        on = f"{as_of:%d/%m/%Y}, the date the list is for"
        # Given, even if unreadable: an unborn child is not also missing a date of birth, nor
        # (for a date of birth after the list's date) an age.
        edd_given = edd_column is not None and edd_column.field.name not in blank_fields
        dob_blank = dob_column is None or dob_column.field.name in blank_fields
        dob_future = isinstance(dob, dt.date) and dob > as_of
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
        if age is UNBORN_AGE and age_column is not None:
            values[age_column.field.name] = None  # -1 says 'unborn'; it is no age
            if not unborn and isinstance(dob, dt.date):
                self._problem(
                    QUERY,
                    "unborn_age_with_date_of_birth",
                    row,
                    age_column,
                    cell_text(_cell(cells, age_column)),
                    f"age -1 marks an unborn child, but the child was born on {dob:%d/%m/%Y}. "
                    "Give the child's age.",
                )
            elif not unborn:
                where = f" in '{edd_column.header}'" if edd_column is not None else ""
                self._problem(
                    QUERY,
                    "unborn_age_without_expected_date_of_birth",
                    row,
                    age_column,
                    cell_text(_cell(cells, age_column)),
                    "age -1 marks an unborn child, but the row gives no expected date of "
                    f"birth{where}. Give the expected date of birth, or the child's age.",
                )
        if isinstance(dob, dt.date) and dob_column is not None:
            if dob_future:
                where = (
                    f" and give the expected date of birth in '{edd_column.header}'"
                    if edd_column is not None and not edd_given
                    else ""
                )
                self._problem(
                    ERROR,
                    "future_date_of_birth",
                    row,
                    dob_column,
                    cell_text(_cell(cells, dob_column)),
                    f"date of birth {dob:%d/%m/%Y} is after {on} (the inspection's notification "
                    f"date). If the child is unborn, leave it blank{where}.",
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
            if isinstance(age, int) and age_column is not None and not dob_future:
                possible = {_age(dob, as_of - AGE_GRACE), _age(dob, as_of + AGE_AFTER)}
                if not min(possible) <= age <= max(possible):
                    self._problem(
                        QUERY,
                        "age_mismatch",
                        row,
                        age_column,
                        cell_text(_cell(cells, age_column)),
                        f"age {age} does not agree with the date of birth {dob:%d/%m/%Y}: the "
                        f"child is {_age(dob, as_of)} on {on}.",
                    )
        if unborn and not dob_future and isinstance(edd, dt.date) and edd_column is not None:
            written = cell_text(_cell(cells, edd_column))
            if edd < as_of - EXPECTED_DOB_OVERDUE:
                self._problem(
                    ERROR,
                    "expected_date_of_birth_past",
                    row,
                    edd_column,
                    written,
                    f"the expected date of birth {edd:%d/%m/%Y} is more than two weeks before "
                    f"{on}: the child has surely been born. Give the date of birth and age "
                    "instead.",
                )
            elif edd > as_of + EXPECTED_DOB_AHEAD:
                self._problem(
                    QUERY,
                    "expected_date_of_birth_far",
                    row,
                    edd_column,
                    written,
                    f"the expected date of birth {edd:%d/%m/%Y} is more than ten months after "
                    f"{on}. Check the date.",
                )
            if isinstance(age, int) and age != 0 and age_column is not None:
                self._problem(
                    QUERY,
                    "age_of_unborn_child",
                    row,
                    age_column,
                    cell_text(_cell(cells, age_column)),
                    f"an age of {age} is given for an unborn child. Leave it blank, or write 0 "
                    "or -1.",
                )


_MISSING = object()
_FLAG = object()  # in a column read in bulk: this row needs every rule (RowChecker._check_one)
_NONE = repeat(None)  # the values of a field the file has no column for
_BOOLEAN_LIKE = frozenset({0, 1})  # 0 == 0.0 == False and 1 == 1.0 == True, but read apart


class _Outcomes(dict[Cell, object]):
    """One column's cells read once each: the value, ``None`` (blank, allowed) or ``_FLAG``.

    A cell is flagged when it is unreadable, blank in a required column, a date of birth after
    ``latest``, or any non-blank expected date of birth (``flag_given``): the row rules then
    decide. ``flagged`` tells whether any cell was.
    """

    __slots__ = ("_column", "_flag_blank", "_latest", "flag_given", "flagged")

    def __init__(
        self, column: Column, *, flag_blank: bool, flag_given: bool, latest: dt.date | None
    ) -> None:
        super().__init__()
        self._column = column
        self._flag_blank = flag_blank
        self._latest = latest
        self.flag_given = flag_given
        self.flagged = False

    @property
    def blank_outcome(self) -> object:
        """What a blank cell reads as (and notes it as flagged if it is)."""
        if self._flag_blank:
            self.flagged = True
            return _FLAG
        return None

    def __missing__(self, cell: Cell) -> object:
        value = RowChecker._read(self._column, cell)
        outcome: object = value
        if value is None:
            outcome = self.blank_outcome
        elif (
            self.flag_given
            or isinstance(value, Invalid)
            or value is UNBORN_AGE
            or (self._latest is not None and isinstance(value, dt.date) and value > self._latest)
        ):
            outcome = _FLAG
            self.flagged = True
        if isinstance(cell, str) or cell not in _BOOLEAN_LIKE:
            self[cell] = outcome
        return outcome

    def add_uk_dates(self, cells: Iterable[Cell]) -> None:
        """Read the distinct DD/MM/YYYY cells of a date column together, as ``__missing__``
        would one by one."""
        if self.flag_given:
            return
        texts = [
            cell
            for cell in set(cells)
            if type(cell) is str and len(cell) == 10 and cell[2] == "/" == cell[5]
        ]  # shaped DD/MM/YYYY
        days = read_uk_dates(texts)
        if not days:
            return
        latest = self._latest
        if latest is not None and max(days) > latest:
            self.flagged = True
            self.update(zip(texts, [_FLAG if day > latest else day for day in days], strict=True))
        else:
            self.update(zip(texts, days, strict=True))


def _read_column(column: Column, outcomes: _Outcomes, cells: Sequence[Cell]) -> list[object]:
    """One column's values (``_FLAG`` where its row needs every rule), read in bulk.

    Text columns holding only text are stripped in one go, their empty cells blank; date columns
    read their DD/MM/YYYY cells together. Whatever else they hold is read cell by cell, once for
    each distinct cell (:class:`_Outcomes`).
    """
    kind = column.field.type
    if kind is FieldType.TEXT and not outcomes.flag_given and set(map(type, cells)) == {str}:
        stripped: list[object] = list(map(str.strip, cast(Sequence[str], cells)))
        texts = cast(list[str], stripped)
        distinct = set(texts)
        blank = BLANK_TEXTS.intersection(map(str.casefold, distinct))
        if blank <= {""} and EXCEL_ERRORS.isdisjoint(distinct):
            if not blank:
                return stripped  # what _read_text gives for each: the text, stripped
            outcome = outcomes.blank_outcome
            return list(map({"": outcome}.get, texts, texts))
    if kind is FieldType.DATE:
        outcomes.add_uk_dates(cells)
    return list(map(outcomes.__getitem__, cells))


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier; 28 February for 29 February in a common year."""
    year = day.year - years
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return day.replace(year=year)


def _age_disagrees(dobs: list[object], ages: list[object], as_of: dt.date) -> Iterable[int]:
    """The positions where a stated age may disagree with the date of birth (see ``_age``).

    An age ``a`` agrees when it is the age on a day from ``as_of - AGE_GRACE`` to
    ``as_of + AGE_AFTER``, that is when the child was born after ``a + 1`` years before the first
    and on or before ``a`` years before the last. Rows whose date of birth or age is not a plain
    value come back too; the row rules decide.
    """
    bounds: dict[object, tuple[dt.date, dt.date]] = {}
    for age in set(ages):
        if age is None:
            bounds[age] = (dt.date.min, dt.date.max)  # no age stated: nothing to disagree with
            continue
        try:
            if not isinstance(age, int) or isinstance(age, bool):
                raise ValueError
            after = _years_before(as_of - AGE_GRACE, age + 1)
            on_or_before = _years_before(as_of + AGE_AFTER, age)
        except (ValueError, OverflowError):
            after, on_or_before = dt.date.max, dt.date.min  # never agrees here: checked in full
        bounds[age] = (after, on_or_before)
    days = cast(list[dt.date], list(map(_NOT_A_DAY.get, dobs, dobs)))
    lows: Iterable[dt.date] = map(itemgetter(0), map(bounds.__getitem__, ages))
    highs: Iterable[dt.date] = map(itemgetter(1), map(bounds.__getitem__, ages))
    agree = list(map(and_, map(lt, lows, days), map(le, days, highs)))
    if False not in agree:
        return ()
    return compress(count(), map(is_not, agree, repeat(True)))


_NOT_A_DAY: dict[object, dt.date] = {None: dt.date.min, _FLAG: dt.date.min}


@lru_cache(maxsize=64)
def _row_builder(names: tuple[str, ...]) -> Callable[..., ParsedRow]:
    """``build(row_number, *values) -> ParsedRow`` with ``values`` under ``names``, in order.

    Generated once per list spec, as ``dataclasses`` generates ``__init__``: a dict display with
    constant keys is built at its full size, twice as fast as ``dict(zip(names, values))``.
    """
    arguments = [f"value_{index}" for index in range(len(names))]
    items = ", ".join(f"{name!r}: {value}" for name, value in zip(names, arguments, strict=True))
    source = (
        f"def build(row_number, {', '.join(arguments)}):\n"
        f"    return ParsedRow(row_number, {{{items}}})\n"
    )
    namespace: dict[str, Any] = {"ParsedRow": ParsedRow}
    exec(source, namespace)
    return cast(Callable[..., ParsedRow], namespace["build"])


def _cell(cells: Sequence[Cell], column: Column) -> Cell:
    return cells[column.index] if column.index < len(cells) else None


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
