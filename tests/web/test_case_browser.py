"""The case page in a real browser: a specialist takes a case from the home page and answers it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.cases import services
from otklik.cases.deadline_engine import sync_default_rules
from otklik.cases.models import Kind, RoutingRule, Status
from otklik.org.models import Role, Topic
from otklik.org.services import sync_topics
from tests.factories import (
    BlockFactory,
    CaseFactory,
    DepartmentFactory,
    MunicipalityFactory,
    RoleFactory,
    SettlementFactory,
)

ANSWER = "Бригада заменила участок трубы, отопление в доме по ул. Ленина, 5 восстановлено."

pytestmark = [pytest.mark.browser]


def routed_case(specialist_username: str = "sidorov"):
    """A registered appeal that the routing rules gave to a specialist of the housing block."""
    # A transactional test empties the tables, the migrations' reference data included: put it back.
    sync_topics()
    sync_default_rules()
    muni = MunicipalityFactory(code="kot", name="Котельниковский муниципальный район")
    dept = DepartmentFactory(municipality=muni, name="Отдел ЖКХ")
    block = BlockFactory(municipality=muni, name="ЖКХ", department=dept)
    housing = Topic.objects.get(code="housing")
    block.topics.add(housing)
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="bykova").user
    specialist = RoleFactory(
        role=Role.SPECIALIST,
        municipality=muni,
        block=block,
        user__username=specialist_username,
        user__last_name="Сидоров",
        user__first_name="Пётр",
        user__patronymic="Ильич",
    ).user
    RoutingRule.objects.create(municipality=muni, topic=housing, block=block, specialist=specialist)
    received = CaseFactory(
        municipality=muni,
        kind=Kind.APPEAL,
        channel="web",
        status=Status.RECEIVED,
        topic=housing,
        subtopic=Topic.objects.get(code="housing.heating"),
        settlement=SettlementFactory(municipality=muni, name="Котельниковское городское поселение"),
        received_at=timezone.now() - timedelta(hours=5),
        due_at=None,
        title="Холодные батареи в квартире",
        text=(
            "Третью неделю в квартире не греют батареи, температура в комнатах 14 градусов. "
            "Управляющая компания на звонки не отвечает. Прошу принять меры."
        ),
        author_name="Петров Иван Сергеевич",
        author_email="petrov@example.ru",
        author_phone="+7 900 123-45-67",
        author_address="г. Котельниково, ул. Ленина, д. 5, кв. 3",
        address="г. Котельниково, ул. Ленина, д. 5",
        external_url="https://example.ru/appeals/1",
    )
    case = services.register_case(received.pk, actor=head)
    return case


@pytest.mark.django_db(transaction=True)
def test_specialist_takes_and_answers_a_case(live_server, browser, screenshots_dir):
    case = routed_case()
    assert case.status == Status.ASSIGNED

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Имя пользователя").fill("sidorov")
    page.get_by_label("Пароль").fill("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name=case.registration_number).click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == case.registration_number
    assert "назначено исполнителю" in page.locator(".case-head .status").inner_text()

    page.get_by_role("button", name="Взять в работу").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert "Взято в работу" in page.get_by_role("status").inner_text()
    assert "в работе" in page.locator(".case-head .status").inner_text()

    answer = page.locator("li.action-answer")
    answer.locator("summary").click()
    page.get_by_label("Ответ по существу").fill(ANSWER)
    answer.get_by_role("button", name="Ответить").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")

    assert "Ответ сохранён" in page.get_by_role("status").inner_text()
    assert "дан ответ" in page.locator(".case-head .status").inner_text()
    timeline = page.locator("ol.timeline")
    assert "ответ" in timeline.locator("li").last.locator(".event-type").inner_text()
    assert "отопление в доме" in timeline.locator("li").last.inner_text()
    assert "Сидоров Пётр Ильич" in timeline.locator("li").last.inner_text()
    page.screenshot(path=str(screenshots_dir / "case-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "case-phone.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_case_actions_work_with_the_keyboard_alone(live_server, browser):
    case = routed_case("keyboard")
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page.goto(f"{live_server.url}/login/")
    page.keyboard.type("keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/cases/{case.pk}/")

    def tab_to(text: str) -> None:
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == text:
                return
        raise AssertionError(f"«{text}» is not reachable with Tab")

    tab_to("Ответить")  # the <summary> of the answer form
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "answer-text"
    page.keyboard.type(ANSWER)
    tab_to("Ответить")  # the submit button
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert "дан ответ" in page.locator(".case-head .status").inner_text()
