"""An XLSX workbook measured before calamine reads it: sizes, ratios and the cells it declares.

calamine builds a sheet's whole rectangle from A1 to its furthest cell at once, in Rust: a 1.6 KB
file with a cell at XFD1048576 asks for 512 GB and aborts the process, and a zip bomb of 200 KB
decompresses to 200 MB. So, before calamine sees a byte, :func:`check_xlsx`

1. reads the zip's end record (not the whole central directory) and refuses too many parts;
2. checks each part's declared size and compression ratio from the central directory;
3. decompresses every part itself, 1 MiB at a time, never trusting the declared sizes (a part
   that decompresses to more, or to other, than it declares is refused), and on the way counts the
   shared strings and finds the furthest cell each sheet declares: its ``<dimension ref>`` and the
   largest row and column of any ``r="..."`` reference (cells and rows without one are counted as
   if each went one further).

Nothing is kept but counters, so the memory used is a chunk and the time is one pass of zlib and
a few C-level searches over the XML (on a 10,000-row sheet, about as long as calamine takes).
The bounds are upper bounds: an empty row written far down, or a ``<dimension>`` larger than the
cells, is refused as if it held a cell, with a message saying how to remove it.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

from core.lists.limits import SETTING_NAMES, ListLimits
from core.lists.result import FileProblem

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_STORED, _DEFLATED = 0, 8
_CHUNK = 1 << 20  # decompressed bytes looked at in one go
_INPUT = 1 << 16  # compressed bytes fed to zlib in one go
_RATIO_FLOOR = 1 << 20  # a part smaller than this decompressed cannot hurt, whatever its ratio
_LONGEST_TAG = 1 << 20  # no tag of a real workbook is this long (the longest: data validations)

_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"  # a namespace prefix, as some writers use ('x:c')
# A cell or row reference, r="B12" or r="12", in any spelling XML allows (calamine reads letters
# then digits and refuses anything else itself). Any attribute whose name ends in r matches too
# (paper="9"): counted, it can only make the bound larger, and a leading [\s:] costs twice as much.
_REF_ROW = re.compile(rb"r\s*=\s*[\"']\s*[A-Za-z]*([0-9]+)")
_REF_COLUMN = re.compile(rb"r\s*=\s*[\"']\s*([A-Za-z]+)[0-9]")
_PREFIXED_TAG = re.compile(rb":(?:c|row|si)[\s/>]")
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c[\s/>]")
_ROW_TAG = re.compile(rb"<" + _PREFIX + rb"row[\s/>]")
# A cell or row tag without an r attribute of its own (a prefixed one, x:r, calamine does not read).
_UNREFERENCED = re.compile(rb"<(?:c|row)(?=[\s/>])(?![^>]*\sr\s*=)")
_UNREFERENCED_ANY = re.compile(rb"<" + _PREFIX + rb"(?:c|row)(?=[\s/>])(?![^>]*\sr\s*=)")
_ROW_END = re.compile(rb"</" + _PREFIX + rb"row\s*>")
_SHARED_STRING_TAG = re.compile(rb"<" + _PREFIX + rb"si[\s/>]")
_DIMENSION = re.compile(rb"<" + _PREFIX + rb"dimension\s[^>]*?ref\s*=\s*([\"'])(.*?)\1", re.DOTALL)
_CELL_REF = re.compile(rb"([A-Za-z]*)([0-9]+)")
_FURTHEST = 10**12  # any reference beyond every limit reads as this


def _too_big(code: str, limit: str, what: str, fix: str, limits: ListLimits) -> FileProblem:
    value = getattr(limits, limit)
    return FileProblem(
        code,
        f"{what}; a list may have at most {value:,} (setting {SETTING_NAMES[limit]}). {fix}",
    )


def _unsound(filename: str, why: str) -> FileProblem:
    return FileProblem(
        "unreadable_xlsx",
        f"'{filename}' could not be read as an Excel workbook ({why}). Open it in Excel, save it "
        "as an Excel Workbook (.xlsx) and upload it again.",
    )


def _number(digits: bytes) -> int:
    return int(digits or b"0") if len(digits) <= 12 else _FURTHEST


def _column(letters: bytes) -> int:
    return column_number(letters) if len(letters) <= 6 else _FURTHEST


def column_number(letters: bytes) -> int:
    """1 for A, 26 for Z, 27 for AA; case-blind, as calamine reads references."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True, slots=True)
class _Part:
    name: str
    method: int
    flags: int
    compressed: int
    size: int
    offset: int  # of its local header


