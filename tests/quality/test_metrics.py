"""The rating formulas on hand-computed tables (docs/ratings.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from otklik.quality import metrics
from otklik.quality.metrics import Weights

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (0, 0, None),  # nothing to divide by
        (3, 0, None),
        (0, 4, 0.0),
        (1, 4, 0.25),
        (4, 4, 1.0),
        (2, 3, 2 / 3),
    ],
)
def test_share(part, whole, expected):
    assert metrics.share(part, whole) == expected


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),  # empty list
        ([], 0.9, None),
        ([7.0], 0.5, 7.0),  # one value is every percentile
        ([7.0], 0.9, 7.0),
        ([1.0, 2.0], 0.5, 1.5),  # position 0.5·1 = 0.5 → 1 + 0.5·(2 − 1)
        ([4.0, 1.0, 3.0, 2.0], 0.5, 2.5),  # unsorted input; position 1.5 → 2 + 0.5·1
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0.5, 3.0),  # odd count: the middle value
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0.9, 4.6),  # position 0.9·4 = 3.6 → 4 + 0.6·(5 − 4)
        ([float(i) for i in range(1, 11)], 0.9, 9.1),  # position 0.9·9 = 8.1 → 9 + 0.1·1
        ([0.0, 10.0], 0.9, 9.0),  # position 0.9 → 0 + 0.9·10
        ([2.0, 2.0, 2.0], 0.9, 2.0),
        ([1.0, 3.0], 0.0, 1.0),  # the ends are the minimum and the maximum
        ([1.0, 3.0], 1.0, 3.0),
    ],
)
def test_percentile_cont_interpolates_like_postgresql(values, fraction, expected):
    result = metrics.percentile_cont(values, fraction)
    assert result == (None if expected is None else pytest.approx(expected))


def test_percentile_refuses_a_fraction_outside_0_1():
    with pytest.raises(ValueError):
        metrics.percentile_cont([1.0], 1.5)


def test_median_and_p90_are_the_percentiles():
    values = [0.5, 1.5, 2.0, 8.0]
    assert metrics.median(values) == pytest.approx(1.75)  # position 1.5 → 1.5 + 0.5·0.5
    assert metrics.p90(values) == pytest.approx(6.2)  # position 2.7 → 2 + 0.7·6


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (T0, T0, 0.0),
        (T0, T0 + 36 * timedelta(hours=1), 1.5),
        (T0, T0 + 6 * timedelta(hours=1), 0.25),
        (T0, T0 - DAY, 0.0),  # a span that ends before it starts (imported clocks) counts as 0
    ],
)
def test_duration_days(start, end, expected):
    assert metrics.duration_days(start, end) == pytest.approx(expected)


ASOF = T0 + 10 * DAY
DUE = T0 + 5 * DAY


@pytest.mark.parametrize(
    ("due_at", "answered_at", "still_open", "expected"),
    [
        (None, T0 + DAY, False, None),  # no answer term: not counted
        (None, None, True, None),
        (DUE, T0 + DAY, False, "on_time"),
        (DUE, DUE, False, "on_time"),  # answered at the very moment of the term
        (DUE, DUE + timedelta(seconds=1), False, "late"),
        (DUE, None, True, "late"),  # open and past the term at the as-of moment
        (ASOF + DAY, None, True, None),  # open, not yet due
        (ASOF, None, True, None),  # due exactly at the as-of moment: not yet late
        (DUE, None, False, None),  # ended without an answer (redirected, left without an answer)
        (DUE, ASOF + DAY, False, "late"),  # answered only after as-of: at as-of it was open and overdue
        (ASOF + 2 * DAY, ASOF + DAY, False, None),  # answered after as-of, not yet due at as-of
    ],
)
def test_deadline_outcome(due_at, answered_at, still_open, expected):
    # A case answered after the as-of moment was still open at that moment.
    open_at_asof = still_open or (answered_at is not None and answered_at > ASOF)
    outcome = metrics.deadline_outcome(
        due_at=due_at, answered_at=answered_at, still_open=open_at_asof, asof=ASOF
    )
    assert outcome == expected


@pytest.mark.parametrize(
    ("median_days", "norm", "expected"),
    [
        (None, 30, None),  # no answers
        (0.0, 30, 1.0),
        (15.0, 30, 0.5),
        (7.5, 30, 0.75),
        (30.0, 30, 0.0),
        (45.0, 30, 0.0),  # beyond the norm: never negative
        (5.0, 0, None),  # a zero norm cannot be divided by
    ],
)
def test_speed_score(median_days, norm, expected):
    assert metrics.speed_score(median_days, norm) == (None if expected is None else pytest.approx(expected))


ALL = {"on_time": 0.8, "speed": 0.5, "not_reopened": 0.9, "review": 0.6, "satisfied": 0.7}


@pytest.mark.parametrize(
    ("components", "weights", "expected"),
    [
        # Default weights 0.30, 0.15, 0.15, 0.15, 0.25 (sum 1.00):
        # 0.30·0.8 + 0.15·0.5 + 0.15·0.9 + 0.15·0.6 + 0.25·0.7 = 0.24 + 0.075 + 0.135 + 0.09 + 0.175 = 0.715
        (ALL, Weights(), 71.5),
        # No reviews and no ratings: 0.30·0.8 + 0.15·0.5 + 0.15·0.9 = 0.45 over the weights 0.60 → 75.0
        ({**ALL, "review": None, "satisfied": None}, Weights(), 75.0),
        # Only one component left: the index is that component.
        ({"on_time": 0.8}, Weights(), 80.0),
        # Nothing available (an empty period).
        (dict.fromkeys(ALL), Weights(), None),
        ({}, Weights(), None),
        # All weights zero.
        (ALL, Weights(*(Decimal(0),) * 5), None),
        # A zero weight drops its component: only satisfied (weight 1) counts.
        (ALL, Weights(Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(1)), 70.0),
        # The only available component has weight zero.
        ({"on_time": None, "satisfied": 0.7}, Weights(satisfied=Decimal(0)), None),
        # A negative weight counts as zero: on_time ignored, speed 1 → 100·(0.15·0.5)/0.15 = 50.
        ({"on_time": 1.0, "speed": 0.5}, Weights(on_time=Decimal("-1")), 50.0),
        # Weights need not sum to 1: (2·1 + 2·0) / 4 = 0.5.
        (
            {"on_time": 1.0, "satisfied": 0.0},
            Weights(Decimal(2), Decimal(0), Decimal(0), Decimal(0), Decimal(2)),
            50.0,
        ),
        ({"on_time": 0.0, "speed": 0.0}, Weights(), 0.0),  # a real zero is not "nothing"
    ],
)
def test_composite_index(components, weights, expected):
    result = metrics.composite_index(components, weights)
    assert result == (None if expected is None else pytest.approx(expected))


def test_default_weights_are_those_of_the_quality_policy():
    from otklik.quality.models import QualityPolicy

    field = QualityPolicy._meta.get_field
    for name in metrics.COMPONENTS:
        assert Decimal(str(field(f"weight_{name}").default)) == metrics.DEFAULT_WEIGHTS.of(name)
    assert field("speed_norm_days").default == metrics.DEFAULT_WEIGHTS.speed_norm_days


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 5, 15), (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31))),
    ],
)
def test_quarter_of(day, expected):
    assert metrics.quarter_of(day) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # A calendar quarter: the previous quarter (a different number of days: 92 vs 90).
        (date(2026, 4, 1), date(2026, 6, 30), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 1, 1), date(2026, 3, 31), (date(2025, 10, 1), date(2025, 12, 31))),
        # Any other period: the same number of days right before it.
        (date(2026, 3, 1), date(2026, 3, 10), (date(2026, 2, 19), date(2026, 2, 28))),
        (date(2026, 3, 5), date(2026, 3, 5), (date(2026, 3, 4), date(2026, 3, 4))),  # one day
        # A quarter's first part is not a quarter: 1–15 April → 17–31 March.
        (date(2026, 4, 1), date(2026, 4, 15), (date(2026, 3, 17), date(2026, 3, 31))),
    ],
)
def test_previous_period(start, end, expected):
    assert metrics.previous_period(start, end) == expected


def test_previous_period_refuses_a_reversed_period():
    with pytest.raises(ValueError):
        metrics.previous_period(date(2026, 3, 2), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("start", "label"),
    [
        (date(2026, 1, 1), "I квартал 2026"),
        (date(2026, 7, 1), "III квартал 2026"),
        (date(2025, 10, 1), "IV квартал 2025"),
    ],
)
def test_quarter_label(start, label):
    assert metrics.quarter_label(start) == label


def test_month_starts_cross_the_year():
    assert metrics.month_starts(date(2026, 2, 17), 4) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert metrics.month_starts(date(2026, 2, 17), 1) == [date(2026, 2, 1)]
