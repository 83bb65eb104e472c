"""The report's figures equal the ratings' and the dashboard's for the same filters: the report is built
from the same selectors, and this test compares them figure by figure.

Shared definitions (and so compared): every ratings figure per block and for the municipality (the
ratings' block table and its total row), per municipality and for the region (the municipality table),
received per settlement (the dashboard's heat map = the ratings' settlement table), the total received
(the dashboard's KPI card) and the received per topic (the dashboard's matrix). The dashboard's own
on-time and satisfied cards are defined differently (docs/reports.md) and the report does not use them.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from otklik.analytics import ratings
from otklik.analytics.selectors import dashboard
from otklik.core import reads
from otklik.reports.selectors import UNKNOWN_SETTLEMENT, UNKNOWN_TOPIC, build_report, quarter_period
from tests.reports import dataset
from tests.reports.dataset import ASOF

Q1 = quarter_period(2026, 1)
PERIODS = {"now": Q1, "before": Q1.previous(), "year": Q1.year_ago()}


def same_figures(line_row, rating_row):
    for key in ratings.FIGURE_KEYS:
        assert line_row.value(key) == pytest.approx(rating_row.value(key), nan_ok=True), key


@pytest.mark.parametrize("who", ["head_a", "curator"])
def test_block_lines_and_totals_equal_the_ratings_block_table(region, who):
    user = region[who]
    report = build_report(user, period=Q1, municipality=region["a"], asof=ASOF)
    (section,) = report.sections
    for key, period in PERIODS.items():
        table = ratings.ratings_table(
            user, group_by="block", start=period.start, end=period.end, municipality=region["a"], asof=ASOF
        )
        rows = {r.key: r for r in table.rows}
        for line in section.lines:
            if line.key in rows:
                same_figures(line.rows[key], rows[line.key])
            else:
                assert line.value("received", key) == 0
        same_figures(section.total.rows[key], table.total)


def test_region_lines_and_total_equal_the_ratings_municipality_table(region):
    report = build_report(region["curator"], period=Q1, asof=ASOF)
    region_section = report.sections[0]
    for key, period in PERIODS.items():
        table = ratings.ratings_table(
            region["curator"], group_by="municipality", start=period.start, end=period.end, asof=ASOF
        )
        rows = {r.label: r for r in table.rows}
        for line in region_section.lines:
            if line.rows[key] is not None and line.label in rows:
                same_figures(line.rows[key], rows[line.label])
        same_figures(region_section.total.rows[key], table.total)
    # A municipality's row of the region equals the total of its own section.
    for line, section in zip(region_section.lines, report.sections[1:], strict=True):
        same_figures(line.now, section.total.now)


def test_received_equals_the_dashboard_and_the_settlement_ratings(region):
    head, muni = region["head_a"], region["a"]
    report = build_report(head, period=Q1, municipality=muni, asof=ASOF)
    section = report.sections[0]
    board = dashboard(head, municipality=muni, topic=None, start=Q1.start, end=Q1.end, tz=muni.tz)
    assert board.kpi["total"] == report.received == 7
    by_settlement = ratings.ratings_table(
        head, group_by="settlement", start=Q1.start, end=Q1.end, municipality=muni, asof=ASOF
    )
    rating_counts = {r.label: r.received for r in by_settlement.rows}
    areas = {a.label: a.received for a in section.areas}
    for area in board.areas:
        if area.count:
            assert areas[area.name] == area.count == rating_counts[area.name]
    assert areas[UNKNOWN_SETTLEMENT] == rating_counts["поселение не определено"] == 1


def test_received_by_topic_equals_the_dashboards_matrix(region):
    curator = region["curator"]
    report = build_report(curator, period=Q1, asof=ASOF)
    board = dashboard(curator, municipality=None, topic=None, start=Q1.start, end=Q1.end, tz=region["a"].tz)
    for section in report.sections[1:]:
        row = next(r for r in board.matrix if r["area"].name == section.title)
        from_board = {
            t.name: c["n"] for t, c in zip(board.matrix_topics, row["cells"], strict=True) if c["n"]
        }
        from_report = {t.label: t.counts["now"] for t in section.topics if t.label != UNKNOWN_TOPIC}
        assert from_report == from_board
        assert sum(t.counts["now"] for t in section.topics) == row["area"].count == section.total.now.received


def test_consolidated_sections_equal_each_municipalitys_own_block_table(region):
    """The consolidated report reads the facts once for all municipalities; every section's block lines
    are still exactly the ratings' block table of that municipality alone."""
    user = region["curator"]
    report = build_report(user, period=Q1, asof=ASOF)
    assert report.consolidated
    for section in report.sections[1:]:
        for key, period in PERIODS.items():
            table = ratings.ratings_table(
                user,
                group_by="block",
                start=period.start,
                end=period.end,
                municipality=section.municipality,
                asof=ASOF,
            )
            rows = {r.key: r for r in table.rows}
            assert {line.key for line in section.lines if line.value("received", key)} <= set(rows)
            for line in section.lines:
                if line.key in rows:
                    same_figures(line.rows[key], rows[line.key])
            same_figures(section.total.rows[key], table.total)


