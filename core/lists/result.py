"""What reading an uploaded list gives back: its rows, its problems, how its columns were read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: any ERROR rejects the whole file; a QUERY is accepted but flagged."""

    ERROR = "error"
    QUERY = "query"


class FileProblem(Exception):
    """The file cannot be read at all; ``code`` and ``message`` become a file-level ERROR."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (ERROR) or worth checking (QUERY) in an uploaded list.

    ``row`` is the row as the person sees it in the file (``None`` for the whole file); ``column``
    is the header as written in the file, or the field's label when the column is missing;
    ``value`` is the cell as written. ``code`` is stable, for machines (``invalid_date``);
    ``message`` is for the person who has to fix the file. ``field`` is the name of the ListField
    the problem is about, when there is one.
    """

    severity: Severity
    code: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    field: str | None = None


@dataclass(slots=True)
class ParsedRow:
    """One data row: ``values`` holds every field of the list spec, ``None`` when blank or unread.

    Values are typed by the field's type: ``date`` (DATE), ``int`` (INTEGER), ``bool`` (YES_NO), the
    code ``str`` (CODE), ``str`` normalised as 'SW1A 1AA' (POSTCODE) and stripped ``str`` (TEXT).
    """

    row_number: int
    values: dict[str, object]


@dataclass(slots=True)
class ListImport:
    """The outcome of reading one uploaded list against its :class:`~core.contributions.ListSpec`.

    ``column_map`` maps each header as written to the field it was read as. ``file_format`` is
    ``"csv"`` or ``"xlsx"`` (``None`` when the file could not be read), ``sheet`` the worksheet read
    and ``header_row`` the row the headers were found on.
    """

    list_code: str
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)
    file_format: str | None = None
    sheet: str | None = None
    header_row: int | None = None

    @property
    def accepted(self) -> bool:
        """``False`` as soon as there is one ERROR: the whole file is then rejected."""
        return not any(problem.severity is Severity.ERROR for problem in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity is Severity.ERROR]

    @property
    def queries(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity is Severity.QUERY]
