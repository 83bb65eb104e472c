"""The production calendar and the legal term arithmetic (no database)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.core.calendar import DATA_DIR, CalendarError, ProductionCalendar, WorkSchedule, YearCalendar

CAL = ProductionCalendar.load()

MSK = ZoneInfo("Europe/Moscow")
VOLGOGRAD = ZoneInfo("Europe/Volgograd")
KALININGRAD = ZoneInfo("Europe/Kaliningrad")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
ZONES = {"msk": MSK, "volgograd": VOLGOGRAD, "kaliningrad": KALININGRAD, "vladivostok": VLADIVOSTOK}
SCHEDULES = {name: WorkSchedule(tz) for name, tz in ZONES.items()}
MSK_DAY = SCHEDULES["msk"]

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def at(
    tz: tzinfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An aware moment: ``at(MSK, 2025, 12, 30, 16)``."""
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return at(MSK, year, month, day, hour, minute, second)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return at(UTC, year, month, day, hour, minute, second)


def interval(day: date, schedule: WorkSchedule) -> tuple[datetime, datetime]:
    """The working interval of a day that must be a working day."""
    result = CAL.working_interval(day, schedule)
    assert result is not None, f"{day} is not a working day"
    return result


# ----------------------------------------------------------------------------------------------------
# The data: totals per year, decrees, particular days


@pytest.mark.parametrize(
    ("year", "working_days", "hours_40"),
    [
        (2024, 248, 1979),
        (2025, 247, 1972),
        (2026, 247, 1972),
        # Provisional: no decree yet, January 2–3 (weekend) not moved; the decree will likely make it 247.
        (2027, 249, 1987),
    ],
)
def test_working_day_totals_match_the_published_calendar(year, working_days, hours_40):
    assert CAL.year(year).working_day_count() == working_days
    assert CAL.working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) == working_days
    # The 40-hour-week norm: 8 hours a working day, one hour less on each pre-holiday day.
    eight_hours = WorkSchedule(MSK, time(9, 0), time(17, 0))
    year_span = CAL.working_time_between(msk(year, 1, 1), msk(year, 12, 31, 23, 59), eight_hours)
    assert year_span == timedelta(hours=hours_40)


@pytest.mark.parametrize(
    ("year", "decree"),
    [
        (2024, "Постановление Правительства РФ от 10.08.2023 № 1314 «О переносе выходных дней в 2024 году»"),
        (2025, "Постановление Правительства РФ от 04.10.2024 № 1335 «О переносе выходных дней в 2025 году»"),
        (2026, "Постановление Правительства РФ от 24.09.2025 № 1466 «О переносе выходных дней в 2026 году»"),
    ],
)
def test_each_year_names_its_decree(year, decree):
    assert CAL.year(year).decree == decree


def test_2027_is_marked_provisional():
    year = CAL.year(2027)
    assert year.decree == ""
    assert "Предварительные данные" in year.note


