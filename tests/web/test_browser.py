"""Pages in a real browser: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.org.models import Role
from tests.factories import CaseFactory, RoleFactory

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_head_logs_in_and_sees_what_waits(live_server, browser, screenshots_dir):
    role = RoleFactory(
        role=Role.HEAD, user__username="bykova", user__first_name="Анна", user__patronymic="Валерьевна"
    )
    CaseFactory(
        municipality=role.municipality,
        registration_number="ОГ-26-00042",
        received_at=timezone.now() - timedelta(days=40),
        due_at=timezone.now() - timedelta(days=3),
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")
    page.screenshot(path=str(screenshots_dir / "login.png"), full_page=True)

    page.get_by_label("Имя пользователя").fill("bykova")
    page.get_by_label("Пароль").fill("wrong-password")
    page.get_by_role("button", name="Войти").click()
    assert "Неверное имя пользователя или пароль" in page.get_by_role("alert").inner_text()

    page.get_by_label("Пароль").fill("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Здравствуйте, Анна Валерьевна!"
    assert "ОГ-26-00042" in page.locator("table.cases").inner_text()
    overdue = page.locator(".counter.tone-danger .value").first.inner_text()
    assert overdue == "1"
    page.screenshot(path=str(screenshots_dir / "home-head-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "home-head-phone.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_keyboard_alone_logs_in_and_reaches_the_skip_link(live_server, browser):
    RoleFactory(role=Role.ANALYST, user__username="analyst")
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.keyboard.type("analyst")  # the username field has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Перейти к содержанию"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
