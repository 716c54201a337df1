"""core.lists reads plain rows in bulk, column by column, and every other row one by one: the two
ways must give the same rows and the same problems, in the same order, as reading every row one by
one (what ``RowChecker._check_one`` does). Random lists full of awkward cells, as CSV and as XLSX,
are read both ways and compared whole."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Sequence

import openpyxl
import pytest

from core.contributions import CodeSet, FieldRule, FieldType, ListField, ListSpec
from core.lists import ListImport, read_list
from core.lists.files import Cell
from core.lists.rows import AGE_AFTER, AGE_GRACE, RowChecker, _age, _age_disagrees
from plugins.ofsted.code_sets import CODE_SETS
from plugins.ofsted.requests import (
    ASSESSMENTS,
    CHILD_PROTECTION_PLANS,
    CHILDREN_IN_NEED,
    EARLY_HELP,
    MEETINGS,
    SELECTED_CHILDREN,
)

CODES: dict[str, CodeSet] = {code_set.code: code_set for code_set in CODE_SETS}
SPECS = (CHILDREN_IN_NEED, CHILD_PROTECTION_PLANS, SELECTED_CHILDREN, EARLY_HELP, ASSESSMENTS)
DAYS = (dt.date(2024, 4, 15), dt.date(2024, 2, 29), dt.date(2023, 3, 1), dt.date(2016, 10, 11))
ODD = ("", " ", "N/A", "-", "null", "NONE", "#N/A", "#REF!", " x ")


def outcome(result: ListImport) -> tuple[object, ...]:
    problems = [
        (p.severity, p.code, p.message, p.row, p.column, p.value, p.field) for p in result.problems
    ]
    rows = [(row.row_number, list(row.values.items())) for row in result.rows]
    return (result.column_map, result.header_row, result.file_format, problems, rows)


def both_ways(
    monkeypatch: pytest.MonkeyPatch, data: bytes, filename: str, spec: ListSpec, today: dt.date
) -> tuple[ListImport, ListImport]:
    """The list read as it is (plain rows in bulk), and read with every rule on every row."""
    bulk = read_list(data, filename, spec, CODES, as_of=today)

    def check(self: RowChecker, rows: Sequence[Sequence[Cell]], start: int) -> None:
        for index in range(start, len(rows)):
            self._check_one(index, rows[index])

    with monkeypatch.context() as patched:
        patched.setattr(RowChecker, "check", check)
        one_by_one = read_list(data, filename, spec, CODES, as_of=today)
    return bulk, one_by_one


def awkward(field: ListField, rng: random.Random, today: dt.date) -> str:
    """A cell that may be anything an export holds: plain, oddly written, blank-ish or wrong."""
    if field.type is FieldType.DATE:
        day = today + dt.timedelta(days=rng.randint(-8000, 400))
        return rng.choice(
            [
                day.strftime("%d/%m/%Y"),
                day.strftime("%Y-%m-%d"),
                day.strftime("%d/%m/%y"),
                day.strftime("%d %b %Y"),
                day.strftime(" %d/%m/%Y "),
                day.strftime("%d.%m.%Y 10:00"),
                "29/02/2016",
                "29/02/2015",
                "31/02/2019",
                "12/13/2010",
                "01/01/1899",
                "01x02y2016",
                "٠١/٠٢/٢٠١٥",
                "42000",
                *ODD,
            ]
        )
    if field.type is FieldType.INTEGER:
        return rng.choice(
            [str(rng.randint(0, 20)), "-1", "3.0", "+4", "1.5", "x", "9" * 25, "٣", *ODD]
        )
    if field.type is FieldType.YES_NO:
        return rng.choice(["Y", "N", "yes", "No", "TRUE", "0", "1", "maybe", *ODD])
    if field.type is FieldType.CODE:
        assert field.code_set is not None
        code = rng.choice(CODES[field.code_set].codes)
        return rng.choice([code.code, code.code.lower(), code.label, "ZZZ", *ODD])
    if field.type is FieldType.POSTCODE:
        return rng.choice(["SW1A 1AA", "sw1a1aa", "M1 1AE", "XYZ", *ODD])
    return rng.choice([f"C{rng.randint(0, 60)}", f" T{rng.randint(0, 400)} ", "Team A", *ODD])


def plain(field: ListField, rng: random.Random, today: dt.date) -> str:
    """A cell as most rows hold it: what the bulk reading reads without a second look."""
    if field.rule is FieldRule.ONLY_WHEN_UNBORN:
        due = today + dt.timedelta(days=rng.randint(-60, 320))
        return "" if rng.random() < 0.9 else due.strftime("%d/%m/%Y")
    if field.type is FieldType.DATE:
        days = rng.randint(-60, 6500) if rng.random() < 0.05 else rng.randint(0, 6500)
        return (today - dt.timedelta(days=days)).strftime("%d/%m/%Y")  # now and then ahead
    if field.type is FieldType.INTEGER:
        return str(rng.randint(0, 18))
    if field.type is FieldType.TEXT:
        return f"C{rng.randint(0, 3000)}" if rng.random() < 0.95 else ""
    if field.type is FieldType.CODE:
        assert field.code_set is not None
        return rng.choice(CODES[field.code_set].codes).code
    return awkward(field, rng, today)


def random_list(spec: ListSpec, rng: random.Random, today: dt.date, size: int) -> list[list[str]]:
    fields = list(spec.fields)
    if rng.random() < 0.3:
        rng.shuffle(fields)
    if rng.random() < 0.3:
        fields = [f for f in fields if f.required or rng.random() < 0.5]
    header = [f.label for f in fields] + rng.choice([[], ["Notes"], ["Notes", ""]])
    rows = [header]
    for _ in range(size):
        draw = rng.random()
        if draw < 0.03:
            rows.append([])
        elif draw < 0.05:
            rows.append(["N/A"] * len(header))
        else:
            cell = plain if rng.random() < 0.8 else awkward
            row = [cell(f, rng, today) for f in fields]
            row += [rng.choice(["", "note"]) for _ in header[len(fields) :]]
            if rng.random() < 0.03:
                row = row[: rng.randint(0, len(row))]
            if rng.random() < 0.03:
                row.append("beyond the headers")
            rows.append(row)
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def as_xlsx(rows: list[list[str]], rng: random.Random) -> bytes:
    """Numbers, booleans and dates as typed cells (so 1, 1.0 and TRUE sit in one column)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        cells: list[object] = []
        for text in row:
            value: object = text or None
            if text.isdigit() and len(text) < 6 and rng.random() < 0.6:
                value = int(text) if rng.random() < 0.5 else float(text)
            elif text in ("TRUE", "1", "0") and rng.random() < 0.5:
                value = text != "0"
            elif len(text) == 10 and text[2] == "/" and rng.random() < 0.5:
                try:
                    value = dt.datetime.strptime(text, "%d/%m/%Y").date()
                except ValueError:
                    value = text
            cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("seed", range(60))
