"""A resident in a real browser: sends a message with a photo, follows it, reads the answer and rates it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from otklik.cases.deadline_engine import sync_default_rules
from otklik.cases.models import Answer, Case, Status
from otklik.org.services import sync_topics
from otklik.quality.models import Rating
from tests.factories import MunicipalityFactory, SettlementFactory
from tests.web.test_case_browser import browser  # noqa: F401 — the shared browser fixture

pytestmark = [pytest.mark.browser]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.django_db(transaction=True)
def test_resident_reports_follows_and_rates(live_server, browser, screenshots_dir, settings):  # noqa: F811
    sync_topics()
    sync_default_rules()
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kotelnikovo"
    muni = MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")
    SettlementFactory(municipality=muni, name="Котельниковское городское поселение")

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page.goto(f"{live_server.url}/report/")
    page.get_by_label("Опишите проблему").fill("Не горят фонари на улице Ленина, вечером очень темно.")
    page.get_by_label("Тема").select_option(label="Благоустройство")
    page.get_by_label("Поселение").select_option(label="Котельниковское городское поселение")
    page.get_by_label("Адрес или ориентир").fill("ул. Ленина, 12")
    page.get_by_label("Фотографии").set_input_files(
        files=[{"name": "фонарь.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_label("Ваше имя").fill("Иван")
    page.get_by_role("button", name="Отправить сообщение").click()
    assert "дайте согласие" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshots_dir / "webform-error-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Фотографии").set_input_files(
        files=[{"name": "фонарь.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_label("Согласен(на)").check()
    page.get_by_role("button", name="Отправить сообщение").click()
    page.wait_for_url(f"{live_server.url}/report/done/*/")
    case = Case.objects.get()
    assert case.registration_number in page.locator("main").inner_text()
    page.screenshot(path=str(screenshots_dir / "webform-done-phone.png"), full_page=True)

    Answer.objects.create(
        case=case, text="Фонари заменены 20 ноября, освещение работает.", sent_at=timezone.now()
    )
    Case.objects.filter(pk=case.pk).update(status=Status.ANSWERED)
    page.get_by_role("link", name="Открыть страницу сообщения").click()
    page.wait_for_url(f"{live_server.url}/track/{case.tracking_token}/")
    assert "Фонари заменены" in page.locator("main").inner_text()
    page.get_by_label("Да, устраивает").check()
    page.get_by_label("5", exact=True).check()
    page.get_by_label("Комментарий").fill("Спасибо, быстро!")
    page.screenshot(path=str(screenshots_dir / "webform-track-phone.png"), full_page=True)
    page.get_by_role("button", name="Отправить оценку").click()
    page.wait_for_url(f"{live_server.url}/track/{case.tracking_token}/")
    assert "Спасибо, ваша оценка учтена" in page.locator("main").inner_text()
    assert Rating.objects.get().score == 5

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/report/")
    page.screenshot(path=str(screenshots_dir / "webform-1280.png"), full_page=True)