def test_shipped_years():
    assert CAL.years() == [2024, 2025, 2026, 2027]
    for year in CAL.years():
        holidays = CAL.year(year).holidays
        statutory = {date(year, 1, d) for d in range(1, 9)} | {
            date(year, 2, 23),
            date(year, 3, 8),
            date(year, 5, 1),
            date(year, 5, 9),
            date(year, 6, 12),
            date(year, 11, 4),
        }
        assert holidays == statutory


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # New Year holidays.
        (date(2024, 1, 8), False),
        (date(2024, 1, 9), True),
        (date(2025, 1, 8), False),
        (date(2025, 1, 9), True),
        (date(2025, 12, 30), True),
        (date(2025, 12, 31), False),  # moved from Sunday January 5
        (date(2026, 1, 9), False),  # moved from Saturday January 3
        (date(2026, 1, 12), True),
        (date(2026, 12, 31), False),  # moved from Sunday January 4
        # February and March.
        (date(2024, 2, 22), True),
        (date(2024, 2, 23), False),
        (date(2025, 2, 24), True),  # Sunday February 23 was moved to May 8, not to Monday
        (date(2025, 3, 10), True),
        (date(2026, 2, 23), False),
        (date(2026, 3, 9), False),  # March 8 is a Sunday: ст. 112 ч. 2 ТК РФ
        # May holidays.
        (date(2024, 4, 27), True),  # working Saturday
        (date(2024, 4, 29), False),
        (date(2024, 4, 30), False),
        (date(2024, 5, 10), False),
        (date(2025, 4, 30), True),
        (date(2025, 5, 1), False),
        (date(2025, 5, 2), False),
        (date(2025, 5, 4), False),
        (date(2025, 5, 5), True),
        (date(2025, 5, 7), True),
        (date(2025, 5, 8), False),
        (date(2025, 5, 11), False),
        (date(2025, 5, 12), True),
        (date(2026, 5, 11), False),  # May 9 is a Saturday
        # June.
        (date(2025, 6, 13), False),
        (date(2026, 6, 12), False),
        (date(2026, 6, 15), True),
        # November 4.
        (date(2024, 11, 2), True),  # working Saturday
        (date(2024, 11, 3), False),
        (date(2024, 11, 4), False),
        (date(2024, 11, 5), True),
        (date(2025, 11, 1), True),  # working Saturday
        (date(2025, 11, 3), False),
        (date(2025, 11, 4), False),
        (date(2026, 11, 4), False),
        # December.
        (date(2024, 12, 28), True),  # working Saturday
        (date(2024, 12, 30), False),
        (date(2024, 12, 31), False),
        # Plain days.
        (date(2024, 2, 29), True),
        (date(2025, 7, 15), True),
        (date(2025, 7, 19), False),  # Saturday
        (date(2025, 7, 20), False),  # Sunday
    ],
)
def test_is_working_day(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 12, 30), date(2025, 12, 30)),
        (date(2025, 12, 31), date(2026, 1, 12)),
        (date(2025, 5, 1), date(2025, 5, 5)),
        (date(2024, 11, 2), date(2024, 11, 2)),
        (date(2024, 11, 3), date(2024, 11, 5)),
        (date(2024, 12, 29), date(2025, 1, 9)),
    ],
)
def test_next_working_day(day, expected):
    assert CAL.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 3, 7), (msk(2025, 3, 7, 9), msk(2025, 3, 7, 17))),  # short day before March 8
        (date(2025, 3, 6), (msk(2025, 3, 6, 9), msk(2025, 3, 6, 18))),
        (date(2024, 11, 2), (msk(2024, 11, 2, 9), msk(2024, 11, 2, 17))),  # short working Saturday
        (date(2024, 12, 28), (msk(2024, 12, 28, 9), msk(2024, 12, 28, 18))),  # working Saturday, full
        (date(2025, 11, 1), (msk(2025, 11, 1, 9), msk(2025, 11, 1, 17))),
        (date(2026, 11, 3), (msk(2026, 11, 3, 9), msk(2026, 11, 3, 17))),
        (date(2025, 12, 30), (msk(2025, 12, 30, 9), msk(2025, 12, 30, 18))),  # Dec 31 is off, not a holiday
        (date(2025, 12, 31), None),
        (date(2025, 7, 19), None),
    ],
)
def test_working_interval(day, expected):
    assert CAL.working_interval(day, MSK_DAY) == expected


def test_working_interval_is_in_the_schedule_zone():
    begin, end = interval(date(2025, 3, 7), SCHEDULES["vladivostok"])
    assert begin.tzinfo is VLADIVOSTOK
    assert (begin.utcoffset(), end.utcoffset()) == (timedelta(hours=10), timedelta(hours=10))
    assert end.astimezone(UTC) == utc(2025, 3, 7, 7)


