"""The Russian production calendar (производственный календарь) and the legal term arithmetic on it.

Pure Python, no Django: the deadline rules (``otklik.cases.rules``) call it to turn "30 calendar days",
"10 working days" or "8 working hours" into the moment a stage is due.

The calendar data lives in ``calendar_data/<year>.json`` (see ``calendar_data/README.md``). A day is a
working day when it is a Monday–Friday that is neither a нерабочий праздничный день (ст. 112 ТК РФ) nor a
day off moved onto a weekday, or when it is a Saturday/Sunday made working by the government's decree.
A year without data is never guessed: every question about it raises :class:`CalendarError`.

The term rules, as the civil code states them:

* ГК РФ ст. 191 — a term in days starts the day after the event: the start day itself is not counted.
* ГК РФ ст. 193 — if the last day of a term falls on a day off, the term ends on the next working day.
* ГК РФ ст. 194 п. 1 — when an action is to be done in an organisation, the term ends at the hour its
  working day ends under its rules: here, the end of the :class:`WorkSchedule` (one hour earlier on a
  pre-holiday shortened day, ст. 95 ТК РФ).

Every moment passed in must be timezone-aware; it is converted to the schedule's time zone, "the date" of
a moment is its local date there, and every result is an aware datetime in that zone. Times of day are
wall-clock times in that zone (Russian zones have no daylight saving time).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DATA_DIR",
    "CalendarError",
    "ProductionCalendar",
    "WorkSchedule",
    "YearCalendar",
]

#: The shipped calendar files, one per year.
DATA_DIR = Path(__file__).resolve().parent / "calendar_data"

ONE_DAY = timedelta(days=1)
#: A pre-holiday working day is one hour shorter (ст. 95 ТК РФ).
SHORTENING = timedelta(hours=1)

_LIST_FIELDS = ("holidays", "transferred_days_off", "working_weekend_days", "short_days")
_FIELD_LABELS = {
    "holidays": "праздничные дни (holidays)",
    "transferred_days_off": "перенесённые выходные (transferred_days_off)",
    "working_weekend_days": "рабочие выходные (working_weekend_days)",
    "short_days": "сокращённые дни (short_days)",
}


class CalendarError(Exception):
    """The calendar cannot answer: no data for the year, or a data file is malformed (message in Russian)."""


def _no_data(year: int) -> CalendarError:
    return CalendarError(f"Нет данных производственного календаря на {year} год")


@dataclass(frozen=True)
class YearCalendar:
    """One year of the production calendar, as the government decree and the Labour Code define it.

    * ``holidays`` — нерабочие праздничные дни of ст. 112 ТК РФ falling in the year (January 1–8, February 23,
      March 8, May 1, May 9, June 12, November 4), whatever day of the week they fall on;
    * ``transferred_days_off`` — weekdays that are days off: weekend days moved by the decree, and the
      weekday after a holiday that fell on a weekend (ст. 112 ч. 2 ТК РФ);
    * ``working_weekend_days`` — Saturdays and Sundays made working days by the decree;
    * ``short_days`` — pre-holiday working days shortened by one hour (ст. 95 ТК РФ).
    """

    year: int
    decree: str
    holidays: frozenset[date]
    transferred_days_off: frozenset[date]
    working_weekend_days: frozenset[date]
    short_days: frozenset[date]
    note: str = field(default="", compare=False)
    #: Where the data came from (a file path), for error messages.
    source: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            where = f"файл {self.source}" if self.source else f"данные на {self.year} год"
            raise CalendarError(f"Производственный календарь ({where}): {problem}")

    @property
    def days_off(self) -> frozenset[date]:
        """Holidays and transferred days off (weekends not included)."""
        return self.holidays | self.transferred_days_off

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` (a date of this year) is a working day of the five-day week."""
        if d.year != self.year:
            raise CalendarError(f"Дата {d.isoformat()} не относится к {self.year} году")
        if d in self.working_weekend_days:
            return True
        if d in self.holidays or d in self.transferred_days_off:
            return False
        return d.weekday() < 5

    def working_day_count(self) -> int:
        """The number of working days in the year (the figure the published calendars give)."""
        d, count = date(self.year, 1, 1), 0
        while d.year == self.year:
            count += self.is_working_day(d)
            d += ONE_DAY
        return count

    def problem(self) -> str:
        """The first inconsistency of the data, in Russian; ``""`` when the data is consistent.

        Checked: every date belongs to the year; no date is both a holiday and a transferred day off, or
        both off and working; working weekend days are Saturdays or Sundays; transferred days off are
        weekdays; short days are working days.
        """
        for name in _LIST_FIELDS:
            for d in sorted(getattr(self, name)):
                if d.year != self.year:
                    label = _FIELD_LABELS[name]
                    return f"дата {d.isoformat()} в списке «{label}» не относится к {self.year} году"
        for d in sorted(self.holidays & self.transferred_days_off):
            return f"дата {d.isoformat()} указана и как праздничный день, и как перенесённый выходной"
        for d in sorted(self.working_weekend_days & self.days_off):
            return f"дата {d.isoformat()} указана одновременно как нерабочая и как рабочая"
        for d in sorted(self.working_weekend_days):
            if d.weekday() < 5:
                return f"рабочий выходной {d.isoformat()} — не суббота и не воскресенье"
        for d in sorted(self.transferred_days_off):
            if d.weekday() >= 5:
                return f"перенесённый выходной {d.isoformat()} приходится на субботу или воскресенье"
        for d in sorted(self.short_days):
            if not self.is_working_day(d):
                return f"сокращённый день {d.isoformat()} не является рабочим днём"
        return ""

    @classmethod
    def from_dict(cls, data: Any, source: str = "") -> YearCalendar:
        """Build and validate a year from the parsed JSON object of a calendar file."""
        prefix = f"Производственный календарь (файл {source}): " if source else "Производственный календарь: "
        if not isinstance(data, dict):
            raise CalendarError(prefix + "ожидается JSON-объект")
        year = data.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
            raise CalendarError(prefix + "поле «year» должно быть целым числом — годом")
        decree = data.get("decree", "")
        note = data.get("note", "")
        if not isinstance(decree, str):
            raise CalendarError(prefix + "поле «decree» должно быть строкой")
        if not isinstance(note, str):
            raise CalendarError(prefix + "поле «note» должно быть строкой")
        lists: dict[str, frozenset[date]] = {}
        for name in _LIST_FIELDS:
            if name not in data:
                raise CalendarError(prefix + f"нет поля «{name}»")
            raw = data[name]
            if not isinstance(raw, list):
                raise CalendarError(prefix + f"поле «{name}» должно быть списком дат")
            days: set[date] = set()
            for item in raw:
                if not isinstance(item, str):
                    raise CalendarError(
                        prefix + f"в поле «{name}» ожидаются даты-строки ГГГГ-ММ-ДД, а не {item!r}"
                    )
                try:
                    days.add(date.fromisoformat(item))
                except ValueError:
                    raise CalendarError(
                        prefix + f"в поле «{name}» неверная дата «{item}», ожидается ГГГГ-ММ-ДД"
                    ) from None
            lists[name] = frozenset(days)
        return cls(
            year=year,
            decree=decree,
            holidays=lists["holidays"],
            transferred_days_off=lists["transferred_days_off"],
            working_weekend_days=lists["working_weekend_days"],
            short_days=lists["short_days"],
            note=note,
            source=source,
        )

    @classmethod
    def from_file(cls, path: Path) -> YearCalendar:
        """Read and validate one year file (format in ``calendar_data/README.md``).

        Raises :class:`CalendarError` with a Russian reason when the file cannot be read, is not JSON, lacks a
        field, holds a date outside its year, marks a date both off and working, lists a weekday among the
        working weekend days, or a day off among the short days. When the file is named after a year
        (``2025.json``) the name must match the ``year`` field.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CalendarError(
                f"Производственный календарь (файл {path}): не удалось прочитать: {exc}"
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CalendarError(
                f"Производственный календарь (файл {path}): некорректный JSON (строка {exc.lineno}, "
                f"столбец {exc.colno}: {exc.msg})"
            ) from None
        result = cls.from_dict(data, source=str(path))
        if path.stem.isdigit() and int(path.stem) != result.year:
            raise CalendarError(
                f"Производственный календарь (файл {path}): "
                f"имя файла не совпадает с годом {result.year} в поле «year»"
            )
        return result


@dataclass(frozen=True)
class WorkSchedule:
    """The working hours of the organisation in its time zone; on a short day work ends one hour earlier.

    There is no lunch break: the schedule is the span during which the organisation receives and acts.
    """

    tz: ZoneInfo
    start: time = time(9, 0)
    end: time = time(18, 0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Время начала и окончания работы задаётся без часового пояса: пояс — в поле tz")
        length = datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)
        if length <= SHORTENING:
            raise ValueError("Рабочий день должен заканчиваться больше чем через час после начала")


def _local(moment: datetime, schedule: WorkSchedule, name: str = "start") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"Момент {name} должен быть с часовым поясом (aware datetime), получено {moment!r}")
    return moment.astimezone(schedule.tz)


def _check_amount(value: float, what: str, *, whole: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: ожидается число, а не {value!r}")
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{what}: ожидается конечное число, получено {value!r}")
    if value < 0:
        raise ValueError(f"{what} не может быть отрицательным: {value!r}")
    if whole and value != int(value):
        raise ValueError(f"{what} должно быть целым: {value!r}")


#: Ends of terms a calendar keeps (a few years of dates × the terms in use × the schedules).
TERMS_KEPT = 100_000


class ProductionCalendar:
    """Working days and legal terms over the years for which calendar data is loaded."""

    def __init__(self, years: Iterable[YearCalendar]) -> None:
        """Index the given years; a later entry for the same year replaces an earlier one."""
        self._years: dict[int, YearCalendar] = {}
        for year in years:
            self._years[year.year] = year
        #: Ends of terms by (kind, local start date, days, schedule): a term of whole days depends on
        #: nothing else, and an import or a day's requests ask for the same few thousand again and again.
        self._terms: dict[tuple[str, date, int, WorkSchedule], datetime] = {}

    @classmethod
    def load(cls, extra_dir: Path | None = None) -> ProductionCalendar:
        """The shipped years, plus every ``*.json`` of ``extra_dir`` (the way to add or correct a year).

        A file from ``extra_dir`` for a year already shipped replaces the shipped data for that year. Files
        are read in name order; any malformed file raises :class:`CalendarError`.
        """
        paths = sorted(DATA_DIR.glob("*.json"))
        if extra_dir is not None:
            extra = Path(extra_dir)
            if not extra.is_dir():
                raise CalendarError(f"Каталог с данными производственного календаря не найден: {extra}")
            paths += sorted(extra.glob("*.json"))
        return cls(YearCalendar.from_file(path) for path in paths)

    def years(self) -> list[int]:
        """The years with data, ascending."""
        return sorted(self._years)

    def year(self, year: int) -> YearCalendar:
        """The data of one year; :class:`CalendarError` if there is none."""
        try:
            return self._years[year]
        except KeyError:
            raise _no_data(year) from None

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day; :class:`CalendarError` for a year without data (never a guess)."""
        return self.year(d.year).is_working_day(d)

    def is_short_day(self, d: date) -> bool:
        """Whether ``d`` is a pre-holiday working day shortened by one hour (ст. 95 ТК РФ)."""
        return d in self.year(d.year).short_days

    def next_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first working day after it (ГК РФ ст. 193)."""
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def working_interval(self, d: date, schedule: WorkSchedule) -> tuple[datetime, datetime] | None:
        """The working time of day ``d`` as aware datetimes in ``schedule.tz``; ``None`` on a day off.

        On a short (pre-holiday) day the interval ends one hour earlier than ``schedule.end``.
        """
        if not self.is_working_day(d):
            return None
        begin = datetime.combine(d, schedule.start)
        finish = datetime.combine(d, schedule.end)
        if self.is_short_day(d):
            finish -= SHORTENING
        return begin.replace(tzinfo=schedule.tz), finish.replace(tzinfo=schedule.tz)

    def _interval(self, d: date, schedule: WorkSchedule) -> tuple[datetime, datetime]:
        interval = self.working_interval(d, schedule)
        if interval is None:  # pragma: no cover - callers pass working days only
            raise CalendarError(f"{d.isoformat()} — нерабочий день")
        return interval

    def _end_of_day(self, d: date, schedule: WorkSchedule) -> datetime:
        return self._interval(d, schedule)[1]

    def _same_day_term(self, local: datetime, schedule: WorkSchedule) -> datetime:
        """A zero-day term: the end of the working time of the local date, moved to a working day.

        If the moment is already past the end of that day's working time, the term ends with the next
        working day, so that a term never ends before it starts.
        """
        d = self.next_working_day(local.date())
        end = self._end_of_day(d, schedule)
        if end < local:
            end = self._end_of_day(self.next_working_day(d + ONE_DAY), schedule)
        return end

    def add_calendar_days(self, start: datetime, days: int, schedule: WorkSchedule) -> datetime:
        """The end of a term of ``days`` calendar days counted from ``start``.

        The start day is not counted (ГК РФ ст. 191): the term's last day is the local date of ``start`` plus
        ``days``; if that day is not a working day, the next working day (ГК РФ ст. 193). The term ends when
        that day's working time ends (ГК РФ ст. 194 п. 1), one hour earlier on a short day.

        ``days == 0`` gives the end of the working time of the start's own date moved to a working day (or
        of the next working day if ``start`` is already past that day's working time).
        """
        _check_amount(days, "Число календарных дней", whole=True)
        local = _local(start, schedule)
        if days == 0:
            return self._same_day_term(local, schedule)
        key = ("calendar", local.date(), int(days), schedule)
        end = self._terms.get(key)
        if end is None:
            last = self.next_working_day(local.date() + timedelta(days=int(days)))
            end = self._remember(key, self._end_of_day(last, schedule))
        return end

    def add_working_days(self, start: datetime, days: int, schedule: WorkSchedule) -> datetime:
        """The end of a term of ``days`` working days counted from ``start``.

        The start day is not counted (ГК РФ ст. 191) even if it is a working day: the term ends when the
        working time ends (ГК РФ ст. 194 п. 1) on the ``days``-th working day after the local date of
        ``start``. ``days == 0`` follows the calendar-day rule with zero.
        """
        _check_amount(days, "Число рабочих дней", whole=True)
        local = _local(start, schedule)
        if days == 0:
            return self._same_day_term(local, schedule)
        key = ("working", local.date(), int(days), schedule)
        end = self._terms.get(key)
        if end is None:
            d, left = local.date(), int(days)
            while left > 0:
                d += ONE_DAY
                if self.is_working_day(d):
                    left -= 1
            end = self._remember(key, self._end_of_day(d, schedule))
        return end

    def _remember(self, key: tuple[str, date, int, WorkSchedule], end: datetime) -> datetime:
        if len(self._terms) >= TERMS_KEPT:
            self._terms.clear()
        self._terms[key] = end
        return end

    def add_working_hours(self, start: datetime, hours: float, schedule: WorkSchedule) -> datetime:
        """The moment ``hours`` working hours after ``start``.

        Only time inside the working intervals of working days counts. A start before a day's working time
        begins counting at its beginning; a start after it, or on a day off, at the beginning of the next
        working interval. A term that uses up a day's working time exactly ends at that day's end.
        ``hours == 0`` returns ``start`` when it is inside working time, otherwise the moment counting would
        begin. Fractional hours are allowed; the arithmetic is exact (to the microsecond).
        """
        _check_amount(hours, "Число рабочих часов")
        local = _local(start, schedule)
        left = timedelta(hours=hours)
        d = local.date()
        while True:
            interval = self.working_interval(d, schedule)
            if interval is not None:
                begin, end = interval
                cursor = max(local, begin)
                available = end - cursor
                if available >= timedelta(0):
                    if left <= available:
                        return cursor + left
                    left -= available
            d += ONE_DAY

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days in ``(start, end]``; 0 if ``end <= start``."""
        count, d = 0, start
        while d < end:
            d += ONE_DAY
            count += self.is_working_day(d)
        return count

    def working_time_between(self, start: datetime, end: datetime, schedule: WorkSchedule) -> timedelta:
        """The working time inside ``[start, end]``; negative if ``end < start`` (for "time left" badges).

        ``working_time_between(a, b) == -working_time_between(b, a)``.
        """
        a, b = _local(start, schedule), _local(end, schedule, "end")
        if b < a:
            return -self.working_time_between(b, a, schedule)
        total = timedelta(0)
        d = a.date()
        while d <= b.date():
            interval = self.working_interval(d, schedule)
            if interval is not None:
                overlap = min(interval[1], b) - max(interval[0], a)
                if overlap > timedelta(0):
                    total += overlap
            d += ONE_DAY
        return total
