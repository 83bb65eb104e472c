"""Answer review in a real browser: a specialist's answer waits; the block owner sees the warnings,
returns it with a reason, then approves the corrected answer with the checklist."""

from __future__ import annotations

import pytest

from otklik.cases.models import Answer, Status
from otklik.org.models import Role
from otklik.quality.models import AnswerReview
from tests.factories import RoleFactory
from tests.web.test_case_browser import routed_case

pytestmark = [pytest.mark.browser]

FORMAL = (
    "Ваше обращение рассмотрено. Информация принята к сведению и будет рассмотрена в установленном порядке."
)
GOOD = (
    "Бригада МУП «Теплосеть» 12.12.2026 заменила участок трубы отопления в подвале дома по ул. Ленина, 5. "
    "Температура в квартирах восстановлена. Ответственный — мастер участка Кузнецов А. П."
)


def login(page, url, username):
    page.goto(f"{url}/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


@pytest.mark.django_db(transaction=True)
def test_block_owner_returns_then_approves_an_answer(live_server, browser, screenshots_dir):
    case = routed_case("reviewee")
    block = case.block
    block.answer_review_required = True
    block.save()
    RoleFactory(role=Role.BLOCK_OWNER, municipality=case.municipality, block=block, user__username="owner")

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    login(page, live_server.url, "reviewee")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator("li.action-answer")
    form.locator("summary").click()
    page.get_by_label("Ответ по существу").fill(FORMAL)
    form.get_by_role("button", name="Ответить").click()
    assert "передан на проверку" in page.get_by_role("status").inner_text()
    assert "в работе" in page.locator(".case-head .status").inner_text()
    assert page.locator("li.action-answer").count() == 0
    page.context.clear_cookies()

    login(page, live_server.url, "owner")
    nav = page.get_by_role("link", name="Проверка ответов")
    assert "1" in nav.inner_text()
    nav.click()
    page.get_by_role("link", name="Проверить").first.click()
    warnings = page.locator(".warning-list li")
    assert warnings.count() >= 4
    page.screenshot(path=str(screenshots_dir / "review-answer.png"), full_page=True)
    page.get_by_label("Тон вежливый и уважительный").check()
    page.get_by_label("Что исправить").fill("Нет конкретных мер, срока и ответственного. Перепишите ответ.")
    page.get_by_role("button", name="Вернуть на доработку").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert "возвращён исполнителю" in page.get_by_role("status").inner_text()
    assert "Перепишите ответ" in page.locator(".case-answers").inner_text()
    page.context.clear_cookies()

    login(page, live_server.url, "reviewee")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator("li.action-answer")
    form.locator("summary").click()
    page.get_by_label("Ответ по существу").fill(GOOD)
    form.get_by_role("button", name="Ответить").click()
    page.context.clear_cookies()

    login(page, live_server.url, "owner")
    second = Answer.objects.get(case=case, review_state=Answer.Review.PENDING)
    page.goto(f"{live_server.url}/review/{second.pk}/")
    assert "Признаков отписки не найдено" in page.locator(".warnings").inner_text()
    page.get_by_role("button", name="Одобрить и отправить автору").click()
    assert "не отмечены пункты" in page.get_by_role("alert").inner_text()
    for box in page.locator("fieldset input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="Одобрить и отправить автору").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert "дан ответ" in page.locator(".case-head .status").inner_text()
    page.screenshot(path=str(screenshots_dir / "review-case.png"), full_page=True)
    case.refresh_from_db()
    assert case.status == Status.ANSWERED
    assert list(AnswerReview.objects.filter(case=case).values_list("decision", flat=True)) == [
        "rejected",
        "approved",
    ]

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/review/{second.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "review-phone.png"), full_page=True)