# ----------------------------------------------------------------------------------------------------
# Terms


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # An appeal registered on December 15, 2025: 30 days end on Wednesday January 14, 2026.
        (msk(2025, 12, 15, 10), 30, msk(2026, 1, 14, 18)),
        (msk(2025, 12, 1, 10), 30, msk(2026, 1, 12, 18)),  # Dec 31 is off, then the holidays
        (msk(2025, 12, 1, 23, 59), 29, msk(2025, 12, 30, 18)),
        (msk(2026, 1, 1, 10), 7, msk(2026, 1, 12, 18)),
        (msk(2026, 1, 8, 10), 1, msk(2026, 1, 12, 18)),  # Jan 9, 2026 is a moved day off
        # May holidays 2025.
        (msk(2025, 4, 21, 10), 10, msk(2025, 5, 5, 18)),
        (msk(2025, 4, 28, 10), 10, msk(2025, 5, 12, 18)),
        (msk(2025, 6, 10, 10), 2, msk(2025, 6, 16, 18)),
        # November 2024: Nov 2 a working (short) Saturday, Nov 3-4 off.
        (msk(2024, 10, 30, 10), 3, msk(2024, 11, 2, 17)),
        (msk(2024, 10, 31, 10), 3, msk(2024, 11, 5, 18)),
        (msk(2025, 10, 31, 10), 1, msk(2025, 11, 1, 17)),
        (msk(2024, 12, 27, 10), 1, msk(2024, 12, 28, 18)),  # working Saturday, not shortened
        # Short days end at 17:00.
        (msk(2025, 3, 6, 10), 1, msk(2025, 3, 7, 17)),
        (msk(2026, 4, 29, 10), 1, msk(2026, 4, 30, 17)),
        # Leap years.
        (msk(2024, 2, 28, 10), 1, msk(2024, 2, 29, 18)),
        (msk(2024, 2, 28, 10), 2, msk(2024, 3, 1, 18)),
        (msk(2024, 2, 29, 10), 365, msk(2025, 2, 28, 18)),
        (msk(2024, 2, 29, 10), 366, msk(2025, 3, 3, 18)),  # March 1, 2025 is a Saturday
        (msk(2025, 2, 28, 10), 365, msk(2026, 3, 2, 18)),  # Feb 28, 2026 is a Saturday
        (msk(2024, 1, 31, 10), 30, msk(2024, 3, 1, 18)),
        # Zero days: the end of the working time of the day, moved to a working day.
        (msk(2025, 12, 30, 10), 0, msk(2025, 12, 30, 18)),
        (msk(2025, 12, 30, 18), 0, msk(2025, 12, 30, 18)),
        (msk(2025, 12, 30, 19), 0, msk(2026, 1, 12, 18)),  # already past the working time
        (msk(2025, 12, 31, 10), 0, msk(2026, 1, 12, 18)),
        (msk(2025, 3, 7, 8), 0, msk(2025, 3, 7, 17)),
    ],
)
def test_add_calendar_days(start, days, expected):
    result = CAL.add_calendar_days(start, days, MSK_DAY)
    assert result == expected
    assert result.tzinfo is MSK


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # A message received on December 30, 2025: 10 working days go past the New Year holidays.
        (msk(2025, 12, 30, 10), 10, msk(2026, 1, 23, 18)),
        (msk(2025, 12, 26, 10), 2, msk(2025, 12, 30, 18)),
        (msk(2025, 12, 26, 10), 3, msk(2026, 1, 12, 18)),
        (msk(2024, 12, 27, 10), 1, msk(2024, 12, 28, 18)),  # working Saturday counts
        (msk(2024, 12, 27, 10), 2, msk(2025, 1, 9, 18)),
        # The start day is not counted, even early in the morning of a working day.
        (msk(2025, 7, 15, 0, 1), 1, msk(2025, 7, 16, 18)),
        # May holidays 2025.
        (msk(2025, 4, 30, 10), 1, msk(2025, 5, 5, 18)),
        (msk(2025, 4, 30, 10), 4, msk(2025, 5, 12, 18)),
        (msk(2025, 5, 3, 10), 1, msk(2025, 5, 5, 18)),
        # Transferred days and working Saturdays of 2024.
        (msk(2024, 4, 26, 10), 1, msk(2024, 4, 27, 18)),
        (msk(2024, 4, 26, 10), 2, msk(2024, 5, 2, 18)),
        (msk(2024, 11, 1, 10), 1, msk(2024, 11, 2, 17)),
        (msk(2024, 11, 1, 10), 2, msk(2024, 11, 5, 18)),
        # Short days.
        (msk(2025, 3, 6, 10), 1, msk(2025, 3, 7, 17)),
        (msk(2026, 6, 10, 10), 1, msk(2026, 6, 11, 17)),
        # Across weekends.
        (msk(2025, 7, 18, 17), 1, msk(2025, 7, 21, 18)),
        (msk(2025, 7, 19, 12), 5, msk(2025, 7, 25, 18)),
        # Zero: the calendar-day rule with zero.
        (msk(2025, 5, 3, 10), 0, msk(2025, 5, 5, 18)),
        (msk(2025, 5, 5, 10), 0, msk(2025, 5, 5, 18)),
    ],
)
def test_add_working_days(start, days, expected):
    assert CAL.add_working_days(start, days, MSK_DAY) == expected


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # An incident posted on December 30, 2025 at 16:00: 2 hours that day, 6 after the holidays.
        (msk(2025, 12, 30, 16), 8, msk(2026, 1, 12, 15)),
        (msk(2025, 12, 30, 19), 1, msk(2026, 1, 12, 10)),
        # The 2024/2025 New Year: Dec 28, 2024 is a full working Saturday, then 11 days off.
        (msk(2024, 12, 27, 17), 10, msk(2024, 12, 28, 18)),
        (msk(2024, 12, 27, 17), 11, msk(2025, 1, 9, 10)),
        # Across a weekend.
        (msk(2025, 6, 6, 16), 4, msk(2025, 6, 9, 11)),
        (msk(2025, 7, 19, 12), 3, msk(2025, 7, 21, 12)),
        # Short days end at 17:00.
        (msk(2025, 3, 7, 16), 2, msk(2025, 3, 10, 10)),
        (msk(2024, 11, 1, 17), 2, msk(2024, 11, 2, 10)),  # into the short working Saturday
        (msk(2024, 11, 2, 16), 2, msk(2024, 11, 5, 10)),
        # Before and after the working time.
        (msk(2025, 3, 10, 7), 1, msk(2025, 3, 10, 10)),
        (msk(2025, 3, 10, 18), 1, msk(2025, 3, 11, 10)),
        # A day's working time used up exactly ends at the day's end.
        (msk(2025, 5, 5, 9), 9, msk(2025, 5, 5, 18)),
        (msk(2025, 5, 5, 9), 9.5, msk(2025, 5, 6, 9, 30)),
        # Fractional hours, exact to the second.
        (msk(2025, 5, 5, 9), 1.5, msk(2025, 5, 5, 10, 30)),
        (msk(2025, 5, 5, 9), 0.25, msk(2025, 5, 5, 9, 15)),
        (msk(2025, 5, 5, 9), 1 / 3600, msk(2025, 5, 5, 9, 0, 1)),
        (msk(2025, 5, 5, 17, 59, 30), 1 / 60, msk(2025, 5, 6, 9, 0, 30)),
        # Zero hours: the start moved into working time.
        (msk(2025, 5, 5, 12, 34, 56), 0, msk(2025, 5, 5, 12, 34, 56)),
        (msk(2025, 5, 1, 12), 0, msk(2025, 5, 5, 9)),
        (msk(2025, 5, 5, 7), 0, msk(2025, 5, 5, 9)),
        (msk(2025, 5, 5, 18), 0, msk(2025, 5, 5, 18)),
        # Long terms.
        (msk(2025, 12, 29, 9), 18, msk(2025, 12, 30, 18)),
        (msk(2025, 12, 29, 9), 27, msk(2026, 1, 12, 18)),
    ],
)
def test_add_working_hours(start, hours, expected):
    assert CAL.add_working_hours(start, hours, MSK_DAY) == expected


