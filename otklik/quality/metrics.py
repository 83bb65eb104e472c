"""The rating formulas as pure functions: shares, percentiles, the deadline outcome of one case, the speed
score, the composite index and the periods they are computed for. No database here; docs/ratings.md
writes every formula down and tests/quality/test_metrics.py checks them on hand-computed tables."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

SECONDS_PER_DAY = 86400

#: The components of the composite index, in the order they are shown.
COMPONENTS = ("on_time", "speed", "not_reopened", "review", "satisfied")


def share(part: int, whole: int) -> float | None:
    """part / whole as a fraction 0…1; None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return part / whole


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """The percentile with linear interpolation between neighbours, exactly like PostgreSQL's
    `percentile_cont(fraction) WITHIN GROUP (ORDER BY value)`: the sorted values are placed at positions
    0…n−1, the result is read at position fraction·(n−1). None for no values."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    weight = position - lower
    return ordered[lower] + weight * (ordered[upper] - ordered[lower])


def median(values: Sequence[float]) -> float | None:
    return percentile_cont(values, 0.5)


def p90(values: Sequence[float]) -> float | None:
    return percentile_cont(values, 0.9)


def duration_days(start: datetime, end: datetime) -> float:
    """The span from start to end in days (fractional); a negative span (clocks of imported data) is 0."""
    return max((end - start).total_seconds(), 0.0) / SECONDS_PER_DAY


Outcome = Literal["on_time", "late"] | None


def deadline_outcome(
    *, due_at: datetime | None, answered_at: datetime | None, still_open: bool, asof: datetime
) -> Outcome:
    """Whether one case counts as answered on time, late, or not at all, as seen at the moment `asof`.

    - no answer term → not counted;
    - answered by `asof`: on time if answered_at ≤ due_at, else late;
    - not answered by `asof` and still open: late once due_at < asof, not counted while not yet due;
    - not answered and ended without an answer (redirected, left without an answer, closed) → not counted.
    """
    if due_at is None:
        return None
    if answered_at is not None and answered_at <= asof:
        return "on_time" if answered_at <= due_at else "late"
    if still_open and due_at < asof:
        return "late"
    return None


def speed_score(median_days: float | None, norm_days: float) -> float | None:
    """max(0, 1 − median / norm): 1 for an instant answer, 0 at or beyond the norm; None without answers."""
    if median_days is None or norm_days <= 0:
        return None
    return max(0.0, 1.0 - median_days / norm_days)


@dataclass(frozen=True)
class Weights:
    """The weights of the composite index and the speed norm; the defaults are those of QualityPolicy."""

    on_time: Decimal = Decimal("0.30")
    speed: Decimal = Decimal("0.15")
    not_reopened: Decimal = Decimal("0.15")
    review: Decimal = Decimal("0.15")
    satisfied: Decimal = Decimal("0.25")
    speed_norm_days: int = 30

    def of(self, component: str) -> Decimal:
        value: Decimal = getattr(self, component)
        return value


DEFAULT_WEIGHTS = Weights()


def composite_index(components: Mapping[str, float | None], weights: Weights) -> float | None:
    """The weighted mean of the available components, 0…100.

    A component that is None (nothing to measure) is dropped and the remaining weights are renormalised;
    a negative weight counts as zero. None when no component with a positive weight is available.
    """
    total_weight = 0.0
    total = 0.0
    for name in COMPONENTS:
        value = components.get(name)
        weight = float(weights.of(name))
        if value is None or weight <= 0:
            continue
        total_weight += weight
        total += weight * value
    if total_weight <= 0:
        return None
    return 100 * total / total_weight


# --- periods --------------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[date, date]:
    """The first and the last day of the calendar quarter that holds `day`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = (date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)) - timedelta(
        days=1
    )
    return start, end


def is_quarter(start: date, end: date) -> bool:
    return quarter_of(start) == (start, end)


def quarter_label(start: date) -> str:
    """«III квартал 2026»."""
    return f"{('I', 'II', 'III', 'IV')[(start.month - 1) // 3]} квартал {start.year}"


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period to compare with: the previous quarter for a calendar quarter, otherwise the period of the
    same number of days that ends the day before `start`."""
    if end < start:
        raise ValueError("the period ends before it starts")
    if is_quarter(start, end):
        return quarter_of(start - timedelta(days=1))
    length = end - start
    prev_end = start - timedelta(days=1)
    return prev_end - length, prev_end


def month_starts(end: date, months: int) -> list[date]:
    """The first days of the `months` calendar months that end with the month of `end`, oldest first."""
    result = []
    year, month = end.year, end.month
    for _ in range(months):
        result.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return result[::-1]
