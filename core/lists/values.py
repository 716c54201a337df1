"""Reading one cell as the typed value its field asks for.

:func:`make_reader` builds, once per column and upload, a function from a non-blank cell to either
its typed value or an :class:`Invalid` saying what is wrong with it. Every pattern is compiled once,
here, at import; code lookups are built once per code set and upload.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from core.contributions import CodeSet, FieldRule, FieldType, ListField
from core.lists.files import Cell

# Cells that mean 'nothing here' in exports: read as blank, then checked as blank.
BLANK_TEXTS = frozenset({"", "-", "--", "n/a", "na", "null", "none", "not applicable"})
EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!"}
)

_from_iso = dt.date.fromisoformat
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 31 December 1899 in Excel's 1900 system
_MIN_YEAR = 1900
_MAX_YEAR = 2100
_CENTURY_LOOKAHEAD = 20  # a two-digit year is 20xx unless over 20 years after the list's date

_TIME_SUFFIX = re.compile(r"[ t]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:z|am|pm)?$")
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_YMD = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})")
_D_MONTH_Y = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s/\-]*([a-z]+)\.?,?[\s/\-]*(\d{4}|\d{2})")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_INTEGER = re.compile(r"\+?(\d+)(?:\.0*)?")
_YES = frozenset({"y", "yes", "true", "1", "t"})
_NO = frozenset({"n", "no", "false", "0", "f"})
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
_SPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# 'N1 - Abuse or neglect', 'EMO: Emotional abuse', 'N1 Abuse or neglect', 'Emotional abuse (EMO)'.
_CODE_AND_LABEL = (
    re.compile(r"(\S+?)\s*[\-–—:)]\s*(.+)"),
    re.compile(r"(.+?)\s*\(([^()]+)\)"),
    re.compile(r"(\S+)\s+(.+)"),
)


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why a cell is not a value of its field: a stable ``code`` and the sentence to show."""

    code: str
    text: str


Read = Callable[[Cell], object]
"""Reads a non-blank cell: the typed value, or an :class:`Invalid`."""


def cell_text(cell: Cell) -> str:
    """A cell as the person sees it written: stripped text, whole numbers without '.0'."""
    if isinstance(cell, str):
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.strftime("%d/%m/%Y" if cell.time() == dt.time() else "%d/%m/%Y %H:%M")
    if isinstance(cell, dt.date):
        return cell.strftime("%d/%m/%Y")
    return str(cell)


# --- Dates ----------------------------------------------------------------------------------------


