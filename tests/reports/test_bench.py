"""bench.reports: the equivalent aggregate SQL counts what the report (the ratings) counts."""

from __future__ import annotations

from bench.reports import direct_sql
from otklik.analytics import ratings
from otklik.reports.scope import SystemScope
from otklik.reports.selectors import build_report, quarter_period
from tests.reports.dataset import ASOF

NAMES = (
    "received",
    "on_time",
    "late",
    "answered",
    "reopened",
    "reviewed",
    "first_pass",
    "rated",
    "satisfied",
)


def test_the_direct_sql_counts_equal_the_reports(region):
    period = quarter_period(2026, 1)
    periods = {"now": period, "before": period.previous(), "year": period.year_ago()}
    munis = ratings.scope_municipalities(SystemScope())
    groups, rows = direct_sql(periods, munis, ASOF)
    report = build_report(SystemScope(), period=period, asof=ASOF)
    total = report.sections[0].total.now
    sql = {name: sum(r[4 + i] for r in rows) for i, name in enumerate(NAMES)}
    assert sql == {name: getattr(total, name) for name in NAMES}
    assert sql["received"] == 9 and sql["on_time"] == 4 and sql["late"] == 3
    # groups: (municipality, block, kind, channel) of each period — a1…a7 and b1, b2 make 8 now
    assert len(rows) == 8 and groups == 8 + 2 + 1
