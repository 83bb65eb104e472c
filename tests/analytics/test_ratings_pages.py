"""The ratings pages on the district of test_ratings.py, seen now (after the first quarter of 2026 ended).

Seen now rather than on 10.04.2026, c4 (due 20.04, unanswered) and c6 (due 01.05, unanswered) are late:
- D1 «Отдел ЖКХ»: on time c1, c3; late c2, c4, c5 → 2 / 5 = 40 %. Index with the default weights:
  0.30·0.4 + 0.15·(26/30) + 0.15·(2/3) + 0.15·0.5 + 0.25·0.5 = 0.12 + 0.13 + 0.10 + 0.075 + 0.125 = 55.0.
- D2 «Отдел дорог»: c6 late, c11 has no term → 0 %; no other component → index 0.0.
- D3 «Отдел культуры»: a case in the previous quarter only → 0 received now, index «—».
- «не назначено»: c8, no term → index «—».
The previous quarter (Q4 2025) of D1: c9 only, answered on time → 100 %, 1 received.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from otklik.analytics.ratings_views import fmt, fmt_delta
from otklik.cases.models import Answer, CaseEvent, Status
from otklik.org.models import Role
from otklik.quality.models import AnswerReview, Rating
from tests.analytics.test_ratings import district, local  # noqa: F401 — the shared data set
from tests.factories import (
    BlockFactory,
    CaseFactory,
    DepartmentFactory,
    RoleFactory,
    SettlementFactory,
    UserFactory,
)

Q1 = {"date_from": "2026-01-01", "date_to": "2026-03-31"}
URL = reverse("analytics:ratings")


def labels(response):
    return [r["row"].label for r in response.context["rows"]]


def cells(response, label):
    row = next(r for r in response.context["rows"] if r["row"].label == label)
    return {c["key"]: c for c in row["cells"]}


def test_ratings_need_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_table_is_sorted_by_the_index_by_default(client, district):  # noqa: F811
    client.force_login(district["head"])
    response = client.get(URL, {"group": "department", **Q1})
    assert response.status_code == 200
    # 55.0, 0.0, then the undefined index, the unassigned row always last.
    assert labels(response) == ["Отдел ЖКХ", "Отдел дорог", "Отдел культуры", "не назначено"]
    d1 = cells(response, "Отдел ЖКХ")
    assert d1["index"]["text"] == "55,0" and d1["on_time_share"]["text"] == "40,0\u00a0%"
    assert d1["per_1000"]["text"] == "0,50" and d1["answer_p90"]["text"] == "10,4"
    assert cells(response, "Отдел культуры")["index"]["text"] == "—"
    body = response.content.decode()
    assert body.count("aria-sort=") == 1
    assert re.search(r'<th scope="col" aria-sort="descending" class="num"><a href="\?[^"]*sort=index"', body)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("label", ["Отдел дорог", "Отдел ЖКХ", "Отдел культуры", "не назначено"]),
        ("-label", ["Отдел культуры", "Отдел ЖКХ", "Отдел дорог", "не назначено"]),
        ("received", ["Отдел культуры", "Отдел дорог", "Отдел ЖКХ", "не назначено"]),
        ("-received", ["Отдел ЖКХ", "Отдел дорог", "Отдел культуры", "не назначено"]),
        ("on_time_share", ["Отдел дорог", "Отдел ЖКХ", "Отдел культуры", "не назначено"]),
        ("-satisfied_share", ["Отдел ЖКХ", "Отдел дорог", "Отдел культуры", "не назначено"]),
    ],
)
def test_sorting_by_any_column(client, district, sort, expected):  # noqa: F811
    client.force_login(district["head"])
    response = client.get(URL, {"group": "department", "sort": sort, **Q1})
    assert labels(response) == expected
    key = sort.lstrip("-")
    column = next(c for c in response.context["columns"] if c["key"] == key)
    assert column["aria_sort"] == ("descending" if sort.startswith("-") else "ascending")
    # Clicking the sorted column again turns the order round.
    flipped = key if sort.startswith("-") else f"-{key}"
    assert f"sort={flipped}" in column["href"]


def test_an_unknown_sort_falls_back_to_the_index(client, district):  # noqa: F811
    client.force_login(district["head"])
    response = client.get(URL, {"group": "department", "sort": "population", **Q1})
    assert response.status_code == 200 and labels(response)[0] == "Отдел ЖКХ"


def test_each_row_is_compared_with_the_previous_quarter(client, district):  # noqa: F811
    client.force_login(district["head"])
    response = client.get(URL, {"group": "department", **Q1})
    assert "сравнение: IV квартал 2025 (01.10.2025 — 31.12.2025)" in response.content.decode()
    d1 = cells(response, "Отдел ЖКХ")
    assert (d1["received"]["delta"], d1["received"]["arrow"], d1["received"]["tone"]) == ("+4", "▲", "same")
    # 40 % now against 100 % (c9): 60 points worse.
    on_time = d1["on_time_share"]
    assert (on_time["delta"], on_time["arrow"], on_time["tone"]) == ("−60,0\u00a0п.\u00a0п.", "▼", "bad")
    assert on_time["before"] == "100,0\u00a0%"
    d3 = cells(response, "Отдел культуры")
    assert (d3["received"]["text"], d3["received"]["delta"]) == ("0", "−1")
    assert cells(response, "Отдел дорог")["received"]["delta"] == ""  # nothing to compare with
    body = response.content.decode()
    assert "нет в предыдущем периоде" in body and "к предыдущему периоду, было 100,0\u00a0%" in body


def test_a_quarter_from_the_selector(client, district):  # noqa: F811
    client.force_login(district["head"])
    response = client.get(URL, {"group": "department", "quarter": "2026-1"})
    assert response.context["query"].period_label == "I квартал 2026 (01.01.2026 — 31.03.2026)"
    assert labels(response)[0] == "Отдел ЖКХ"
    assert 'value="2026-1" selected' in response.content.decode()


def test_the_default_period_is_this_quarter_and_an_empty_one_says_so(client, district):  # noqa: F811
    client.force_login(district["head"])
    response = client.get(URL, {"group": "department", "date_from": "2020-01-01", "date_to": "2020-03-31"})
    body = response.content.decode()
    assert "Обращений за период нет" in body and '<table class="ratings"' not in body
    assert 'value="" selected' in body  # «свой период»
    default = client.get(URL)
    assert default.context["query"].period_label.startswith(("I ", "II ", "III ", "IV "))


def test_wrong_dates_are_reported_and_the_quarter_is_used(client, district):  # noqa: F811
    client.force_login(district["head"])
    response = client.get(URL, {"group": "department", "quarter": "2026-1", "date_from": "2026-03-01"})
    assert "Укажите обе даты периода." in response.content.decode()
    assert response.context["query"].period_label.startswith("I квартал 2026")


def test_settlement_counts_lead_to_the_same_cases_in_the_inbox(client, district):  # noqa: F811
    client.force_login(district["head"])
    response = client.get(URL, {"group": "settlement", **Q1})
    town = cells(response, "Город")["received"]
    assert town["text"] == "6" and f"settlement={district['s1'].pk}" in town["link"]
    assert f'href="{town["link"].replace("&", "&amp;")}"' in response.content.decode()
    inbox = client.get(town["link"])
    assert inbox.context["page"].paginator.count == 6  # c1–c5 and c7; c10 came on 1 April local time
    # A department's count leads to its cases in the inbox; its name opens the card.
    departments = client.get(URL, {"group": "department", **Q1})
    link = cells(departments, "Отдел ЖКХ")["received"]["link"]
    assert f"department={district['d1'].pk}" in link
    assert client.get(link).context["page"].paginator.count == 5  # c1–c5
    card = reverse("analytics:ratings_department", args=[district["d1"].pk])
    assert f'href="{card}?date_from=2026-01-01&amp;date_to=2026-03-31"' in departments.content.decode()


def test_region_user_rates_municipalities_and_drills_down(client, district):  # noqa: F811
    curator = RoleFactory(role=Role.CURATOR, municipality=None).user
    client.force_login(curator)
    response = client.get(URL, {"group": "municipality", **Q1})
    assert set(labels(response)) == {"Котельниковский район", "Другой район"}
    assert "Рейтинг: муниципальные образования — регион" in response.content.decode()
    row = next(r for r in response.context["rows"] if r["row"].label == "Котельниковский район")
    assert "mo=kot" in row["href"] and "group=department" in row["href"]
    drilled = client.get(URL + row["href"])
    assert [(r["row"].label, r["row"].received) for r in drilled.context["rows"]][:2] == [
        ("Отдел ЖКХ", 5),
        ("Отдел дорог", 2),
    ]
    assert {r["row"].municipality_name for r in drilled.context["rows"]} <= {"Котельниковский район", ""}
    # A municipality's own head has no municipality grouping to choose.
    client.force_login(district["head"])
    assert "муниципальные образования</option>" not in client.get(URL).content.decode()


def test_export_holds_the_same_figures(client, district):  # noqa: F811
    CaseFactory(
        municipality=district["muni"],
        department=district["d1"],
        author_name="Петров Пётр",
        received_at=local(2026, 2, 3),
        status=Status.REGISTERED,
    )
    client.force_login(district["head"])
    response = client.get(reverse("analytics:ratings_export"), {"group": "department", "sort": "label", **Q1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="rating-department-20260101-20260331.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Рейтинг"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "Рейтинг: подразделения"
    assert values[3][:2] == ["Период", "I квартал 2026 (01.01.2026 — 31.03.2026)"]
    head = next(i for i, row in enumerate(values) if row[0] == "Наименование")
    columns = values[head]
    names = [row[0] for row in values[head + 1 :]]
    assert names == ["Отдел дорог", "Отдел ЖКХ", "Отдел культуры", "не назначено", "Итого"]  # sorted by name
    d1 = dict(zip(columns, values[head + 2], strict=True))
    # With the extra case (unanswered, due 14 days after 03.02: late now) D1 has 6: on time 2 / (2 + 4).
    assert d1["Поступило"] == 6 and isinstance(d1["Поступило"], int)
    assert d1["Доля ответов в срок"] == pytest.approx(2 / 6)
    assert d1["Время до ответа, 90-й процентиль, дней"] == pytest.approx(10.4)
    assert d1["Поступило в предыдущем периоде"] == 1
    share_cell = ws.cell(row=head + 3, column=columns.index("Доля ответов в срок") + 1)
    assert share_cell.number_format == "0.0%"
    index_cell = ws.cell(row=head + 3, column=columns.index("Сводный индекс, 0–100") + 1)
    assert index_cell.number_format == "0.0"
    d3 = dict(zip(columns, values[head + 3], strict=True))
    assert d3["Поступило"] == 0 and d3["Сводный индекс, 0–100"] is None  # undefined → an empty cell
    total = dict(zip(columns, values[-1], strict=True))
    assert total["Поступило"] == 9
    previous = [[c.value for c in row] for row in wb["Предыдущий период"].iter_rows()]
    prev_head = next(i for i, row in enumerate(previous) if row[0] == "Наименование")
    assert [(r[0], r[1]) for r in previous[prev_head + 1 :]] == [
        ("Отдел дорог", 0),
        ("Отдел ЖКХ", 1),
        ("Отдел культуры", 1),
        ("не назначено", 0),
        ("Итого", 2),
    ]
    # No personal data: the author's name appears nowhere.
    text = " ".join(str(v) for sheet in wb for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert "Петров" not in text


def test_department_card_with_its_trend(client, district):  # noqa: F811
    client.force_login(district["head"])
    url = reverse("analytics:ratings_department", args=[district["d1"].pk])
    response = client.get(url, Q1)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Отдел ЖКХ" in body and "сравнение: IV квартал 2025" in body
    figures = {f["key"]: f for f in response.context["figures"]}
    assert figures["index"]["text"] == "55,0" and figures["received"]["delta"] == "+4"
    chart = response.context["chart"]
    assert len(chart["months"]) == 12 and chart["months"][-1] == "03.2026"
    assert chart["received"][-3:] == [2, 1, 2] and chart["on_time"][-3:] == [50.0, 100.0, 0.0]
    assert chart["satisfied"][-3] == 50.0 and chart["satisfied"][-1] is None
    assert 'id="department-trend-data"' in body and "analytics/ratings.js" in body
    assert "<script>" not in body.replace('<script id="department-trend-data" type="application/json">', "")
    assert "вес" in body.lower() and "0,30" in body  # the index's weights are shown


def test_department_outside_the_scope_is_not_found(client, district):  # noqa: F811
    stranger = RoleFactory(role=Role.HEAD, municipality=district["other"]).user
    client.force_login(stranger)
    url = reverse("analytics:ratings_department", args=[district["d1"].pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("analytics:ratings_department", args=[999999])).status_code == 404
    nobody = UserFactory()
    client.force_login(nobody)
    assert client.get(url).status_code == 404
    assert "Обращений за период нет" in client.get(URL).content.decode()


def test_navigation_marks_the_ratings_link(client, district):  # noqa: F811
    client.force_login(district["head"])
    body = client.get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">Рейтинг</a>' in body
    assert f'<a href="{reverse("analytics:dashboard")}">Тепловая карта</a>' in body
    dashboard = client.get(reverse("analytics:dashboard")).content.decode()
    assert f'<a href="{URL}">Рейтинг</a>' in dashboard
    assert f'<a href="{reverse("analytics:dashboard")}" aria-current="page">Тепловая карта</a>' in dashboard


def add_cases(district, n):  # noqa: F811
    """n answered, reviewed and rated cases, half of them in a new department, settlement and block: more
    cases and more rows."""
    worker = UserFactory()
    muni = district["muni"]
    d4 = DepartmentFactory(municipality=muni, name="Отдел спорта")
    s3 = SettlementFactory(municipality=muni, name="Хутор", population=300)
    b2 = BlockFactory(municipality=muni, name="Спорт")
    for i in range(n):
        t = local(2026, 2, 1 + i % 25)
        case = CaseFactory(
            municipality=muni,
            department=district["d1"] if i % 2 else d4,
            settlement=district["s1"] if i % 2 else s3,
            block=district["b1"] if i % 2 else b2,
            received_at=t,
            due_at=t + timedelta(days=10),
            status=Status.ANSWERED,
        )
        answer = Answer.objects.create(case=case, text="Ответ по существу.", sent_at=t + timedelta(days=3))
        CaseEvent.objects.create(case=case, at=t + timedelta(hours=5), actor=worker, type="assigned")
        AnswerReview.objects.create(
            case=case, answer=answer, decision="approved", created_at=t + timedelta(days=2)
        )
        Rating.objects.create(
            case=case, satisfied=i % 2 == 0, source="tracking", created_at=t + timedelta(days=4)
        )


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("analytics:ratings", {"group": "department", **Q1}),
        ("analytics:ratings", {"group": "settlement", **Q1}),
        ("analytics:ratings_export", {"group": "block", **Q1}),
        ("department", Q1),
    ],
)
def test_queries_do_not_grow_with_the_cases(
    client,
    district,  # noqa: F811
    name,
    params,
    django_assert_max_num_queries,
):
    client.force_login(district["head"])
    if name == "department":
        url = reverse("analytics:ratings_department", args=[district["d1"].pk])
    else:
        url = reverse(name)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, params).status_code == 200
    assert len(few) <= 20  # the page plus the navigation badges (reviews, notifications)
    add_cases(district, 30)  # 30 more cases with answers, events, reviews and ratings, and new groups
    with django_assert_max_num_queries(len(few)):
        assert client.get(url, params).status_code == 200


def test_formatting():
    assert fmt(None, "share") == "—" and fmt(0.0, "share") == "0,0\u00a0%"
    assert fmt(0.4375, "share") == "43,8\u00a0%"  # half up
    assert fmt(1234, "count") == "1\u00a0234" and fmt(2.25, "days") == "2,3" and fmt(0.125, "rate") == "0,13"
    assert fmt_delta(None, "share") == "" and fmt_delta(0.00001, "share") == "±0"
    assert fmt_delta(-0.6, "share") == "−60,0\u00a0п.\u00a0п." and fmt_delta(1.5, "days") == "+1,5\u00a0дн."
    assert fmt_delta(-3, "count") == "−3" and fmt_delta(2.04, "index") == "+2,0"
