"""The dashboard figures, computed by hand on a small district, and the page behind them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from otklik.analytics.selectors import dashboard
from otklik.cases.models import Answer, Status
from otklik.org.models import Role, Topic
from otklik.quality.models import Rating
from otklik.territory.geometry import voronoi_polygons
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory, SettlementFactory


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def district(db):
    muni = MunicipalityFactory(code="kot", population=3000, centre=point(43.14, 47.63))
    town = SettlementFactory(municipality=muni, name="Город", population=2000, centre=point(43.14, 47.63))
    village = SettlementFactory(municipality=muni, name="Село", population=1000, centre=point(42.9, 47.8))
    head = RoleFactory(role=Role.HEAD, municipality=muni).user
    housing, roads = Topic.objects.get(code="housing"), Topic.objects.get(code="roads")
    now = timezone.now()
    day = timedelta(days=1)
    # In the period (the last 30 days): town 4 housing + 1 roads, village 1 roads.
    made = []
    for i in range(4):
        made.append(
            CaseFactory(municipality=muni, settlement=town, topic=housing, received_at=now - (i + 1) * day)
        )
    made.append(CaseFactory(municipality=muni, settlement=town, topic=roads, received_at=now - 2 * day))
    made.append(CaseFactory(municipality=muni, settlement=village, topic=roads, received_at=now - 3 * day))
    # Before the period: 1 town housing.
    CaseFactory(municipality=muni, settlement=town, topic=housing, received_at=now - 45 * day)
    # Two answered: one on time (2 days), one late (4 days).
    for case, days, due in ((made[0], 2, 3), (made[1], 4, 3)):
        case.status = Status.ANSWERED
        case.registered_at = case.received_at
        case.answered_at = case.received_at + days * day
        case.due_at = case.received_at + due * day
        case.save()
        answer = Answer.objects.create(case=case, text="Ответ", sent_at=case.answered_at)
    Rating.objects.create(case=made[0], satisfied=True, score=5, source="tracking", created_at=now)
    Rating.objects.create(
        case=made[1], answer=answer, satisfied=False, score=2, source="tracking", created_at=now
    )
    return {"muni": muni, "town": town, "village": village, "head": head, "housing": housing}


def test_figures_by_hand(district):
    today = timezone.localdate()
    board = dashboard(
        district["head"],
        municipality=district["muni"],
        topic=None,
        start=today - timedelta(days=29),
        end=today,
        tz=district["muni"].tz,
    )
    areas = {a.name: (a.count, a.per_1000) for a in board.areas}
    assert areas == {"Город": (5, 2.5), "Село": (1, 1.0)}
    assert board.kpi["total"] == 6 and board.kpi["answered"] == 2
    assert board.kpi["on_time_share"] == 50.0 and board.kpi["avg_answer_days"] == 3.0
    assert board.kpi["satisfied_share"] == 50.0 and board.kpi["ratings"] == 2
    town_row = next(r for r in board.matrix if r["area"].name == "Город")
    by_topic = {t.code: c["n"] for t, c in zip(board.matrix_topics, town_row["cells"], strict=True)}
    assert by_topic["housing"] == 4 and by_topic["roads"] == 1 and by_topic["waste"] == 0
    assert [g["topic"] for g in board.growing] == ["Жилищно-коммунальное хозяйство"]
    assert (board.growing[0]["now"], board.growing[0]["before"]) == (4, 1)  # the 45-day-old one
    assert sum(n for _, n in board.trend) == 6
    assert {f["properties"]["name"] for f in board.geojson["features"]} == {"Город", "Село"}


def test_topic_filter_and_empty_period(district):
    board = dashboard(
        district["head"],
        municipality=district["muni"],
        topic=district["housing"],
        start=date(2020, 1, 1),
        end=date(2020, 3, 31),
        tz=district["muni"].tz,
    )
    assert all(a.count == 0 for a in board.areas)
    assert board.kpi["on_time_share"] is None and board.kpi["satisfied_share"] is None and board.growing == []


def test_region_level_drills_down(client, district):
    other = MunicipalityFactory(code="oth", name="Другой район", population=1000, centre=point(44.0, 48.0))
    CaseFactory(municipality=other)
    curator = RoleFactory(role=Role.CURATOR, municipality=None).user
    client.force_login(curator)
    body = client.get(reverse("analytics:dashboard")).content.decode()
    assert "Тепловая карта: регион" in body and "?mo=kot" in body and "Другой район" in body
    drilled = client.get(reverse("analytics:dashboard"), {"mo": "kot"}).content.decode()
    assert "Город" in drilled and "← весь регион" in drilled


def test_every_figure_links_to_its_cases(client, district):
    client.force_login(district["head"])
    body = client.get(reverse("analytics:dashboard")).content.decode()
    assert f"settlement={district['town'].pk}" in body and f"topic={district['housing'].pk}" in body
    assert "status=open" in body and "rating=satisfied" in body and "deadline=none" in body
    # The link's filters give the same number in the inbox.
    today = timezone.localdate()
    inbox = client.get(
        reverse("cases:inbox"),
        {
            "settlement": district["town"].pk,
            "topic": district["housing"].pk,
            "date_from": (today - timedelta(days=89)).isoformat(),
            "date_to": today.isoformat(),
        },
    )
    assert inbox.context["page"].paginator.count == 5  # 4 in the last 30 days and 1 at 45 days


def test_dashboard_queries_are_bounded(client, district):
    client.force_login(district["head"])
    client.get(reverse("analytics:dashboard"))  # the process's reference caches are built
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("analytics:dashboard"))
    CaseFactory.create_batch(30, municipality=district["muni"], settlement=district["village"])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("analytics:dashboard"))
    assert len(many) == len(few) <= 25


def test_schematic_cells_cover_every_centre():
    cells = voronoi_polygons({"a": (43.1, 47.6), "b": (42.9, 47.8), "c": (43.4, 47.5)})
    assert set(cells) == {"a", "b", "c"}
    for cell in cells.values():
        ring = cell["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
