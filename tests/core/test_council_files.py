"""Lists as councils really send them are read whole; files no list is are refused, cheaply.

The files come from tests/helpers/council_files.py: synthetic children written in the Annex A
template's own wording and councils' variants of it, and hostile files. Hostile files are refused
under a generous hang guard (5 s, against the minutes or the crash they caused before) and without
calamine ever being asked to build a cell.
"""

from __future__ import annotations

import datetime as dt
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from core.contributions import CodeSet, FieldType, ListField, ListSpec
from core.lists import ListImport, Severity, read_list
from core.lists.headers import HeaderMatcher
from core.lists.limits import DEFAULT_LIMITS, ListLimits
from plugins.ofsted.code_sets import CODE_SETS
from plugins.ofsted.requests import CHILD_PROTECTION_PLANS, CHILDREN_IN_NEED
from tests.helpers.council_files import (
    AS_OF,
    FAR_CELLS,
    NOT_SPREADSHEETS,
    SHORTENED,
    TEMPLATE,
    broken_list,
    children,
    commented_xlsx,
    council_list,
    csv_bytes,
    far_cell_xlsx,
    huge_cell_csv,
    lying_zip_bomb_xlsx,
    many_parts_zip,
    many_shared_strings_xlsx,
    sheet_xlsx,
    wide_csv,
    zip_bomb_xlsx,
)

CODES: dict[str, CodeSet] = {code_set.code: code_set for code_set in CODE_SETS}
# Seconds: a guard against a hang (a zip bomb read whole), never a timing. Work is bounded by counts
# (comparisons, bytes read); this only stops a run that would otherwise never end, even on a
# machine busy enough to make a 1 s read take 20.
HANG_GUARD = 120.0


def read(
    data: bytes,
    filename: str,
    spec: ListSpec = CHILD_PROTECTION_PLANS,
    *,
    as_of: dt.date = AS_OF,
    limits: ListLimits = DEFAULT_LIMITS,
) -> ListImport:
    return read_list(data, filename, spec, CODES, as_of=as_of, limits=limits)


