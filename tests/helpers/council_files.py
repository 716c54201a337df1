"""Synthetic council files: Annex A lists as local authorities really send them, and hostile files.

Every child is made up (IDs 'SYN-...', no names). :func:`council_list` writes a children-in-need or
child-protection list the way councils' exports and the ILACS Annex A template write it (DOMAIN.md
4.2a): the template's own header wording or shortened variants of it, code labels instead of codes,
a BOM, DD/MM/YYYY text or Excel date cells, unborn children with age -1 or blank, title rows above
the headers. It returns the bytes together with the values the reader must give for each row, so a
test can compare every field. :func:`broken_list` adds problems at known rows and columns.

The hostile files are what no list is: a cell at XFD1048576, zip bombs (honest and lying about
their sizes), thousands of columns, a huge cell, too many shared strings or zip parts, and files
that are not spreadsheets at all.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openpyxl

from core.contributions import ListSpec
from plugins.ofsted.requests import CHILD_PROTECTION_PLANS, CHILDREN_IN_NEED

AS_OF = dt.date(2016, 3, 8)  # a Tuesday, notification day in the 2016 guidance

# The ILACS Annex A template's headers (lists 6 and 7) plus the JTAI's domestic abuse column, as
# councils' templates (Data to Insight's, Social Finance's) carry them, by field name.
TEMPLATE: dict[str, str] = {
    "child_id": "Child Unique ID",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "date_of_birth": "Date of Birth",
    "expected_date_of_birth": "Expected Date of Birth",
    "age_years": "Age of Child (Years)",
    "disability": "Does the Child have a Disability",
    "cin_start_date": "CIN Start Date",
    "primary_need": "Primary Need Code",
    "date_last_seen": "Date Child Was Last Seen",
    "cin_closure_date": "CIN Closure Date",
    "reason_for_closure": "Reason for Closure",
    "allocated_team": "Allocated Team",
    "allocated_worker": "Allocated Worker",
    "cp_plan_start_date": "Child Protection Plan Start Date",
    "initial_category_of_abuse": "Initial Category of Abuse",
    "latest_category_of_abuse": "Latest Category of Abuse",
    "last_statutory_visit_date": "Date of the Last Statutory Visit",
    "seen_within_plan_timescales": (
        "Was the Child Seen in Accordance with Timescales by the Lead Social Worker"
    ),
    "seen_alone": "Was the child seen alone",
    "cp_plan_end_date": "Child Protection Plan End Date",
    "order_last_six_months": (
        "Subject to Emergency Protection Order, Care, Supervision Order or Police Protection in "
        "the Last 6 Months (Y/N)"
    ),
    "previous_cp_plans": "Number of Previous Child Protection Plans",
    "domestic_abuse": "Whether the child is living or has lived with domestic abuse (Y/N)",
}

# The template's headers as councils shorten and reword them: none is a field's own name, each
# must be read as its field with a QUERY saying so.
SHORTENED: dict[str, str] = {
    "expected_date_of_birth": "Unborn EDD",
    "age_years": "Child's age (yrs)",
    "disability": "Child disabled?",
    "date_last_seen": "Child last seen (date)",
    "seen_within_plan_timescales": "Seen in accordance with timescales",
    "order_last_six_months": (
        "Subject to EPO, Care, Supervision Order or Police Protection in the last 6 months"
    ),
    "previous_cp_plans": "No. of previous CP plans",
    "domestic_abuse": "Living or has lived with domestic abuse (Y/N)",
}

_GENDER_LABELS = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
_ETHNICITIES = {
    "WBRI": "White - British",
    "BAFR": "Black African",
    "MWBC": "Mixed - White and Black Caribbean",
}
_NEEDS = {"N1": "N1 - Abuse or neglect", "N4": "N4 - Family in acute stress"}
_CATEGORIES = {"EMO": "Emotional abuse", "NEG": "Neglect", "PHY": "Physical abuse"}
_LABELS = {
    "gender": _GENDER_LABELS,
    "ethnicity": _ETHNICITIES,
    "primary_need": _NEEDS,
    "initial_category_of_abuse": _CATEGORIES,
    "latest_category_of_abuse": _CATEGORIES,
}


@dataclass(frozen=True, slots=True)
class CouncilList:
    """A council's file, and what reading it must give: one dict of values per data row."""

    data: bytes
    filename: str
    spec: ListSpec
    headers: list[str]
    expected: list[dict[str, object]]
    first_row: int  # the row number of the first data row, as the person sees it


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def children(spec: ListSpec, count: int, seed: int, as_of: dt.date = AS_OF) -> list[dict[str, Any]]:
    """``count`` made-up children for ``spec``, as typed values; every tenth one is unborn."""
    pick = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for number in range(count):
        unborn = number % 10 == 9
        born = None if unborn else as_of - dt.timedelta(days=pick.randint(40, 17 * 365))
        row: dict[str, Any] = dict.fromkeys(f.name for f in spec.fields)
        start = as_of - dt.timedelta(days=pick.randint(10, 300))
        row.update(
            child_id=f"SYN-{seed}-{number:05d}",
            gender="U" if unborn else pick.choice("MF"),
            ethnicity=pick.choice(sorted(_ETHNICITIES)),
            date_of_birth=born,
            expected_date_of_birth=as_of + dt.timedelta(days=pick.randint(20, 200))
            if unborn
            else None,
            age_years=None if born is None else _age(born, as_of),
            disability=pick.random() < 0.1,
            allocated_team=f"Locality team {pick.randint(1, 4)}",
            allocated_worker=f"SW-{pick.randint(100, 999)}",
            domestic_abuse=pick.random() < 0.4,
        )
        if spec is CHILDREN_IN_NEED:
            closed = pick.random() < 0.2
            row.update(
                cin_start_date=start,
                primary_need=pick.choice(sorted(_NEEDS)),
                date_last_seen=as_of - dt.timedelta(days=pick.randint(1, 30)),
                cin_closure_date=as_of - dt.timedelta(days=5) if closed else None,
                reason_for_closure="RC7" if closed else None,
            )
        else:
            row.update(
                cp_plan_start_date=start,
                initial_category_of_abuse=pick.choice(sorted(_CATEGORIES)),
                latest_category_of_abuse=pick.choice(sorted(_CATEGORIES)),
                last_statutory_visit_date=as_of - dt.timedelta(days=pick.randint(1, 20)),
                seen_within_plan_timescales=pick.random() < 0.8,
                seen_alone=pick.random() < 0.5,
                cp_plan_end_date=None,
                order_last_six_months=pick.random() < 0.1,
                previous_cp_plans=pick.randint(0, 3),
            )
        rows.append(row)
    return rows


