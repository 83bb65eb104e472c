"""«Механизм ускоренного решения» against hand-computed numbers: per topic and department, the count and
share of cases answered in under 30 days and the median days; the problems that most often take longer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.cases.models import Kind
from otklik.org.models import Role, Topic
from otklik.problems.models import Problem, ProblemCase, ProblemPolicy
from otklik.problems.selectors import accelerated
from tests.factories import CaseFactory, DepartmentFactory, MunicipalityFactory, RoleFactory

VLG = ZoneInfo("Europe/Volgograd")
START, END = date(2026, 1, 1), date(2026, 3, 31)


@pytest.fixture
def data(db):
    muni = MunicipalityFactory()
    housing, roads = Topic.objects.get(code="housing"), Topic.objects.get(code="roads")
    d1 = DepartmentFactory(municipality=muni, name="Отдел ЖКХ")
    d2 = DepartmentFactory(municipality=muni, name="Отдел дорожного хозяйства")
    p1 = Problem.objects.create(municipality=muni, title="Нет отопления, ул. Ленина", status="confirmed")
    p2 = Problem.objects.create(municipality=muni, title="Ямы на Школьной", status="confirmed")
    p3 = Problem.objects.create(municipality=muni, title="Быстро решаемая", status="confirmed")
    answered = datetime(2026, 3, 10, 12, 0, tzinfo=VLG)

    def case(topic, dept, days, *, kind=Kind.APPEAL, problem=None, answered_at=answered, municipality=muni):
        c = CaseFactory(
            municipality=municipality,
            kind=kind,
            topic=topic,
            department=dept,
            received_at=answered_at - timedelta(days=days),
            due_at=answered_at - timedelta(days=days) + timedelta(days=30),
            answered_at=answered_at,
        )
        if problem is not None:
            ProblemCase.objects.create(problem=problem, case=c, source="manual", added_at=answered_at)
        return c

    case(housing, d1, 10, problem=p1)
    case(housing, d1, 29.9)
    case(housing, d1, 30, problem=p1)  # exactly 30 days: not «under 30»
    case(housing, d1, 45, problem=p1)
    case(roads, d2, 5, problem=p3)
    case(roads, d2, 60, problem=p2)
    case(
        roads, d1, 20, answered_at=datetime(2026, 3, 31, 23, 59, tzinfo=VLG)
    )  # the last minute of the period
    # Not counted for appeals: a message, an answer before or after the period, another municipality,
    # an unanswered appeal.
    case(housing, d1, 3, kind=Kind.MESSAGE)
    case(housing, d1, 3, answered_at=datetime(2025, 12, 31, 23, 0, tzinfo=VLG))
    case(housing, d1, 3, answered_at=datetime(2026, 4, 1, 0, 0, tzinfo=VLG))
    other = MunicipalityFactory()
    case(housing, DepartmentFactory(municipality=other), 3, municipality=other)
    CaseFactory(municipality=muni, kind=Kind.APPEAL, topic=housing, department=d1)
    head = RoleFactory(role=Role.HEAD, municipality=muni).user
    return {"muni": muni, "head": head, "p1": p1, "p2": p2, "d1": d1, "d2": d2}


def report(data, **kw):
    values = {"start": START, "end": END, "tz": VLG, "kind": "appeal"}
    values.update(kw)
    return accelerated(data["head"], **values)


def test_totals(data):
    r = report(data)
    # Days: 10, 29.9, 30, 45, 5, 60, 20 → under 30: 10, 29.9, 5, 20; median of the sorted seven: 29.9.
    assert (r.total.answered, r.total.fast) == (7, 4)
    assert r.total.share == pytest.approx(4 / 7)
    assert r.total.median_days == pytest.approx(29.9)
    assert r.fast_days == 30


def test_per_topic(data):
    rows = {row.label: row for row in report(data).by_topic}
    housing, roads = rows["Жилищно-коммунальное хозяйство"], rows["Дороги"]
    assert (housing.answered, housing.fast, housing.share) == (4, 2, 0.5)
    assert housing.median_days == pytest.approx(29.95)  # (29.9 + 30) / 2
    assert (roads.answered, roads.fast, roads.median_days) == (3, 2, pytest.approx(20.0))
    assert [row.label for row in report(data).by_topic] == ["Жилищно-коммунальное хозяйство", "Дороги"]


def test_per_department(data):
    rows = {row.label: row for row in report(data).by_department}
    d1, d2 = rows["Отдел ЖКХ"], rows["Отдел дорожного хозяйства"]
    assert (d1.answered, d1.fast, d1.median_days) == (5, 3, pytest.approx(29.9))
    assert (d2.answered, d2.fast, d2.share, d2.median_days) == (2, 1, 0.5, pytest.approx(32.5))


def test_the_problems_that_most_often_take_longer(data):
    slow = report(data).slow_problems
    assert [(p.title, p.answered, p.slow) for p in slow] == [
        ("Нет отопления, ул. Ленина", 3, 2),
        ("Ямы на Школьной", 1, 1),
    ]  # «Быстро решаемая» has no slow case
    assert slow[0].share == pytest.approx(2 / 3)


def test_messages_are_a_filter(data):
    r = report(data, kind="message")
    assert (r.total.answered, r.total.fast, r.total.median_days) == (1, 1, pytest.approx(3.0))
    assert report(data, kind="").total.answered == 8  # every kind


def test_an_empty_period(data):
    r = report(data, start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert (r.total.answered, r.total.fast, r.total.share, r.total.median_days) == (0, 0, None, None)
    assert r.by_topic == [] and r.by_department == [] and r.slow_problems == []


def test_the_threshold_is_data(data):
    ProblemPolicy.objects.create(municipality=data["muni"], fast_days=15)
    r = report(data, municipality=data["muni"])
    assert r.fast_days == 15 and r.total.fast == 2  # 10 and 5 days


def test_scope(data):
    outsider = RoleFactory(role=Role.HEAD, municipality=MunicipalityFactory()).user
    assert accelerated(outsider, start=START, end=END, tz=VLG).total.answered == 0
    specialist = RoleFactory(role=Role.SPECIALIST, municipality=data["muni"], department=data["d2"]).user
    r = accelerated(specialist, start=START, end=END, tz=VLG)
    assert (r.total.answered, r.total.fast) == (2, 1)
