"""A resident in a real browser: sends an appeal with a photo, follows it, reads the answer and rates it.
Screenshots (phone 390 px and desktop 1280 px) go to var/screenshots/webform-*.png."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from otklik.cases.deadline_engine import sync_default_rules
from otklik.cases.models import Case
from otklik.cases.services import answer_case
from otklik.org.services import sync_topics
from otklik.quality.models import Rating
from tests.factories import MunicipalityFactory, SettlementFactory, UserFactory

pytestmark = [pytest.mark.browser]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.django_db(transaction=True)
def test_resident_reports_follows_and_rates(live_server, browser, screenshots_dir, settings, tmp_path):
    # A transactional test empties the tables, the migrations' reference data included: put it back.
    sync_topics()
    sync_default_rules()
    settings.MEDIA_ROOT = tmp_path
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kotelnikovo"
    settings.OTKLIK_BASE_URL = live_server.url
    muni = MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")
    SettlementFactory(municipality=muni, name="Котельниковское городское поселение")
    SettlementFactory(municipality=muni, name="Майоровское сельское поселение")
    shot = lambda page, name: page.screenshot(path=str(screenshots_dir / name), full_page=True)  # noqa: E731

    phone = browser.new_page(viewport=PHONE, locale="ru-RU")
    desktop = browser.new_page(viewport=DESKTOP, locale="ru-RU")
    desktop.goto(f"{live_server.url}/report/")
    shot(desktop, "webform-form-desktop.png")
    phone.goto(f"{live_server.url}/report/")
    assert fits_the_screen(phone)
    shot(phone, "webform-form-phone.png")

    phone.get_by_label("Опишите проблему").fill("Не горят фонари на улице Ленина, вечером очень темно.")
    phone.get_by_label("Тема").select_option(label="Благоустройство")
    phone.get_by_label("Поселение").select_option(label="Котельниковское городское поселение")
    phone.get_by_label("Адрес или ориентир").fill("ул. Ленина, 12")
    photo = {"name": "фонарь.png", "mimeType": "image/png", "buffer": PNG}
    phone.get_by_label("Фотографии").set_input_files(files=[photo])
    phone.get_by_label("Фамилия, имя, отчество").fill("Петров Иван Сергеевич")
    phone.get_by_label("Электронная почта").fill("ivan@example.ru")
    phone.get_by_role("button", name="Отправить обращение").click()
    summary = phone.get_by_role("alert").first
    assert "дайте согласие" in summary.inner_text()
    assert phone.evaluate("document.activeElement.id") == "errors"  # the summary takes the focus
    assert phone.get_by_label("Адрес или ориентир").input_value() == "ул. Ленина, 12"
    assert fits_the_screen(phone)
    shot(phone, "webform-error-phone.png")

    phone.get_by_role("link", name="Чтобы указать контакты").click()  # the summary links to the field
    phone.get_by_label("Фотографии").set_input_files(files=[photo])
    phone.get_by_label("Согласен(на)").check()
    phone.get_by_role("button", name="Отправить обращение").click()
    phone.wait_for_url(f"{live_server.url}/report/done/*/")
    case = Case.objects.get()
    assert case.registration_number in phone.locator("main").inner_text()
    assert f"/track/{case.tracking_token}/" in phone.locator("main").inner_text()
    assert case.attachments.get().name == "фонарь.png"
    assert fits_the_screen(phone)
    shot(phone, "webform-done-phone.png")
    desktop.goto(phone.url)
    shot(desktop, "webform-done-desktop.png")

    answer_case(
        case.pk,
        "Фонари на улице Ленина заменены 20 ноября, освещение работает. Спасибо за сообщение!",
        actor=UserFactory(last_name="Сидоров"),
        attachments=[SimpleUploadedFile("акт-замены.pdf", b"%PDF-1.4 act", content_type="application/pdf")],
    )
    phone.get_by_role("link", name="Открыть страницу обращения").click()
    phone.wait_for_url(f"{live_server.url}/track/{case.tracking_token}/")
    main = phone.locator("main").inner_text()
    assert "Дан ответ" in main and "Фонари на улице Ленина заменены" in main and "акт-замены.pdf" in main
    assert "Сидоров" not in main
    with phone.expect_download() as download:
        phone.get_by_role("link", name="акт-замены.pdf").click()
    assert download.value.suggested_filename == "акт-замены.pdf"
    desktop.goto(phone.url)
    shot(desktop, "webform-track-desktop.png")

    phone.get_by_label("Да, устраивает").check()
    phone.get_by_label("5", exact=True).check()
    phone.get_by_label("Комментарий").fill("Спасибо, быстро!")
    assert fits_the_screen(phone)
    shot(phone, "webform-track-phone.png")
    phone.get_by_role("button", name="Отправить оценку").click()
    phone.wait_for_url(f"{live_server.url}/track/{case.tracking_token}/")
    assert "Спасибо, ваша оценка учтена" in phone.locator("main").inner_text()
    assert (Rating.objects.get().satisfied, Rating.objects.get().score) == (True, 5)
    shot(phone, "webform-rated-phone.png")
    desktop.reload()
    shot(desktop, "webform-rated-desktop.png")

    # An anonymous appeal over the limit: the 429 page keeps what was typed.
    settings.OTKLIK_WEBFORM_PER_HOUR = 1
    desktop.goto(f"{live_server.url}/report/")
    desktop.get_by_label("Опишите проблему").fill("Яма на дороге у школы № 2, машины объезжают по тротуару.")
    desktop.get_by_role("button", name="Отправить обращение").click()
    assert "Слишком много обращений" in desktop.get_by_role("alert").inner_text()
    assert "Яма на дороге" in desktop.get_by_label("Опишите проблему").input_value()
    shot(desktop, "webform-limit-desktop.png")
    assert Case.objects.count() == 1
