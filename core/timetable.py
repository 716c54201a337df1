"""Turn the guidance's relative deadlines into dates and times for one inspection.

Plugins state deadlines the way the guidance words them ('end of day five', 'the Friday of week
two'; see :class:`core.contributions.Deadline`). What an area and the inspectors need is the actual
instant: 'day five' counts working days, so it moves with weekends and bank holidays, and a clock
time means London time, so it moves between GMT and BST. This module does that arithmetic once, as
pure functions of the notification date, so that every caller (the API, reminders, tests) agrees.

Rules (DOMAIN.md section 3; the 2016 guidance, Annex A):

- Day 0 is the notification day itself; day N is the Nth working day after it. Working days are
  Monday to Friday, less England and Wales bank holidays (taken from the maintained ``holidays``
  library, never a hand-written list) and any extra closure dates the calendar is given.
- The inspection runs three Monday-to-Friday weeks; week 1 holds the notification day, and the
  inspectors are on site in week 3 only.
- Clock times are Europe/London wall-clock times, returned as timezone-aware datetimes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.contributions import Deadline, DeadlineRule

LONDON = ZoneInfo("Europe/London")
WEEKS = 3  # an inspection is three weeks from notification...
ON_SITE_WEEK = 3  # ...and the inspectors are on site in the last one only
MIN_DAYS = 10  # a timetable always lists at least days 0-10, whatever its deadlines

_SATURDAY = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share their bank holidays, so the England subdivision stands for both. The
    # library includes substitute days ('Christmas Day (observed)') and one-off holidays such as
    # the 2022 state funeral. Cached per year, across every calendar: the set never changes.
    # Imported here, not at the top: the library is large and only computing deadlines needs it.
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Which days count as working days: Monday to Friday, less bank holidays and closures.

    ``extra_closures`` are further non-working dates (a what-if, or a test); the default calendar
    has none.
    """

    extra_closures: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def with_closures(cls, closures: Iterable[dt.date]) -> WorkingCalendar:
        return cls(extra_closures=frozenset(closures))

    def bank_holidays(self, year: int) -> frozenset[dt.date]:
        """England and Wales bank holidays in ``year`` (including any that fall at weekends)."""
        return _bank_holidays(year)

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.weekday() < _SATURDAY
            and day not in _bank_holidays(day.year)
            and day not in self.extra_closures
        )


ENGLAND_AND_WALES = WorkingCalendar()


def _working_days_after(start: dt.date, calendar: WorkingCalendar) -> Iterator[dt.date]:
    """Yield the working days after ``start``, in order, without end."""
    day = start
    while True:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            yield day


def working_day(
    notification: dt.date, n: int, calendar: WorkingCalendar = ENGLAND_AND_WALES
) -> dt.date:
    """The date of day ``n``: day 0 is ``notification``, day N the Nth working day after it.

    Areas are normally notified on a working day. If ``notification`` is not one, day 0 is still
    that date (it is when the area was told, and 'end of notification day' deadlines fall on it),
    and day 1 is the next working day.
    """
    if n < 0:
        raise ValueError(f"working day must be 0 or more, not {n}")
    day = notification
    days = _working_days_after(notification, calendar)
    for _ in range(n):
        day = next(days)
    return day


@dataclass(frozen=True, slots=True)
class InspectionWeek:
    number: int  # 1-based
    starts: dt.date  # Monday
    ends: dt.date  # Friday
    on_site: bool


def inspection_weeks(notification: dt.date) -> list[InspectionWeek]:
    """The three Monday-to-Friday weeks of an inspection notified on ``notification``.

    Week 1 is the week holding the notification day. A Saturday or Sunday belongs to no Monday-to-
    Friday week; it is taken with the week after it, which holds day one, so that the area still
    gets its two weeks' notice before the inspectors arrive.
    """
    weekday = notification.weekday()
    if weekday >= _SATURDAY:
        monday = notification + dt.timedelta(days=7 - weekday)
    else:
        monday = notification - dt.timedelta(days=weekday)
    return [
        InspectionWeek(
            number=number,
            starts=monday + dt.timedelta(weeks=number - 1),
            ends=monday + dt.timedelta(weeks=number - 1, days=4),
            on_site=number == ON_SITE_WEEK,
        )
        for number in range(1, WEEKS + 1)
    ]