# ----------------------------------------------------------------------------------------------------
# Time zones: the local date is the date in the schedule's zone


def test_new_year_night_in_volgograd_is_a_holiday():
    moment = utc(2025, 12, 31, 22, 30)  # 2026-01-01 01:30 in Volgograd (UTC+3)
    schedule = SCHEDULES["volgograd"]
    local = moment.astimezone(VOLGOGRAD)
    assert local.date() == date(2026, 1, 1)
    assert not CAL.is_working_day(local.date())
    assert CAL.add_working_hours(moment, 1, schedule) == at(VOLGOGRAD, 2026, 1, 12, 10)
    assert CAL.add_calendar_days(moment, 0, schedule) == at(VOLGOGRAD, 2026, 1, 12, 18)
    assert CAL.add_calendar_days(moment, 1, schedule) == at(VOLGOGRAD, 2026, 1, 12, 18)
    assert CAL.add_working_days(moment, 1, schedule) == at(VOLGOGRAD, 2026, 1, 12, 18)
    assert CAL.add_working_days(moment, 2, schedule) == at(VOLGOGRAD, 2026, 1, 13, 18)
    assert CAL.working_time_between(moment, at(VOLGOGRAD, 2026, 1, 12, 12), schedule) == timedelta(hours=3)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("kaliningrad", at(KALININGRAD, 2025, 12, 30, 17, 30)),  # 16:30 local, Dec 30 a working day
        ("msk", msk(2026, 1, 12, 9, 30)),  # 17:30 local: half an hour that day
        ("volgograd", at(VOLGOGRAD, 2026, 1, 12, 9, 30)),
        ("vladivostok", at(VLADIVOSTOK, 2026, 1, 12, 10)),  # already 00:30 on December 31: a day off
    ],
)
def test_one_working_hour_from_the_same_moment_in_different_zones(zone, expected):
    result = CAL.add_working_hours(utc(2025, 12, 30, 14, 30), 1, SCHEDULES[zone])
    assert result == expected
    assert result.tzinfo is ZONES[zone]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # 23:30 on Friday Nov 1 in Kaliningrad: the next day is the working Saturday.
        ("kaliningrad", at(KALININGRAD, 2024, 11, 2, 17)),
        # Already Saturday Nov 2 in Moscow and Vladivostok: the term's day is Sunday Nov 3, then Nov 4.
        ("msk", msk(2024, 11, 5, 18)),
        ("vladivostok", at(VLADIVOSTOK, 2024, 11, 5, 18)),
    ],
)
def test_one_calendar_day_from_the_same_moment_in_different_zones(zone, expected):
    assert CAL.add_calendar_days(utc(2024, 11, 1, 21, 30), 1, SCHEDULES[zone]) == expected


