"""The content plan's pages: the month's calendar, a post's form and actions (the head approves, others
cannot), the XLSX export of a period, and the scope."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from otklik.org.models import Role
from otklik.problems.models import Problem
from otklik.publications.models import Post
from tests.factories import MunicipalityFactory, topic
from tests.publications.helpers import page, post, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client, municipality):
    user = staff(municipality, Role.INCIDENT_OFFICER)
    client.force_login(user)
    return user


def test_only_the_plans_staff_get_in(client, municipality):
    assert client.get("/publications/").status_code == 302
    client.force_login(staff(municipality, Role.SPECIALIST))
    assert client.get("/publications/").status_code == 403


def test_the_month_shows_its_posts_in_the_calendar_and_the_list(client, municipality, officer):
    when = timezone.localtime(timezone.now() + timedelta(hours=1), municipality.tz)
    p = post(municipality, officer, when=when)
    response = client.get("/publications/", {"month": f"{when:%Y-%m}"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(f'href="/publications/{p.pk}/"') == 2  # the calendar and the list
    assert 'href="/publications/"' in html and "Публикации" in html  # the staff navigation
    empty = client.get("/publications/", {"month": "2001-01"}).content.decode()
    assert "В этом месяце публикаций нет" in empty


def test_an_officer_writes_a_post_linked_to_a_problem(client, municipality, officer):
    vk = page(municipality)
    problem = Problem.objects.create(municipality=municipality, title="Яма на ул. Ленина", status="confirmed")
    when = (timezone.localtime(timezone.now(), municipality.tz) + timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = client.post(
        "/publications/new/",
        {
            "title": "Ремонт ямы",
            "text": "Яму на ул. Ленина заделают до пятницы.",
            "page": vk.pk,
            "planned_at": when,
            "topic": topic("roads").pk,
            "problem": problem.pk,
        },
    )
    p = Post.objects.get()
    assert response["Location"] == f"/publications/{p.pk}/"
    assert (p.status, p.problem, p.topic.code, p.created_by) == ("draft", problem, "roads", officer)
    html = client.get(f"/publications/{p.pk}/").content.decode()
    assert "Яма на ул. Ленина" in html and "Отправить на согласование" in html


def test_the_head_approves_from_the_page_and_the_officer_cannot(client, municipality, officer):
    p = post(municipality, officer)
    client.post(f"/publications/{p.pk}/submit/")
    refused = client.post(f"/publications/{p.pk}/approve/", follow=True)
    assert "только руководитель МЦУ" in refused.content.decode()
    assert "Согласовать</button>" not in client.get(f"/publications/{p.pk}/").content.decode()
    p.refresh_from_db()
    assert p.status == "planned"
    client.force_login(staff(municipality, Role.HEAD))
    assert "Согласовать</button>" in client.get(f"/publications/{p.pk}/").content.decode()
    client.post(f"/publications/{p.pk}/approve/")
    p.refresh_from_db()
    assert p.status == "approved"
    client.post(f"/publications/{p.pk}/published/", {"url": "https://vk.com/wall-1_99"})
    p.refresh_from_db()
    assert (p.status, p.published_url) == ("published", "https://vk.com/wall-1_99")
    history = client.get(f"/publications/{p.pk}/").content.decode()
    for step in ("создана", "отправлена на согласование", "согласована", "опубликована"):
        assert step in history


def test_the_plan_of_a_period_exports_to_xlsx(client, municipality, officer):
    now = timezone.localtime(timezone.now(), municipality.tz)
    inside = post(municipality, officer, when=now + timedelta(days=1), title="Внутри периода")
    post(municipality, officer, when=now + timedelta(days=40), title="Позже")
    response = client.get(
        "/publications/export.xlsx",
        {"date_from": f"{now:%Y-%m-%d}", "date_to": f"{now + timedelta(days=7):%Y-%m-%d}"},
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[2][:6] == ("Дата и время", "Официальная страница", "Тема", "Заголовок", "Текст", "Состояние")
    assert [r[3] for r in rows[3:]] == ["Внутри периода"]
    assert rows[3][5] == "черновик" and rows[3][1] == str(inside.page)
    bad = client.get(
        "/publications/export.xlsx", {"date_from": "2026-05-01", "date_to": "2026-04-01"}, follow=True
    )
    assert "Конец периода раньше начала" in bad.content.decode()


def test_another_municipalitys_posts_are_invisible(client, municipality, officer):
    foreign = post(MunicipalityFactory(), when=timezone.now() + timedelta(hours=2))
    assert client.get(f"/publications/{foreign.pk}/").status_code == 404
    assert client.post(f"/publications/{foreign.pk}/submit/").status_code == 404
    assert foreign.title not in client.get("/publications/").content.decode()