def _written(name: str, value: object, *, labels: bool, excel: bool, unborn_age: str) -> object:
    """A value as a council writes it: labels for codes, DD/MM/YYYY text or a date cell, Y/N."""
    if name == "age_years" and value is None:
        return unborn_age or None
    if value is None:
        return None
    if isinstance(value, bool):
        return ("Yes" if value else "No") if labels else ("Y" if value else "N")
    if isinstance(value, dt.date):
        return value if excel else f"{value:%d/%m/%Y}"
    if labels and name in _LABELS:
        return _LABELS[name][str(value)]
    return value if excel else str(value)


def header_for(name: str, wording: str) -> str:
    """The header of field ``name`` in a given ``wording``: 'template', 'shortened' or 'labels'."""
    if wording == "shortened" and name in SHORTENED:
        return SHORTENED[name]
    if wording in ("template", "shortened"):
        return TEMPLATE[name]
    spec_fields = {f.name: f for f in (*CHILDREN_IN_NEED.fields, *CHILD_PROTECTION_PLANS.fields)}
    return spec_fields[name].label


def council_list(
    spec: ListSpec,
    *,
    file_format: str = "csv",
    wording: str = "template",
    labels: bool = True,
    bom: bool = False,
    unborn_age: str = "-1",
    title_rows: int = 0,
    count: int = 30,
    seed: int = 6,
    as_of: dt.date = AS_OF,
    reorder: bool = False,
    rows: list[dict[str, Any]] | None = None,
) -> CouncilList:
    """A well-formed list as a council sends it (see the module docstring)."""
    names = [f.name for f in spec.fields]
    if reorder:
        names = names[::-1]
    headers = [header_for(name, wording) for name in names]
    values = rows if rows is not None else children(spec, count, seed, as_of)
    excel = file_format == "xlsx"
    grid: list[list[object]] = [
        [f"{spec.title} (synthetic) - as at {as_of:%d/%m/%Y}"] for _ in range(title_rows)
    ]
    grid.append(list(headers))
    for row in values:
        grid.append(
            [
                _written(name, row[name], labels=labels, excel=excel, unborn_age=unborn_age)
                for name in names
            ]
        )
    data = xlsx_bytes(grid, sheet="List") if excel else csv_bytes(grid, bom=bom)
    expected = [dict(row) for row in values]
    for row in expected:
        if row["date_of_birth"] is None and unborn_age == "0":
            row["age_years"] = 0  # -1 and blank are read as no age; 0 is an age
    return CouncilList(
        data=data,
        filename=f"{spec.code}.{file_format}",
        spec=spec,
        headers=headers,
        expected=expected,
        first_row=title_rows + 2,
    )


