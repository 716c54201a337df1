"""A child's age on a date: from its record or else its list rows, unborn or in whole years,
and whether it falls within a framework's age scope (rule 'age scope' of the selection)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from core.contributions import AgeScope
from core.models import Child, ListRow


def _row_date(rows: Iterable[ListRow], name: str) -> dt.date | None:
    for row in rows:
        value = row.values.get(name)
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                continue
    return None


@dataclass(frozen=True, slots=True)
class Birth:
    date_of_birth: dt.date | None
    expected: dt.date | None


def birth_of(child: Child, rows: Iterable[ListRow] = ()) -> Birth:
    """The child's dates, from the child's record or else from its list rows."""
    rows = tuple(rows)
    if child.date_of_birth is not None or child.expected_date_of_birth is not None:
        return Birth(child.date_of_birth, child.expected_date_of_birth)
    return Birth(_row_date(rows, "date_of_birth"), _row_date(rows, "expected_date_of_birth"))


def is_unborn(birth: Birth, on: dt.date) -> bool:
    """Unborn on ``on``: an expected date of birth and no date of birth, or born after ``on``."""
    if birth.date_of_birth is None:
        return birth.expected is not None
    return birth.date_of_birth > on


def age_in_years(birth: Birth, on: dt.date) -> int | None:
    """Whole years on ``on``; None when unborn or when no date is known."""
    born = birth.date_of_birth
    if born is None or born > on:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def describe_scope(scope: AgeScope) -> str:
    low = scope.min_age_years if scope.min_age_years is not None else 0
    ages = (
        f"aged {low} to {scope.max_age_years}"
        if scope.max_age_years is not None
        else f"aged {low} and over"
    )
    return f"unborn children and children {ages}" if scope.includes_unborn else f"children {ages}"


def age_scope_problem(scope: AgeScope | None, birth: Birth, on: dt.date) -> str | None:
    """Why a child is outside ``scope`` on ``on``, or None when it is inside."""
    if scope is None:
        return None
    in_scope = describe_scope(scope)
    if is_unborn(birth, on):
        return None if scope.includes_unborn else f"is unborn; the framework covers {in_scope}."
    age = age_in_years(birth, on)
    bounded = scope.min_age_years is not None or scope.max_age_years is not None
    if age is None:
        if not bounded:
            return None
        return (
            f"has no date of birth or expected date of birth on the lists, so its age cannot be "
            f"checked against the framework's scope ({in_scope})."
        )
    if scope.min_age_years is not None and age < scope.min_age_years:
        return f"was {age} at notification; the framework covers {in_scope}."
    if scope.max_age_years is not None and age > scope.max_age_years:
        return f"was {age} at notification; the framework covers {in_scope}."
    return None
