"""The quarterly report's figures against the hand-computed data set (tests/reports/dataset.py)."""

from __future__ import annotations

from datetime import date

import pytest

from otklik.reports.scope import SystemScope
from otklik.reports.selectors import build_report, quarter_period
from tests.reports.dataset import ASOF, FIGURES

Q1 = quarter_period(2026, 1)


def lines_by_label(section):
    return {line.label: line for line in section.lines}


def check(line, expected):
    for key, value in expected.items():
        got = line.value(key)
        if value is None:
            assert got is None, key
        else:
            assert got == pytest.approx(value), key


@pytest.fixture
def report_a(region):
    return build_report(region["head_a"], period=Q1, municipality=region["a"], asof=ASOF)


def test_periods_are_the_quarter_the_previous_one_and_a_year_before(report_a):
    p = report_a.periods
    assert (p["now"].start, p["now"].end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (p["before"].start, p["before"].end) == (date(2025, 10, 1), date(2025, 12, 31))
    assert (p["year"].start, p["year"].end) == (date(2025, 1, 1), date(2025, 3, 31))
    assert p["now"].label == "I квартал 2026"


def test_block_figures_are_the_hand_computed_ones(report_a, region):
    (section,) = report_a.sections
    lines = lines_by_label(section)
    assert list(lines) == ["Дороги", "Жилищно-коммунальное хозяйство", "не назначено"]
    check(lines["Жилищно-коммунальное хозяйство"], FIGURES["B1"])
    check(lines["Дороги"], FIGURES["B2"])
    unassigned = lines["не назначено"]
    assert unassigned.value("received") == 1
    assert unassigned.value("on_time_share") is None and unassigned.value("index") is None
    assert unassigned.value("fast_share") is None  # not counted per block


def test_municipality_totals_are_the_hand_computed_ones(report_a):
    total = report_a.sections[0].total
    check(total, FIGURES["A"])
    assert report_a.received == 7


def test_change_against_the_previous_quarter_and_a_year_before(report_a):
    total = report_a.sections[0].total
    assert total.value("received", "before") == 2
    assert total.value("received", "year") == 1
    assert total.delta("received", "before") == 5
    assert total.delta("received", "year") == 6
    assert total.value("on_time_share", "before") == pytest.approx(1.0)
    assert total.delta("on_time_share", "before") == pytest.approx(0.4 - 1.0)
    assert total.value("fast_share", "before") == pytest.approx(1.0)  # p2: 10 days
    assert total.value("fast_share", "year") == pytest.approx(1.0)  # y1: 20 days
    assert total.value("polls_held", "before") == 0
    lines = lines_by_label(report_a.sections[0])
    assert lines["Дороги"].value("received", "before") == 1
    assert lines["Дороги"].value("received", "year") == 0  # no line a year before: zero cases


def test_received_by_kind_channel_topic_and_settlement(report_a):
    section = report_a.sections[0]
    assert section.total.by_kind == {"appeal": 2, "message": 4, "incident": 1}
    assert section.total.by_channel == {"email": 1, "pos": 3, "incident": 1, "paper": 1, "web": 1}
    b1 = lines_by_label(section)["Жилищно-коммунальное хозяйство"]
    assert b1.by_kind == {"appeal": 1, "message": 2, "incident": 1}
    topics = {t.label: t.counts for t in section.topics}
    assert topics["Жилищно-коммунальное хозяйство"] == {"now": 3, "before": 1, "year": 1}
    assert topics["Дороги"]["now"] == 2 and topics["тема не определена"]["now"] == 1
    assert topics[next(k for k in topics if "отход" in k.lower())]["now"] == 1
    areas = {a.label: (a.received, a.per_1000) for a in section.areas}
    assert areas == {"Город": (4, 2.0), "Село": (2, 4.0), "поселение не определено": (1, None)}


def test_accelerated_resolution_per_block_and_in_total(report_a):
    section = report_a.sections[0]
    lines = lines_by_label(section)
    assert (section.total.fast["now"].answered, section.total.fast["now"].fast) == (2, 1)
    assert (
        lines["Жилищно-коммунальное хозяйство"].fast["now"].answered,
        lines["Дороги"].fast["now"].fast,
    ) == (1, 0)


def test_top_problems_with_the_state_of_their_roadmaps(report_a, region):
    (p,) = report_a.sections[0].problems
    assert (p.title, p.cases, p.measures, p.done, p.overdue) == ("Нет вывоза ТКО, ул. Ленина", 3, 3, 1, 1)
    assert p.block == "Жилищно-коммунальное хозяйство" and p.status_label == "подтверждена"
    assert p.roadmap == "выполнено 1 из 3, просрочено 1"


def test_polls_held_in_the_quarter_and_their_turnout(report_a):
    section = report_a.sections[0]
    (poll,) = section.polls  # the draft is not counted
    assert (poll.title, poll.participants, poll.population) == ("Благоустройство парка", 3, 2000)
    assert poll.turnout == pytest.approx(0.0015)
    assert section.total.value("polls_held") == 1
    assert section.total.value("turnout") == pytest.approx(0.0015)


def test_consolidated_report_has_the_region_and_a_section_per_municipality(region):
    report = build_report(SystemScope(), period=Q1, asof=ASOF)
    assert report.consolidated
    assert [s.title for s in report.sections] == ["Регион в целом", "Котельниковский район", "Соседний район"]
    region_section, section_a, section_b = report.sections
    check(region_section.total, FIGURES["region"])
    check(section_a.total, FIGURES["A"])
    check(section_b.total, FIGURES["B"])
    muni_lines = lines_by_label(region_section)
    assert list(muni_lines) == ["Котельниковский район", "Соседний район"]
    check(muni_lines["Соседний район"], FIGURES["B"])
    assert region_section.total.fast["now"].answered == 3  # a1, a5, b2
    assert region_section.total.by_kind == {"appeal": 3, "message": 5, "incident": 1}
    assert [p.title for p in region_section.problems] == ["Нет вывоза ТКО, ул. Ленина"]
    assert report.received == 9 and len(report.municipality_sections) == 2


def test_a_municipality_head_gets_only_their_municipality(region):
    report = build_report(region["head_b"], period=Q1, asof=ASOF)
    assert not report.consolidated
    assert [s.title for s in report.sections] == ["Соседний район"]
    assert report.received == 2
    assert report.sections[0].problems == [] and report.sections[0].polls == []


def test_queries_do_not_grow_with_the_cases(region, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.reports.dataset import case, local

    def count():
        with CaptureQueriesContext(connection) as ctx:
            build_report(SystemScope(), period=Q1, asof=ASOF)
        return len(ctx.captured_queries)

    before = count()
    for day in range(1, 21):
        case(region["a"], region["b1"], "message", "pos", "housing", region["town"], local(2026, 2, day))
        case(region["b"], region["b3"], "appeal", "email", "roads", None, local(2026, 3, day))
    assert count() == before