def csv_bytes(grid: list[list[object]], *, bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for row in grid:
        writer.writerow(["" if cell is None else cell for cell in row])
    text = out.getvalue().encode("utf-8")
    return codecs.BOM_UTF8 + text if bom else text


def xlsx_bytes(grid: list[list[object]], *, sheet: str = "List") -> bytes:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in grid:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- A list with known problems ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrokenList:
    council: CouncilList
    problems: set[tuple[int, str, str]]  # (row, column header, code): every problem, no more


def broken_list(file_format: str = "csv") -> BrokenList:
    """A CP list in the template's wording with one problem on each of six known rows."""
    spec = CHILD_PROTECTION_PLANS
    rows = children(spec, 12, seed=7)
    header = TEMPLATE
    breaks: list[tuple[int, str, object, str]] = [  # (data row index, field, written, code)
        (0, "date_of_birth", "31/02/2012", "invalid_date"),
        (1, "gender", "Martian", "unknown_code"),
        (2, "age_years", "-2", "invalid_integer"),
        (3, "date_of_birth", f"{AS_OF + dt.timedelta(days=3):%d/%m/%Y}", "future_date_of_birth"),
        (4, "seen_alone", "Sometimes", "invalid_yes_no"),
        (5, "initial_category_of_abuse", "", "missing_value"),
    ]
    council = council_list(spec, file_format=file_format, rows=rows)
    if file_format == "xlsx":
        raise ValueError("broken lists are CSV: a workbook would type the broken cells")
    grid = [line.split(",") for line in council.data.decode().split("\r\n") if line]
    names = [f.name for f in spec.fields]
    problems: set[tuple[int, str, str]] = set()
    for index, name, written, code in breaks:
        grid[1 + index][names.index(name)] = str(written)
        problems.add((council.first_row + index, header[name], code))
    # An unborn child with age -1 but no expected date of birth: accepted, queried.
    unborn = next(index for index, row in enumerate(rows) if row["date_of_birth"] is None)
    grid[1 + unborn][names.index("expected_date_of_birth")] = ""
    grid[1 + unborn][names.index("date_of_birth")] = "01/01/2015"
    problems.add((council.first_row + unborn, header["age_years"], "unborn_age_with_date_of_birth"))
    data = ("\r\n".join(",".join(row) for row in grid) + "\r\n").encode()
    return BrokenList(
        council=CouncilList(
            data, council.filename, spec, council.headers, council.expected, council.first_row
        ),
        problems=problems,
    )


# --- Hostile files -------------------------------------------------------------------------------


def far_cell_xlsx() -> bytes:
    """A workbook of two cells, A1 and XFD1048576: 1.6 KB that calamine would build 512 GB of."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "Child Unique ID"
    sheet["XFD1048576"] = "x"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _workbook_with(extra: dict[str, bytes | Callable[[zipfile.ZipFile], None]]) -> bytes:
    """A real small CP list workbook, with parts added or replaced."""
    base = council_list(CHILD_PROTECTION_PLANS, file_format="xlsx", count=3).data
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename not in extra:
                target.writestr(info, source.read(info))
        for name, content in extra.items():
            if callable(content):
                content(target)
            else:
                target.writestr(name, content)
    return out.getvalue()


def zip_bomb_xlsx(megabytes: int = 200) -> bytes:
    """A workbook with a sheet padded to ``megabytes`` MB of blanks: ~200 KB on the wire."""

    def write(target: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=False) as part:
            part.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            blank = b" " * (1 << 20)
            for _ in range(megabytes):
                part.write(blank)
            part.write(b"</sheetData></worksheet>")

    return _workbook_with({"xl/worksheets/sheet1.xml": write})


def lying_zip_bomb_xlsx() -> bytes:
    """The bomb with its sheet's declared size rewritten to 2 KB in both zip headers."""
    data = bytearray(zip_bomb_xlsx(megabytes=20))
    name = b"xl/worksheets/sheet1.xml"
    end = data.rfind(b"PK\x05\x06")
    entries, _, position = struct.unpack_from("<HLL", data, end + 10)
    for _ in range(entries):
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        if data[position + 46 : position + 46 + name_length] == name:
            struct.pack_into("<L", data, position + 24, 2048)  # central directory: size
            (local,) = struct.unpack_from("<L", data, position + 42)
            struct.pack_into("<L", data, local + 22, 2048)  # local header: size
        position += 46 + name_length + extra_length + comment_length
    return bytes(data)


_SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def sheet_xlsx(sheet_data: bytes, *, before: bytes = b"") -> bytes:
    """A workbook whose sheet holds ``sheet_data`` (``before`` it: a <dimension>, say)."""
    xml = _SHEET + before + b"<sheetData>" + sheet_data + b"</sheetData></worksheet>"
    return _workbook_with({"xl/worksheets/sheet1.xml": xml})


# Ways of writing a far cell calamine reads as far: each must be found before calamine sees it.
FAR_CELLS: dict[str, tuple[bytes, bytes]] = {
    "lower case, single quotes": (b"<row r='1'><c r='xfd1048576' t='n'><v>1</v></c></row>", b""),
    "prefixed tags": (
        b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="1">'
        b'<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
        b"",
    ),
    "a cell below its row": (b'<row r="1"><c r="A300000"><v>1</v></c></row>', b""),
    "spaces around the equals sign": (b'<row r="1"><c r = " B900000 "><v>1</v></c></row>', b""),
    "cells without references": (b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>", b""),
    "cells without references, counted away by look-alike attributes": (
        b"<row>"
        + b"<c><v>1</v></c>" * 300
        + b'</row><row r="2">'
        + b'<c r="A2" xr="B2"><v>1</v></c>' * 300
        + b"</row>",
        b"",
    ),
    "rows without references": (b'<row r="199999"/>' + b"<row><c><v>1</v></c></row>" * 3, b""),
    "a declared dimension": (
        b'<row r="1"><c r="A1"><v>1</v></c></row>',
        b'<dimension ref="A1:XFD1048576"/>',
    ),
}


def commented_xlsx(comment: bytes) -> bytes:
    """A small CP list workbook whose zip archive carries ``comment``."""
    source = zipfile.ZipFile(
        io.BytesIO(council_list(CHILD_PROTECTION_PLANS, file_format="xlsx", count=3).data)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.comment = comment
    return out.getvalue()


def many_shared_strings_xlsx(count: int) -> bytes:
    strings = b"".join(b"<si><t>s%d</t></si>" % number for number in range(count))
    xml = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        b'main" count="%d" uniqueCount="%d">' % (count, count) + strings + b"</sst>"
    )
    return _workbook_with({"xl/sharedStrings.xml": xml})


def many_parts_zip(parts: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for number in range(parts):
            target.writestr(f"xl/media/empty{number}.xml", b"")
    return out.getvalue()


def wide_csv(columns: int) -> bytes:
    """A header of ``columns`` unknown names (and one row under them)."""
    header = ",".join(f"Extract field {number} for local reporting" for number in range(columns))
    row = ",".join(str(number) for number in range(columns))
    return f"{header}\r\n{row}\r\n".encode()


def huge_cell_csv(characters: int) -> bytes:
    council = council_list(CHILDREN_IN_NEED, count=2)
    text = council.data.decode()
    return text.replace("Locality team", "x" * characters + " team", 1).encode()


NOT_SPREADSHEETS: dict[str, bytes] = {
    "photo.xlsx": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "list.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "archive.xlsx": many_parts_zip(3),
    "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
}