def test_results_are_converted_to_the_schedule_zone():
    start = at(VLADIVOSTOK, 2025, 7, 15, 10)  # 00:00 UTC, 02:00 in Kaliningrad
    result = CAL.add_working_hours(start, 1, SCHEDULES["kaliningrad"])
    assert result == at(KALININGRAD, 2025, 7, 15, 10)
    assert result.tzinfo is KALININGRAD


# ----------------------------------------------------------------------------------------------------
# Spans


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 12, 30), date(2026, 1, 12), 1),
        (date(2025, 12, 29), date(2025, 12, 30), 1),
        (date(2024, 11, 1), date(2024, 11, 5), 2),
        (date(2025, 4, 30), date(2025, 5, 12), 4),
        (date(2025, 5, 1), date(2025, 5, 1), 0),
        (date(2025, 5, 12), date(2025, 5, 1), 0),
        (date(2024, 2, 28), date(2024, 3, 1), 2),
    ],
)
def test_working_days_between(start, end, expected):
    assert CAL.working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (msk(2025, 12, 30, 16), msk(2026, 1, 12, 15), timedelta(hours=8)),
        (msk(2026, 1, 12, 15), msk(2025, 12, 30, 16), timedelta(hours=-8)),
        (msk(2025, 3, 7, 8), msk(2025, 3, 7, 20), timedelta(hours=8)),  # short day
        (msk(2025, 5, 1), msk(2025, 5, 4, 23, 59), timedelta(0)),
        (msk(2024, 11, 2), msk(2024, 11, 3), timedelta(hours=8)),
        (msk(2025, 5, 5, 10, 15), msk(2025, 5, 5, 10, 15), timedelta(0)),
        (msk(2025, 5, 5, 10, 15), msk(2025, 5, 5, 10, 15, 30), timedelta(seconds=30)),
        # 09:00 MSK on May 5 .. 15:00 MSK on May 6, given in UTC and in Vladivostok time.
        (utc(2025, 5, 5, 6), at(VLADIVOSTOK, 2025, 5, 6, 22), timedelta(hours=9 + 6)),
    ],
)
def test_working_time_between(start, end, expected):
    assert CAL.working_time_between(start, end, MSK_DAY) == expected


