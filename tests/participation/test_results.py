"""Results by settlement against hand-computed numbers (site ballots and the platform's counts), and the
XLSX export opened with openpyxl."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from otklik.participation import exports, selectors, services
from otklik.participation.models import PlatformCount
from tests.factories import SettlementFactory
from tests.participation.helpers import answers, officer, poll_with_questions, resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted(municipality):
    """Four residents on the site and the platform's counts:

    | ballot | settlement | Q1 single | Q2 multiple  | Q3 scale | Q4 text   |
    | a      | town       | Да        | Парк, Свет   | 5        |           |
    | b      | town       | Нет       | Парк         | 3        |           |
    | c      | village    | Да        | Дороги       | 4        | Скамейки  |
    | d      | village    | Да        |              |          |           |
    platform: Q1 «Да» in town 10, Q1 «Нет» in the village 5, Q3 «5» without a settlement 2.
    """
    town = SettlementFactory(municipality=municipality, name="Котельниковское городское поселение")
    village = SettlementFactory(municipality=municipality, name="Майоровское сельское поселение")
    poll = poll_with_questions(municipality, officer(municipality))
    for email, settlement, kw in (
        ("a@mail.ru", town, {"single": "Да", "multiple": ("Парк", "Свет"), "scale": 5}),
        ("b@mail.ru", town, {"single": "Нет", "multiple": ("Парк",), "scale": 3}),
        ("c@mail.ru", village, {"single": "Да", "multiple": ("Дороги",), "scale": 4, "text": "Скамейки"}),
        ("d@mail.ru", village, {"single": "Да"}),
    ):
        services.cast_ballot(
            poll, resident(email), settlement=settlement, answers=answers(poll, **kw), ip_hash="ip"
        )
    q1, q3 = poll.questions.get(order=1), poll.questions.get(order=3)
    da, net = q1.options.get(text="Да"), q1.options.get(text="Нет")
    PlatformCount.objects.create(poll=poll, key="a", question=q1, option=da, settlement=town, count=10)
    PlatformCount.objects.create(poll=poll, key="b", question=q1, option=net, settlement=village, count=5)
    PlatformCount.objects.create(poll=poll, key="c", question=q3, value=5, count=2)
    return poll, town, village


def rows(result):
    return {r.label: (r.site, r.platform, r.total, r.by_settlement) for r in result.rows}


def test_results_by_settlement_match_the_hand_count(voted, django_assert_max_num_queries):
    poll, town, village = voted
    with django_assert_max_num_queries(12):
        results = selectors.poll_results(poll)
    assert [c.name for c in results.columns] == [town.name, village.name, "не указано"]
    assert (results.ballots_site, results.ballots_platform, results.platform_counts) == (4, 0, 3)
    assert results.ballots_by_settlement == [2, 2, 0]
    q1, q2, q3, q4 = results.questions
    assert rows(q1) == {
        "Да": (3, 10, 13, [11, 2, 0]),
        "Нет": (1, 5, 6, [1, 5, 0]),
        "Не знаю": (0, 0, 0, [0, 0, 0]),
    }
    assert q1.total == 19 and q1.respondents == 4
    assert [round(r.share, 4) for r in q1.rows] == [round(13 / 19, 4), round(6 / 19, 4), 0.0]
    assert rows(q2) == {
        "Парк": (2, 0, 2, [2, 0, 0]),
        "Дороги": (1, 0, 1, [0, 1, 0]),
        "Свет": (1, 0, 1, [1, 0, 0]),
    }
    assert q2.total == 4 and q2.respondents == 3
    assert {r.label: r.total for r in q3.rows} == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 3}
    assert q3.rows[4].by_settlement == [1, 0, 2]
    assert q3.mean == pytest.approx(4.4)
    assert (q4.text_count, [t.text for t in q4.texts], q4.texts[0].settlement) == (
        1,
        ["Скамейки"],
        village.name,
    )


def test_the_chart_data_carries_the_same_numbers(voted):
    poll, *_ = voted
    chart = selectors.poll_results(poll).chart()
    first = chart["questions"][0]
    assert first["labels"] == ["Да", "Нет", "Не знаю"] and first["totals"] == [13, 6, 0]
    assert first["bySettlement"] == [[11, 1, 0], [2, 5, 0], [0, 0, 0]]
    assert len(chart["questions"]) == 3  # the free-text question has no chart


def test_results_of_a_poll_without_answers_are_zero(municipality):
    SettlementFactory(municipality=municipality)
    poll = poll_with_questions(municipality, officer(municipality))
    results = selectors.poll_results(poll)
    assert results.ballots == 0
    assert all(r.total == 0 and r.share is None for q in results.questions for r in q.rows)
    assert results.questions[2].mean is None


def test_the_xlsx_export_holds_the_results_and_the_texts(voted):
    poll, town, village = voted
    content = exports.results_workbook(selectors.poll_results(poll, texts=0))
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Итоги", "Свободные ответы"]  # anonymous: no sheet of participants
    sheet = [list(r) for r in wb["Итоги"].iter_rows(values_only=True)]
    head = next(r for r in sheet if r[0] == "Вариант")
    assert head[:4] == ["Вариант", "Всего", "Доля", "На сайте"]
    assert head[4:7] == [town.name, village.name, "не указано"] and head[7] == "С платформы"
    da = next(r for r in sheet if r[0] == "Да")
    assert da[:2] == ["Да", 13] and da[2] == pytest.approx(13 / 19) and da[3:8] == [3, 11, 2, 0, 10]
    assert next(r for r in sheet if r[0] == "Средняя оценка")[1] == 4.4
    texts = [list(r) for r in wb["Свободные ответы"].iter_rows(values_only=True)]
    assert texts[1][0] == "4. Ваши предложения" and texts[1][1] == village.name and texts[1][3] == "Скамейки"
    assert "mail.ru" not in str(sheet) + str(texts)


def test_a_named_poll_exports_its_participants(municipality):
    town = SettlementFactory(municipality=municipality)
    poll = poll_with_questions(municipality, officer(municipality), anonymous=False)
    services.cast_ballot(
        poll,
        resident("Ivanova@mail.ru"),
        settlement=town,
        answers=answers(poll, single="Да"),
        ip_hash="ip",
        name="Иванова Анна",
    )
    wb = load_workbook(io.BytesIO(exports.results_workbook(selectors.poll_results(poll))))
    people = [list(r) for r in wb["Участники"].iter_rows(values_only=True)]
    assert people[1][:3] == ["Иванова Анна", "ivanova@mail.ru", town.name]
