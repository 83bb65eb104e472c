"""The ratings selectors on a small district whose figures are computed by hand (docs/ratings.md).

Europe/Volgograd is UTC+3. The period is the first quarter of 2026, seen as of 10.04.2026 12:00.

Cases (D = department, O = organisation, S = settlement, B = block; times local, «+N d» after receipt):

| case | group      | received         | due         | answers    | notes                                  |
|------|------------|------------------|-------------|------------|----------------------------------------|
| c1   | D1 S1 B1   | 10.01 10:00      | +10 d       | +2 d       | assigned +0.5 d; review ok; satisfied  |
| c2   | D1 S1 B1   | 20.01 10:00      | +10 d       | +12 d      | action +1 d; review rejected, then ok; |
|      |            |                  |             |            | satisfied, later not satisfied         |
| c3   | D1 S1 B1   | 01.02 10:00      | +16 d (new) | +4, +8 d   | reopened +6 d; answered_at +8 d        |
| c4   | D1 S1 B1   | 25.03 10:00      | 20.04       | —          | in work; registered by a person; +2 d  |
| c5   | D1 S1 B1   | 01.03 10:00      | 11.03       | —          | in work, overdue                       |
| c6   | D2 S2      | 10.02 10:00      | 01.05       | —          | registered                             |
| c11  | D2 S2      | 31.03 23:30      | —           | —          | 20:30 UTC: still in March              |
| c7   | O1 S1 B1   | 05.03 10:00      | +5 d        | +3 d       | satisfied                              |
| c8   | —          | 15.01 10:00      | —           | —          | no group value                         |
| c9   | D1 S1 B1   | 31.12.2025 23:30 | +5 d        | +1 d       | the previous quarter                   |
| c10  | D1 S1 B1   | 01.04 00:30      | —           | —          | 31.03 21:30 UTC, but not in Q1         |
| c12  | D3 S2      | 15.11.2025       | —           | —          | the previous quarter only              |
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from otklik.analytics import ratings
from otklik.analytics.ratings import RatingRow, compare, department_trend, ratings_table, sort_rows
from otklik.cases.models import Answer, CaseEvent, Status
from otklik.org.models import Department, Role
from otklik.quality.models import AnswerReview, QualityPolicy, Rating
from tests.factories import (
    BlockFactory,
    CaseFactory,
    DepartmentFactory,
    MunicipalityFactory,
    RoleFactory,
    SettlementFactory,
    UserFactory,
)

TZ = zoneinfo.ZoneInfo("Europe/Volgograd")
DAY = timedelta(days=1)
Q1 = {"start": date(2026, 1, 1), "end": date(2026, 3, 31)}


def local(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=TZ)


ASOF = local(2026, 4, 10, 12)


def make_case(muni, received, *, due=None, answers=(), answered_at=None, status=Status.IN_PROGRESS, **kw):
    case = CaseFactory(municipality=muni, received_at=received, due_at=due, status=status, **kw)
    if answered_at is not None:
        case.answered_at = answered_at
        case.save(update_fields=["answered_at"])
    made = [Answer.objects.create(case=case, text="Ответ по существу.", sent_at=at) for at in answers]
    return case, made


def event(case, at, *, actor=None, type=CaseEvent.Type.STATUS, to_status=""):
    return CaseEvent.objects.create(case=case, at=at, actor=actor, type=type, to_status=to_status)


def review(case, answer, at, decision):
    return AnswerReview.objects.create(case=case, answer=answer, decision=decision, created_at=at)


def rating(case, at, satisfied):
    return Rating.objects.create(case=case, satisfied=satisfied, source="tracking", created_at=at)


@pytest.fixture
def district(db):
    muni = MunicipalityFactory(code="kot", name="Котельниковский район", population=10000)
    s1 = SettlementFactory(municipality=muni, name="Город", population=2000)
    s2 = SettlementFactory(municipality=muni, name="Село", population=500)
    d1 = DepartmentFactory(municipality=muni, name="Отдел ЖКХ")
    d2 = DepartmentFactory(municipality=muni, name="Отдел дорог")
    d3 = DepartmentFactory(municipality=muni, name="Отдел культуры")
    o1 = DepartmentFactory(municipality=muni, name="МУП «Водоканал»", kind=Department.Kind.SUBORDINATE)
    b1 = BlockFactory(municipality=muni, name="ЖКХ")
    head = RoleFactory(role=Role.HEAD, municipality=muni).user
    worker = UserFactory()
    hous = {"department": d1, "settlement": s1, "block": b1}

    t = local(2026, 1, 10)
    c1, (a1,) = make_case(muni, t, due=t + 10 * DAY, answers=[t + 2 * DAY], answered_at=t + 2 * DAY, **hous)
    c1.status = Status.ANSWERED
    c1.save(update_fields=["status"])
    event(c1, t, type=CaseEvent.Type.RECEIVED)  # no actor: not a reaction
    event(c1, t + DAY / 2, actor=worker, type=CaseEvent.Type.ASSIGNED)
    review(c1, a1, t + 1.5 * DAY, "approved")
    rating(c1, t + 5 * DAY, True)

    t = local(2026, 1, 20)
    c2, (a2,) = make_case(
        muni,
        t,
        due=t + 10 * DAY,
        answers=[t + 12 * DAY],
        answered_at=t + 12 * DAY,
        status=Status.CLOSED,
        **hous,
    )
    event(c2, t + DAY, actor=worker)
    review(c2, a2, t + 11 * DAY, "rejected")
    review(c2, a2, t + 11.5 * DAY, "approved")
    rating(c2, t + 13 * DAY, True)
    rating(c2, t + 14 * DAY, False)  # the latest rating counts

    t = local(2026, 2, 1)
    c3, _ = make_case(
        muni,
        t,
        due=t + 16 * DAY,
        answers=[t + 4 * DAY, t + 8 * DAY],
        answered_at=t + 8 * DAY,
        status=Status.ANSWERED,
        **hous,
    )
    event(c3, t + 6 * DAY, actor=worker, to_status=Status.REOPENED)

    t = local(2026, 3, 25)
    c4, _ = make_case(muni, t, due=local(2026, 4, 20), **hous)
    event(c4, t, actor=worker, type=CaseEvent.Type.REGISTERED)  # an intake step: not a reaction
    event(c4, t + 2 * DAY, actor=worker)

    t = local(2026, 3, 1)
    make_case(muni, t, due=local(2026, 3, 11), **hous)

    make_case(
        muni,
        local(2026, 2, 10),
        due=local(2026, 5, 1),
        status=Status.REGISTERED,
        department=d2,
        settlement=s2,
    )
    make_case(muni, local(2026, 3, 31, 23, 30), status=Status.REGISTERED, department=d2, settlement=s2)

    t = local(2026, 3, 5)
    c7, _ = make_case(
        muni,
        t,
        due=t + 5 * DAY,
        answers=[t + 3 * DAY],
        answered_at=t + 3 * DAY,
        status=Status.ANSWERED,
        department=o1,
        settlement=s1,
        block=b1,
    )
    rating(c7, t + 4 * DAY, True)

    make_case(muni, local(2026, 1, 15), status=Status.REGISTERED)

    t = local(2025, 12, 31, 23, 30)
    make_case(
        muni, t, due=t + 5 * DAY, answers=[t + DAY], answered_at=t + DAY, status=Status.ANSWERED, **hous
    )
    make_case(muni, local(2026, 4, 1, 0, 30), **hous)
    make_case(muni, local(2025, 11, 15), department=d3, settlement=s2)

    other = MunicipalityFactory(code="oth", name="Другой район", population=4000)
    make_case(other, local(2026, 2, 2), department=DepartmentFactory(municipality=other, name="Отдел ЖКХ"))
    return {
        "muni": muni,
        "other": other,
        "head": head,
        "d1": d1,
        "d2": d2,
        "d3": d3,
        "o1": o1,
        "s1": s1,
        "s2": s2,
        "b1": b1,
    }


def rows_by_label(table):
    return {r.label: r for r in table.rows}


def test_department_figures_by_hand(district):
    table = ratings_table(district["head"], group_by="department", asof=ASOF, **Q1)
    rows = rows_by_label(table)
    assert list(rows) == ["Отдел дорог", "Отдел ЖКХ", "не назначено"]  # by name, unassigned last
    d1 = rows["Отдел ЖКХ"]
    assert d1.received == 5  # c1–c5; c9 is in 2025, c10 on 1 April local time
    assert d1.per_1000 == pytest.approx(0.5)  # 5 · 1000 / 10 000 (the municipality's residents)
    # On time: c1 (+2 ≤ +10), c3 (+8 ≤ +16). Late: c2 (+12 > +10), c5 (open, due 11.03 < as-of).
    # c4 is not yet due at as-of: left out. 2 / (2 + 2).
    assert (d1.on_time, d1.late, d1.on_time_share) == (2, 2, 0.5)
    # First reaction: c1 0.5 (assigned), c2 1 (action), c3 4 (first answer before the reopening at 6),
    # c4 2 (the registration by a person does not count), c5 none. Sorted 0.5, 1, 2, 4:
    # median at position 1.5 → 1 + 0.5 · 1 = 1.5; P90 at 2.7 → 2 + 0.7 · 2 = 3.4.
    assert d1.reaction_median == pytest.approx(1.5)
    assert d1.reaction_p90 == pytest.approx(3.4)
    # Time to the first answer: c1 2, c2 12, c3 4 → sorted 2, 4, 12: median 4; P90 at 1.8 → 4 + 0.8 · 8.
    assert d1.answer_median == pytest.approx(4.0)
    assert d1.answer_p90 == pytest.approx(10.4)
    # Reopened: c3 of the 3 answered at least once.
    assert (d1.reopened, d1.answered) == (1, 3)
    assert d1.reopened_share == pytest.approx(1 / 3)
    # First review: c1 approved, c2 rejected → 1 / 2.
    assert (d1.first_pass, d1.reviewed, d1.review_share) == (1, 2, 0.5)
    # Latest rating: c1 satisfied, c2 not (satisfied first, then not) → 1 / 2.
    assert (d1.satisfied, d1.rated, d1.satisfied_share) == (1, 2, 0.5)
    # Speed: 1 − 4 / 30. Index with the default weights 0.30, 0.15, 0.15, 0.15, 0.25 (sum 1):
    # 0.30·0.5 + 0.15·(26/30) + 0.15·(1 − 1/3) + 0.15·0.5 + 0.25·0.5
    # = 0.15 + 0.13 + 0.10 + 0.075 + 0.125 = 0.58 → 58.0
    assert d1.speed == pytest.approx(26 / 30)
    assert d1.index == pytest.approx(58.0)
    assert d1.object_id == district["d1"].pk and d1.has_card
    assert d1.link == f"/cases/?department={district['d1'].pk}&date_from=2026-01-01&date_to=2026-03-31"


def test_a_group_with_no_answers(district):
    d2 = rows_by_label(ratings_table(district["head"], group_by="department", asof=ASOF, **Q1))["Отдел дорог"]
    # c6 and c11 (31.03 23:30 local = 20:30 UTC, still in the quarter): neither answered nor due.
    assert d2.received == 2 and d2.per_1000 == pytest.approx(0.2)
    for key in ratings.FIGURE_KEYS[2:]:
        assert d2.value(key) is None, key
    assert d2.components == dict.fromkeys(("on_time", "speed", "not_reopened", "review", "satisfied"))


def test_cases_without_a_department_and_the_total(district):
    table = ratings_table(district["head"], group_by="department", asof=ASOF, **Q1)
    unassigned = rows_by_label(table)["не назначено"]
    assert unassigned.received == 1 and unassigned.is_unassigned and not unassigned.has_card  # c8
    assert unassigned.per_1000 == pytest.approx(0.1)  # against the municipality's residents
    # The total of the departments' table: D1 5 + D2 2 + c8; the organisation's c7 is not in it.
    total = table.total
    assert total.received == 8 and (total.on_time, total.late) == (2, 2)
    assert total.per_1000 == pytest.approx(0.8)
    assert total.link == ""  # the inbox cannot filter by department


def test_organisations_are_their_own_table(district):
    table = ratings_table(district["head"], group_by="organisation", asof=ASOF, **Q1)
    assert [r.label for r in table.rows] == ["МУП «Водоканал»"]
    o1 = table.rows[0]
    assert (o1.received, o1.on_time_share, o1.answer_median, o1.answer_p90) == (1, 1.0, 3.0, 3.0)
    assert o1.reaction_median == pytest.approx(3.0)  # the answer is the first reaction
    assert (o1.reopened_share, o1.review_share, o1.satisfied_share) == (0.0, None, 1.0)
    # No review: its weight is dropped. (0.30·1 + 0.15·0.9 + 0.15·1 + 0.25·1) / 0.85 = 0.835 / 0.85
    assert o1.index == pytest.approx(100 * 0.835 / 0.85)


def test_settlements_per_1000_of_their_own_residents(district):
    table = ratings_table(district["head"], group_by="settlement", asof=ASOF, **Q1)
    rows = rows_by_label(table)
    assert rows["Город"].received == 6  # c1–c5, c7
    assert rows["Город"].per_1000 == pytest.approx(3.0)  # 6 · 1000 / 2000
    assert rows["Село"].per_1000 == pytest.approx(4.0)  # c6, c11: 2 · 1000 / 500
    assert rows["поселение не определено"].received == 1
    assert rows["поселение не определено"].per_1000 is None
    s1 = district["s1"].pk
    assert rows["Город"].link == f"/cases/?settlement={s1}&date_from=2026-01-01&date_to=2026-03-31"
    assert table.total.received == 9 and table.total.link == "/cases/?date_from=2026-01-01&date_to=2026-03-31"


def test_blocks(district):
    rows = rows_by_label(ratings_table(district["head"], group_by="block", asof=ASOF, **Q1))
    assert rows["ЖКХ"].received == 6 and rows["ЖКХ"].per_1000 == pytest.approx(0.6)
    assert rows["не назначено"].received == 3  # c6, c11, c8


def test_an_empty_period(district):
    table = ratings_table(
        district["head"], group_by="department", start=date(2020, 1, 1), end=date(2020, 3, 31)
    )
    assert table.rows == [] and table.is_empty
    total = table.total
    assert total.received == 0 and total.per_1000 == 0.0
    for key in ratings.FIGURE_KEYS[2:]:
        assert total.value(key) is None, key


def test_quality_policy_weights_are_data(district):
    QualityPolicy.objects.create(
        municipality=district["muni"],
        weight_on_time=Decimal("1"),
        weight_speed=Decimal("1"),
        weight_not_reopened=Decimal("0"),
        weight_review=Decimal("0"),
        weight_satisfied=Decimal("0"),
        speed_norm_days=8,
    )
    d1 = rows_by_label(ratings_table(district["head"], group_by="department", asof=ASOF, **Q1))["Отдел ЖКХ"]
    # Speed 1 − 4 / 8 = 0.5; index (1·0.5 + 1·0.5) / 2 = 0.5.
    assert d1.speed == pytest.approx(0.5) and d1.index == pytest.approx(50.0)


def test_figures_as_of_an_earlier_moment(district):
    asof = local(2026, 1, 25, 12)
    d1 = ratings_table(
        district["head"], group_by="department", asof=asof, department=district["d1"], **Q1
    ).rows[0]
    # Only c1 and c2 were received by then. c1 answered on time; c2 not answered and not yet due.
    # c2's reviews (31.01) and ratings (02.02, 03.02) come later: unseen.
    assert d1.received == 2 and (d1.on_time, d1.late) == (1, 0)
    assert (d1.reviewed, d1.rated, d1.answered) == (1, 1, 1)
    assert d1.answer_median == pytest.approx(2.0)
    assert d1.reaction_median == pytest.approx(0.75)  # c1 0.5, c2 1 (its action on 21.01)


def test_compare_with_the_previous_quarter(district):
    comparison = compare(district["head"], group_by="department", asof=ASOF, **Q1)
    assert (comparison.previous.start, comparison.previous.end) == (date(2025, 10, 1), date(2025, 12, 31))
    rows = rows_by_label(comparison.current)
    d1 = rows["Отдел ЖКХ"]
    # Q4 2025: c9 only (31.12 23:30 local), answered on time.
    assert d1.previous is not None and d1.previous.received == 1 and d1.previous.on_time_share == 1.0
    assert d1.delta("received") == 4
    assert d1.delta("on_time_share") == pytest.approx(-0.5)
    assert d1.delta("review_share") is None  # no reviews in Q4
    assert rows["Отдел дорог"].previous is None and rows["Отдел дорог"].delta("received") is None
    # A department with cases only in the previous quarter is still listed, with nothing now.
    d3 = rows["Отдел культуры"]
    assert d3.received == 0 and d3.previous.received == 1 and d3.delta("received") == -1
    assert comparison.total.previous.received == 2 and not comparison.is_empty


def test_compare_a_free_period_with_as_many_days_before(district):
    comparison = compare(
        district["head"], group_by="settlement", start=date(2026, 1, 11), end=date(2026, 1, 20), asof=ASOF
    )
    assert (comparison.previous.start, comparison.previous.end) == (date(2026, 1, 1), date(2026, 1, 10))
    assert comparison.current.total.received == 2  # c8 (15.01), c2 (20.01)
    assert comparison.previous.total.received == 1  # c1 (10.01)


def test_a_user_sees_only_their_scope(district):
    specialist = RoleFactory(
        role=Role.SPECIALIST, municipality=district["muni"], department=district["d2"]
    ).user
    table = ratings_table(specialist, group_by="department", asof=ASOF, **Q1)
    assert [(r.label, r.received) for r in table.rows] == [("Отдел дорог", 2)]
    assert table.total.received == 2
    # The head of another district sees nothing of this one.
    stranger = RoleFactory(role=Role.HEAD, municipality=district["other"]).user
    table = ratings_table(stranger, group_by="department", asof=ASOF, **Q1)
    assert [(r.label, r.received) for r in table.rows] == [("Отдел ЖКХ", 1)]
    assert ratings_table(stranger, group_by="department", municipality=district["muni"], **Q1).is_empty
    assert ratings.department_for_user(stranger, district["d1"].pk) is None
    assert ratings.department_for_user(district["head"], district["d1"].pk) == district["d1"]


def test_region_wide_user_rates_municipalities(district):
    curator = RoleFactory(role=Role.CURATOR, municipality=None).user
    table = ratings_table(curator, group_by="municipality", asof=ASOF, **Q1)
    rows = rows_by_label(table)
    assert rows["Котельниковский район"].received == 9  # c1–c8, c11
    assert rows["Котельниковский район"].per_1000 == pytest.approx(0.9)
    assert rows["Другой район"].received == 1 and rows["Другой район"].per_1000 == pytest.approx(0.25)
    assert table.total.received == 10 and table.total.per_1000 == pytest.approx(10 * 1000 / 14000)
    # Departments of the same name in two districts stay apart.
    departments = ratings_table(curator, group_by="department", asof=ASOF, **Q1).rows
    same_name = [(r.municipality_name, r.received) for r in departments if r.label == "Отдел ЖКХ"]
    assert same_name == [("Другой район", 1), ("Котельниковский район", 5)]


def test_department_trend_by_month(district):
    points = department_trend(district["head"], district["d1"], months=3, end=date(2026, 3, 31), asof=ASOF)
    assert [p.label for p in points] == ["01.2026", "02.2026", "03.2026"]
    # January: c1 on time and satisfied, c2 late and (finally) not satisfied.
    assert (points[0].received, points[0].on_time_share, points[0].satisfied_share) == (2, 0.5, 0.5)
    # February: c3 on time, no rating. March: c4 not yet due, c5 late; c10 (1 April local) not here.
    assert (points[1].received, points[1].on_time_share, points[1].satisfied_share) == (1, 1.0, None)
    assert (points[2].received, points[2].on_time_share, points[2].satisfied_share) == (2, 0.0, None)
    year = department_trend(district["head"], district["d1"], end=date(2026, 3, 31), asof=ASOF)
    assert len(year) == 12 and year[0].label == "04.2025" and year[0].received == 0
    assert sum(p.received for p in year) == 6  # c9 (December) as well


def test_unknown_grouping_is_refused(district):
    with pytest.raises(ValueError):
        ratings_table(district["head"], group_by="topic", **Q1)


def row(label, **figures):
    return RatingRow(group_by="department", key=label, label=label, **figures)


def test_sorting_puts_undefined_figures_and_the_unassigned_row_last():
    rows = [
        row("Б", index=40.0),
        row("В", index=None),
        RatingRow(group_by="department", key=ratings.NONE_KEY, label="не назначено", index=99.0),
        row("А", index=70.0),
        row("Г", index=40.0),
    ]
    assert [r.label for r in sort_rows(rows, "index", True)] == ["А", "Б", "Г", "В", "не назначено"]
    assert [r.label for r in sort_rows(rows, "index", False)] == ["Б", "Г", "А", "В", "не назначено"]
    assert [r.label for r in sort_rows(rows, "label", True)] == ["Г", "В", "Б", "А", "не назначено"]
    with pytest.raises(ValueError):
        sort_rows(rows, "population", True)


def _facts() -> list[ratings.CaseFact]:
    """Cases of every kind the tally tells apart: on time, late, open past the deadline, answered after
    the as-of moment, reopened, reviewed (approved or not), rated (satisfied or not), without reaction."""
    start = datetime(2026, 1, 12, 9, tzinfo=zoneinfo.ZoneInfo("UTC"))
    facts = []
    for i in range(40):
        received = start + timedelta(hours=7 * i)
        answered = received + timedelta(days=i % 9) if i % 5 else None
        facts.append(
            ratings.CaseFact(
                key=i % 4 or None,
                municipality_id=1 + i % 3,
                received_at=received,
                due_at=received + timedelta(days=4) if i % 7 else None,
                answered_at=answered,
                status=Status.CLOSED if answered else (Status.IN_PROGRESS if i % 2 else Status.REGISTERED),
                first_answer_at=answered,
                first_action_at=received + timedelta(hours=i % 11) if i % 3 else None,
                reopened=i % 6 == 0,
                first_review=("approved", "returned", None)[i % 3],
                last_rating_satisfied=(True, False, None, None)[i % 4],
            )
        )
    return facts


@pytest.mark.parametrize(
    "split",
    [
        lambda f: f.key,
        lambda f: f.municipality_id,
        lambda f: (f.municipality_id, f.key),
        lambda f: 0,
        lambda f: f.received_at.day,
    ],
)
def test_merged_tallies_are_the_tally_of_all_their_cases(split):
    facts, asof = _facts(), datetime(2026, 1, 25, tzinfo=zoneinfo.ZoneInfo("UTC"))
    groups: dict = {}
    for fact in facts:
        groups.setdefault(split(fact), []).append(fact)
    whole = ratings.tally(facts, asof)
    sum_of_parts = ratings.merged(ratings.tally(g, asof) for g in groups.values())
    assert whole.received == 40 and whole.on_time and whole.late and whole.reopened and whole.satisfied
    for name in ("received", "on_time", "late", "answered", "reopened", "reviewed", "first_pass", "rated"):
        assert getattr(sum_of_parts, name) == getattr(whole, name), name
    assert sum_of_parts.satisfied == whole.satisfied
    assert sorted(sum_of_parts.answer_days) == sorted(whole.answer_days)
    assert sorted(sum_of_parts.reaction_days) == sorted(whole.reaction_days)
    row_args = {"group_by": "block", "key": "total", "label": "Итого", "population": None}
    row_args["weights"] = ratings.metrics.DEFAULT_WEIGHTS
    assert ratings.build_row(sum_of_parts, **row_args) == ratings.build_row(whole, **row_args)
    assert ratings.merged([]) == ratings.Tally()