# ----------------------------------------------------------------------------------------------------
# Wrong input


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_calendar_days(datetime(2025, 5, 5, 10), 1, MSK_DAY),
        lambda: CAL.add_working_days(datetime(2025, 5, 5, 10), 1, MSK_DAY),
        lambda: CAL.add_working_hours(datetime(2025, 5, 5, 10), 1, MSK_DAY),
        lambda: CAL.working_time_between(datetime(2025, 5, 5, 10), msk(2025, 5, 6), MSK_DAY),
        lambda: CAL.working_time_between(msk(2025, 5, 5, 10), datetime(2025, 5, 6), MSK_DAY),
        lambda: CAL.add_calendar_days(msk(2025, 5, 5, 10), -1, MSK_DAY),
        lambda: CAL.add_working_days(msk(2025, 5, 5, 10), -1, MSK_DAY),
        lambda: CAL.add_working_hours(msk(2025, 5, 5, 10), -0.5, MSK_DAY),
        lambda: CAL.add_calendar_days(msk(2025, 5, 5, 10), 1.5, MSK_DAY),  # type: ignore[arg-type]
        lambda: CAL.add_working_days(msk(2025, 5, 5, 10), 0.5, MSK_DAY),  # type: ignore[arg-type]
        lambda: CAL.add_working_hours(msk(2025, 5, 5, 10), float("nan"), MSK_DAY),
        lambda: CAL.add_working_hours(msk(2025, 5, 5, 10), float("inf"), MSK_DAY),
        lambda: WorkSchedule(MSK, time(18, 0), time(9, 0)),
        lambda: WorkSchedule(MSK, time(9, 0), time(10, 0)),
    ],
    ids=[
        "naive-calendar",
        "naive-working-days",
        "naive-hours",
        "naive-span-start",
        "naive-span-end",
        "negative-calendar",
        "negative-working-days",
        "negative-hours",
        "fractional-calendar-days",
        "fractional-working-days",
        "nan-hours",
        "infinite-hours",
        "schedule-backwards",
        "schedule-too-short",
    ],
)
def test_wrong_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.is_working_day(date(2031, 1, 1)),
        lambda: CAL.is_working_day(date(2023, 12, 29)),
        lambda: CAL.year(2031),
        lambda: CAL.working_interval(date(2031, 3, 3), MSK_DAY),
        lambda: CAL.add_calendar_days(msk(2031, 3, 3, 10), 1, MSK_DAY),
        lambda: CAL.add_calendar_days(msk(2027, 12, 30, 10), 5, MSK_DAY),  # runs into 2028
        lambda: CAL.add_working_days(msk(2027, 12, 20, 10), 20, MSK_DAY),
        lambda: CAL.add_working_hours(msk(2027, 12, 31, 10), 100, MSK_DAY),
        lambda: CAL.working_days_between(date(2027, 12, 1), date(2028, 1, 31)),
    ],
)
def test_years_without_data_are_never_guessed(call):
    with pytest.raises(CalendarError, match=r"Нет данных производственного календаря на 20\d\d год"):
        call()


def test_unknown_year_message():
    with pytest.raises(CalendarError) as excinfo:
        CAL.is_working_day(date(2031, 5, 5))
    assert str(excinfo.value) == "Нет данных производственного календаря на 2031 год"


# ----------------------------------------------------------------------------------------------------
# Loading another year, and malformed files


def year_2031(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": 2031,
        "decree": "",
        "note": "Тестовые данные",
        "holidays": [f"2031-01-0{d}" for d in range(1, 9)]
        + ["2031-02-23", "2031-03-08", "2031-05-01", "2031-05-09", "2031-06-12", "2031-11-04"],
        "transferred_days_off": ["2031-02-24", "2031-03-10"],  # Feb 23 and Mar 8 fall on a weekend
        "working_weekend_days": [],
        "short_days": ["2031-03-07", "2031-04-30", "2031-05-08", "2031-06-11", "2031-11-03", "2031-12-31"],
    }
    data.update(changes)
    return data


def write(directory: Path, name: str, content: Any) -> Path:
    path = directory / name
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_load_reads_another_year_from_extra_dir(tmp_path):
    write(tmp_path, "2031.json", year_2031())
    calendar = ProductionCalendar.load(extra_dir=tmp_path)
    assert calendar.years() == [2024, 2025, 2026, 2027, 2031]
    assert not calendar.is_working_day(date(2031, 1, 1))
    assert calendar.is_working_day(date(2031, 1, 9))
    assert not calendar.is_working_day(date(2031, 3, 10))
    assert calendar.year(2031).note == "Тестовые данные"
    schedule = MSK_DAY
    assert calendar.add_calendar_days(msk(2031, 3, 6, 10), 1, schedule) == msk(2031, 3, 7, 17)
    assert calendar.add_calendar_days(msk(2031, 2, 20, 10), 2, schedule) == msk(2031, 2, 25, 18)
    assert calendar.add_working_days(msk(2031, 1, 1, 10), 1, schedule) == msk(2031, 1, 9, 18)
    assert calendar.is_working_day(date(2025, 5, 5))  # the shipped years stay