def test_accelerated_resolution_equals_the_accelerated_page_per_municipality_and_block(region):
    """The report counts accelerated resolution for every municipality and block in one query a period;
    each figure equals the accelerated-resolution page's (`accelerated`) for that municipality or block."""
    from otklik.org.models import Block
    from otklik.problems.selectors import accelerated
    from otklik.reports.scope import BlockScope
    from otklik.reports.selectors import FAST_KIND

    user = region["curator"]
    report = build_report(user, period=Q1, asof=ASOF)
    checked = 0
    for section in report.sections[1:]:
        m = section.municipality
        for key, period in PERIODS.items():
            page = accelerated(
                user, start=period.start, end=period.end, tz=m.tz, kind=FAST_KIND, municipality=m
            )
            fast = section.total.fast[key]
            assert (fast.answered, fast.fast) == (page.total.answered, page.total.fast), (m.name, key)
        for line in section.lines:
            if line.is_unassigned:
                continue
            scope = BlockScope(Block.objects.get(pk=int(line.key)))
            page = accelerated(scope, start=Q1.start, end=Q1.end, tz=m.tz, kind=FAST_KIND, municipality=m)
            assert (line.fast["now"].answered, line.fast["now"].fast) == (
                page.total.answered,
                page.total.fast,
            )
            checked += page.total.answered
    assert checked > 0  # the data set has appeals answered in the quarter


@pytest.fixture
def committed_region(transactional_db):
    """The region written and committed: other connections see it."""
    return dataset.build()


def test_the_regions_periods_read_at_once_give_the_same_report(committed_region, monkeypatch):
    """On PostgreSQL outside a transaction the three periods' facts are read at once, each in a thread on
    a connection of its own (otklik.core.reads); the report is the one read in turn. Elsewhere they are
    read in turn in the caller's thread."""
    threads: list[int] = []
    closing = reads._closing
    monkeypatch.setattr(reads, "_closing", lambda f: threads.append(threading.get_ident()) or closing(f))
    curator = committed_region["curator"]
    at_once = build_report(curator, period=Q1, asof=ASOF)
    if connection.vendor == "postgresql":
        assert len(threads) == 3 and threading.get_ident() not in threads
    else:
        assert threads == []
    monkeypatch.setattr(reads, "possible", lambda: False)
    in_turn = build_report(curator, period=Q1, asof=ASOF)
    assert len(threads) == (3 if connection.vendor == "postgresql" else 0)  # no threads the second time
    assert at_once.received == in_turn.received > 0
    assert [s.title for s in at_once.sections] == [s.title for s in in_turn.sections]
    for one, other in zip(at_once.sections, in_turn.sections, strict=True):
        assert [line.label for line in one.lines] == [line.label for line in other.lines]
        for key in PERIODS:
            for line, same in zip(one.lines, other.lines, strict=True):
                if line.rows[key] is None:
                    assert same.rows[key] is None
                else:
                    same_figures(line.rows[key], same.rows[key])
            same_figures(one.total.rows[key], other.total.rows[key])
