"""core.lists: uploaded Annex A lists read against Ofsted's real list specs and DfE census codes.

The CSV fixtures in tests/fixtures/lists are small, realistic exports with synthetic IDs; the XLSX
workbooks are written here with openpyxl, with real date cells, numbers and booleans, and read back
with calamine as an upload would be.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from core.contributions import CodeSet, FieldType, ListField, ListSpec
from core.lists import ListImport, Problem, Severity, read_list
from core.lists.headers import HeaderMatcher
from core.lists.values import CodeLookup, parse_date
from plugins.ofsted.code_sets import CATEGORY_OF_ABUSE, CODE_SETS, ETHNICITY, GENDER, PRIMARY_NEED
from plugins.ofsted.requests import (
    CHILD_PROTECTION_PLANS,
    CHILDREN_IN_NEED,
    DOCUMENT_REQUESTS,
    SELECTED_CHILDREN,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
TODAY = dt.date(2024, 4, 15)
CODES: dict[str, CodeSet] = {code_set.code: code_set for code_set in CODE_SETS}
ERROR = Severity.ERROR
QUERY = Severity.QUERY

CIN_HEADER = (
    "Child ID,Gender,Ethnicity,DOB,EDD,Age,Disability,CIN start date,Primary need,"
    "Date last seen,CIN closure date,Reason for closure,Team,Worker,DA"
)


def read(data: bytes, filename: str = "list.csv", spec: ListSpec = CHILDREN_IN_NEED) -> ListImport:
    return read_list(data, filename, spec, CODES, as_of=TODAY)


def fixture(name: str, spec: ListSpec) -> ListImport:
    return read((FIXTURES / name).read_bytes(), name, spec)


def cin_row(
    child_id: str = "C1",
    *,
    gender: str = "M",
    dob: str = "01/01/2015",
    edd: str = "",
    age: str = "9",
    need: str = "N1",
    closure: str = "",
    da: str = "Y",
) -> str:
    return (
        f"{child_id},{gender},WBRI,{dob},{edd},{age},N,01/02/2024,{need},,{closure},,"
        f"Team,Worker,{da}"
    )


def cin_csv(*rows: str, header: str = CIN_HEADER) -> bytes:
    return "\n".join((header, *rows)).encode()


def summary(problems: list[Problem]) -> set[tuple[int | None, str | None, str | None, str, str]]:
    return {(p.row, p.column, p.value, p.severity.value, p.code) for p in problems}


def codes(result: ListImport) -> list[str]:
    return [problem.code for problem in result.problems]


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.worksheets[0])
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Real fixture files ---------------------------------------------------------------------------


def test_children_in_need_csv_reads_header_variants_labels_and_an_unborn_child() -> None:
    result = fixture("children_in_need.csv", CHILDREN_IN_NEED)

    assert result.accepted
    assert result.problems == []
    assert result.file_format == "csv"
    assert result.header_row == 1
    assert result.column_map == {
        "Child ID": "child_id",
        "Sex": "gender",
        "Ethnic group": "ethnicity",
        "DOB": "date_of_birth",
        "Expected DOB": "expected_date_of_birth",
        "Age (years)": "age_years",
        "Disabled?": "disability",
        "CIN start date": "cin_start_date",
        "Primary need": "primary_need",
        "Date last seen": "date_last_seen",
        "CIN closure date": "cin_closure_date",
        "Reason for closure": "reason_for_closure",
        "Team": "allocated_team",
        "Worker": "allocated_worker",
        "DA flag": "domestic_abuse",
    }
    # The blank line 5 is skipped; rows keep the numbers the person sees.
    assert [row.row_number for row in result.rows] == [2, 3, 4, 6, 7]
    first, second, unborn, closed, numeric = (row.values for row in result.rows)
    assert set(first) == {field.name for field in CHILDREN_IN_NEED.fields}
    assert first == {
        "child_id": "CIN-0001",
        "gender": "M",
        "ethnicity": "WBRI",
        "date_of_birth": dt.date(2012, 6, 14),
        "expected_date_of_birth": None,
        "age_years": 11,
        "disability": False,
        "cin_start_date": dt.date(2024, 1, 3),
        "primary_need": "N1",
        "date_last_seen": dt.date(2024, 3, 28),
        "cin_closure_date": None,
        "reason_for_closure": None,
        "allocated_team": "North Locality",
        "allocated_worker": "Worker A",
        "domestic_abuse": True,
    }
    assert second["date_of_birth"] == dt.date(2017, 9, 2)  # 2/9/17
    assert second["cin_start_date"] == dt.date(2023, 11, 20)  # ISO
    assert second["primary_need"] == "N4"  # 'Family in acute stress'
    assert second["disability"] is True
    assert unborn["date_of_birth"] is None
    assert unborn["age_years"] is None
    assert unborn["expected_date_of_birth"] == dt.date(2024, 6, 12)
    assert unborn["cin_start_date"] == dt.date(2024, 3, 1)  # '1 March 2024'
    assert unborn["primary_need"] == "N1"  # 'N1 - Abuse or neglect'
    assert unborn["ethnicity"] == "MOTH"
    assert closed["ethnicity"] == "BAFR"  # 'Black - African'
    assert closed["cin_closure_date"] == dt.date(2024, 2, 29)
    assert closed["reason_for_closure"] == "RC7"  # 'Child no longer in need'
    assert closed["allocated_worker"] is None  # 'N/A'
    assert closed["disability"] is True and closed["domestic_abuse"] is False  # TRUE / FALSE
    assert numeric["gender"] == "M"  # the census's '1'
    assert numeric["primary_need"] == "N8"  # 'Absent parenting'
    assert numeric["allocated_team"] == "Team, East"
    assert (numeric["disability"], numeric["domestic_abuse"]) == (False, True)  # 0 / 1


def test_broken_child_protection_csv_is_rejected_with_every_problem_placed() -> None:
    result = fixture("child_protection_broken.csv", CHILD_PROTECTION_PLANS)

    assert not result.accepted
    assert summary(result.problems) == {
        (None, "Notes", None, "query", "unknown_column"),
        (None, "Number of previous child protection plans", None, "error", "missing_column"),
        (2, "DOB", "31/02/2019", "error", "invalid_date"),
        (3, "Age", "9", "query", "age_mismatch"),
        (4, "DOB", "01/07/2024", "error", "future_date_of_birth"),
        (5, "Latest category", "Financial", "error", "unknown_code"),
        (5, "LA Child ID", "CP-1002", "query", "duplicate_child_id"),
        (6, "Gender", None, "error", "missing_value"),
        (6, "Disability", "Maybe", "error", "invalid_yes_no"),
        (8, "EDD", "20/03/2018", "query", "expected_date_of_birth_with_date_of_birth"),
        (9, "EDD", "15/01/2024", "error", "expected_date_of_birth_past"),
        (10, "DOB", None, "error", "missing_value"),
        (10, "Age", None, "error", "missing_value"),
    }
    assert len(result.problems) == 13
    messages = {(p.row, p.code): p.message for p in result.problems}
    assert messages[2, "invalid_date"] == (
        "Row 2, column 'DOB': '31/02/2019' is not a date. Write dates as DD/MM/YYYY."
    )
    assert "is also on row 3" in messages[5, "duplicate_child_id"]
    assert "the child is 7 on 15/04/2024" in messages[3, "age_mismatch"]
    assert (
        "leave it blank and give the expected date of birth in 'EDD'"
        in (messages[4, "future_date_of_birth"])
    )
    assert "Use one of NEG, PHY, SAB, EMO, MUL" in messages[5, "unknown_code"]
    # Rows are still read so that the person sees everything at once; the unborn row 7 is clean.
    assert len(result.rows) == 9
    unborn = result.rows[5]
    assert unborn.row_number == 7
    assert unborn.values["date_of_birth"] is None
    assert unborn.values["expected_date_of_birth"] == dt.date(2024, 5, 10)
    assert result.rows[0].values["latest_category_of_abuse"] == "EMO"  # 'Emotional abuse'
    assert result.rows[0].values["initial_category_of_abuse"] == "NEG"  # 'Neglect'


def test_utf8_bom_and_semicolons_with_the_guidance_s_own_headers() -> None:
    result = fixture("child_protection_bom_semicolon.csv", CHILD_PROTECTION_PLANS)

    assert result.problems == []
    assert result.accepted
    assert "Child unique ID" in result.column_map  # no BOM stuck to the first header
    assert len(result.column_map) == len(CHILD_PROTECTION_PLANS.fields)
    first, second = (row.values for row in result.rows)
    assert first["child_id"] == "CP-2001"
    assert first["ethnicity"] == "WIRI"  # 'White - Irish'
    assert first["initial_category_of_abuse"] == "EMO"  # 'Emotional abuse'
    assert first["latest_category_of_abuse"] == "EMO"  # the alias 'Emotional'
    assert first["allocated_team"] == "Zoë's team, Central"  # a comma inside a ';' file
    assert first["allocated_worker"] == "Worker Ł"
    assert first["previous_cp_plans"] == 1
    assert first["seen_within_plan_timescales"] is True
    assert second["initial_category_of_abuse"] == "PHY"
    assert second["latest_category_of_abuse"] == "MUL"
    assert second["ethnicity"] == "WROM"
    assert second["order_last_six_months"] is True
    assert second["previous_cp_plans"] == 0


def test_windows_1252_csv_is_decoded() -> None:
    result = fixture("children_in_need_cp1252.csv", CHILDREN_IN_NEED)

    assert result.accepted, result.problems
    assert [row.values["allocated_worker"] for row in result.rows] == ["Renée", "Zoë"]
    assert result.rows[0].values["allocated_team"] == "Children’s Team – West"
    assert result.column_map["Closure reason"] == "reason_for_closure"


# --- XLSX -----------------------------------------------------------------------------------------

CP_HEADERS = [
    "Child ID",
    "Gender",
    "Ethnicity",
    "Date of birth",
    "Expected date of birth",
    "Age",
    "Disability",
    "CP plan start date",
    "Initial category of abuse",
    "Latest category of abuse",
    "Last statutory visit",
    "Seen within timescales",
    "Seen alone",
    "CP plan end date",
    "Order or police protection in last six months",
    "Previous CP plans",
    "Allocated team",
    "Allocated worker",
    "DA flag",
]


def cp_sheet() -> list[list[object]]:
    # IDs and ages as numbers, dates as date cells, Y/N as booleans, as exports write them.
    # fmt: off
    return [
        ["Annex A list 7: children on a child protection plan, as at 15/04/2024"],
        [],
        [*CP_HEADERS],
        [4001, 1, "WBRI", dt.date(2015, 2, 1), None, 9, False, dt.date(2024, 1, 8),
         "Neglect", "NEG", dt.datetime(2024, 4, 2, 14, 30), True, True, None, False, 0,
         "Team 1", "Worker H", True],
        [4002, "F", "CHNE", dt.date(2019, 12, 31), None, 4.0, "N", 45300.0,
         "EMO", "Sexual", dt.date(2024, 4, 9), "Y", "N", dt.date(2024, 3, 1), "N", 2,
         "Team 2", "Worker I", False],
        [4003, "U", "NOBT", None, dt.date(2024, 6, 30), None, "N", dt.date(2024, 3, 20),
         "NEG", "NEG", None, None, None, None, "N", 0,
         "Pre-birth", "Worker J", "Y"],
        [4004, "M", "WBRI", dt.date(2031, 5, 1), None, 3, "N", dt.date(2024, 2, 2),
         "PHY", "PHY", None, None, None, None, "N", 1.5,
         "Team 1", "Worker H", "Y"],
    ]
    # fmt: on


def test_xlsx_with_date_cells_numbers_and_a_title_row() -> None:
    data = xlsx({"Read me": [["Notes for inspectors"]], "child-protection-plans": cp_sheet()})

    result = read(data, "CP list.xlsx", CHILD_PROTECTION_PLANS)

    assert result.file_format == "xlsx"
    assert result.sheet == "child-protection-plans"  # named by the list's code, not the first
    assert result.header_row == 3
    assert [row.row_number for row in result.rows] == [4, 5, 6, 7]
    first, second, unborn, _ = (row.values for row in result.rows)
    assert first["child_id"] == "4001"  # a number cell, read as the ID as written
    assert first["gender"] == "M"  # the number 1
    assert first["date_of_birth"] == dt.date(2015, 2, 1)
    assert first["last_statutory_visit_date"] == dt.date(2024, 4, 2)  # a datetime cell
    assert first["age_years"] == 9
    assert (first["disability"], first["seen_alone"], first["domestic_abuse"]) == (
        False,
        True,
        True,
    )
    assert first["previous_cp_plans"] == 0
    assert second["age_years"] == 4  # 4.0
    assert second["cp_plan_start_date"] == dt.date(2024, 1, 9)  # the serial 45300
    assert second["latest_category_of_abuse"] == "SAB"  # 'Sexual'
    assert unborn["expected_date_of_birth"] == dt.date(2024, 6, 30)
    assert unborn["date_of_birth"] is None
    assert not result.accepted
    assert summary(result.problems) == {
        (7, "Date of birth", "01/05/2031", "error", "future_date_of_birth"),
        (7, "Previous CP plans", "1.5", "error", "invalid_integer"),
    }


def test_xlsx_sheet_named_like_the_list_title_is_read_even_when_cut_to_31_characters() -> None:
    title = CHILD_PROTECTION_PLANS.title[:31]  # Excel's limit on sheet names
    data = xlsx({"Contents": [["Contents"]], title: cp_sheet()[:5]})

    result = read(data, "cp.xlsx", CHILD_PROTECTION_PLANS)

    assert result.sheet == title
    assert result.accepted, result.problems
    assert len(result.rows) == 2


def test_xlsx_first_sheet_is_read_when_none_is_named_for_the_list() -> None:
    data = xlsx({"Sheet1": cp_sheet()[2:5], "Sheet2": [["something else"]]})

    result = read(data, "export.xlsx", CHILD_PROTECTION_PLANS)

    assert result.sheet == "Sheet1"
    assert result.header_row == 1
    assert [row.row_number for row in result.rows] == [2, 3]
    assert result.accepted


def test_excel_error_values_are_errors_in_csv_and_blank_in_xlsx() -> None:
    # Excel saves an error cell into a CSV as its text.
    result = read(cin_csv(cin_row(age="#N/A"), cin_row("C2", closure="#REF!")))

    assert summary(result.problems) == {
        (2, "Age", "#N/A", "error", "formula_error"),
        (3, "CIN closure date", "#REF!", "error", "formula_error"),
    }
    # calamine reads an XLSX error cell as an empty string (python-calamine issue #105), so it is
    # as blank as an empty cell: an error where a value is required, None where it is optional.
    rows = cp_sheet()[2:4]
    rows[1][5] = "#N/A"  # openpyxl writes this as an error cell
    rows[1][10] = "#REF!"
    result = read(xlsx({"Sheet1": rows}), "cp.xlsx", CHILD_PROTECTION_PLANS)

    assert summary(result.problems) == {(2, "Age", None, "error", "missing_value")}
    assert result.rows[0].values["last_statutory_visit_date"] is None


def test_xlsx_upload_named_csv_is_read_as_a_workbook() -> None:
    data = xlsx({"Sheet1": cp_sheet()[2:5]})

    result = read(data, "export.csv", CHILD_PROTECTION_PLANS)

    assert result.file_format == "xlsx"
    assert result.accepted


# --- Formats and encodings ------------------------------------------------------------------------


def test_semicolon_and_tab_delimited_and_excel_sep_line() -> None:
    rows = [CIN_HEADER, cin_row("C1"), cin_row("C2", gender="Female")]
    for delimiter in (";", "\t"):
        data = "\r\n".join(row.replace(",", delimiter) for row in rows).encode("utf-8-sig")
        result = read(data)
        assert result.accepted, (delimiter, result.problems)
        assert [row.values["gender"] for row in result.rows] == ["M", "F"]
    sep = ("sep=;\r\n" + "\r\n".join(row.replace(",", ";") for row in rows)).encode()
    result = read(sep)
    assert result.accepted
    assert [row.row_number for row in result.rows] == [2, 3]  # Excel hides the 'sep=' line


def test_utf16_with_bom_is_decoded() -> None:
    text = "\r\n".join([CIN_HEADER, cin_row("C1")]).replace(",", "\t")
    result = read(text.encode("utf-16"), "unicode.txt")

    assert result.accepted
    assert result.rows[0].values["child_id"] == "C1"


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "list.csv", "empty_file"),
        (b"  \r\n ", "list.csv", "empty_file"),
        (b"%PDF-1.7 ...", "list.pdf", "unsupported_format"),
        (b"PK\x03\x04 a document", "list.docx", "unsupported_format"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "list.xls", "old_or_protected_excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 encrypted", "list.xlsx", "old_or_protected_excel"),
        (b"Child ID,Gender\nC1,M\n", "list.xlsx", "not_xlsx"),
        (b"PK\x03\x04 not really a zip", "list.xlsx", "unreadable_xlsx"),
        (b"Child\x00ID", "list.csv", "unreadable_text"),
    ],
)
def test_files_that_cannot_be_read_are_rejected_with_one_file_level_error(
    data: bytes, filename: str, code: str
) -> None:
    result = read(data, filename)

    assert not result.accepted
    assert [(p.row, p.column, p.severity, p.code) for p in result.problems] == [
        (None, None, ERROR, code)
    ]
    assert filename in result.problems[0].message
    assert result.rows == []


def test_a_zip_that_is_not_a_workbook_is_rejected() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")

    result = read(buffer.getvalue(), "list.xlsx")

    assert codes(result) == ["unreadable_xlsx"]


def test_headers_only_is_a_query() -> None:
    result = read(cin_csv())

    assert result.accepted
    assert codes(result) == ["no_rows"]


# --- Headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Child ID", "child_id"),
        ("Child Unique ID", "child_id"),
        ("ID", "child_id"),
        ("LA child ID", "child_id"),
        ("Unique ID", "child_id"),
        ("child_id", "child_id"),
        ("DOB", "date_of_birth"),
        ("D.O.B.", "date_of_birth"),
        ("Date of birth", "date_of_birth"),
        ("  DATE  OF\nBIRTH ", "date_of_birth"),
        ("Date of birth (DD/MM/YYYY)", "date_of_birth"),
        ("Birth date", "date_of_birth"),
        ("Expected DOB", "expected_date_of_birth"),
        ("EDD", "expected_date_of_birth"),
        ("Expected date of birth", "expected_date_of_birth"),
        ("Expected date of birth (if unborn)", "expected_date_of_birth"),
        ("Sex", "gender"),
        ("Gender", "gender"),
        ("Ethnic group", "ethnicity"),
        ("Ethnicity", "ethnicity"),
        ("Ethnicity code", "ethnicity"),
        ("Age", "age_years"),
        ("Age (years)", "age_years"),
        ("Age of Child (Years)", "age_years"),
        ("Disabled?", "disability"),
        ("Disability", "disability"),
        ("Disability (Y/N)", "disability"),
        ("CIN start date", "cin_start_date"),
        ("Child in need start date", "cin_start_date"),
        ("Primary need code", "primary_need"),
        ("Primary Need", "primary_need"),
        ("Domestic abuse", "domestic_abuse"),
        ("DA flag", "domestic_abuse"),
        ("Whether the child is living or has lived with domestic abuse (Y/N)", "domestic_abuse"),
    ],
)
def test_header_variants(header: str, field: str) -> None:
    found = HeaderMatcher(CHILDREN_IN_NEED).match(header)

    assert found is not None and found.name == field


def test_every_label_and_alias_of_every_ofsted_list_reads_as_its_own_field() -> None:
    specs = [request.list_spec for request in DOCUMENT_REQUESTS if request.list_spec]
    assert len(specs) >= 9
    for spec in specs:
        matcher = HeaderMatcher(spec)
        for field in spec.fields:
            for name in matcher.names(field):
                assert matcher.match(name) is field, (spec.code, field.name, name)


def test_unknown_missing_and_duplicate_columns() -> None:
    header = CIN_HEADER.replace("Reason for closure", "Reason for closure,Date of brith")
    header = header.replace("DOB,", "Social worker notes,") + ",Date of birth,Birth date"
    header = header.replace("Primary need,", "")
    row = cin_row("C1").replace(",N1,", ",").replace(",,Team", ",,,Team") + ",01/01/2015,"
    result = read(cin_csv(row, header=header))

    assert not result.accepted
    assert summary(result.problems) == {
        (None, "Social worker notes", None, "query", "unknown_column"),
        (None, "Date of brith", None, "query", "unknown_column"),
        (None, "Primary need code", None, "error", "missing_column"),
        (None, "Birth date", None, "error", "duplicate_column"),
    }
    messages = {p.column: p.message for p in result.problems}
    assert (
        "'Date of birth' (P) and 'Birth date' (Q) are both read as 'Date of birth'"
        in (messages["Birth date"])
    )
    assert "Did you mean 'Primary need code'" not in messages["Date of brith"]
    assert result.rows[0].values["date_of_birth"] == dt.date(2015, 1, 1)
    assert result.column_map["Date of birth"] == "date_of_birth"
    assert "Social worker notes" not in result.column_map


def test_a_misspelt_header_is_read_as_its_field_with_a_query() -> None:
    header = CIN_HEADER.replace("DOB", "Date of brith")
    result = read(cin_csv(cin_row(), header=header))

    assert result.accepted
    assert summary(result.problems) == {
        (None, "Date of brith", None, "query", "header_read_as"),
    }
    assert result.problems[0].message == (
        "Column 'Date of brith' (D) is read as 'Date of birth'. If it is something else, rename it."
    )
    assert result.rows[0].values["date_of_birth"] == dt.date(2015, 1, 1)


def test_missing_column_message_suggests_a_header_not_close_enough_to_read() -> None:
    header = CIN_HEADER.replace("DOB", "Birth certificate number")
    result = read(cin_csv(cin_row(), header=header))

    missing = next(p for p in result.problems if p.code == "missing_column")
    assert missing.column == "Date of birth"
    assert missing.field == "date_of_birth"
    assert missing.message == (
        "The list has no 'Date of birth' column (also read: 'DOB', 'D.O.B.', 'Birthdate', "
        "'Child's date of birth'). Add it. Column 'Birth certificate number' may be it: rename it."
    )
    unknown = next(p for p in result.problems if p.code == "unknown_column")
    assert "Did you mean 'Date of birth'?" in unknown.message


def test_values_under_no_header_are_a_query() -> None:
    result = read(cin_csv(cin_row() + ",,surprise"))

    assert result.accepted
    assert [(p.code, p.severity) for p in result.problems] == [("blank_header", QUERY)]
    assert "Column Q" in result.problems[0].message


def test_rows_with_values_only_in_ignored_columns_are_skipped_with_a_query() -> None:
    header = CIN_HEADER + ",Notes"
    blank = "," * CIN_HEADER.count(",")
    footer = blank + ",Extracted from the case system on 15/04/2024"
    result = read(cin_csv(cin_row() + ",", footer, header=header))

    assert result.accepted
    assert [row.row_number for row in result.rows] == [2]
    assert summary(result.problems) == {
        (None, "Notes", None, "query", "unknown_column"),
        (3, None, None, "query", "row_ignored"),
    }


def test_missing_optional_column_is_fine() -> None:
    header = CIN_HEADER.replace(",Date last seen", "")
    row = cin_row().replace("N1,,", "N1,")
    result = read(cin_csv(row, header=header))

    assert result.accepted, result.problems
    assert result.rows[0].values["date_last_seen"] is None


# --- Values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12/03/2024", dt.date(2024, 3, 12)),
        ("1/3/24", dt.date(2024, 3, 1)),
        ("01/03/99", dt.date(1999, 3, 1)),
        ("12.03.2024", dt.date(2024, 3, 12)),
        ("12-03-2024", dt.date(2024, 3, 12)),
        ("2024-03-12", dt.date(2024, 3, 12)),
        ("2024-03-12T00:00:00", dt.date(2024, 3, 12)),
        ("12/03/2024 00:00", dt.date(2024, 3, 12)),
        ("12 March 2024", dt.date(2024, 3, 12)),
        ("12 mar 2024", dt.date(2024, 3, 12)),
        ("12-Mar-24", dt.date(2024, 3, 12)),
        ("1st Sept 2023", dt.date(2023, 9, 1)),
        (dt.date(2024, 3, 12), dt.date(2024, 3, 12)),
        (dt.datetime(2024, 3, 12, 9, 30), dt.date(2024, 3, 12)),
        (45363.0, dt.date(2024, 3, 12)),
        (45363, dt.date(2024, 3, 12)),
        ("31/02/2019", None),
        ("13/13/2020", None),
        ("03/31/2024", None),
        ("01/01/1850", None),
        ("yesterday", None),
        ("2024", None),
        (True, None),
        (dt.time(9, 0), None),
    ],
)
def test_dates(cell: object, expected: dt.date | None) -> None:
    assert parse_date(cell, TODAY) == expected  # type: ignore[arg-type]


def test_month_first_dates_get_a_hint() -> None:
    result = read(cin_csv(cin_row(dob="03/31/2015")))

    [problem] = result.problems
    assert problem.code == "invalid_date"
    assert "month comes first" in problem.message


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Y", True),
        ("y", True),
        ("Yes", True),
        ("YES", True),
        ("TRUE", True),
        ("true", True),
        ("1", True),
        ("N", False),
        ("no", False),
        ("False", False),
        ("0", False),
    ],
)
def test_yes_no(written: str, expected: bool) -> None:
    result = read(cin_csv(cin_row(da=written)))

    assert result.accepted
    assert result.rows[0].values["domestic_abuse"] is expected


@pytest.mark.parametrize("written", ["12", " 12 ", "12.0", "+12"])
def test_integers(written: str) -> None:
    result = read(cin_csv(cin_row(dob="01/01/2012", age=written)))

    assert result.accepted, result.problems
    assert result.rows[0].values["age_years"] == 12


@pytest.mark.parametrize("written", ["twelve", "12.5", "-2", "12 years"])
def test_bad_integers_are_errors(written: str) -> None:
    result = read(cin_csv(cin_row(age=written)))

    assert [(p.code, p.value) for p in result.problems] == [("invalid_integer", written)]


@pytest.mark.parametrize(
    ("code_set", "written", "code"),
    [
        (CATEGORY_OF_ABUSE, "Emotional abuse", "EMO"),
        (CATEGORY_OF_ABUSE, "emotional", "EMO"),
        (CATEGORY_OF_ABUSE, "  EMOTIONAL   ABUSE ", "EMO"),
        (CATEGORY_OF_ABUSE, "emo", "EMO"),
        (CATEGORY_OF_ABUSE, "Physical", "PHY"),
        (CATEGORY_OF_ABUSE, "Emotional abuse (EMO)", "EMO"),
        (PRIMARY_NEED, "N1 - Abuse or neglect", "N1"),
        (PRIMARY_NEED, "N4: Family in acute stress", "N4"),
        (PRIMARY_NEED, "N5 Family dysfunction", "N5"),
        (PRIMARY_NEED, "n 0", "N0"),
        (PRIMARY_NEED, "Child’s disability or illness", "N2"),
        (ETHNICITY, "White: British", "WBRI"),
        (ETHNICITY, "white-british", "WBRI"),
        (ETHNICITY, "Gypsy / Roma", "WROM"),
        (GENDER, "a) Male", "M"),
        (GENDER, "girl", "F"),
        (GENDER, "9", "U"),
    ],
)
def test_codes_read_from_their_code_label_or_alias(
    code_set: CodeSet, written: str, code: str
) -> None:
    assert CodeLookup(code_set).find(written) == code


@pytest.mark.parametrize(
    ("code_set", "written"),
    [
        (CATEGORY_OF_ABUSE, "Financial"),
        (CATEGORY_OF_ABUSE, "NEG - Physical abuse"),  # code and label disagree
        (PRIMARY_NEED, "N10"),
        (GENDER, "X"),
    ],
)
def test_unknown_codes(code_set: CodeSet, written: str) -> None:
    assert CodeLookup(code_set).find(written) is None


def test_postcodes_are_normalised() -> None:
    header = "Child ID,Known to YOT,NPS working with adult,CRC working with adult,"
    header += "Police investigation or criminal proceedings,Court orders for adult family members,"
    header += "Looked after,Looked after by,Postcode"
    rows = [
        "S1,N,N,N,N,N,N,,sw1a1aa",
        "S2,N,N,N,N,N,Y,Another Council,  m1   1ae ",
        "S3,N,N,N,N,N,N,,B33 8TH",
        "S4,N,N,N,N,N,N,,SW1A",
        "S5,N,N,N,N,N,N,,not known",
    ]
    result = read(cin_csv(*rows, header=header), spec=SELECTED_CHILDREN)

    assert [row.values["postcode"] for row in result.rows[:3]] == ["SW1A 1AA", "M1 1AE", "B33 8TH"]
    assert result.rows[1].values["looked_after"] is True
    assert summary(result.problems) == {
        (5, "Postcode", "SW1A", "error", "invalid_postcode"),
        (6, "Postcode", "not known", "error", "invalid_postcode"),
    }


def test_blank_required_values_are_errors_and_blank_optional_values_none() -> None:
    result = read(cin_csv(cin_row(need="", closure="NULL"), cin_row("C2", gender=" - ")))

    assert summary(result.problems) == {
        (2, "Primary need", None, "error", "missing_value"),
        (3, "Gender", "-", "error", "missing_value"),
    }
    assert result.rows[0].values["cin_closure_date"] is None
    assert not result.accepted


def test_text_is_stripped() -> None:
    result = read(cin_csv(cin_row("  C1  ")))

    assert result.rows[0].values["child_id"] == "C1"


# --- Row rules ------------------------------------------------------------------------------------


def test_unborn_child_may_leave_date_of_birth_and_age_blank() -> None:
    result = read(cin_csv(cin_row(dob="", edd="01/06/2024", age="", gender="Unborn")))

    assert result.problems == []
    assert result.rows[0].values["date_of_birth"] is None
    assert result.rows[0].values["age_years"] is None
    assert result.rows[0].values["gender"] == "U"


def test_unborn_child_with_age_zero_is_fine_but_another_age_is_a_query() -> None:
    result = read(
        cin_csv(
            cin_row(dob="", edd="01/06/2024", age="0"),
            cin_row("C2", dob="", edd="01/06/2024", age="3"),
        )
    )

    assert summary(result.problems) == {(3, "Age", "3", "query", "age_of_unborn_child")}


def test_blank_date_of_birth_without_expected_date_is_an_error_naming_the_edd_column() -> None:
    result = read(cin_csv(cin_row(dob="", age="")))

    assert summary(result.problems) == {
        (2, "DOB", None, "error", "missing_value"),
        (2, "Age", None, "error", "missing_value"),
    }
    assert "give the expected date of birth in 'EDD'" in result.problems[0].message


def test_expected_date_of_birth_rules() -> None:
    result = read(
        cin_csv(
            cin_row("C1", dob="", edd="31/03/2024", age=""),  # 15 days before: born by now
            cin_row("C2", dob="", edd="01/04/2024", age=""),  # 14 days before: overdue, fine
            cin_row("C3", dob="", edd="01/03/2025", age=""),  # over ten months away
            cin_row("C4", dob="01/01/2015", edd="01/01/2015"),  # with a date of birth
            cin_row("C5", dob="01/08/2024", edd="01/08/2024", age=""),  # DOB after the list's date
            cin_row("C6", dob="", edd="not yet", age=""),  # unreadable, but still unborn
        )
    )

    assert summary(result.problems) == {
        (2, "EDD", "31/03/2024", "error", "expected_date_of_birth_past"),
        (4, "EDD", "01/03/2025", "query", "expected_date_of_birth_far"),
        (5, "EDD", "01/01/2015", "query", "expected_date_of_birth_with_date_of_birth"),
        (6, "DOB", "01/08/2024", "error", "future_date_of_birth"),
        (7, "EDD", "not yet", "error", "invalid_date"),
    }
    # Queries keep the values as written.
    assert result.rows[3].values["expected_date_of_birth"] == dt.date(2015, 1, 1)
    assert result.rows[3].values["date_of_birth"] == dt.date(2015, 1, 1)


def test_future_date_of_birth_is_an_error() -> None:
    result = read(cin_csv(cin_row(dob="16/04/2024", age="0")))

    assert summary(result.problems) == {(2, "DOB", "16/04/2024", "error", "future_date_of_birth")}
    assert not result.accepted


def test_date_of_birth_today_is_fine() -> None:
    result = read(cin_csv(cin_row(dob="15/04/2024", age="0")))

    assert result.accepted and result.problems == []


@pytest.mark.parametrize(
    ("dob", "age", "agrees"),
    [
        ("15/04/2015", "9", True),  # ninth birthday today
        ("16/04/2015", "8", True),  # ninth birthday tomorrow
        ("16/04/2015", "9", True),  # nine by the deadline two weeks on, when it was extracted
        ("30/04/2015", "9", False),  # nine only after those two weeks
        ("01/04/2015", "8", True),  # turned 9 two weeks ago: age taken at extraction
        ("01/04/2015", "9", True),
        ("01/01/2015", "8", False),
        ("01/01/2015", "10", False),
    ],
)
def test_stated_age_is_checked_against_date_of_birth(dob: str, age: str, agrees: bool) -> None:
    result = read(cin_csv(cin_row(dob=dob, age=age)))

    assert result.accepted
    assert codes(result) == ([] if agrees else ["age_mismatch"])


def test_duplicate_child_ids_are_queries_on_each_repeat() -> None:
    result = read(cin_csv(cin_row("C1"), cin_row("C2"), cin_row("C1"), cin_row("C1")))

    assert result.accepted
    assert summary(result.problems) == {
        (4, "Child ID", "C1", "query", "duplicate_child_id"),
        (5, "Child ID", "C1", "query", "duplicate_child_id"),
    }
    assert all("also on row 2" in p.message for p in result.problems)


def test_a_code_set_the_caller_did_not_give_is_a_programming_error() -> None:
    spec = ListSpec(
        code="x",
        title="X",
        coverage="",
        fields=(ListField("kind", "Kind", FieldType.CODE, code_set="missing"),),
    )
    with pytest.raises(ValueError, match="missing"):
        read_list(b"Kind\nA\n", "x.csv", spec, CODES, as_of=TODAY)


# --- Scale ----------------------------------------------------------------------------------------


def test_ten_thousand_rows() -> None:
    genders = ("Male", "F", "U", "2")
    needs = ("N1", "Abuse or neglect", "N4", "Family dysfunction", "N2 - Child's disability")
    rows = []
    for number in range(10_000):
        born = dt.date(2008, 1, 1) + dt.timedelta(days=number % 5000)
        age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        rows.append(
            f"LA{number:06d},{genders[number % 4]},WBRI,{born:%d/%m/%Y},,{age},N,"
            f"{dt.date(2024, 1, 1) + dt.timedelta(days=number % 90):%Y-%m-%d},"
            f"{needs[number % 5]},,,,Team {number % 12},Worker {number % 150},"
            f"{'Y' if number % 3 else 'N'}"
        )
    rows[4_998] = rows[4_998].replace(",N,", ",maybe,", 1)  # file row 5000
    rows[9_998] = rows[9_998].replace("LA009998", "LA000001")  # file row 10000

    result = read(cin_csv(*rows))

    assert len(result.rows) == 10_000
    assert result.rows[-1].row_number == 10_001
    assert summary(result.problems) == {
        (5000, "Disability", "maybe", "error", "invalid_yes_no"),
        (10000, "Child ID", "LA000001", "query", "duplicate_child_id"),
    }
    assert not result.accepted
    assert result.rows[1].values["primary_need"] == "N1"
    assert result.rows[4].values["primary_need"] == "N2"
    assert {row.values["gender"] for row in result.rows} == {"M", "F", "U"}