def test_a_file_in_extra_dir_replaces_the_shipped_year(tmp_path):
    shipped = json.loads((DATA_DIR / "2025.json").read_text(encoding="utf-8"))
    shipped["transferred_days_off"].remove("2025-12-31")
    shipped["decree"] = "исправленный"
    write(tmp_path, "2025.json", shipped)
    calendar = ProductionCalendar.load(extra_dir=tmp_path)
    assert calendar.years() == [2024, 2025, 2026, 2027]
    assert calendar.year(2025).decree == "исправленный"
    assert calendar.is_working_day(date(2025, 12, 31))
    assert not CAL.is_working_day(date(2025, 12, 31))


def test_load_refuses_a_missing_extra_dir(tmp_path):
    with pytest.raises(CalendarError, match="не найден"):
        ProductionCalendar.load(extra_dir=tmp_path / "нет такого")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("2031.json", "{нет json", "некорректный JSON"),
        ("2031.json", "[]", "ожидается JSON-объект"),
        ("2031.json", year_2031(year="2031"), "поле «year»"),
        ("2031.json", year_2031(decree=1), "поле «decree»"),
        ("2031.json", {k: v for k, v in year_2031().items() if k != "short_days"}, "нет поля «short_days»"),
        ("2031.json", year_2031(holidays="2031-01-01"), "поле «holidays» должно быть списком дат"),
        ("2031.json", year_2031(short_days=["2031-02-30"]), "неверная дата «2031-02-30»"),
        ("2031.json", year_2031(short_days=[20310220]), "ожидаются даты-строки"),
        ("2031.json", year_2031(transferred_days_off=["2030-12-31"]), "не относится к 2031 году"),
        (
            "2031.json",
            year_2031(working_weekend_days=["2031-01-04"]),
            "одновременно как нерабочая и как рабочая",
        ),
        (
            "2031.json",
            year_2031(transferred_days_off=["2031-01-01"]),
            "и как праздничный день, и как перенесённый выходной",
        ),
        ("2031.json", year_2031(working_weekend_days=["2031-01-09"]), "не суббота и не воскресенье"),
        (
            "2031.json",
            year_2031(transferred_days_off=["2031-01-12"]),
            "приходится на субботу или воскресенье",
        ),
        (
            "2031.json",
            year_2031(short_days=["2031-01-11"]),
            "сокращённый день 2031-01-11 не является рабочим",
        ),
        (
            "2031.json",
            year_2031(short_days=["2031-01-02"]),
            "сокращённый день 2031-01-02 не является рабочим",
        ),
        ("2032.json", year_2031(), "имя файла не совпадает с годом 2031"),
    ],
)
def test_malformed_files_raise_a_russian_reason(tmp_path, name, content, reason):
    path = write(tmp_path, name, content)
    with pytest.raises(CalendarError) as excinfo:
        YearCalendar.from_file(path)
    message = str(excinfo.value)
    assert reason in message
    assert str(path) in message
    assert CYRILLIC.search(message)
    with pytest.raises(CalendarError, match=re.escape(reason)):
        ProductionCalendar.load(extra_dir=tmp_path)


def test_a_year_built_in_code_is_validated_too():
    with pytest.raises(CalendarError, match="не суббота и не воскресенье"):
        YearCalendar(
            year=2031,
            decree="",
            holidays=frozenset(),
            transferred_days_off=frozenset(),
            working_weekend_days=frozenset({date(2031, 1, 9)}),
            short_days=frozenset(),
        )


def test_constructor_later_year_wins():
    first = YearCalendar.from_dict(year_2031())
    second = YearCalendar.from_dict(year_2031(transferred_days_off=[]))
    calendar = ProductionCalendar([first, second])
    assert calendar.years() == [2031]
    assert calendar.is_working_day(date(2031, 3, 10))


# ----------------------------------------------------------------------------------------------------
# Properties

# Start moments leave room so that every result stays inside the shipped years.
starts = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 6, 30)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
schedules = st.sampled_from(sorted(SCHEDULES.values(), key=lambda schedule: schedule.tz.key))
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


def assert_in_working_time(result: datetime, schedule: WorkSchedule) -> None:
    assert result.tzinfo is schedule.tz
    begin, end = interval(result.date(), schedule)
    assert begin <= result <= end


@st.composite
def working_moments(draw: st.DrawFn) -> tuple[datetime, WorkSchedule]:
    """A moment inside the working time of a working day, and its schedule."""
    schedule = draw(schedules)
    day = CAL.next_working_day(draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 6, 30))))
    begin, end = interval(day, schedule)
    seconds = draw(st.integers(min_value=0, max_value=int((end - begin).total_seconds())))
    return begin + timedelta(seconds=seconds), schedule


