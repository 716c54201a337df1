"""core.workflow.list_problems: problems counted by severity, code and column, ERRORs first,
groups capped but counted, messages that say what to change, and nothing quoted once replaced."""

from __future__ import annotations

from core.lists import Problem, Severity
from core.workflow.list_problems import (
    summarise,
    summary_from_json,
    summary_json,
    without_examples,
)


def date(row: int) -> Problem:
    return Problem(
        Severity.ERROR,
        "invalid_date",
        f"Row {row}, column 'DOB': '31/02/2019' is not a date. Write dates as DD/MM/YYYY.",
        row=row,
        column="DOB",
        value="31/02/2019",
        field="date_of_birth",
    )


NOTES = Problem(Severity.QUERY, "unknown_column", "Column 'Notes' is ignored.", column="Notes")
MISSING = Problem(Severity.ERROR, "missing_column", "The list has no 'Team' column. Add it.")


def test_problems_are_counted_per_fix_errors_first_in_file_order() -> None:
    summary = summarise([NOTES, *map(date, range(2, 40)), MISSING], max_groups=10)
    assert (summary.errors, summary.queries, summary.total, summary.group_count) == (39, 1, 40, 3)
    dates, missing, notes = summary.groups
    assert [g.code for g in summary.groups] == ["invalid_date", "missing_column", "unknown_column"]
    assert (dates.count, dates.first_rows) == (38, tuple(range(2, 12)))
    assert dates.message == (
        "Column 'DOB': 38 rows (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...) have this problem "
        "(invalid_date). The first: Row 2, column 'DOB': '31/02/2019' is not a date. Write dates "
        "as DD/MM/YYYY."
    )
    assert missing.message == MISSING.message  # one problem: its own message
    assert (notes.severity, notes.count, notes.first_rows) == (Severity.QUERY, 1, ())


def test_groups_beyond_the_cap_are_counted_not_kept() -> None:
    columns = [
        Problem(Severity.QUERY, "unknown_column", f"Column 'X{n}' is ignored.", column=f"X{n}")
        for n in range(500)
    ]
    summary = summarise(columns, max_groups=20)
    assert (summary.queries, summary.group_count, len(summary.groups)) == (500, 500, 20)


def test_a_replaced_lists_summary_keeps_counts_and_rows_but_quotes_nothing() -> None:
    summary = summarise(map(date, range(2, 5)), max_groups=10)
    stored = summary_from_json(summary_json(without_examples(summary)))
    [group] = stored.groups
    assert (group.count, group.first_rows, group.example) == (3, (2, 3, 4), None)
    assert "31/02/2019" not in group.message
    assert group.message.endswith("Their details went when the list was replaced.")
    assert summary_from_json(summary_json(summary)) == summary