@dataclass(slots=True)
class _Extent:
    """How far one part's cells reach, and how many shared strings it holds."""

    rows: int = 0  # the largest row number referenced
    columns: int = 0
    shared_strings: int = 0
    dimension: bytes | None = None
    sheet: bool = False  # has <sheetData>: the only cells calamine reads are in such parts
    # From the first row or cell written without a reference on (calamine puts it one further
    # than the last): the rows opened, the most cells in one row, the cells of the open row.
    unreferenced: bool = False
    row_tags: int = 0
    widest_row: int = 0
    open_row: int = 0

    def scan(self, xml: bytes) -> None:
        # C-level passes only (a 10,000-row sheet holds 130,000 references).
        rows = _REF_ROW.findall(xml)  # one list of bytes each: no tuples to build
        columns = _REF_COLUMN.findall(xml)
        if rows:
            self.rows = max(self.rows, *map(_number, {row.lstrip(b"0") for row in set(rows)}))
        if columns:
            self.columns = max(self.columns, *map(_column, set(columns)))
        prefixed = _PREFIXED_TAG.search(xml) is not None
        if not self.unreferenced:
            self.unreferenced = (_UNREFERENCED_ANY if prefixed else _UNREFERENCED).search(
                xml
            ) is not None
        if self.unreferenced:
            self.row_tags += len(_ROW_TAG.findall(xml))
            counts = [len(_CELL_TAG.findall(row)) for row in _ROW_END.split(xml)]
            counts[0] += self.open_row
            self.open_row = counts.pop()
            self.widest_row = max(self.widest_row, self.open_row, *counts)
        strings = xml.count(b"<si")
        if prefixed or strings:
            strings = len(_SHARED_STRING_TAG.findall(xml))
        self.shared_strings += strings
        self.sheet = self.sheet or b"sheetData" in xml
        found = self.dimension is None and b"dimension" in xml and _DIMENSION.search(xml)
        if found:
            self.dimension = found.group(2)

    def furthest(self) -> tuple[int, int]:
        """(rows, columns) calamine may build for this part: its references and, once a row or
        cell has none, each row one further and each row's cells as far right as it has cells
        (upper bounds)."""
        if not self.unreferenced:
            return self.rows, self.columns
        return self.rows + self.row_tags, self.columns + self.widest_row


def _end_record(data: bytes, filename: str) -> tuple[int, int]:
    """(entries, central directory offset), from the end record (ZIP64's when it says so)."""
    start = data.rfind(_EOCD, max(0, len(data) - _EOCD_SIZE - 0xFFFF))
    if start < 0 or len(data) < start + _EOCD_SIZE:
        raise _unsound(filename, "its zip directory is missing")
    entries, _size, offset, comment = struct.unpack_from("<HLLH", data, start + 10)
    if start + _EOCD_SIZE + comment != len(data):
        # A signature inside the archive's comment, or bytes after it: readers could disagree on
        # which directory is the archive's, so none is trusted.
        raise _unsound(filename, "its zip directory is ambiguous")
    if entries == 0xFFFF or offset == 0xFFFFFFFF:
        locator = start - 20
        if locator < 0 or data[locator : locator + 4] != _ZIP64_LOCATOR:
            raise _unsound(filename, "its zip directory is missing")
        (record,) = struct.unpack_from("<Q", data, locator + 8)
        if data[record : record + 4] != _ZIP64_EOCD:
            raise _unsound(filename, "its zip directory is damaged")
        entries, _size, offset = struct.unpack_from("<QQQ", data, record + 32)
    return entries, offset


def _parts(data: bytes, filename: str, limits: ListLimits) -> list[_Part]:
    entries, offset = _end_record(data, filename)
    if entries > limits.xlsx_max_parts:
        raise _too_big(
            "too_many_parts",
            "xlsx_max_parts",
            f"'{filename}' is a zip archive of {entries:,} parts, which no list workbook needs",
            "Save the list alone as an Excel Workbook (.xlsx).",
            limits,
        )
    parts: list[_Part] = []
    position = offset
    for _ in range(entries):
        if data[position : position + 4] != _CENTRAL:
            raise _unsound(filename, "its zip directory is damaged")
        flags, method = struct.unpack_from("<HH", data, position + 8)
        compressed, size, name_length, extra_length, comment_length = struct.unpack_from(
            "<LLHHH", data, position + 20
        )
        (local,) = struct.unpack_from("<L", data, position + 42)
        name = data[position + 46 : position + 46 + name_length].decode("utf-8", "replace")
        if 0xFFFFFFFF in (compressed, size, local):
            raise _unsound(filename, f"part '{name}' is stored as ZIP64, which Excel never writes")
        parts.append(_Part(name, method, flags, compressed, size, local))
        position += 46 + name_length + extra_length + comment_length
    return parts


def _check_declared(parts: list[_Part], filename: str, limits: ListLimits) -> None:
    total = sum(part.size for part in parts)
    if total > limits.xlsx_max_uncompressed_bytes:
        raise _too_big(
            "workbook_too_large",
            "xlsx_max_uncompressed_bytes",
            f"'{filename}' decompresses to {total:,} bytes",
            "Send the list alone, without other sheets, pictures or formatting.",
            limits,
        )
    for part in parts:
        _check_ratio(part, part.size, filename, limits)


def _check_ratio(part: _Part, size: int, filename: str, limits: ListLimits) -> None:
    ratio = limits.xlsx_max_compression_ratio
    if size > _RATIO_FLOOR and size > ratio * max(part.compressed, 1):
        raise _too_big(
            "workbook_compression_ratio",
            "xlsx_max_compression_ratio",
            f"Part '{part.name}' of '{filename}' decompresses {size // max(part.compressed, 1):,} "
            "times over, as only a zip bomb or a sheet of millions of repeated cells does; the "
            "ratio",
            "Delete the empty formatted rows and columns, or copy the list into a new workbook.",
            limits,
        )


