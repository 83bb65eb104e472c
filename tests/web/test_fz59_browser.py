"""The 59-ФЗ registration form in a real browser: a clerk registers a collective paper appeal."""

from __future__ import annotations

import pytest

from otklik.cases.deadline_engine import sync_default_rules
from otklik.cases.models import Case
from otklik.org.models import Role
from otklik.org.services import sync_topics
from tests.factories import MunicipalityFactory, RoleFactory, SettlementFactory

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_clerk_registers_a_collective_appeal(live_server, browser, screenshots_dir):
    sync_topics()
    sync_default_rules()
    muni = MunicipalityFactory(code="kot", name="Котельниковский муниципальный район")
    SettlementFactory(municipality=muni, name="Котельниковское городское поселение")
    RoleFactory(role=Role.REGISTRAR, municipality=muni, user__username="gordeeva")

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Имя пользователя").fill("gordeeva")
    page.get_by_label("Пароль").fill("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Регистрация обращения").click()
    page.wait_for_url(f"{live_server.url}/appeals/new/")

    page.get_by_label("Фамилия").fill("Петров")
    page.get_by_label("Имя", exact=True).fill("Иван")
    page.get_by_role("button", name="Зарегистрировать").click()
    assert "Укажите почтовый адрес или адрес эл. почты" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshots_dir / "fz59-errors.png"), full_page=True)

    assert page.get_by_label("Фамилия").input_value() == "Петров"
    page.get_by_label("Почтовый адрес для ответа").fill("404354, г. Котельниково, ул. Ленина, д. 5, кв. 12")
    page.get_by_label("Текст обращения").fill("Просим отремонтировать дорогу по улице Ленина: ямы до 20 см.")
    page.get_by_label("Тематика").select_option(label="Дороги — в целом")
    page.get_by_label("Поселение").select_option(label="Котельниковское городское поселение")
    page.get_by_label("Соавторы коллективного обращения").fill("Иванова Анна Петровна; ул. Ленина, 7")
    page.get_by_label("Вложения").set_input_files(
        files=[{"name": "скан.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF"}]
    )
    page.screenshot(path=str(screenshots_dir / "fz59-form.png"), full_page=True)
    page.get_by_role("button", name="Зарегистрировать").click()
    page.wait_for_url(f"{live_server.url}/cases/*/")

    case = Case.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == case.registration_number
    assert "Обращение зарегистрировано" in page.get_by_role("status").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Уведомление о регистрации (DOCX)").click()
    assert download.value.suggested_filename.endswith(".docx")
    page.screenshot(path=str(screenshots_dir / "fz59-registered.png"), full_page=True)

    page.goto(f"{live_server.url}/appeals/new/")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "fz59-phone.png"), full_page=True)