@PROPERTY_SETTINGS
@given(start=starts, days=st.integers(min_value=0, max_value=120), schedule=schedules)
def test_property_calendar_days_end_in_working_time(start, days, schedule):
    result = CAL.add_calendar_days(start, days, schedule)
    assert result >= start
    assert_in_working_time(result, schedule)
    assert result == interval(result.date(), schedule)[1]
    assert result.date() >= start.astimezone(schedule.tz).date() + timedelta(days=days)


@PROPERTY_SETTINGS
@given(start=starts, days=st.integers(min_value=0, max_value=60), schedule=schedules)
def test_property_working_days_end_in_working_time(start, days, schedule):
    result = CAL.add_working_days(start, days, schedule)
    assert result >= start
    assert_in_working_time(result, schedule)
    assert result == interval(result.date(), schedule)[1]
    if days >= 1:
        assert CAL.working_days_between(start.astimezone(schedule.tz).date(), result.date()) == days


@PROPERTY_SETTINGS
@given(
    start=starts,
    hours=st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
    schedule=schedules,
)
def test_property_working_hours_end_in_working_time(start, hours, schedule):
    result = CAL.add_working_hours(start, hours, schedule)
    assert result >= start
    assert_in_working_time(result, schedule)
    # Working time counts the same whether or not the start was inside working hours.
    assert CAL.working_time_between(start, result, schedule) == timedelta(hours=hours)


@PROPERTY_SETTINGS
@given(
    start=starts,
    first=st.integers(min_value=0, max_value=60),
    second=st.integers(min_value=0, max_value=60),
    schedule=schedules,
)
def test_property_working_days_are_monotonic(start, first, second, schedule):
    fewer, more = sorted((first, second))
    assert CAL.add_working_days(start, fewer, schedule) <= CAL.add_working_days(start, more, schedule)
    assert CAL.add_calendar_days(start, fewer, schedule) <= CAL.add_calendar_days(start, more, schedule)


@PROPERTY_SETTINGS
@given(
    moment=working_moments(),
    hours=st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
)
def test_property_working_time_between_inverts_add_working_hours(moment, hours):
    start, schedule = moment
    result = CAL.add_working_hours(start, hours, schedule)
    assert CAL.working_time_between(start, result, schedule) == timedelta(hours=hours)
    assert CAL.working_time_between(result, start, schedule) == -timedelta(hours=hours)
    if hours == 0:
        assert result == start


@PROPERTY_SETTINGS
@given(a=starts, b=starts, schedule=schedules)
def test_property_working_time_between_is_antisymmetric(a, b, schedule):
    forward = CAL.working_time_between(a, b, schedule)
    assert forward == -CAL.working_time_between(b, a, schedule)
    assert (forward >= timedelta(0)) == (b >= a) or forward == timedelta(0)


def test_remembered_terms_are_the_terms_computed_anew():
    """A calendar remembers the ends of whole-day terms: asked again, in any order, from any moment of
    the same local date, it answers what a fresh calendar computes."""
    warm = ProductionCalendar.load()
    starts = [msk(2025, 12, 20) + timedelta(hours=7 * i) for i in range(200)]  # across the New Year
    schedules = [
        MSK_DAY,
        SCHEDULES[next(iter(SCHEDULES))],
        WorkSchedule(ZoneInfo("Asia/Vladivostok"), time(8)),
    ]
    for round_ in range(2):
        for start in starts if round_ == 0 else reversed(starts):
            for schedule in schedules:
                for days in (1, 3, 10, 30):
                    cold = ProductionCalendar.load()
                    assert warm.add_working_days(start, days, schedule) == cold.add_working_days(
                        start, days, schedule
                    )
                    assert warm.add_calendar_days(start, days, schedule) == cold.add_calendar_days(
                        start, days, schedule
                    )
    assert 0 < len(warm._terms) <= 2 * len(starts) * len(schedules) * 4


def test_a_term_into_a_year_without_data_is_refused_every_time():
    calendar = ProductionCalendar([y for y in CAL._years.values() if y.year <= 2026])
    start = msk(2026, 12, 25)
    for _ in range(2):
        with pytest.raises(CalendarError, match="2027"):
            calendar.add_working_days(start, 10, MSK_DAY)
