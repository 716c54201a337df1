"""``read_list``: an uploaded list read against its spec, row by row (see the package docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from core.collector import collector_paused
from core.contributions import CodeSet, ListField, ListSpec
from core.lists.files import Cell, read_grid
from core.lists.headers import CLOSE_ENOUGH, TIE_MARGIN, HeaderMatcher, display_header
from core.lists.limits import DEFAULT_LIMITS, ListLimits
from core.lists.result import FileProblem, ListImport, Problem, Severity
from core.lists.rows import Column, RowChecker, non_blank
from core.lists.values import CodeLookup, Read, cell_text, make_reader

ERROR = Severity.ERROR
QUERY = Severity.QUERY

HEADER_SEARCH_ROWS = 20  # title rows above the headers are skipped, as far down as this


def read_list(
    data: bytes,
    filename: str,
    spec: ListSpec,
    code_sets: Mapping[str, CodeSet],
    *,
    as_of: dt.date,
    limits: ListLimits = DEFAULT_LIMITS,
) -> ListImport:
    """Read an uploaded list (CSV or XLSX bytes) against ``spec``; never raises for a bad file.

    ``code_sets`` holds at least the code sets the spec's CODE fields name, by code; ``as_of`` is
    the date the list speaks for (the inspection's notification date): ages, dates of birth and
    expected dates of birth are checked against it. A file beyond ``limits`` is refused before its
    cells are read. Raises ``ValueError`` only when the spec names a code set that ``code_sets``
    lacks (a programming error, not a bad file).
    """
    with collector_paused():  # see core.collector: thousands of rows, no cycles
        return _read_list(data, filename, spec, code_sets, as_of, limits)


def _read_list(
    data: bytes,
    filename: str,
    spec: ListSpec,
    code_sets: Mapping[str, CodeSet],
    as_of: dt.date,
    limits: ListLimits = DEFAULT_LIMITS,
) -> ListImport:
    matcher = HeaderMatcher(spec)
    lookups: dict[str, CodeLookup] = {}
    readers = {f.name: make_reader(f, code_sets, lookups, as_of) for f in spec.fields}
    result = ListImport(list_code=spec.code)
    try:
        grid = read_grid(data, filename, (spec.title, spec.code), limits)
    except FileProblem as problem:
        result.problems.append(Problem(ERROR, problem.code, problem.message))
        return result
    result.file_format = grid.file_format
    result.sheet = grid.sheet
    rows = grid.rows
    header_index = _find_header(rows, matcher, spec)
    if header_index is None:
        where = f"The worksheet '{grid.sheet}'" if grid.sheet else f"The file '{filename}'"
        result.problems.append(Problem(ERROR, "empty_file", f"{where} has no rows."))
        return result
    result.header_row = header_index + 1
    columns = _match_columns(rows, header_index, spec, matcher, readers, result)
    RowChecker(spec, columns, result, as_of).check(rows, header_index + 1)
    if not result.rows:
        result.problems.append(
            Problem(
                QUERY,
                "no_rows",
                f"The list has headers but no rows under them: is it the right file? "
                f"If there are no children for '{spec.title}', say so to the inspection team.",
            )
        )
    return result


def _find_header(
    rows: Sequence[Sequence[Cell]], matcher: HeaderMatcher, spec: ListSpec
) -> int | None:
    """The row holding the headers: the one naming most fields by their names, else the one
    closest to most (every header reworded), else the first non-blank row."""
    first: int | None = None
    candidates: list[int] = []
    best: tuple[int, int] | None = None  # (fields named, row index)
    for index, row in enumerate(rows):
        if not any(non_blank(cell) for cell in row):
            continue
        if first is None:
            first = index
        if index - first >= HEADER_SEARCH_ROWS:
            break
        candidates.append(index)
        named = {
            found.name
            for cell in row
            if isinstance(cell, str) and (found := matcher.match(cell)) is not None
        }
        if named and (best is None or len(named) > best[0]):
            best = (len(named), index)
    if best is None:
        for index in candidates:
            close = {
                near[0][1].name
                for cell in rows[index]
                if isinstance(cell, str)
                and not cell.strip().isdigit()
                and (near := matcher.close(cell, spec.fields))
                and near[0][0] >= CLOSE_ENOUGH
            }
            if close and (best is None or len(close) > best[0]):
                best = (len(close), index)
    return best[1] if best else first


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _names_text(names: Sequence[str]) -> str:
    return ", ".join(f"'{name}'" for name in names[:4])


def _match_columns(
    rows: Sequence[Sequence[Cell]],
    header_index: int,
    spec: ListSpec,
    matcher: HeaderMatcher,
    readers: Mapping[str, Read],
    result: ListImport,
) -> list[Column]:
    problems = result.problems
    headers = rows[header_index]
    columns: dict[str, Column] = {}
    unknown: list[tuple[int, str]] = []
    for index, cell in enumerate(headers):
        header = display_header(cell_text(cell))
        if not header:
            continue
        found = matcher.match(header)
        if found is None:
            unknown.append((index, header))
            continue
        if found.name in columns:
            first = columns[found.name]
            problems.append(
                Problem(
                    ERROR,
                    "duplicate_column",
                    f"Columns '{first.header}' ({_column_letter(first.index)}) and '{header}' "
                    f"({_column_letter(index)}) are both read as '{found.label}'. Keep one of "
                    "them and delete or rename the other.",
                    column=header,
                    field=found.name,
                )
            )
            continue
        columns[found.name] = Column(index, header, found, readers[found.name])
        result.column_map.setdefault(header, found.name)
    missing = [f for f in spec.fields if f.name not in columns]
    near, claimed = _match_close(unknown, missing, matcher, readers, columns, result)
    for f in missing:
        if not f.required or f.name in columns or f.name in claimed:
            continue  # claimed: an ambiguous column's error already says what to rename
        names = matcher.names(f)
        others = f" (also read: {_names_text(names[1:])})" if len(names) > 1 else ""
        hint = f" Column '{near[f.name]}' may be it: rename it." if f.name in near else ""
        problems.append(
            Problem(
                ERROR,
                "missing_column",
                f"The list has no '{f.label}' column{others}. Add it.{hint}",
                column=f.label,
                field=f.name,
            )
        )
    _check_headerless_data(rows, header_index, len(headers), problems)
    return sorted(columns.values(), key=lambda column: column.index)


def _match_close(
    unknown: list[tuple[int, str]],
    missing: list[ListField],
    matcher: HeaderMatcher,
    readers: Mapping[str, Read],
    columns: dict[str, Column],
    result: ListImport,
) -> tuple[dict[str, str], set[str]]:
    """Read each header no key matched as the missing field it is closest to, if it is close
    enough to one (a QUERY says so); refuse one equally close to two; query the rest as ignored.

    A field close to two headers takes the closer (the leftmost of equals); the other is ignored
    with a QUERY naming the column read instead. A column is dropped only with a QUERY, and a
    header that could be two missing fields is an ERROR: no data is lost unsaid. Gives, for each
    missing field, the first header that came near it (to name in its message), and the fields
    an ambiguous header could be.
    """
    problems = result.problems
    fields = {f.name: f for f in missing}
    offers: dict[str, list[tuple[float, int, str]]] = {}
    ignored: list[tuple[int, str, str]] = []
    near: dict[str, str] = {}
    claimed: set[str] = set()
    for index, header in unknown:
        possible = matcher.ambiguous(header)
        if possible:
            hint = " It could be any of " + _names_text([f.label for f in possible]) + "."
            ignored.append((index, header, hint))
            continue
        close = matcher.close(header, missing)
        for _, f in close:
            near.setdefault(f.name, header)
        strong = [(closeness, f) for closeness, f in close if closeness >= CLOSE_ENOUGH]
        if not strong:
            hint = f" Did you mean '{close[0][1].label}'?" if close else ""
            ignored.append((index, header, hint))
            continue
        top = strong[0][0]
        tied = [f for closeness, f in strong if top - closeness < TIE_MARGIN]
        if len(tied) > 1:
            claimed.update(f.name for f in tied)
            problems.append(
                Problem(
                    ERROR,
                    "ambiguous_column",
                    f"Column '{header}' ({_column_letter(index)}) could be "
                    + " or ".join(f"'{f.label}'" for f in tied)
                    + f", and the list has {'neither' if len(tied) == 2 else 'none'}. Rename it "
                    "to the one it is.",
                    column=header,
                    field=tied[0].name,
                )
            )
            continue
        offers.setdefault(tied[0].name, []).append((top, index, header))
    for name, candidates in offers.items():
        candidates.sort(key=lambda offer: (-offer[0], offer[1]))
        _, index, header = candidates[0]
        f = fields[name]
        columns[name] = Column(index, header, f, readers[name])
        result.column_map.setdefault(header, name)
        problems.append(
            Problem(
                QUERY,
                "header_read_as",
                f"Column '{header}' ({_column_letter(index)}) is read as '{f.label}'. If it is "
                "something else, rename it.",
                column=header,
                field=name,
            )
        )
        for _, other_index, other in candidates[1:]:
            hint = f" It looks like '{f.label}', which is read from column '{header}'."
            ignored.append((other_index, other, hint))
    for index, header, hint in sorted(ignored):
        problems.append(
            Problem(
                QUERY,
                "unknown_column",
                f"Column '{header}' ({_column_letter(index)}) is not a column of this list and "
                f"is ignored.{hint}",
                column=header,
            )
        )
    return near, claimed


def _check_headerless_data(
    rows: Sequence[Sequence[Cell]], header_index: int, width: int, problems: list[Problem]
) -> None:
    headers = rows[header_index]
    blank = [index for index in range(width) if not non_blank(headers[index])]
    found: set[int] = set()
    below = rows[header_index + 1 :]
    for index in blank:  # a column with no header: a value in any row
        if any(non_blank(row[index]) for row in below if len(row) > index):
            found.add(index)
    for row in below:  # cells right of the last header
        if len(row) > width:
            found.update(index for index in range(width, len(row)) if non_blank(row[index]))
    for index in sorted(found):
        problems.append(
            Problem(
                QUERY,
                "blank_header",
                f"Column {_column_letter(index)} has values but no header, so they are ignored. "
                "Give it a header or delete it.",
            )
        )
