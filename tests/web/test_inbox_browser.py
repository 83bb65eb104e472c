"""The inbox in a real browser: the head filters by deadline state and searches a word in another form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.cases.deadline_engine import sync_default_rules
from otklik.cases.models import Status
from otklik.org.models import Role, Topic
from otklik.org.services import sync_topics
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory, SettlementFactory

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_head_filters_the_inbox(live_server, browser, screenshots_dir):
    sync_topics()
    sync_default_rules()
    muni = MunicipalityFactory(code="kot", name="Котельниковский муниципальный район")
    settlement = SettlementFactory(municipality=muni, name="Котельниковское городское поселение")
    RoleFactory(role=Role.HEAD, municipality=muni, user__username="bykova")
    now = timezone.now()
    texts = [
        ("Третий день нет воды в колонках на улице Мира", "housing", -1),
        ("Не горят фонари на улице Ленина", "improvement", 12),
        ("Яма на дороге у школы", "roads", 3),
        ("Мусор не вывозят неделю", "waste", -3),
    ]
    for i in range(24):
        text, topic, days = texts[i % 4]
        CaseFactory(
            municipality=muni,
            settlement=settlement,
            text=f"{text} (№ {i})",
            topic=Topic.objects.get(code=topic),
            status=Status.REGISTERED,
            received_at=now - timedelta(days=10),
            due_at=now + timedelta(days=days, hours=i),
        )
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Имя пользователя").fill("bykova")
    page.get_by_label("Пароль").fill("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Обращения").first.click()
    page.wait_for_url(f"{live_server.url}/cases/")
    assert page.locator("table.cases tbody tr").count() == 24
    page.get_by_label("Срок", exact=True).select_option("overdue")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/cases/?*deadline=overdue*")
    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 12
    assert "просрочено" in rows.first.inner_text()
    page.get_by_label("Поиск по тексту").fill("вода")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/cases/?*q=*")
    assert page.locator("table.cases tbody tr").count() == 6
    page.screenshot(path=str(screenshots_dir / "inbox-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "inbox-phone.png"), full_page=True)
