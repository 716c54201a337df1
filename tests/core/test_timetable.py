"""The timetable against the guidance's own worked example and real England and Wales calendars.

The 2016 guidance (seed 003, Annex A paras 10-20) notifies on the Tuesday of week one: day one is
the Wednesday, day two the Thursday, day five the Tuesday of week two and day seven the Thursday of
week two. The 2024-25 framework notifies on a Monday. Bank holiday cases use real years, so a
wrong holiday source shows up as a wrong date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from core.contributions import Deadline, TimeOfDay, Weekday
from core.timetable import (
    ENGLAND_AND_WALES,
    LONDON,
    InspectionWeek,
    Timetable,
    WorkingCalendar,
    build_timetable,
    due_at,
    inspection_weeks,
    working_day,
)

D = dt.date
UTC = dt.UTC

TUESDAY_2016 = D(2016, 11, 8)  # a Tuesday with no bank holiday within three weeks
MONDAY_2024 = D(2024, 9, 30)  # a Monday, as the 2024-25 framework notifies

END_OF_WEEK_TWO = Deadline.week_day(2, Weekday.FRIDAY, TimeOfDay.END_OF_DAY)


def london(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=LONDON)


def days(notification: dt.date, last: int) -> list[dt.date]:
    return [working_day(notification, n) for n in range(last + 1)]


# --- The guidance's worked timetable --------------------------------------------------------------


def test_the_2016_worked_example_tuesday_notification() -> None:
    assert TUESDAY_2016.strftime("%A") == "Tuesday"
    assert days(TUESDAY_2016, 7) == [
        D(2016, 11, 8),  # day 0: Tuesday of week one, the notification day
        D(2016, 11, 9),  # day 1: Wednesday
        D(2016, 11, 10),  # day 2: Thursday
        D(2016, 11, 11),
        D(2016, 11, 14),
        D(2016, 11, 15),  # day 5: Tuesday of week two
        D(2016, 11, 16),
        D(2016, 11, 17),  # day 7: Thursday of week two
    ]
    assert [working_day(TUESDAY_2016, n).strftime("%A") for n in (1, 2, 5, 7)] == [
        "Wednesday",
        "Thursday",
        "Tuesday",
        "Thursday",
    ]


def test_the_2016_worked_example_times() -> None:
    midday_day_one = due_at(Deadline.working_day(1, TimeOfDay.MIDDAY), TUESDAY_2016)
    assert midday_day_one == london(2016, 11, 9, 12)
    assert midday_day_one.tzinfo is LONDON
    assert (midday_day_one.hour, midday_day_one.minute) == (12, 0)

    end_of_day_five = due_at(Deadline.working_day(5, TimeOfDay.END_OF_DAY), TUESDAY_2016)
    assert end_of_day_five == london(2016, 11, 15, 17)
    assert end_of_day_five.isoformat() == "2016-11-15T17:00:00+00:00"

    end_of_notification_day = due_at(Deadline.working_day(0, TimeOfDay.END_OF_DAY), TUESDAY_2016)
    assert end_of_notification_day == london(2016, 11, 8, 17)

    start_of_day_two = due_at(Deadline.working_day(2, TimeOfDay.START_OF_DAY), TUESDAY_2016)
    assert start_of_day_two == london(2016, 11, 10, 9)
    mid_afternoon_day_two = due_at(Deadline.working_day(2, TimeOfDay.MID_AFTERNOON), TUESDAY_2016)
    assert mid_afternoon_day_two == london(2016, 11, 10, 15)


def test_monday_notification_2024_25() -> None:
    assert days(MONDAY_2024, 7) == [
        D(2024, 9, 30),  # Monday
        D(2024, 10, 1),  # day one: Tuesday
        D(2024, 10, 2),
        D(2024, 10, 3),
        D(2024, 10, 4),
        D(2024, 10, 7),  # day five: Monday of week two
        D(2024, 10, 8),
        D(2024, 10, 9),  # day seven: Wednesday of week two
    ]


# --- Bank holidays --------------------------------------------------------------------------------


def test_christmas_2016_skips_boxing_day_and_the_substitute_christmas_day() -> None:
    notification = D(2016, 12, 20)  # Tuesday
    assert days(notification, 5) == [
        D(2016, 12, 20),
        D(2016, 12, 21),
        D(2016, 12, 22),
        D(2016, 12, 23),
        D(2016, 12, 28),  # day 4: not Mon 26 (Boxing Day) nor Tue 27 (Christmas Day observed)
        D(2016, 12, 29),
    ]
    holidays_2016 = ENGLAND_AND_WALES.bank_holidays(2016)
    assert {D(2016, 12, 26), D(2016, 12, 27)} <= holidays_2016
    assert not ENGLAND_AND_WALES.is_working_day(D(2016, 12, 27))


def test_easter_2025_skips_good_friday_and_easter_monday() -> None:
    notification = D(2025, 4, 14)  # Monday
    assert working_day(notification, 3) == D(2025, 4, 17)  # Thursday
    assert working_day(notification, 4) == D(2025, 4, 22)  # not Fri 18 nor Mon 21 April
    assert working_day(notification, 5) == D(2025, 4, 23)


def test_may_2025_bank_holidays() -> None:
    early_may = D(2025, 4, 28)  # Monday; Monday 5 May is the early May bank holiday
    assert working_day(early_may, 4) == D(2025, 5, 2)
    assert working_day(early_may, 5) == D(2025, 5, 6)

    spring = D(2025, 5, 19)  # Monday; Monday 26 May is the spring bank holiday
    assert working_day(spring, 4) == D(2025, 5, 23)
    assert working_day(spring, 5) == D(2025, 5, 27)
    assert working_day(spring, 7) == D(2025, 5, 29)
    assert due_at(Deadline.working_day(5, TimeOfDay.END_OF_DAY), spring) == london(2025, 5, 27, 17)


def test_holidays_come_from_the_maintained_library() -> None:
    # One-off bank holidays a hand-written list of the usual eight would miss.
    assert D(2022, 9, 19) in ENGLAND_AND_WALES.bank_holidays(2022)  # the Queen's state funeral
    assert D(2023, 5, 8) in ENGLAND_AND_WALES.bank_holidays(2023)  # the coronation
    assert len(ENGLAND_AND_WALES.bank_holidays(2025)) == 8
    # Cached per year: the same set comes back.
    assert ENGLAND_AND_WALES.bank_holidays(2025) is WorkingCalendar().bank_holidays(2025)


def test_extra_closures_are_skipped() -> None:
    closed = WorkingCalendar.with_closures([D(2016, 11, 9), D(2016, 11, 10)])
    assert closed.bank_holidays(2016) == ENGLAND_AND_WALES.bank_holidays(2016)
    assert working_day(TUESDAY_2016, 1, closed) == D(2016, 11, 11)
    assert working_day(TUESDAY_2016, 5, closed) == D(2016, 11, 17)
    assert due_at(Deadline.working_day(1, TimeOfDay.MIDDAY), TUESDAY_2016, closed) == london(
        2016, 11, 11, 12
    )
    # The default calendar is untouched.
    assert working_day(TUESDAY_2016, 1) == D(2016, 11, 9)


def test_notification_on_a_non_working_day() -> None:
    saturday = D(2016, 11, 12)
    assert working_day(saturday, 0) == saturday
    assert working_day(saturday, 1) == D(2016, 11, 14)
    boxing_day = D(2016, 12, 26)
    assert working_day(boxing_day, 0) == boxing_day
    assert working_day(boxing_day, 1) == D(2016, 12, 28)


def test_negative_working_day_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        working_day(TUESDAY_2016, -1)


# --- Weeks ----------------------------------------------------------------------------------------


def test_weeks_of_a_tuesday_notification() -> None:
    assert inspection_weeks(TUESDAY_2016) == [
        InspectionWeek(1, D(2016, 11, 7), D(2016, 11, 11), on_site=False),
        InspectionWeek(2, D(2016, 11, 14), D(2016, 11, 18), on_site=False),
        InspectionWeek(3, D(2016, 11, 21), D(2016, 11, 25), on_site=True),
    ]


def test_weeks_of_a_monday_notification() -> None:
    weeks = inspection_weeks(MONDAY_2024)
    assert [w.number for w in weeks] == [1, 2, 3]
    assert weeks[0].starts == MONDAY_2024
    assert [w.on_site for w in weeks] == [False, False, True]
    assert weeks[2] == InspectionWeek(3, D(2024, 10, 14), D(2024, 10, 18), on_site=True)
    for week in weeks:
        assert (week.starts.weekday(), week.ends.weekday()) == (0, 4)


@pytest.mark.parametrize("notification", [D(2016, 11, 7), D(2016, 11, 9), D(2016, 11, 11)])
def test_every_weekday_of_a_week_gives_the_same_weeks(notification: dt.date) -> None:
    assert inspection_weeks(notification) == inspection_weeks(TUESDAY_2016)


def test_weekend_notification_belongs_to_the_next_week() -> None:
    for weekend in (D(2016, 11, 5), D(2016, 11, 6)):
        assert inspection_weeks(weekend) == inspection_weeks(TUESDAY_2016)


@pytest.mark.parametrize(
    ("notification", "friday"),
    [(TUESDAY_2016, london(2016, 11, 18, 17)), (MONDAY_2024, london(2024, 10, 11, 17))],
)
def test_friday_and_end_of_week_two(notification: dt.date, friday: dt.datetime) -> None:
    assert due_at(END_OF_WEEK_TWO, notification) == friday
    cqc_request = Deadline.week_day(2, Weekday.FRIDAY, TimeOfDay.START_OF_DAY)
    assert due_at(cqc_request, notification) == friday.replace(hour=9)
    assert due_at(END_OF_WEEK_TWO, notification).date() == inspection_weeks(notification)[1].ends


def test_week_day_on_a_bank_holiday_keeps_the_named_day() -> None:
    notification = D(2025, 4, 8)  # Tuesday; Friday of week two is Good Friday
    assert due_at(END_OF_WEEK_TWO, notification) == london(2025, 4, 18, 17)
    easter_monday = Deadline.week_day(3, Weekday.MONDAY, TimeOfDay.START_OF_DAY)
    assert due_at(easter_monday, notification) == london(2025, 4, 21, 9)


@pytest.mark.parametrize("week", [0, 4])
def test_week_outside_the_inspection_is_refused(week: int) -> None:
    with pytest.raises(ValueError, match="week 1-3"):
        due_at(Deadline.week_day(week, Weekday.FRIDAY, TimeOfDay.END_OF_DAY), TUESDAY_2016)


# --- GMT and BST ----------------------------------------------------------------------------------


def test_midday_is_1100_utc_in_summer_and_1200_utc_in_winter() -> None:
    midday_day_one = Deadline.working_day(1, TimeOfDay.MIDDAY)
    summer = due_at(midday_day_one, D(2025, 6, 10))
    assert summer.astimezone(UTC) == dt.datetime(2025, 6, 11, 11, tzinfo=UTC)
    assert summer.utcoffset() == dt.timedelta(hours=1)
    winter = due_at(midday_day_one, TUESDAY_2016)
    assert winter.astimezone(UTC) == dt.datetime(2016, 11, 9, 12, tzinfo=UTC)
    assert winter.utcoffset() == dt.timedelta(0)


def test_deadlines_across_a_clock_change() -> None:
    # Notified Friday 28 March 2025; the clocks go forward on Sunday 30 March.
    notification = D(2025, 3, 28)
    end_of_notification_day = due_at(Deadline.working_day(0, TimeOfDay.END_OF_DAY), notification)
    assert end_of_notification_day.astimezone(UTC) == dt.datetime(2025, 3, 28, 17, tzinfo=UTC)
    midday_day_one = due_at(Deadline.working_day(1, TimeOfDay.MIDDAY), notification)
    assert midday_day_one.astimezone(UTC) == dt.datetime(2025, 3, 31, 11, tzinfo=UTC)
    # Elapsed time loses the hour; Python subtracts two London times by wall clock, so compare
    # in UTC (as due_at's docstring says).
    elapsed = midday_day_one.astimezone(UTC) - end_of_notification_day.astimezone(UTC)
    assert elapsed == dt.timedelta(days=2, hours=18)
    assert midday_day_one - end_of_notification_day == dt.timedelta(days=2, hours=19)


# --- The timetable --------------------------------------------------------------------------------

WD, WK, T = Deadline.working_day, Deadline.week_day, TimeOfDay

# The deadlines of DOMAIN.md section 3 (the 2016 guidance), as plugins state them.
GUIDANCE_2016 = [
    ("list.cin-cp", "Lists of children in need and on a plan", WD(0, T.END_OF_DAY)),
    ("7.1", "Cafcass section 7 reports", WD(1, T.END_OF_DAY)),
    ("select-20", "Select 20 children", WD(1, T.MIDDAY)),
    ("select-cafcass", "Select 3 Cafcass cases", WD(2, T.START_OF_DAY)),
    ("list.extra-fields", "Extra fields for the 20", WD(2, T.MID_AFTERNOON)),
    ("select-tracked", "Name the 5-7 tracked children", WD(2, T.END_OF_DAY)),
    ("list.meetings", "Multi-agency meetings", WD(2, T.END_OF_DAY)),
    ("4.4", "Key case-file documents", WD(5, T.END_OF_DAY)),
    ("cqc.health", "CQC health documents request", WK(2, Weekday.FRIDAY, T.START_OF_DAY)),
    ("evaluations", "Joint evaluations", WD(7, T.END_OF_DAY)),
    ("consent", "Consent to meet children and carers", END_OF_WEEK_TWO),
]


def test_the_2016_timetable_in_order() -> None:
    timetable = build_timetable(TUESDAY_2016, GUIDANCE_2016)
    assert timetable.notification == TUESDAY_2016
    assert timetable.weeks == tuple(inspection_weeks(TUESDAY_2016))
    assert [(d.key, d.due_at) for d in timetable.deadlines] == [
        ("list.cin-cp", london(2016, 11, 8, 17)),
        ("select-20", london(2016, 11, 9, 12)),
        ("7.1", london(2016, 11, 9, 17)),
        ("select-cafcass", london(2016, 11, 10, 9)),
        ("list.extra-fields", london(2016, 11, 10, 15)),
        ("list.meetings", london(2016, 11, 10, 17)),  # same time as select-tracked: by key
        ("select-tracked", london(2016, 11, 10, 17)),
        ("4.4", london(2016, 11, 15, 17)),
        ("evaluations", london(2016, 11, 17, 17)),
        ("cqc.health", london(2016, 11, 18, 9)),
        ("consent", london(2016, 11, 18, 17)),
    ]
    by_key = {d.key: d for d in timetable.deadlines}
    assert by_key["select-20"].title == "Select 20 children"
    assert by_key["select-20"].description == "midday, day 1"
    assert by_key["list.cin-cp"].description == "end of day, notification day"
    assert by_key["consent"].description == "end of day, Friday of week 2"
    assert by_key["consent"].deadline == END_OF_WEEK_TWO
    assert all(d.due_at.tzinfo is LONDON for d in timetable.deadlines)


def test_timetable_order_does_not_depend_on_input_order() -> None:
    expected = build_timetable(TUESDAY_2016, GUIDANCE_2016)
    shuffled = list(GUIDANCE_2016)
    for seed in range(20):
        random.Random(seed).shuffle(shuffled)
        assert build_timetable(TUESDAY_2016, shuffled) == expected
    assert build_timetable(TUESDAY_2016, GUIDANCE_2016[::-1]) == expected


def test_timetable_days_run_to_at_least_day_ten() -> None:
    timetable = build_timetable(TUESDAY_2016, GUIDANCE_2016)
    assert len(timetable.days) == 11
    assert timetable.days == tuple(days(TUESDAY_2016, 10))
    assert timetable.days[0] == TUESDAY_2016
    assert timetable.days[5] == D(2016, 11, 15)
    assert timetable.days[10] == D(2016, 11, 22)

    empty = build_timetable(D(2016, 12, 20), [])
    assert empty.deadlines == ()
    assert empty.days == tuple(days(D(2016, 12, 20), 10))
    assert D(2016, 12, 26) not in empty.days


def test_timetable_days_reach_the_last_working_day_deadline() -> None:
    late = ("late", "Late", Deadline.working_day(13, TimeOfDay.END_OF_DAY))
    timetable = build_timetable(MONDAY_2024, [*GUIDANCE_2016, late])
    assert len(timetable.days) == 14
    assert timetable.days[13] == working_day(MONDAY_2024, 13) == D(2024, 10, 17)
    assert timetable.deadlines[-1].key == "late"
    assert timetable.deadlines[-1].due_at == london(2024, 10, 17, 17)


def test_timetable_uses_the_calendar_given() -> None:
    closed = WorkingCalendar.with_closures([D(2016, 11, 15)])
    timetable = build_timetable(TUESDAY_2016, GUIDANCE_2016, closed)
    assert D(2016, 11, 15) not in timetable.days
    assert {d.key: d.due_at for d in timetable.deadlines}["4.4"] == london(2016, 11, 16, 17)


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError, match=r"repeated: 7\.1$"):
        build_timetable(TUESDAY_2016, [*GUIDANCE_2016, GUIDANCE_2016[1]])


def test_timetable_values_are_frozen() -> None:
    timetable = build_timetable(TUESDAY_2016, GUIDANCE_2016)
    assert isinstance(timetable, Timetable)
    with pytest.raises(dataclasses.FrozenInstanceError):
        timetable.notification = MONDAY_2024  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        timetable.deadlines[0].key = "other"  # type: ignore[misc]
    assert not hasattr(timetable, "__dict__")
    assert not hasattr(timetable.weeks[0], "__dict__")
