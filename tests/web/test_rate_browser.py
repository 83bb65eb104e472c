"""A resident in a real browser: opens the link from the survey e-mail, rates the answer, is thanked; a
second attempt from another tab is refused with a clear message. Screenshots (phone 390 px and desktop
1280 px) go to var/screenshots/rate-*.png."""

from __future__ import annotations

import re
import secrets

import pytest
from django.core import mail

from otklik.cases.deadline_engine import sync_default_rules
from otklik.cases.models import Case, Status
from otklik.cases.services import answer_case, close_case
from otklik.org.models import Role
from otklik.org.services import sync_topics
from otklik.quality.models import Rating, SatisfactionSurvey
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory

pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ANSWER = (
    "Контейнерную площадку у дома № 12 по ул. Ленина вывезли 20 ноября. С декабря вывоз — по вторникам "
    "и пятницам; подрядчику выставлено требование убирать площадку после каждого вывоза."
)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.django_db(transaction=True)
def test_resident_rates_the_answer_from_the_e_mailed_link(live_server, browser, screenshots_dir, settings):
    # A transactional test empties the tables, the migrations' reference data included: put it back.
    sync_topics()
    sync_default_rules()
    settings.OTKLIK_BASE_URL = live_server.url
    muni = MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="bykova").user
    case = CaseFactory(
        municipality=muni,
        kind="message",
        channel="api",
        author_name="Петров Иван Сергеевич",
        author_email="ivan@example.ru",
        tracking_token=secrets.token_urlsafe(18),
        registration_number="ПОС-26-00042",
        status=Status.IN_PROGRESS,
        owner=head,
        text="Не вывозят мусор с контейнерной площадки у дома № 12 по ул. Ленина уже неделю.",
    )
    answer_case(case.pk, ANSWER, actor=head)
    close_case(case.pk, actor=head)  # the survey is opened and e-mailed once the closing commits

    letter = next(m for m in mail.outbox if m.subject.startswith("Оцените ответ"))
    assert letter.to == ["ivan@example.ru"]
    link = re.search(r"https?://\S+/rate/\S+/", letter.body).group(0)
    assert link == f"{live_server.url}/rate/{SatisfactionSurvey.objects.get().token}/"
    shot = lambda page, name: page.screenshot(path=str(screenshots_dir / name), full_page=True)  # noqa: E731

    phone = browser.new_page(viewport=PHONE, locale="ru-RU")
    desktop = browser.new_page(viewport=DESKTOP, locale="ru-RU")
    desktop.goto(link)  # a second tab, opened before the rating is sent
    shot(desktop, "rate-form-desktop.png")
    phone.goto(link)
    main = phone.locator("main").inner_text()
    assert "ПОС-26-00042" in main and "вывезли 20 ноября" in main and "Оцените ответ" in main
    assert fits_the_screen(phone)

    phone.get_by_label("Нет, не устраивает").check()
    phone.get_by_label("2", exact=True).check()
    phone.get_by_label("Комментарий").fill("Площадку вывезли, но через два дня снова завалена.")
    shot(phone, "rate-form-phone.png")
    phone.get_by_role("button", name="Отправить оценку").click()
    phone.wait_for_url(f"{link}?done=1")
    thanks = phone.get_by_role("status").filter(has_text="Спасибо").inner_text()
    assert "Спасибо, ваша оценка учтена" in thanks and "оценка 2 из 5" in thanks
    assert "рассмотрено повторно" in thanks
    assert fits_the_screen(phone)
    shot(phone, "rate-thanks-phone.png")
    rating = Rating.objects.get()
    assert (rating.satisfied, rating.score, rating.source) == (False, 2, "email")
    assert Case.objects.get(pk=case.pk).status == Status.REOPENED  # a ПОС-kind message, reopened by the rules

    desktop.get_by_label("Да, устраивает").check()
    desktop.get_by_role("button", name="Отправить оценку").click()
    alert = desktop.get_by_role("alert")
    assert (
        alert.inner_text().strip()
        == "Эта оценка не принята: ответ уже оценён, а оценить его можно только один раз."
    )
    assert "Учтена оценка, отправленная раньше" in desktop.locator("main").inner_text()
    assert "Оцените ответ" not in desktop.locator("main").inner_text()
    shot(desktop, "rate-refused-desktop.png")
    assert Rating.objects.count() == 1

    phone.goto(link)
    assert "Этот ответ уже оценён" in phone.locator("main").inner_text()
    shot(phone, "rate-again-phone.png")
    phone.goto(f"{live_server.url}/rate/no-such-link/")
    assert "Ссылка для оценки не найдена" in phone.locator("main").inner_text()
    assert fits_the_screen(phone)
    shot(phone, "rate-not-found-phone.png")
