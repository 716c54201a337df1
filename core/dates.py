"""The dates this service accepts: 1900-01-01 to 2100-12-31, inclusive.

Dates near the ends of Python's range break arithmetic (9999-12-31 plus a day is an
``OverflowError``), so a far-off date stored once broke every later read of its inspection's
timetable. No inspection, deadline, publication or date of birth lies outside these years. Every
``Date`` and ``DateTime`` the API takes (core/graphql/scalars.py) and the exports' date filters
are checked here before anything runs or is written.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
RANGE = f"{EARLIEST.isoformat()}..{LATEST.isoformat()}"

Day = TypeVar("Day", bound=dt.date)


class DateOutOfRange(ValueError):
    """A well-formed date outside the range this service accepts."""


def in_range(value: Day) -> Day:
    """``value`` itself (a ``datetime`` too, by its day) if in range; else ``DateOutOfRange``."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise DateOutOfRange(
            f"{value.isoformat()} is outside {RANGE}, the dates this service accepts."
        )
    return value