def _year(text: str, as_of: dt.date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000
        if year > as_of.year + _CENTURY_LOOKAHEAD:
            year -= 100
    return year


def _date(year: int, month: int, day: int) -> dt.date | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_from_serial(serial: float) -> dt.date | None:
    if not 1 <= serial < 2958466:  # 31/12/9999
        return None
    value = _EXCEL_EPOCH + dt.timedelta(days=int(serial))
    return value if _MIN_YEAR <= value.year <= _MAX_YEAR else None


def parse_date(cell: Cell, as_of: dt.date) -> dt.date | None:
    """A date from an XLSX date cell, an Excel serial number or UK-style text; else ``None``."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, bool) or not isinstance(cell, str | int | float):
        return None
    if not isinstance(cell, str):
        return _date_from_serial(cell)
    if len(cell) == 10 and cell[2] == "/" == cell[5]:
        # The usual DD/MM/YYYY, read in C: a valid date here is what the patterns below read.
        try:
            read = _from_iso(f"{cell[6:]}-{cell[3:5]}-{cell[:2]}")
        except ValueError:
            pass
        else:
            return read if _MIN_YEAR <= read.year <= _MAX_YEAR else None
    text = _TIME_SUFFIX.sub("", cell.strip().casefold())
    if match := _DMY.fullmatch(text):
        day, month, year = match.groups()
        return _date(_year(year, as_of), int(month), int(day))
    if match := _YMD.fullmatch(text):
        year, month, day = match.groups()
        return _date(int(year), int(month), int(day))
    if (match := _D_MONTH_Y.fullmatch(text)) and (month_number := _MONTHS.get(match.group(2))):
        return _date(_year(match.group(3), as_of), month_number, int(match.group(1)))
    return None


_UK_DIGITS = itemgetter(6, 7, 8, 9, 3, 4, 0, 1)  # DD/MM/YYYY -> YYYY MM DD
_ISO = "%s%s%s%s-%s%s-%s%s"
_FIRST_DAY = dt.date(_MIN_YEAR, 1, 1)
_LAST_DAY = dt.date(_MAX_YEAR, 12, 31)


def read_uk_dates(texts: Sequence[str]) -> list[dt.date] | None:
    """The dates of ``texts``, each ten characters with slashes third and sixth (DD/MM/YYYY), read
    in bulk as :func:`parse_date` reads each; ``None`` when any of them is not a date it reads
    (then read them one by one)."""
    try:
        days = list(map(_from_iso, map(_ISO.__mod__, map(_UK_DIGITS, texts))))
    except ValueError:
        return None
    if days and (min(days) < _FIRST_DAY or max(days) > _LAST_DAY):
        return None
    return days


def _date_reader(as_of: dt.date) -> Read:
    def read(cell: Cell) -> object:
        value = parse_date(cell, as_of)
        if value is not None:
            return value
        text = cell_text(cell)
        hint = ""
        if (match := _DMY.fullmatch(text)) and int(match.group(2)) > 12 >= int(match.group(1)):
            hint = " It looks like the month comes first: put the day first."
        return Invalid("invalid_date", f"'{text}' is not a date.{hint} Write dates as DD/MM/YYYY.")

    return read


# --- Numbers, yes/no, postcodes, text -------------------------------------------------------------


def _read_integer(cell: Cell) -> object:
    if isinstance(cell, int) and not isinstance(cell, bool) and cell >= 0:
        return cell
    if isinstance(cell, float) and cell.is_integer() and cell >= 0:
        return int(cell)
    if isinstance(cell, str) and (match := _INTEGER.fullmatch(cell.strip())):
        return int(match.group(1))
    return Invalid(
        "invalid_integer",
        f"'{cell_text(cell)}' is not a whole number. Write a number of 0 or more, such as 3, "
        "without words or decimals.",
    )


class _UnbornAge:
    """The age -1, Data to Insight's way of writing 'unborn': stored as blank."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNBORN_AGE"


UNBORN_AGE = _UnbornAge()


def _read_age(cell: Cell) -> object:
    """A child's age in years: 0 or more, or -1 for an unborn child (:data:`UNBORN_AGE`)."""
    if cell == -1 and not isinstance(cell, bool):
        return UNBORN_AGE
    if isinstance(cell, str) and cell.strip() in ("-1", "-1.0"):
        return UNBORN_AGE
    return _read_integer(cell)


def _read_yes_no(cell: Cell) -> object:
    if isinstance(cell, bool):
        return cell
    key = cell_text(cell).casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    return Invalid("invalid_yes_no", f"'{cell_text(cell)}' is not yes or no. Write Y or N.")


def _read_postcode(cell: Cell) -> object:
    text = cell_text(cell)
    compact = _SPACE.sub("", text).upper()
    if match := _POSTCODE.fullmatch(compact):
        return f"{match.group(1)} {match.group(2)}"
    return Invalid(
        "invalid_postcode",
        f"'{text}' is not a full UK postcode. Write it like SW1A 1AA.",
    )


def _read_text(cell: Cell) -> object:
    return cell_text(cell)


# --- Codes ----------------------------------------------------------------------------------------


def _exact_key(text: str) -> str:
    return _SPACE.sub("", text.casefold())


def _loose_key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


class CodeLookup:
    """Reads a cell as one code of a code set: its code, label or alias, in any case or spacing.

    Codes win over labels and aliases; a label or alias that reads as two codes matches neither.
    A second, looser pass also ignores punctuation ('White: British'), and a last one reads a code
    written together with its label ('N1 - Abuse or neglect', 'Emotional abuse (EMO)').
    """

    __slots__ = ("_codes", "_exact", "_loose", "code_set")

    def __init__(self, code_set: CodeSet) -> None:
        self.code_set = code_set
        self._codes = {_exact_key(code.code): code.code for code in code_set.codes}
        self._exact = self._index(code_set, _exact_key)
        self._loose = self._index(code_set, _loose_key)

    @staticmethod
    def _index(code_set: CodeSet, key: Callable[[str], str]) -> dict[str, str]:
        codes = {key(code.code): code.code for code in code_set.codes}
        named: dict[str, set[str]] = {}
        for code in code_set.codes:
            for name in (code.label, *code.aliases):
                named.setdefault(key(name), set()).add(code.code)
        index = {name: next(iter(found)) for name, found in named.items() if len(found) == 1}
        index.update(codes)
        index.pop("", None)
        return index

    def find(self, text: str) -> str | None:
        code = self._exact.get(_exact_key(text)) or self._loose.get(_loose_key(text))
        if code is not None:
            return code
        for pattern in _CODE_AND_LABEL:
            if match := pattern.fullmatch(text):
                first, second = match.groups()
                for code_text, name in ((first, second), (second, first)):
                    code = self._codes.get(_exact_key(code_text))
                    if code is not None and self._loose.get(_loose_key(name)) == code:
                        return code
        return None

    def describe(self) -> str:
        """The codes to name in a message, e.g. 'N0, N1, N2 ... N9'."""
        return ", ".join(code.code for code in self.code_set.codes)


def _code_reader(lookup: CodeLookup) -> Read:
    title = lookup.code_set.title
    allowed = lookup.describe()

    def read(cell: Cell) -> object:
        text = cell_text(cell)
        code = lookup.find(text)
        if code is not None:
            return code
        return Invalid(
            "unknown_code",
            f"'{text}' is not a code of '{title}'. Use one of {allowed}, or its label.",
        )

    return read


def make_reader(
    field: ListField,
    code_sets: Mapping[str, CodeSet],
    lookups: dict[str, CodeLookup],
    as_of: dt.date,
) -> Read:
    """The reader for ``field``'s non-blank cells; ``lookups`` caches code lookups by code set."""
    if field.type is FieldType.DATE:
        return _date_reader(as_of)
    if field.type is FieldType.INTEGER:
        return _read_age if field.rule is FieldRule.REQUIRED_UNLESS_UNBORN else _read_integer
    if field.type is FieldType.YES_NO:
        return _read_yes_no
    if field.type is FieldType.POSTCODE:
        return _read_postcode
    if field.type is FieldType.CODE:
        if field.code_set is None or field.code_set not in code_sets:
            raise ValueError(
                f"List field '{field.name}' reads code set '{field.code_set}', which was not "
                "given in code_sets."
            )
        lookup = lookups.get(field.code_set)
        if lookup is None:
            lookup = lookups[field.code_set] = CodeLookup(code_sets[field.code_set])
        return _code_reader(lookup)
    return _read_text
