"""The inbox: visibility, filters, morphological search, counts, sorting, paging, bulk assign, saved views."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Case, SavedFilter, Status
from otklik.org.models import Role, Topic
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory, SettlementFactory


@pytest.fixture
def world(db):
    muni = MunicipalityFactory()
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="head").user
    block = BlockFactory(municipality=muni)
    spec = RoleFactory(role=Role.SPECIALIST, municipality=muni, block=block, user__username="spec").user
    settlement = SettlementFactory(municipality=muni, name="Майоровское сельское поселение")
    now = timezone.now()
    water = CaseFactory(
        municipality=muni,
        text="Третий день нет воды в колонках на улице Мира",
        topic=Topic.objects.get(code="housing"),
        settlement=settlement,
        status=Status.REGISTERED,
        due_at=now - timedelta(hours=5),
        kind="appeal",
        channel="paper",
    )
    lights = CaseFactory(
        municipality=muni,
        text="Фонари не горят",
        topic=Topic.objects.get(code="improvement"),
        status=Status.ASSIGNED,
        owner=spec,
        block=block,
        due_at=now + timedelta(days=20),
        kind="message",
        channel="pos",
    )
    closed = CaseFactory(
        municipality=muni, text="Спасибо за дорогу", status=Status.CLOSED, kind="message", channel="web"
    )
    foreign = CaseFactory(municipality=MunicipalityFactory(), text="Чужая вода")
    return {
        "muni": muni,
        "head": head,
        "spec": spec,
        "water": water,
        "lights": lights,
        "closed": closed,
        "foreign": foreign,
    }


def pks(response):
    return [r["case"].pk for r in response.context["rows"]]


def test_only_visible_cases_are_listed(client, world):
    client.force_login(world["head"])
    listed = pks(client.get(reverse("cases:inbox"), {"sort": "-received_at"}))
    assert set(listed) == {world["water"].pk, world["lights"].pk, world["closed"].pk}
    client.force_login(world["spec"])
    assert pks(client.get(reverse("cases:inbox"))) == [world["lights"].pk]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "вода"}, ["water"]),  # «воды» in the text: another form of the word
        ({"q": "колонка мира"}, ["water"]),
        ({"q": "фонарь"}, ["lights"]),
        ({"kind": "appeal"}, ["water"]),
        ({"channel": "pos"}, ["lights"]),
        ({"status": "open"}, ["water", "lights"]),
        ({"status": "closed"}, ["closed"]),
        ({"deadline": "overdue"}, ["water"]),
        ({"deadline": "on_time"}, ["lights"]),
        ({"owner": "none"}, ["water", "closed"]),
        ({"owner": "spec"}, ["lights"]),
    ],
)
def test_filters(client, world, params, expected):
    client.force_login(world["head"])
    response = client.get(reverse("cases:inbox"), params)
    assert sorted(pks(response)) == sorted(world[name].pk for name in expected)


def test_topic_settlement_and_dates(client, world):
    client.force_login(world["head"])
    water = world["water"]
    assert pks(client.get(reverse("cases:inbox"), {"topic": water.topic_id})) == [water.pk]
    assert pks(client.get(reverse("cases:inbox"), {"settlement": water.settlement_id})) == [water.pk]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert pks(client.get(reverse("cases:inbox"), {"date_from": tomorrow})) == []
    bad = client.get(reverse("cases:inbox"), {"date_from": tomorrow, "date_to": "2020-01-01"})
    assert "Конец периода раньше начала." in bad.content.decode()


def test_counts_per_filter_value_and_deadline_badges(client, world):
    client.force_login(world["head"])
    response = client.get(reverse("cases:inbox"), {"kind": "message"})
    facets = {name: {v: n for v, _, n in values} for name, values in response.context["facets"].items()}
    assert facets["kind"] == {
        "appeal": 1,
        "message": 2,
        "incident": 0,
    }  # counts ignore the kind filter itself
    assert facets["deadline"]["overdue"] == 0 and facets["deadline"]["on_time"] == 1
    assert facets["channel"] == {"pos": 1, "web": 1}
    body = client.get(reverse("cases:inbox"), {"sort": "due_at"}).content.decode()
    assert "просрочено на 4 часа" in body or "просрочено на 5 часов" in body
    assert re.search(r"осталось 1[2-6] раб\. дн\.", body)  # 20 calendar days: 12–16 working days


def test_sort_and_pagination(client, world):
    client.force_login(world["head"])
    CaseFactory.create_batch(55, municipality=world["muni"], status=Status.REGISTERED)
    first = client.get(reverse("cases:inbox"), {"sort": "-received_at"})
    assert len(pks(first)) == 50 and first.context["page"].paginator.count == 58
    second = client.get(reverse("cases:inbox"), {"sort": "-received_at", "page": 2})
    assert len(pks(second)) == 8 and not set(pks(first)) & set(pks(second))
    due = pks(client.get(reverse("cases:inbox"), {"sort": "due_at", "status": "open"}))
    assert due[0] == world["water"].pk


def test_inbox_queries_are_bounded(client, world, django_assert_max_num_queries):
    client.force_login(world["head"])
    CaseFactory.create_batch(40, municipality=world["muni"], status=Status.REGISTERED)
    client.get(reverse("cases:inbox"))  # the process's reference caches are built
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cases:inbox"))
    CaseFactory.create_batch(40, municipality=world["muni"], status=Status.REGISTERED)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("cases:inbox"))
    assert len(many) == len(few) <= 24  # constant: filters, counts, nav badges, the personal-data access log


def test_bulk_assign_respects_permissions(client, world):
    client.force_login(world["head"])
    water, closed = world["water"], world["closed"]
    response = client.post(
        reverse("cases:bulk_assign"),
        {"case": [water.pk, closed.pk, world["foreign"].pk], "owner": "spec"},
        follow=True,
    )
    body = response.content.decode()
    water.refresh_from_db()
    assert water.owner == world["spec"] and water.status == Status.ASSIGNED
    assert "Назначено исполнителю" in body and "Не назначены" in body
    assert Case.objects.get(pk=world["foreign"].pk).owner is None
    client.force_login(world["spec"])
    client.post(reverse("cases:bulk_assign"), {"case": [world["lights"].pk], "owner": "head"})
    assert Case.objects.get(pk=world["lights"].pk).owner == world["spec"]


def test_saved_filters(client, world):
    client.force_login(world["head"])
    client.post(reverse("cases:save_filter"), {"name": "Просроченные", "query": "deadline=overdue"})
    saved = SavedFilter.objects.get()
    assert (saved.user, saved.query) == (world["head"], "deadline=overdue")
    body = client.get(reverse("cases:inbox")).content.decode()
    assert 'href="?deadline=overdue">Просроченные</a>' in body
    client.post(reverse("cases:delete_filter", args=[saved.pk]))
    assert not SavedFilter.objects.exists()
    client.force_login(world["spec"])
    assert ">Просроченные</a>" not in client.get(reverse("cases:inbox")).content.decode()


def test_a_region_wide_role_sees_every_municipality(client, world):
    observer = RoleFactory(role=Role.OBSERVER, municipality=None).user
    client.force_login(observer)
    listed = set(pks(client.get(reverse("cases:inbox"))))
    assert {world["water"].pk, world["foreign"].pk} <= listed


def test_topic_and_settlement_options_show_their_counts_and_ratings_filter(client, world):
    from otklik.quality.models import Rating

    client.force_login(world["head"])
    body = client.get(reverse("cases:inbox")).content.decode()
    assert "Майоровское сельское поселение (1)" in body and "Благоустройство (1)" in body
    rating = {"satisfied": False, "score": 2, "source": "tracking", "created_at": timezone.now()}
    Rating.objects.create(case=world["closed"], **rating)
    assert pks(client.get(reverse("cases:inbox"), {"rating": "unsatisfied"})) == [world["closed"].pk]
    assert pks(client.get(reverse("cases:inbox"), {"rating": "satisfied"})) == []
    assert len(pks(client.get(reverse("cases:inbox"), {"rating": "none"}))) == 2


def test_block_and_department_filters(client, world):
    from tests.factories import DepartmentFactory

    client.force_login(world["head"])
    lights = world["lights"]
    dept = DepartmentFactory(municipality=world["muni"], name="Отдел благоустройства")
    Case.objects.filter(pk=world["water"].pk).update(department=dept)
    assert pks(client.get(reverse("cases:inbox"), {"block": lights.block_id})) == [lights.pk]
    assert pks(client.get(reverse("cases:inbox"), {"department": dept.pk})) == [world["water"].pk]
    # another municipality's department is not a valid choice
    foreign = DepartmentFactory(municipality=world["foreign"].municipality)
    page = client.get(reverse("cases:inbox"), {"department": foreign.pk})
    assert "Выберите корректный вариант" in page.content.decode()


def test_the_search_folds_case_as_the_engine_can(db):
    """PostgreSQL's UPPER folds Cyrillic: only case-insensitive LIKEs, which its trigram indexes on
    UPPER(text) and UPPER(title) serve; SQLite folds ASCII only: the capitalised stem is tried too."""
    from otklik.cases.inbox import search_q
    from tests.factories import CaseFactory

    sql = str(Case.objects.filter(search_q("дорога")).query)
    plain = re.findall(r'(?<!UPPER\()"cases_case"\."(?:text|title)"(?:::text)? LIKE', sql)
    if connection.vendor == "postgresql":
        assert not plain and 'UPPER("cases_case"."text"::text) LIKE' in sql
    else:
        assert len(plain) == 4 and "%Доро%" in sql  # the stem as typed and capitalised
    shouting = CaseFactory(text="ДОРОГА разбита у школы")
    capitalised = CaseFactory(text="Дорога разбита")
    CaseFactory(text="Не вывозят мусор")
    found = set(Case.objects.filter(search_q("дорога")))
    expected = {shouting, capitalised} if connection.vendor == "postgresql" else {capitalised}
    assert found == expected