def _due_date(deadline: Deadline, notification: dt.date, calendar: WorkingCalendar) -> dt.date:
    if deadline.rule is DeadlineRule.WORKING_DAY:
        return working_day(notification, deadline.day, calendar)
    if deadline.weekday is None or not 1 <= deadline.week <= WEEKS:
        raise ValueError(f"a week-day deadline needs a weekday and a week 1-{WEEKS}: {deadline}")
    week = inspection_weeks(notification)[deadline.week - 1]
    # A named day keeps its date even when it is a bank holiday: the guidance names the day ('the
    # Friday of week two'), not a count of working days, and it is what the area is told. Moving it
    # earlier would quietly cut the area's time; the lead inspector can agree another date.
    return week.starts + dt.timedelta(days=deadline.weekday.value)


def due_at(
    deadline: Deadline, notification: dt.date, calendar: WorkingCalendar = ENGLAND_AND_WALES
) -> dt.datetime:
    """When ``deadline`` falls for an inspection notified on ``notification``, in London time.

    The result is timezone-aware (Europe/London), so it is GMT in winter and BST in summer. The
    guidance's clock times (09:00-17:00) never fall in a clock change's missing or repeated hour.
    Python subtracts two datetimes sharing a tzinfo by wall clock, ignoring a clock change between
    them: convert to UTC first to measure elapsed time.
    """
    day = _due_date(deadline, notification, calendar)
    return dt.datetime.combine(day, deadline.time.value, tzinfo=LONDON)


@dataclass(frozen=True, slots=True)
class ScheduledDeadline:
    key: str
    title: str
    due_at: dt.datetime  # aware, Europe/London
    description: str  # the rule as the guidance words it: Deadline.describe()
    deadline: Deadline


@dataclass(frozen=True, slots=True)
class Timetable:
    """One inspection's calendar: its weeks, its numbered days and its deadlines in order.

    ``days[n]`` is the date of day ``n``; ``deadlines`` are sorted by due time, then key.
    """

    notification: dt.date
    weeks: tuple[InspectionWeek, ...]
    days: tuple[dt.date, ...]
    deadlines: tuple[ScheduledDeadline, ...]


def build_timetable(
    notification: dt.date,
    deadlines: Sequence[tuple[str, str, Deadline]],
    calendar: WorkingCalendar = ENGLAND_AND_WALES,
) -> Timetable:
    """The timetable of an inspection notified on ``notification``.

    ``deadlines`` are ``(key, title, deadline)``; keys must be unique, which makes the order (due
    time, then key) total, so the same input always gives the same timetable.
    """
    keys = [key for key, _, _ in deadlines]
    if len(set(keys)) != len(keys):
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"deadline keys must be unique; repeated: {', '.join(duplicates)}")

    last_day = max(
        [MIN_DAYS] + [d.day for _, _, d in deadlines if d.rule is DeadlineRule.WORKING_DAY]
    )
    walk = _working_days_after(notification, calendar)
    days = (notification, *(next(walk) for _ in range(last_day)))

    scheduled = sorted(
        (
            ScheduledDeadline(
                key=key,
                title=title,
                due_at=due_at(deadline, notification, calendar),
                description=deadline.describe(),
                deadline=deadline,
            )
            for key, title, deadline in deadlines
        ),
        key=lambda s: (s.due_at, s.key),
    )
    return Timetable(
        notification=notification,
        weeks=tuple(inspection_weeks(notification)),
        days=days,
        deadlines=tuple(scheduled),
    )


__all__ = [
    "ENGLAND_AND_WALES",
    "LONDON",
    "MIN_DAYS",
    "ON_SITE_WEEK",
    "WEEKS",
    "InspectionWeek",
    "ScheduledDeadline",
    "Timetable",
    "WorkingCalendar",
    "build_timetable",
    "due_at",
    "inspection_weeks",
    "working_day",
]
