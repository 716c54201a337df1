"""Turning uploaded bytes into a grid of cells: CSV (sniffed encoding and delimiter) or XLSX.

The grid keeps the file's own row numbering: ``rows[i]`` is the row the person sees as row
``i + 1`` (in Excel, or in a spreadsheet program opening the CSV). Anything that stops the file
being read at all raises :class:`FileProblem`, which becomes a file-level ERROR: so does a file
beyond :class:`~core.lists.limits.ListLimits`, found before its cells are materialised (a CSV's
cells are bounded by counting its delimiters first, an XLSX is measured by
:mod:`core.lists.xlsx_guard`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import PurePath
from typing import cast

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from core.lists.limits import DEFAULT_LIMITS, SETTING_NAMES, ListLimits
from core.lists.result import FileProblem
from core.lists.xlsx_guard import check_xlsx, column_letters

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
"""One cell as read: always ``str`` from a CSV; whatever calamine returns from an XLSX."""

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
ZIP_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a zip archive
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls, or an encrypted .xlsx

_DELIMITERS = (",", "\t", ";")  # in order of preference when the counts tie
_SNIFF_LINES = 10
_QUOTED = re.compile(r'"[^"]*"')
_SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)
_SHEET_NAME_LENGTH = 31  # Excel cuts sheet names to 31 characters
_ALNUM = re.compile(r"[^0-9a-z]+")

_SAVE_AS = "Save it as an Excel Workbook (.xlsx) or as CSV (comma delimited) and upload it again."


@dataclass(frozen=True, slots=True)
class Grid:
    file_format: str  # "csv" or "xlsx"
    rows: Sequence[Sequence[Cell]]
    sheet: str | None = None


def read_grid(
    data: bytes, filename: str, titles: Sequence[str], limits: ListLimits = DEFAULT_LIMITS
) -> Grid:
    """Read ``data`` as CSV or XLSX, chosen by ``filename``'s extension and the magic bytes.

    ``titles`` are names a worksheet holding the list may have (the list's title and code); a
    workbook's first visible worksheet is read unless one of its sheets is named so. A file beyond
    ``limits`` is refused before its cells are read.
    """
    extension = PurePath(filename).suffix.lower()
    if not data.strip():
        raise FileProblem("empty_file", f"The file '{filename}' is empty.")
    is_zip = data.startswith(ZIP_MAGIC)
    if data.startswith(OLE_MAGIC) and extension in XLSX_EXTENSIONS | CSV_EXTENSIONS | {"", ".xls"}:
        raise FileProblem(
            "old_or_protected_excel",
            f"'{filename}' is an old-format Excel file (.xls) or a password-protected workbook. "
            f"Remove any password. {_SAVE_AS}",
        )
    if extension in XLSX_EXTENSIONS:
        if not is_zip:
            raise FileProblem(
                "not_xlsx",
                f"'{filename}' is named {extension} but is not an Excel workbook. {_SAVE_AS}",
            )
        return _read_xlsx(data, filename, titles, limits)
    if extension in CSV_EXTENSIONS or not extension:
        # Some case management systems name an XLSX export .csv; read what the file is.
        if is_zip:
            return _read_xlsx(data, filename, titles, limits)
        return _read_csv(data, filename, limits)
    raise FileProblem(
        "unsupported_format",
        f"'{filename}' is a {extension} file, which cannot be read as a list. {_SAVE_AS}",
    )


# --- CSV ------------------------------------------------------------------------------------------


def _decode(data: bytes, filename: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise _unreadable_text(filename) from error
    if b"\x00" in data:
        raise _unreadable_text(filename)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # what Excel on Windows writes for 'CSV (comma delimited)'
    except UnicodeDecodeError:
        return data.decode("latin-1")  # never fails: the five bytes cp1252 leaves undefined


def _unreadable_text(filename: str) -> FileProblem:
    return FileProblem(
        "unreadable_text", f"'{filename}' is not a text (CSV) file that can be read. {_SAVE_AS}"
    )


def _sniff_delimiter(lines: Sequence[str]) -> str:
    sample = [_QUOTED.sub("", line) for line in lines[:_SNIFF_LINES]]
    counts = {delimiter: sum(line.count(delimiter) for line in sample) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])  # first of equal counts wins
    return best if counts[best] else ","


def _first_lines(text: str, wanted: int) -> list[str]:
    """The text's first lines, as ``str.splitlines`` splits them, ``wanted`` non-blank ones at
    least (or all there are), without splitting all of a long file."""
    size = 1 << 16
    while size < len(text):
        lines = text[:size].splitlines()[:-1]  # the last may be cut short
        if sum(1 for line in lines if line.strip()) >= wanted:
            return lines
        size *= 4
    return text.splitlines()


def _read_csv(data: bytes, filename: str, limits: ListLimits) -> Grid:
    text = _decode(data, filename)
    lines = _first_lines(text, _SNIFF_LINES + 1)  # a 'sep=' line, then the lines to sniff
    delimiter: str | None = None
    if lines and (sep := _SEP_LINE.fullmatch(lines[0].strip())):
        # Excel's 'sep=;' first line names the delimiter and is not shown as a row.
        delimiter = sep.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
        lines = lines[1:]
    if delimiter is None:
        delimiter = _sniff_delimiter([line for line in lines if line.strip()])
    # A CSV holds at most one cell more than it has delimiters and line ends: when that is within
    # the limit the whole file is read at C speed, else row by row, stopping at the limit.
    most = text.count(delimiter) + text.count("\n") + text.count("\r") + 1
    try:
        if most <= limits.max_cells:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            # Tuples, not lists: the garbage collector stops tracking a tuple of strings, so
            # thousands of rows held while the list is read do not make it sweep the whole heap.
            rows: list[tuple[str, ...]] = list(map(tuple, reader))
        else:
            rows = _bounded_rows(text, delimiter, filename, limits)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise _cell_too_long(filename, None, None, len(text), limits) from error
        raise FileProblem(
            "unreadable_csv", f"'{filename}' could not be read as CSV ({error}). {_SAVE_AS}"
        ) from error
    _check_grid(rows, filename, limits, longest_possible=len(text))
    return Grid("csv", rows)


def _bounded_rows(
    text: str, delimiter: str, filename: str, limits: ListLimits
) -> list[tuple[str, ...]]:
    """The rows of a CSV that may be over the cell limit, read one by one up to the limits."""
    longest_line = limits.max_columns * (limits.max_cell_chars + 3)  # quotes and delimiter

    def lines() -> Iterator[str]:
        for number, line in enumerate(io.StringIO(text, newline=""), start=1):
            if len(line) > longest_line:  # else one row could be millions of cells
                raise _too_many_columns(filename, line.count(delimiter) + 1, limits, number)
            yield line

    rows: list[tuple[str, ...]] = []
    cells = 0
    for row in csv.reader(lines(), delimiter=delimiter):
        if len(row) > limits.max_columns:
            raise _too_many_columns(filename, len(row), limits, len(rows) + 1)
        if len(rows) >= limits.max_rows:
            raise _too_many_rows(filename, limits)
        cells += len(row)
        if cells > limits.max_cells:
            raise _limit(
                "too_many_cells",
                "max_cells",
                f"'{filename}' has more than {limits.max_cells:,} cells (by row {len(rows) + 1})",
                limits,
            )
        rows.append(tuple(row))
    return rows


def _limit(code: str, limit: str, what: str, limits: ListLimits) -> FileProblem:
    value = getattr(limits, limit)
    return FileProblem(
        code,
        f"{what}; a list may have at most {value:,} (setting {SETTING_NAMES[limit]}). Send the "
        "list alone, without other data around it, or ask the inspection team.",
    )


def _too_many_rows(filename: str, limits: ListLimits) -> FileProblem:
    return _limit(
        "too_many_rows", "max_rows", f"'{filename}' has more than {limits.max_rows:,} rows", limits
    )


def _too_many_columns(
    filename: str, width: int, limits: ListLimits, row: int | None
) -> FileProblem:
    where = f" (row {row:,})" if row is not None else ""
    return _limit(
        "too_many_columns",
        "max_columns",
        f"'{filename}' has a row of {width:,} columns{where}",
        limits,
    )


def _cell_too_long(
    filename: str, row: int | None, column: int | None, length: int, limits: ListLimits
) -> FileProblem:
    where = (
        f"Row {row:,}, column {column_letters(column + 1)} of '{filename}' holds {length:,} "
        "characters"
        if row is not None and column is not None
        else f"'{filename}' has a cell of over {limits.max_cell_chars:,} characters"
    )
    return _limit("cell_too_long", "max_cell_chars", where, limits)


def _check_grid(
    rows: Sequence[Sequence[Cell]], filename: str, limits: ListLimits, longest_possible: int
) -> None:
    """Refuse a grid over the row, column or cell-length limits, or whose rectangle (what the row
    rules pad its short rows to) is over the cell limit."""
    if len(rows) > limits.max_rows:
        raise _too_many_rows(filename, limits)
    width = max(map(len, rows), default=0)
    if width > limits.max_columns:
        row = next(index for index, cells in enumerate(rows, start=1) if len(cells) == width)
        raise _too_many_columns(filename, width, limits, row)
    if len(rows) * width > limits.max_cells:
        raise _limit(
            "too_many_cells",
            "max_cells",
            f"'{filename}' has {len(rows):,} rows and a row of {width:,} columns, "
            f"{len(rows) * width:,} cells",
            limits,
        )
    if longest_possible <= limits.max_cell_chars:
        return
    texts = cast(Iterator[str], filter(str.__instancecheck__, chain.from_iterable(rows)))
    if max(map(len, texts), default=0) > limits.max_cell_chars:
        for number, cells in enumerate(rows, start=1):
            for index, cell in enumerate(cells):
                if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
                    raise _cell_too_long(filename, number, index, len(cell), limits)


# --- XLSX -----------------------------------------------------------------------------------------


def _sheet_key(name: str) -> str:
    return _ALNUM.sub("", name.casefold())


def _choose_sheet(workbook: CalamineWorkbook, titles: Sequence[str]) -> str | None:
    worksheets = [
        sheet
        for sheet in workbook.sheets_metadata
        if sheet.typ == SheetTypeEnum.WorkSheet and sheet.visible == SheetVisibleEnum.Visible
    ] or [sheet for sheet in workbook.sheets_metadata if sheet.typ == SheetTypeEnum.WorkSheet]
    if not worksheets:
        return None
    wanted = [_sheet_key(title) for title in titles]
    for sheet in worksheets:
        key = _sheet_key(sheet.name)
        if not key:
            continue
        truncated = len(sheet.name) >= _SHEET_NAME_LENGTH - 2
        if any(key == title or (truncated and title.startswith(key)) for title in wanted):
            return sheet.name
    return worksheets[0].name


def _read_xlsx(data: bytes, filename: str, titles: Sequence[str], limits: ListLimits) -> Grid:
    check_xlsx(data, filename, limits)  # before calamine builds a single cell
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            name = _choose_sheet(workbook, titles)
            if name is None:
                raise FileProblem("no_sheet", f"The workbook '{filename}' has no worksheet.")
            # skip_empty_area=False keeps the rows and columns Excel numbers: row 1 is rows[0].
            sheet = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            rows = list(map(tuple, sheet))  # see _read_csv
    except CalamineError as error:
        raise FileProblem(
            "unreadable_xlsx",
            f"'{filename}' could not be read as an Excel workbook ({error}). {_SAVE_AS}",
        ) from error
    _check_grid(rows, filename, limits, longest_possible=limits.max_cell_chars + 1)
    return Grid("xlsx", rows, sheet=name)
