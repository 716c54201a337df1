"""A list's problems as a person can act on them: counted, and grouped by what to fix.

A file with one wrong header or one wrong date format has the same problem on every row: 25,000
problems that are one fix. ``summarise`` groups them by severity, code and column, counting each
group and keeping its first rows and the first problem's message (which says what to change); the
problems themselves are then read a page at a time. Groups come ERRORs first, then in the order
the file first shows them (whole-file problems, such as a missing column, before rows).

Pure: no database, no GraphQL. The summary is stored with an accepted list as JSON
(``summary_json``), so it counts every query even where only the first few are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from core.lists import Problem, Severity

FIRST_ROWS = 10  # row numbers shown per group: enough to find the pattern, few enough to read


@dataclass(frozen=True, slots=True)
class ProblemGroup:
    """Every problem of one severity and code in one column (``column`` None: the whole file)."""

    severity: Severity
    code: str
    column: str | None
    field: str | None
    count: int
    first_rows: tuple[int, ...]  # at most FIRST_ROWS, in file order
    example: str | None  # the first problem's message; None once its list was replaced

    @property
    def message(self) -> str:
        """What to change, for the whole group: how many, where, and the first one's message."""
        if self.count == 1 and self.example:
            return self.example
        where = f"Column '{self.column}': " if self.column else ""
        if self.first_rows:
            more = ", ..." if self.count > len(self.first_rows) else ""
            rows = ", ".join(map(str, self.first_rows))
            head = f"{where}{self.count:,} rows ({rows}{more}) have this problem ({self.code})."
        else:
            head = f"{where}{self.count:,} problems of this kind ({self.code})."
        if self.example is None:
            return f"{head} Their details went when the list was replaced."
        return f"{head} The first: {self.example}"


@dataclass(frozen=True, slots=True)
class ProblemSummary:
    errors: int
    queries: int
    groups: tuple[ProblemGroup, ...]  # at most the cap given to ``summarise``
    group_count: int  # every group, kept or not

    @property
    def total(self) -> int:
        return self.errors + self.queries


NO_PROBLEMS = ProblemSummary(errors=0, queries=0, groups=(), group_count=0)


class _Group:
    __slots__ = ("count", "first_rows", "order", "problem")

    def __init__(self, problem: Problem, order: int) -> None:
        self.problem = problem
        self.order = order
        self.count = 0
        self.first_rows: list[int] = []


def summarise(problems: Iterable[Problem], max_groups: int) -> ProblemSummary:
    """Count ``problems`` by severity, code and column, keeping at most ``max_groups`` groups."""
    groups: dict[tuple[Severity, str, str | None], _Group] = {}
    errors = queries = 0
    for problem in problems:
        if problem.severity is Severity.ERROR:
            errors += 1
        else:
            queries += 1
        key = (problem.severity, problem.code, problem.column)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(problem, len(groups))
        group.count += 1
        if problem.row is not None and len(group.first_rows) < FIRST_ROWS:
            group.first_rows.append(problem.row)
    ordered = sorted(
        groups.values(), key=lambda g: (g.problem.severity is not Severity.ERROR, g.order)
    )
    return ProblemSummary(
        errors=errors,
        queries=queries,
        groups=tuple(
            ProblemGroup(
                severity=g.problem.severity,
                code=g.problem.code,
                column=g.problem.column,
                field=g.problem.field,
                count=g.count,
                first_rows=tuple(g.first_rows),
                example=g.problem.message,
            )
            for g in ordered[:max_groups]
        ),
        group_count=len(groups),
    )


def without_examples(summary: ProblemSummary) -> ProblemSummary:
    """The summary with no message quoting the file: counts, codes, columns and rows only."""
    return replace(summary, groups=tuple(replace(g, example=None) for g in summary.groups))


def summary_json(summary: ProblemSummary) -> dict[str, Any]:
    return {
        "errors": summary.errors,
        "queries": summary.queries,
        "group_count": summary.group_count,
        "groups": [
            {
                "severity": g.severity.value,
                "code": g.code,
                "column": g.column,
                "field": g.field,
                "count": g.count,
                "first_rows": list(g.first_rows),
                "example": g.example,
            }
            for g in summary.groups
        ],
    }


def summary_from_json(data: Mapping[str, Any]) -> ProblemSummary:
    return ProblemSummary(
        errors=data.get("errors", 0),
        queries=data.get("queries", 0),
        group_count=data.get("group_count", 0),
        groups=tuple(
            ProblemGroup(
                severity=Severity(g["severity"]),
                code=g["code"],
                column=g.get("column"),
                field=g.get("field"),
                count=g["count"],
                first_rows=tuple(g.get("first_rows", ())),
                example=g.get("example"),
            )
            for g in data.get("groups", ())
        ),
    )