def test_random_csv_lists_read_the_same_in_bulk_and_row_by_row(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    spec, today = rng.choice(SPECS), rng.choice(DAYS)
    data = as_csv(random_list(spec, rng, today, rng.choice([1, 5, 40, 300])))
    bulk, one_by_one = both_ways(monkeypatch, data, "list.csv", spec, today)
    assert outcome(bulk) == outcome(one_by_one)


@pytest.mark.parametrize("seed", range(20))
def test_random_xlsx_lists_read_the_same_in_bulk_and_row_by_row(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(1000 + seed)
    spec, today = rng.choice(SPECS), rng.choice(DAYS)
    data = as_xlsx(random_list(spec, rng, today, rng.choice([5, 60])), rng)
    bulk, one_by_one = both_ways(monkeypatch, data, "list.xlsx", spec, today)
    assert outcome(bulk) == outcome(one_by_one)


def test_plain_rows_read_in_bulk_keep_their_numbers_and_every_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    today = dt.date(2024, 4, 15)
    rng = random.Random(7)
    rows = random_list(CHILDREN_IN_NEED, rng, today, 500)
    data = as_csv(rows)
    bulk, one_by_one = both_ways(monkeypatch, data, "list.csv", CHILDREN_IN_NEED, today)
    assert outcome(bulk) == outcome(one_by_one)
    names = [f.name for f in CHILDREN_IN_NEED.fields]
    assert all(list(row.values) == names for row in bulk.rows)


def test_a_short_row_counts_its_child_id_before_a_later_row_with_the_same_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = "Child ID,Gender,Ethnicity,DOB,EDD,Age,Disability,CIN start date,Primary need"
    full = "C1,M,WBRI,01/01/2015,,9,N,01/02/2024,N1"
    data = "\n".join([header, "C1,M", full, full.replace("C1", "C2")]).encode()
    bulk, one_by_one = both_ways(monkeypatch, data, "list.csv", CHILDREN_IN_NEED, DAYS[0])
    assert outcome(bulk) == outcome(one_by_one)
    [repeated] = [p for p in bulk.problems if p.code == "duplicate_child_id"]
    assert (repeated.row, "row 2" in repeated.message) == (3, True)


def test_one_unreadable_date_among_many_is_found_where_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = "Child ID,Gender,Ethnicity,DOB,EDD,Age,Disability,CIN start date,Primary need,DA"
    rows = [f"C{n},M,WBRI,01/01/2015,,9,N,{n % 28 + 1:02d}/02/2024,N1,Y" for n in range(200)]
    rows[150] = rows[150].replace(",11/02/2024,", ",30/02/2024,")
    rows[160] = rows[160].replace(",01/01/2015,", ",01/01/1899,")
    data = "\n".join([header, *rows]).encode()
    bulk, one_by_one = both_ways(monkeypatch, data, "list.csv", CHILDREN_IN_NEED, DAYS[0])
    assert outcome(bulk) == outcome(one_by_one)
    assert {(p.row, p.code, p.value) for p in bulk.errors} == {
        (152, "invalid_date", "30/02/2024"),
        (162, "invalid_date", "01/01/1899"),
    }


@pytest.mark.parametrize("today", [*DAYS, dt.date(2028, 2, 29), dt.date(2025, 3, 31)])
def test_the_age_check_in_bulk_agrees_with_the_age_rule(today: dt.date) -> None:
    births = [today - dt.timedelta(days=n) for n in range(0, 9000, 7)]
    births += [dt.date(year, 2, 29) for year in range(2000, today.year + 1, 4)]
    births += [
        dt.date(year, month, day) for year in (2010, 2011) for month, day in ((3, 1), (2, 28))
    ]
    dobs: list[object] = []
    ages: list[object] = []
    expected = []
    for born in births:
        for age in range(26):
            dobs.append(born)
            ages.append(age)
            expected.append(
                not _age(born, today - AGE_GRACE) <= age <= _age(born, today + AGE_AFTER)
            )
    flagged = set(_age_disagrees(dobs, ages, today))
    assert [position in flagged for position in range(len(dobs))] == expected


def test_an_age_too_large_to_be_a_year_is_checked_row_by_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = "Child ID,Gender,Ethnicity,DOB,EDD,Age,Disability,CIN start date,Primary need,DA"
    rows = [
        "C1,M,WBRI,01/01/2015,,99999,N,01/02/2024,N1,Y",
        "C2,M,WBRI,01/01/2015,,9,N,01/02/2024,N1,Y",
        "C3,M,WBRI,01/01/2015,," + "9" * 30 + ",N,01/02/2024,N1,Y",
    ]
    data = "\n".join([header, *rows]).encode()
    bulk, one_by_one = both_ways(monkeypatch, data, "list.csv", CHILDREN_IN_NEED, DAYS[0])
    assert outcome(bulk) == outcome(one_by_one)
    assert [p.row for p in bulk.problems if p.code == "age_mismatch"] == [2, 4]


def test_true_one_and_one_point_zero_in_one_xlsx_column_read_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = ListSpec(
        code="flags",
        title="Flags",
        coverage="test",
        fields=(
            ListField(name="child_id", label="Child ID", type=FieldType.TEXT),
            ListField(name="count", label="Count", type=FieldType.INTEGER, required=False),
            ListField(name="flag", label="Flag", type=FieldType.YES_NO, required=False),
        ),
    )
    cells: list[list[object]] = [["Child ID", "Count", "Flag"]]
    for n, value in enumerate([1, True, 1.0, 0, False, 0.0, 1, True] * 3):
        cells.append([f"C{n}", value, value])
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in cells:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    bulk, one_by_one = both_ways(monkeypatch, out.getvalue(), "flags.xlsx", spec, DAYS[0])
    assert outcome(bulk) == outcome(one_by_one)
    assert [p.code for p in bulk.problems].count("invalid_integer") == 9  # the booleans


def test_a_list_with_no_child_ids_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    day = DAYS[0] + dt.timedelta(days=10)
    meetings = "Meeting type,Date,Time,Child IDs,Venue\n" + "\n".join(
        f"ICPC,{day:%d/%m/%Y},10:00,C{n},Room {n % 3}" for n in range(50)
    )
    bulk, one_by_one = both_ways(monkeypatch, meetings.encode(), "m.csv", MEETINGS, DAYS[0])
    assert outcome(bulk) == outcome(one_by_one)
    assert len(bulk.rows) == 50 and bulk.accepted


def test_a_future_date_of_birth_in_a_plain_row_is_read_with_the_row_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = "Child ID,Gender,Ethnicity,DOB,EDD,Age,Disability,CIN start date,Primary need,DA"
    rows = [f"C{n},M,WBRI,01/01/2015,,9,N,01/02/2024,N1,Y" for n in range(20)]
    rows[5] = "C5,M,WBRI,01/05/2024,,0,N,01/02/2024,N1,Y"
    rows[9] = "C9,U,NOBT,01/05/2024,10/05/2024,0,N,01/02/2024,N1,Y"
    data = "\n".join([header, *rows]).encode()
    bulk, one_by_one = both_ways(monkeypatch, data, "list.csv", CHILDREN_IN_NEED, DAYS[0])
    assert outcome(bulk) == outcome(one_by_one)
    # After the list's date even with an expected date of birth: a due date in the wrong column.
    assert [(p.row, p.severity.value, p.code) for p in bulk.problems] == [
        (7, "error", "future_date_of_birth"),
        (11, "error", "future_date_of_birth"),
    ]


def test_a_future_date_of_birth_is_found_with_no_age_column(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = "Child ID,Gender,Ethnicity,DOB,Disability,CIN start date,Primary need,DA"
    rows = [f"C{n},M,WBRI,01/01/2015,N,01/02/2024,N1,Y" for n in range(20)]
    rows[5] = "C5,M,WBRI,01/05/2024,N,01/02/2024,N1,Y"
    data = "\n".join([header, *rows]).encode()
    bulk, one_by_one = both_ways(monkeypatch, data, "list.csv", CHILDREN_IN_NEED, DAYS[0])
    assert outcome(bulk) == outcome(one_by_one)
    assert [(p.row, p.code) for p in bulk.problems if p.row] == [(7, "future_date_of_birth")]