def guarded(run: Callable[[], ListImport]) -> ListImport:
    """``run()`` in a thread that must finish within the hang guard."""
    outcome: list[ListImport] = []
    worker = threading.Thread(target=lambda: outcome.append(run()), daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    assert not worker.is_alive(), f"still reading after {HANG_GUARD} s"
    return outcome[0]


def problems(result: ListImport) -> set[tuple[int | None, str | None, str, str]]:
    return {(p.row, p.column, p.severity.value, p.code) for p in result.problems}


# --- Well-formed files, as councils write them ---------------------------------------------------


@pytest.mark.parametrize("spec", [CHILDREN_IN_NEED, CHILD_PROTECTION_PLANS], ids=lambda s: s.code)
@pytest.mark.parametrize(
    ("file_format", "wording", "options"),
    [
        ("csv", "template", {}),
        ("csv", "template", {"bom": True, "title_rows": 2, "unborn_age": ""}),
        ("csv", "shortened", {"reorder": True}),
        ("csv", "labels", {"labels": False, "unborn_age": "0"}),
        ("xlsx", "template", {"title_rows": 1}),
        ("xlsx", "shortened", {"unborn_age": ""}),
    ],
)
def test_a_council_list_is_read_whole_with_every_value(
    spec: ListSpec, file_format: str, wording: str, options: dict[str, Any]
) -> None:
    council = council_list(spec, file_format=file_format, wording=wording, **options)

    result = read(council.data, council.filename, spec)

    assert result.accepted, result.errors[:3]
    assert [row.values for row in result.rows] == council.expected
    assert result.rows[0].row_number == council.first_row
    # Each shortened header is read as its field, and a QUERY names the mapping; nothing else.
    shortened = {SHORTENED[f.name] for f in spec.fields if f.name in SHORTENED}
    expected = shortened if wording == "shortened" else set()
    assert problems(result) == {(None, header, "query", "header_read_as") for header in expected}
    labels = {f.name: f.label for f in spec.fields}
    for problem in result.problems:
        assert problem.field is not None
        assert f"is read as '{labels[problem.field]}'" in problem.message


def test_the_template_wording_is_every_fields_own_name() -> None:
    for spec in (CHILDREN_IN_NEED, CHILD_PROTECTION_PLANS):
        matcher = HeaderMatcher(spec)
        for field in spec.fields:
            found = matcher.match(TEMPLATE[field.name])
            assert found is field, (spec.code, TEMPLATE[field.name])


def test_the_domestic_abuse_and_order_columns_without_filler_are_read_not_refused() -> None:
    # Was: ERROR missing_column for both, the whole list refused.
    rows = children(CHILD_PROTECTION_PLANS, 5, seed=1)
    headers = [
        SHORTENED[f.name]
        if f.name in ("domestic_abuse", "order_last_six_months")
        else TEMPLATE[f.name]
        for f in CHILD_PROTECTION_PLANS.fields
    ]
    headers[headers.index(SHORTENED["order_last_six_months"])] = (
        "Subject to EPO, Care, Supervision Order or Police Protection in the Last 6 Months (Y/N)"
    )
    grid: list[list[object]] = [list(headers)]
    for row in rows:
        line = council_list(CHILD_PROTECTION_PLANS, rows=[row]).data.decode().split("\r\n")[1]
        grid.append([*line.split(",")])
    result = read(csv_bytes(grid), "cp.csv")

    assert result.accepted
    assert result.column_map[SHORTENED["domestic_abuse"]] == "domestic_abuse"
    assert [r.values["domestic_abuse"] for r in result.rows] == [r["domestic_abuse"] for r in rows]
    assert [r.values["order_last_six_months"] for r in result.rows] == [
        r["order_last_six_months"] for r in rows
    ]
    assert {p.code for p in result.problems} == {"header_read_as"}


def test_a_shortened_seen_in_timescales_column_keeps_its_values() -> None:
    # Was: QUERY unknown_column and the field stored blank for every child.
    council = council_list(CHILD_PROTECTION_PLANS, wording="shortened", count=20)

    result = read(council.data, council.filename)

    assert result.column_map["Seen in accordance with timescales"] == "seen_within_plan_timescales"
    seen = [row.values["seen_within_plan_timescales"] for row in result.rows]
    assert None not in seen[:9]
    assert seen == [row["seen_within_plan_timescales"] for row in council.expected]


def test_a_header_as_close_to_two_missing_fields_is_refused_naming_both() -> None:
    council = council_list(CHILD_PROTECTION_PLANS, count=3)
    text = council.data.decode()
    text = text.replace("Initial Category of Abuse", "Category of abuse", 1)
    text = text.replace("Latest Category of Abuse", "Notes", 1)

    result = read(text.encode(), "cp.csv")

    assert not result.accepted
    [ambiguous] = [p for p in result.problems if p.code == "ambiguous_column"]
    assert ambiguous.column == "Category of abuse"
    assert "'Latest category of abuse' or 'Initial category of abuse'" in ambiguous.message
    # The error names the fix; the two fields are not also reported missing.
    assert [p.code for p in result.errors] == ["ambiguous_column"]


# --- Unborn children and the list's date ---------------------------------------------------------


@pytest.mark.parametrize("age", ["-1", "", "0"])
def test_an_unborn_childs_age_may_be_minus_one_blank_or_zero(age: str) -> None:
    council = council_list(CHILDREN_IN_NEED, unborn_age=age, count=20)

    result = read(council.data, council.filename, CHILDREN_IN_NEED)

    assert result.accepted and result.problems == []
    unborn = [row.values for row in result.rows if row.values["date_of_birth"] is None]
    assert len(unborn) == 2
    assert {row["age_years"] for row in unborn} == ({0} if age == "0" else {None})


def test_age_minus_one_without_an_expected_date_of_birth_is_a_query() -> None:
    council = council_list(CHILDREN_IN_NEED, count=10)
    lines = council.data.decode().split("\r\n")
    cells = lines[10].split(",")  # the tenth child is unborn: take away its expected date
    assert cells[5] == "-1"
    cells[4] = ""
    lines[10] = ",".join(cells)

    result = read("\r\n".join(lines).encode(), "cin.csv", CHILDREN_IN_NEED)

    assert {(p.row, p.code, p.severity) for p in result.problems} == {
        (11, "missing_value", Severity.ERROR),  # no date of birth either: not a child as written
        (11, "unborn_age_without_expected_date_of_birth", Severity.QUERY),
    }


def test_a_2016_list_is_checked_against_its_notification_date() -> None:
    council = council_list(CHILDREN_IN_NEED, count=200, as_of=AS_OF)

    result = read(council.data, council.filename, CHILDREN_IN_NEED, as_of=AS_OF)

    # Was: age_mismatch on ~97% of rows and "expected date of birth in the past" on every unborn
    # child, judged against the day of the upload.
    assert result.accepted and result.problems == []


def test_dates_are_judged_on_the_list_date_and_messages_quote_it() -> None:
    council = council_list(CHILDREN_IN_NEED, count=10)
    lines = council.data.decode().split("\r\n")
    born_after = lines[2].split(",")
    born_after[3] = f"{AS_OF + dt.timedelta(days=1):%d/%m/%Y}"
    born_after[5] = "0"
    lines[2] = ",".join(born_after)
    overdue = lines[10].split(",")  # unborn: due three weeks before the list's date
    overdue[4] = f"{AS_OF - dt.timedelta(days=21):%d/%m/%Y}"
    lines[10] = ",".join(overdue)

    result = read("\r\n".join(lines).encode(), "cin.csv", CHILDREN_IN_NEED)

    assert {(p.row, p.code, p.severity) for p in result.problems} == {
        (3, "future_date_of_birth", Severity.ERROR),
        (11, "expected_date_of_birth_past", Severity.ERROR),
    }
    for problem in result.problems:
        assert "08/03/2016, the date the list is for" in problem.message


# --- A broken list: every problem at its row and column, and no other -----------------------------


def test_a_broken_list_has_each_problem_at_its_row_and_column() -> None:
    broken = broken_list()

    result = read(broken.council.data, broken.council.filename)

    assert not result.accepted
    assert {(p.row, p.column, p.code) for p in result.problems} == broken.problems


# --- Hostile files -------------------------------------------------------------------------------


@pytest.fixture
def calamine_untouched(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail if calamine is asked to open the workbook at all."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("calamine was asked to read a hostile workbook")

    monkeypatch.setattr(CalamineWorkbook, "from_filelike", refuse)  # files.py reads with it
    yield


HOSTILE: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "a cell at XFD1048576": (far_cell_xlsx, "far.xlsx", "too_many_rows"),
    "a 200 MB zip bomb": (zip_bomb_xlsx, "bomb.xlsx", "workbook_compression_ratio"),
    "a zip bomb lying about its size": (lying_zip_bomb_xlsx, "lie.xlsx", "unreadable_xlsx"),
    "1,001 zip parts": (lambda: many_parts_zip(1001), "parts.xlsx", "too_many_parts"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_workbook_is_refused_before_calamine_builds_a_cell(
    name: str, calamine_untouched: None
) -> None:
    make, filename, code = HOSTILE[name]
    data = make()
    tracemalloc.start()
    try:
        result = guarded(lambda: read(data, filename))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [(p.code, p.severity, p.row) for p in result.problems] == [(code, Severity.ERROR, None)]
    assert result.rows == []
    assert peak < 20_000_000, f"reading it took {peak:,} bytes"  # chunks, not the 200 MB


@pytest.mark.parametrize("way", sorted(FAR_CELLS))
def test_a_far_cell_however_written_is_found_before_calamine(
    way: str, calamine_untouched: None
) -> None:
    sheet_data, before = FAR_CELLS[way]

    result = guarded(lambda: read(sheet_xlsx(sheet_data, before=before), "far.xlsx"))

    [problem] = result.problems
    assert problem.code in ("too_many_rows", "too_many_columns", "too_many_cells"), problem


def test_a_sheet_written_without_cell_references_is_read_whole() -> None:
    # Some writers leave out r="A1": calamine places each cell after the last. 100 rows of three
    # cells are 300 cells, but no row is wider than three.
    spec = ListSpec(
        code="flags",
        title="Flags",
        coverage="test",
        fields=(
            ListField(name="child_id", label="Child ID", type=FieldType.TEXT),
            ListField(name="count", label="Count", type=FieldType.INTEGER),
            ListField(name="flag", label="Flag", type=FieldType.YES_NO),
        ),
    )
    cell = b'<c t="inlineStr"><is><t>%s</t></is></c>'
    rows = [b"<row>" + b"".join(cell % text for text in (b"Child ID", b"Count", b"Flag"))]
    rows += [
        b"<row>" + b"".join(cell % text for text in (b"C%d" % n, b"%d" % n, b"Y")) + b"</row>"
        for n in range(100)
    ]
    rows[0] += b"</row>"

    result = read(sheet_xlsx(b"".join(rows)), "flags.xlsx", spec)

    assert result.accepted, result.problems[:3]
    assert [row.values for row in result.rows][-1] == {"child_id": "C99", "count": 99, "flag": True}
    assert result.rows[-1].row_number == 101


def test_a_zip_directory_hidden_in_the_archive_comment_is_not_trusted() -> None:
    # Readers disagree on which end record is the archive's; a second one decides nothing.
    fake = b"PK\x05\x06" + bytes(18)

    hidden = read(commented_xlsx(b"exported " + fake + b" by a system"), "cp.xlsx")
    plain = read(commented_xlsx(b"exported by a case management system"), "cp.xlsx")

    assert [p.code for p in hidden.problems] == ["unreadable_xlsx"]
    assert "ambiguous" in hidden.problems[0].message
    assert plain.accepted and len(plain.rows) == 3


def test_the_cell_at_xfd1048576_names_the_limit_and_its_setting() -> None:
    result = read(far_cell_xlsx(), "far.xlsx")

    [problem] = result.problems
    assert "reaches row 1,048,576" in problem.message
    assert "at most 200,000 (setting JTAI_LIST_MAX_ROWS)" in problem.message
    assert len(far_cell_xlsx()) < 5_000


def test_too_many_shared_strings_are_counted_not_trusted(calamine_untouched: None) -> None:
    result = guarded(
        lambda: read(
            many_shared_strings_xlsx(1_001),
            "strings.xlsx",
            limits=ListLimits(xlsx_max_shared_strings=1_000),
        )
    )

    assert [p.code for p in result.problems] == ["too_many_shared_strings"]
    assert "JTAI_XLSX_MAX_SHARED_STRINGS" in result.problems[0].message


def test_a_workbook_within_the_shared_string_limit_is_read() -> None:
    data = many_shared_strings_xlsx(900)

    result = read(data, "strings.xlsx", limits=ListLimits(xlsx_max_shared_strings=1_000))

    assert result.accepted and len(result.rows) == 3


@pytest.mark.parametrize("columns", [2_000, 20_000])
def test_thousands_of_columns_are_refused_at_once(columns: int) -> None:
    result = guarded(lambda: read(wide_csv(columns), "wide.csv"))

    assert [p.code for p in result.problems] == ["too_many_columns"]
    assert f"a row of {columns:,} columns" in result.problems[0].message
    assert "JTAI_LIST_MAX_COLUMNS" in result.problems[0].message


def test_twenty_thousand_unknown_headers_are_matched_in_linear_work() -> None:
    # Within raised limits the file is read: every header is looked up once, with no pairwise
    # comparison (difflib over 20,000 x every field name took 94 s).
    limits = ListLimits(max_columns=30_000, max_cells=100_000)
    result = guarded(lambda: read(wide_csv(20_000), "wide.csv", limits=limits))

    assert sum(p.code == "unknown_column" for p in result.problems) == 20_000
    matcher = HeaderMatcher(CHILD_PROTECTION_PLANS)
    for number in range(20_000):
        matcher.close(f"Extract date {number} of the child", CHILD_PROTECTION_PLANS.fields)
    names = sum(1 + len(f.aliases) for f in CHILD_PROTECTION_PLANS.fields) + 20
    assert matcher.comparisons <= 20_000 * names  # each header scored against the names once
    assert matcher.comparisons >= 20_000  # the words 'date' and 'child' did bring candidates


def test_a_huge_cell_is_refused_naming_its_row_and_column() -> None:
    result = guarded(lambda: read(huge_cell_csv(50_000), "cin.csv", CHILDREN_IN_NEED))

    [problem] = result.problems
    assert problem.code == "cell_too_long"
    assert "Row 2, column M" in problem.message and "JTAI_LIST_MAX_CELL_CHARS" in problem.message


def test_rows_and_cells_over_the_limits_are_refused() -> None:
    council = council_list(CHILDREN_IN_NEED, count=30)

    rows = read(council.data, "cin.csv", CHILDREN_IN_NEED, limits=ListLimits(max_rows=20))
    cells = read(council.data, "cin.csv", CHILDREN_IN_NEED, limits=ListLimits(max_cells=100))
    workbook = council_list(CHILDREN_IN_NEED, file_format="xlsx", count=30)
    sheet = read(workbook.data, "cin.xlsx", CHILDREN_IN_NEED, limits=ListLimits(max_rows=20))

    # A long thin file with one wide row would be padded to a rectangle: that is counted too.
    thin = (council.headers[0] + "," * 199 + "\r\n" + "x\r\n" * 30_000).encode()
    area = read(thin, "thin.csv", CHILDREN_IN_NEED, limits=ListLimits(max_cells=1_000_000))

    assert [p.code for p in rows.problems] == ["too_many_rows"]
    assert [p.code for p in area.problems] == ["too_many_cells"]
    assert "30,001 rows and a row of 200 columns" in area.problems[0].message
    assert [p.code for p in cells.problems] == ["too_many_cells"]
    assert [p.code for p in sheet.problems] == ["too_many_rows"]
    assert "reaches row 31" in sheet.problems[0].message


@pytest.mark.parametrize("filename", sorted(NOT_SPREADSHEETS))
def test_what_is_not_a_spreadsheet_is_refused(filename: str) -> None:
    result = guarded(lambda: read(NOT_SPREADSHEETS[filename], filename))

    assert not result.accepted and result.rows == []
    assert len(result.problems) == 1 and result.problems[0].row is None


def test_a_header_row_with_every_header_reworded_is_found_under_its_title() -> None:
    council = council_list(CHILD_PROTECTION_PLANS, title_rows=1, count=5)
    text = council.data.decode()
    for header in council.headers:
        text = text.replace(f"{header},", f"{header} as recorded,", 1)

    result = read(text.encode(), "cp.csv")

    assert result.header_row == 2
    assert result.accepted and [row.values for row in result.rows] == council.expected
    assert {p.code for p in result.problems} == {"header_read_as"}
