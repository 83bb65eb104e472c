"""The effect of a problem's measures against hand-computed numbers: messages per week before and after,
the median answer time, the satisfied share (latest rating per case), and whether the messages stopped."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.org.models import Role
from otklik.problems.models import Measure, Problem, ProblemCase
from otklik.problems.selectors import effect, measures_of
from otklik.quality.models import Rating
from tests.factories import CaseFactory, DepartmentFactory, MunicipalityFactory, RoleFactory

VLG = ZoneInfo("Europe/Volgograd")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=VLG)  # Friday

# (received day, days to the answer, [ratings oldest first])
BEFORE = [
    (date(2026, 1, 20), 40, [False]),
    (date(2026, 1, 22), 35, [False]),
    (date(2026, 1, 27), 31, [True]),
    (date(2026, 1, 29), 20, [False]),
    (date(2026, 2, 3), 33, []),
    (date(2026, 2, 5), 45, []),  # answered on 22.03, after NOW
    (date(2026, 2, 10), 38, []),
    (date(2026, 2, 12), 25, []),
]
AFTER = [
    (date(2026, 2, 20), 12, [True]),
    (date(2026, 3, 5), 8, [True, False]),  # the later rating wins: not satisfied
]
EARLY = [(date(2026, 1, 5), None, [])]  # before both windows, not answered


@pytest.fixture
def problem(db):
    muni = MunicipalityFactory()
    p = Problem.objects.create(municipality=muni, title="Нет вывоза ТКО", status="confirmed")
    dept = DepartmentFactory(municipality=muni)
    for i, (day, days, ratings) in enumerate(EARLY + BEFORE + AFTER):
        received = datetime.combine(day, datetime.min.time(), VLG).replace(hour=10)
        case = CaseFactory(
            municipality=muni,
            received_at=received,
            due_at=received + timedelta(days=30),
            answered_at=received + timedelta(days=days) if days is not None else None,
            department=dept if i < 3 else None,
        )
        ProblemCase.objects.create(problem=p, case=case, source="proposed", added_at=received)
        for j, satisfied in enumerate(ratings):
            Rating.objects.create(
                case=case,
                satisfied=satisfied,
                source="pos",
                created_at=received + timedelta(days=days + 1 + j),
            )
    Measure.objects.create(
        problem=p,
        order=1,
        title="Дополнительный рейс мусоровоза",
        responsible_name="Быкова А. В.",
        start_on=date(2026, 2, 1),
        due_on=date(2026, 2, 20),
        status="done",
        completed_on=date(2026, 2, 16),  # Monday: windows [19.01, 16.02) and [16.02, 16.03)
        evidence="Договор",
    )
    Measure.objects.create(
        problem=p,
        order=2,
        title="Новая площадка",
        responsible_name="Сидоров П. И.",
        start_on=date(2026, 3, 2),
        due_on=date(2026, 3, 31),
        status="in_progress",
    )
    Measure.objects.create(
        problem=p,
        order=3,
        title="Отменено",
        responsible_name="—",
        start_on=date(2026, 3, 2),
        due_on=date(2026, 3, 3),
        status="cancelled",
    )
    p.head = RoleFactory(role=Role.HEAD, municipality=muni).user
    p.dept = dept
    return p


def test_before_and_after_a_done_measure(problem):
    e = effect(problem.head, problem, measures_of(problem), NOW)
    first = e.measures[0]
    assert (first.before.count, first.before.weeks, first.before.per_week) == (8, 4.0, 2.0)
    assert (first.after.count, first.after.weeks, first.after.per_week) == (2, 4.0, 0.5)
    # Answer days: before [20, 25, 31, 33, 35, 38, 40] → 33 (the answer of 05.02, 45 days, comes after NOW
    # and is not counted yet); after [8, 12] → 10.
    assert (first.before.median_days, first.before.answered) == (pytest.approx(33.0), 7)
    assert first.after.median_days == pytest.approx(10.0)
    # Satisfied: before 1 of 4 rated; after 1 of 2 (the second case's latest rating is negative).
    assert (first.before.satisfied_share, first.before.rated) == (0.25, 4)
    assert (first.after.satisfied_share, first.after.rated) == (0.5, 2)
    assert first.complete
    # Measures not done have no before/after.
    assert [m.before for m in e.measures[1:]] == [None, None]


def test_the_after_window_that_has_not_passed_is_measured_by_its_weeks(problem):
    soon = datetime(2026, 2, 26, 12, 0, tzinfo=VLG)  # 10.5 days after completion
    first = effect(problem.head, problem, measures_of(problem), soon).measures[0]
    assert first.after.count == 1 and first.after.weeks == pytest.approx(10.5 / 7)
    assert first.after.per_week == pytest.approx(1 / (10.5 / 7))
    assert first.after.median_days is None  # its answer came on 03.03, after `soon`
    assert not first.complete
    too_soon = effect(problem.head, problem, measures_of(problem), datetime(2026, 2, 20, 12, tzinfo=VLG))
    assert too_soon.measures[0].after.per_week is None  # less than a week: too early to say


def test_weekly_series_and_marks_on_the_time_axis(problem):
    e = effect(problem.head, problem, measures_of(problem), NOW)
    assert e.weeks[0] == date(2026, 1, 5) and e.weeks[-1] == date(2026, 3, 30)  # up to the open measure's due
    counts = dict(zip(e.weeks, e.counts, strict=True))
    assert (
        counts[date(2026, 1, 19)] == 2 and counts[date(2026, 2, 16)] == 1 and counts[date(2026, 3, 30)] == 0
    )
    assert sum(e.counts) == e.total == 11
    medians = dict(zip(e.weeks, e.median_days, strict=True))
    assert medians[date(2026, 1, 19)] == pytest.approx(37.5) and medians[date(2026, 1, 5)] is None
    marks = [(e.weeks[m.week], m.kind, m.label) for m in e.marks]
    assert marks == [
        (date(2026, 1, 26), "start", "№1 начало"),
        (date(2026, 2, 16), "done", "№1 выполнено"),
        (date(2026, 3, 2), "start", "№2 начало"),
        (date(2026, 3, 30), "due", "№2 срок"),
    ]
    chart = e.chart()
    assert chart["weeks"][0] == "05.01.26" and chart["satisfied"][2] == 0.0  # week of 19.01: 0 of 2 satisfied


def test_an_open_problem_compares_the_last_four_weeks(problem):
    e = effect(problem.head, problem, measures_of(problem), NOW)
    assert e.verdict is None
    # Last four weeks: 05.03; the four before: 27.01 … 20.02 (seven messages).
    assert e.trend == "За последние 4 нед. — 1 сообщение, за 4 нед. до этого — 7: меньше."


def test_a_resolved_problem_says_whether_the_messages_stopped(problem):
    Problem.objects.filter(pk=problem.pk).update(
        status="resolved", resolved_at=datetime(2026, 2, 16, 0, 0, tzinfo=VLG)
    )
    problem.refresh_from_db()
    e = effect(problem.head, problem, measures_of(problem), NOW)
    # Eight in the four weeks before, two after: down by 75 % — dropped, not stopped.
    assert e.verdict.code == "dropped" and "−75 %" in e.verdict.text
    assert [m.kind for m in e.marks][-1] == "resolved"
    Problem.objects.filter(pk=problem.pk).update(resolved_at=datetime(2026, 3, 6, 0, 0, tzinfo=VLG))
    problem.refresh_from_db()
    pending = effect(problem.head, problem, measures_of(problem), NOW)
    assert pending.verdict.code == "pending" and "прошло 14 из 28 дн." in pending.verdict.text


def test_figures_come_only_from_the_cases_the_user_may_see(problem):
    specialist = RoleFactory(
        role=Role.SPECIALIST, municipality=problem.municipality, department=problem.dept
    ).user
    e = effect(specialist, problem, measures_of(problem), NOW)
    assert e.total == 3  # the early case and the first two before the measure
    assert e.measures[0].before.count == 2 and e.measures[0].after.count == 0