def _inflate(data: bytes, part: _Part, filename: str, limits: ListLimits, extent: _Extent) -> None:
    """Decompress ``part`` a chunk at a time into ``extent``, refusing it if it is not as
    declared."""
    if part.flags & 1:
        raise FileProblem(
            "old_or_protected_excel",
            f"'{filename}' is a password-protected workbook. Remove the password, save it as an "
            "Excel Workbook (.xlsx) and upload it again.",
        )
    if part.method not in (_STORED, _DEFLATED):
        raise _unsound(filename, f"part '{part.name}' is compressed in a way Excel never uses")
    header = part.offset
    if data[header : header + 4] != _LOCAL:
        raise _unsound(filename, f"part '{part.name}' is missing")
    name_length, extra_length = struct.unpack_from("<HH", data, header + 26)
    start = header + 30 + name_length + extra_length
    body = memoryview(data)[start : start + part.compressed]
    if len(body) != part.compressed:
        raise _unsound(filename, f"part '{part.name}' is cut short")
    cap = min(part.size, limits.xlsx_max_uncompressed_bytes)
    produced = 0
    carry = b""

    def take(chunk: bytes) -> None:
        nonlocal produced, carry
        produced += len(chunk)
        if produced > cap:
            raise _unsound(filename, f"part '{part.name}' holds more than it declares")
        _check_ratio(part, produced, filename, limits)
        text = carry + chunk
        cut = text.rfind(b"<")
        if cut < 0 or text.find(b">", cut) >= 0:
            cut = len(text)
        if len(text) - cut > _LONGEST_TAG:
            raise _unsound(filename, f"part '{part.name}' has a tag over a mebibyte long")
        extent.scan(text[:cut])
        carry = text[cut:]

    if part.method == _STORED:
        for begin in range(0, len(body), _CHUNK):
            take(bytes(body[begin : begin + _CHUNK]))
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            for begin in range(0, len(body), _INPUT):
                pending = bytes(body[begin : begin + _INPUT])
                while pending and not inflater.eof:
                    take(inflater.decompress(pending, _CHUNK))
                    pending = inflater.unconsumed_tail
            while not inflater.eof and (rest := inflater.decompress(b"", _CHUNK)):
                take(rest)
        except zlib.error as error:
            raise _unsound(filename, f"part '{part.name}' is damaged") from error
    extent.scan(carry)
    if produced != part.size:
        raise _unsound(filename, f"part '{part.name}' holds other than it declares")


def _check_extent(part: _Part, extent: _Extent, filename: str, limits: ListLimits) -> None:
    rows, columns = extent.furthest()
    where = f"Sheet part '{part.name}' of '{filename}'"
    fix = (
        "Delete the rows and columns beyond the list (select them, right-click, Delete) or copy "
        "the list into a new workbook."
    )
    if extent.dimension is not None:
        end = extent.dimension.split(b":")[-1].strip()
        if declared := _CELL_REF.fullmatch(end):
            letters, digits = declared.groups()
            rows = max(rows, _number(digits.lstrip(b"0")))
            if letters:
                columns = max(columns, _column(letters))
    if extent.unreferenced:
        fix = (
            "Some of its cells carry no reference (A1, B1...), so they were counted as far as "
            f"they could reach. {fix} Saving it from Excel writes the references."
        )
    if rows > limits.max_rows:
        raise _too_big("too_many_rows", "max_rows", f"{where} reaches row {rows:,}", fix, limits)
    if columns > limits.max_columns:
        reach = column_letters(columns) if columns < _FURTHEST else "beyond XFD"
        raise _too_big(
            "too_many_columns",
            "max_columns",
            f"{where} reaches column {reach} ({columns:,} columns)",
            fix,
            limits,
        )
    if rows * columns > limits.max_cells:
        raise _too_big(
            "too_many_cells",
            "max_cells",
            f"{where} spans {rows:,} rows by {columns:,} columns, {rows * columns:,} cells",
            fix,
            limits,
        )


def check_xlsx(data: bytes, filename: str, limits: ListLimits) -> None:
    """Raise :class:`FileProblem` unless calamine can read ``data`` within ``limits``."""
    parts = _parts(data, filename, limits)
    _check_declared(parts, filename, limits)
    shared_strings = 0
    for part in parts:
        extent = _Extent()
        _inflate(data, part, filename, limits, extent)
        shared_strings += extent.shared_strings
        if shared_strings > limits.xlsx_max_shared_strings:
            raise _too_big(
                "too_many_shared_strings",
                "xlsx_max_shared_strings",
                f"'{filename}' holds over {shared_strings:,} distinct texts",
                "Send the list alone, copied as values into a new workbook.",
                limits,
            )
        if extent.sheet:
            _check_extent(part, extent, filename, limits)
