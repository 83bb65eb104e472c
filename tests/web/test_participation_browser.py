"""Participation in a real browser: a resident confirms an e-mail with the code and votes once — the same
resident's second vote, from another browser with the address written differently, is refused with a
clear message; a moderator publishes one comment and rejects another with a reason. Screenshots (phone
390 px and desktop 1280 px) go to var/screenshots/participation-*.png."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from otklik.cases.deadline_engine import sync_default_rules
from otklik.org.models import Role
from otklik.org.services import sync_topics
from otklik.participation import services
from otklik.participation.models import Ballot, Comment
from otklik.participation.services import sync_moderation_reasons
from tests.factories import MunicipalityFactory, RoleFactory, SettlementFactory
from tests.participation.helpers import answers as answers_for
from tests.participation.helpers import poll_with_questions, resident

pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


#: Collects the Content-Security-Policy violations a page reports (run before the page's own scripts).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = (e.sourceFile || "") + ":" + e.lineNumber;
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + where);
});
"""


def new_page(browser, viewport):
    page = browser.new_context(viewport=viewport, locale="ru-RU").new_page()
    page.add_init_script(LISTEN)
    return page


def no_csp_violation(page) -> None:
    page.wait_for_timeout(200)
    assert page.evaluate("window.__csp || []") == [], page.url


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def district(settings, live_server):
    # A transactional test empties the tables, the migrations' reference data included: put it back.
    sync_topics()
    sync_default_rules()
    sync_moderation_reasons()
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kotelnikovo"
    settings.OTKLIK_BASE_URL = live_server.url
    muni = MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")
    SettlementFactory(municipality=muni, name="Котельниковское городское поселение")
    SettlementFactory(municipality=muni, name="Майоровское сельское поселение")
    SettlementFactory(municipality=muni, name="Пимено-Чернянское сельское поселение")
    return muni


def confirm(page, email):
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_role("button", name="Получить код").click()
    page.get_by_label("Код из сообщения").fill(last_code())
    page.get_by_role("button", name="Подтвердить").click()
    page.get_by_text("Адрес подтверждён").wait_for()


def answer(page):
    page.get_by_label("Ваше поселение").select_option(label="Майоровское сельское поселение")
    page.get_by_role("group", name="1. Нужен ли новый парк?").get_by_label("Да").check()
    what = page.get_by_role("group", name="2. Что важнее?")
    what.get_by_label("Парк").check()
    what.get_by_label("Свет").check()
    page.get_by_role("group", name="3. Оцените благоустройство").get_by_label("4", exact=True).check()
    page.get_by_label("4. Ваши предложения").fill("Поставить скамейки и урны у пруда.")


@pytest.mark.django_db(transaction=True)
def test_a_resident_votes_once(live_server, browser, screenshots_dir, settings):
    muni = district(settings, live_server)
    officer = RoleFactory(role=Role.POS_OFFICER, municipality=muni).user
    poll = poll_with_questions(
        muni,
        officer,
        title="Благоустройство парка у пруда",
        description="Администрация планирует благоустроить парк у пруда в 2027 году. "
        "Расскажите, что для вас важнее.",
    )
    shot = lambda page, name: page.screenshot(path=str(screenshots_dir / name), full_page=True)  # noqa: E731

    phone = new_page(browser, PHONE)
    desktop = new_page(browser, DESKTOP)
    response = phone.goto(f"{live_server.url}/polls/")
    assert (
        "script-src 'self'" in response.headers["content-security-policy"]
    )  # the checks below mean something
    assert fits_the_screen(phone)
    shot(phone, "participation-list-phone.png")
    desktop.goto(f"{live_server.url}/polls/")
    shot(desktop, "participation-list-desktop.png")

    # The desktop browser confirms the address first and opens the form, but does not send it yet.
    desktop.get_by_role("link", name="Благоустройство парка у пруда").click()
    shot(desktop, "participation-poll-desktop.png")
    confirm(desktop, "ivanova@mail.ru")
    answer(desktop)

    # The same resident votes on the phone, writing the address differently.
    phone.get_by_role("link", name="Благоустройство парка у пруда").click()
    assert fits_the_screen(phone)
    shot(phone, "participation-poll-phone.png")
    phone.get_by_label("Электронная почта").fill(" Ivanova@Mail.RU")
    phone.get_by_role("button", name="Получить код").click()
    assert "iv•••@mail.ru" in phone.locator("#identity").inner_text()
    phone.get_by_label("Код из сообщения").fill("000000" if last_code() != "000000" else "111111")
    phone.get_by_role("button", name="Подтвердить").click()
    assert "осталось попыток: 4" in phone.get_by_role("alert").first.inner_text()
    assert fits_the_screen(phone)
    shot(phone, "participation-code-phone.png")
    phone.get_by_label("Код из сообщения").fill(last_code())
    phone.get_by_role("button", name="Подтвердить").click()
    answer(phone)
    assert fits_the_screen(phone)
    shot(phone, "participation-form-phone.png")
    phone.get_by_role("button", name="Отправить ответы").click()
    phone.get_by_text("Спасибо, ваш голос учтён").wait_for()
    assert phone.evaluate("document.activeElement.id") == "thanks"  # the message takes the focus
    no_csp_violation(phone)
    shot(phone, "participation-thanks-phone.png")
    assert Ballot.objects.filter(poll=poll).count() == 1

    # The desktop browser now sends its form: refused, and it says why.
    desktop.get_by_role("button", name="Отправить ответы").click()
    refusal = desktop.get_by_role("alert").first
    assert "Вы уже проголосовали в этом опросе" in refusal.inner_text()
    assert "один голос от одного жителя" in refusal.inner_text()
    assert desktop.evaluate("document.activeElement.id") == "refused"
    shot(desktop, "participation-refused-desktop.png")
    desktop.goto(f"{live_server.url}/polls/{poll.slug}/")  # coming back later
    assert "Вы уже проголосовали в этом опросе" in desktop.locator("main").inner_text()
    assert desktop.get_by_role("button", name="Отправить ответы").count() == 0
    assert Ballot.objects.filter(poll=poll).count() == 1

    # Closed: the results, with charts, for everybody.
    services.close_poll(poll, actor=officer)
    phone.reload()
    phone.locator(f"#chart-q{poll.questions.get(order=1).pk}[data-rendered] canvas").wait_for()
    chart = phone.locator(f"#chart-q{poll.questions.get(order=1).pk}").bounding_box()
    phone.mouse.move(chart["x"] + chart["width"] * 0.6, chart["y"] + chart["height"] * 0.3)  # a tooltip
    no_csp_violation(phone)
    assert fits_the_screen(phone)
    shot(phone, "participation-results-phone.png")
    desktop.goto(f"{live_server.url}/polls/{poll.slug}/")
    assert "ваш голос учтён в итогах" in desktop.locator("main").inner_text()
    shot(desktop, "participation-results-desktop.png")


def login(page, url, username):
    page.goto(f"{url}/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


@pytest.mark.django_db(transaction=True)
def test_a_moderator_publishes_and_rejects_comments(
    live_server,
    browser,
    screenshots_dir,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    muni = district(settings, live_server)
    RoleFactory(role=Role.POS_OFFICER, municipality=muni, user__username="moderator")
    now = timezone.now()
    discussion = services.create_discussion(
        actor=None,
        municipality=muni,
        title="Схема размещения контейнерных площадок",
        description="Проект схемы размещения контейнерных площадок для ТКО в г. Котельниково на 2027 год.",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=20),
    )
    services.add_document(
        discussion,
        actor=None,
        title="Проект схемы",
        upload=SimpleUploadedFile("shema.pdf", b"%PDF-1.4 shema"),
    )
    discussion = services.publish_discussion(discussion, actor=None)
    services.submit_comment(
        discussion,
        resident("spam@mail.ru"),
        author_name="Окна",
        text="Пластиковые окна со скидкой 50%!",
        ip_hash="x",
    )
    shot = lambda page, name: page.screenshot(path=str(screenshots_dir / name), full_page=True)  # noqa: E731

    # A resident comments on the phone.
    phone = new_page(browser, PHONE)
    phone.goto(f"{live_server.url}/discussions/{discussion.slug}/")
    assert fits_the_screen(phone)
    shot(phone, "participation-discussion-phone.png")
    confirm(phone, "petrov@mail.ru")
    phone.get_by_label(re.compile("^Комментарий или предложение")).fill(
        "Площадку у школы № 2 лучше перенести к гаражам: дети ходят мимо контейнеров."
    )
    phone.get_by_label("Подпись под комментарием").fill("Пётр, ул. Ленина")
    phone.get_by_label("Поселение").select_option(label="Котельниковское городское поселение")
    phone.get_by_role("button", name="Отправить комментарий").click()
    phone.get_by_text("Спасибо, комментарий получен").wait_for()
    assert "перенести к гаражам" not in phone.locator("#comments-h + *").inner_text()
    shot(phone, "participation-commented-phone.png")

    # The moderator publishes the resident's comment and rejects the advert with a reason.
    desktop = new_page(browser, DESKTOP)
    login(desktop, live_server.url, "moderator")
    desktop.get_by_role("link", name=re.compile("^Участие")).click()
    assert "ждут модерации: 2" in desktop.locator("nav .badge").get_attribute("aria-label")
    desktop.get_by_role("link", name=re.compile("^Модерация")).click()
    shot(desktop, "participation-moderation-desktop.png")
    good = Comment.objects.get(author_name="Пётр, ул. Ленина")
    spam = Comment.objects.get(author_name="Окна")
    desktop.locator(f"#comment-{good.pk}").get_by_role("button", name="Опубликовать").click()
    assert "опубликован" in desktop.get_by_role("status").inner_text()
    item = desktop.locator(f"#comment-{spam.pk}")
    item.get_by_role("button", name="Отклонить").click()  # no reason chosen: the browser asks for one
    assert Comment.objects.get(pk=spam.pk).status == "pending"
    item.get_by_label("Причина отклонения").select_option(
        label="Реклама, спам или ссылки на посторонние ресурсы"
    )
    item.get_by_label("Пояснение").fill("реклама окон")
    item.get_by_role("button", name="Отклонить").click()
    assert "Причина: Реклама, спам" in desktop.get_by_role("status").inner_text()
    assert "Все комментарии проверены" in desktop.locator("main").inner_text()
    no_csp_violation(desktop)
    shot(desktop, "participation-moderated-desktop.png")
    spam.refresh_from_db()
    assert (spam.status, spam.reason.code, spam.moderation_note) == ("rejected", "spam", "реклама окон")
    assert Comment.objects.get(pk=good.pk).status == "published"

    # The discussion's page for the officers lists both decisions; residents see only the published one.
    desktop.goto(f"{live_server.url}/participation/discussions/{discussion.pk}/")
    assert "Отклонён" in desktop.locator(f"#comment-{spam.pk}").inner_text()
    shot(desktop, "participation-discussion-desktop.png")
    phone.reload()
    comments = phone.locator("main").inner_text()
    assert "перенести к гаражам" in comments and "Пластиковые окна" not in comments
    assert fits_the_screen(phone)
    shot(phone, "participation-published-phone.png")


@pytest.mark.django_db(transaction=True)
def test_officers_pages_the_content_plan_and_the_transparency_page(
    live_server,
    browser,
    screenshots_dir,
    settings,
):
    from otklik.cases.models import Answer, Status
    from otklik.publications.models import OfficialPage
    from otklik.quality.models import Rating
    from tests.factories import CaseFactory, topic

    muni = district(settings, live_server)
    RoleFactory(role=Role.POS_OFFICER, municipality=muni, user__username="pos")
    RoleFactory(role=Role.HEAD, municipality=muni, user__username="head")
    poll = poll_with_questions(
        muni, muni.role_assignments.get(role=Role.POS_OFFICER).user, title="Новый парк"
    )
    for n, email in enumerate(("a@mail.ru", "b@mail.ru", "c@mail.ru")):
        services.cast_ballot(
            poll,
            resident(email),
            settlement=list(muni.settlements.order_by("name"))[n],
            answers=answers_for(poll, single=("Да", "Нет", "Да")[n], multiple=("Парк",), scale=3 + n),
            ip_hash=f"ip{n}",
        )
    OfficialPage.objects.create(
        municipality=muni, name="Администрация ВКонтакте", network="vk", url="https://vk.com/adm"
    )
    now = timezone.now()
    for n, (settlement, code) in enumerate(
        zip(muni.settlements.order_by("name"), ("housing", "roads", "waste"), strict=True)
    ):
        case = CaseFactory(
            municipality=muni,
            settlement=settlement,
            topic=topic(code),
            received_at=now - timedelta(minutes=30 + n),
            due_at=now + timedelta(days=10),
            answered_at=now - timedelta(minutes=5),
            status=Status.ANSWERED,
            author_name="Секретов Иван",
        )
        Answer.objects.create(case=case, text="Ответ по существу.", sent_at=now - timedelta(minutes=5))
        Rating.objects.create(case=case, satisfied=n != 1, source="tracking", created_at=now)
    shot = lambda page, name: page.screenshot(path=str(screenshots_dir / name), full_page=True)  # noqa: E731

    desktop = new_page(browser, DESKTOP)
    login(desktop, live_server.url, "pos")
    desktop.goto(f"{live_server.url}/participation/polls/{poll.pk}/")
    shot(desktop, "participation-staff-poll-desktop.png")
    desktop.goto(f"{live_server.url}/participation/polls/{poll.pk}/results/")
    desktop.locator(f"#chart-q{poll.questions.get(order=1).pk}[data-rendered] canvas").wait_for()
    no_csp_violation(desktop)
    shot(desktop, "participation-staff-results-desktop.png")
    desktop.goto(f"{live_server.url}/participation/")
    shot(desktop, "participation-staff-index-desktop.png")

    # The officer for publications plans a post; the head approves it.
    head = new_page(browser, DESKTOP)
    RoleFactory(role=Role.INCIDENT_OFFICER, municipality=muni, user__username="smm")
    smm = new_page(browser, PHONE)
    login(smm, live_server.url, "smm")
    smm.goto(f"{live_server.url}/publications/new/")
    smm.get_by_label("Заголовок").fill("Опрос о новом парке: итоги")
    smm.get_by_label("Текст публикации").fill("Жители выбрали: парк у пруда будет благоустроен в 2027 году.")
    planned = timezone.localtime(now + timedelta(days=1), muni.tz)
    smm.get_by_label("Дата и время публикации").fill(planned.strftime("%Y-%m-%dT%H:%M"))
    smm.get_by_label("Тема").select_option(label=topic("improvement").name)
    smm.get_by_role("button", name="Сохранить").click()
    smm.get_by_role("button", name="Отправить на согласование").click()
    assert "на согласование" in smm.get_by_role("status").inner_text()
    assert fits_the_screen(smm)
    no_csp_violation(smm)
    shot(smm, "participation-post-phone.png")
    login(head, live_server.url, "head")
    head.goto(f"{live_server.url}/publications/?month={planned:%Y-%m}")
    no_csp_violation(head)
    shot(head, "participation-plan-desktop.png")
    head.get_by_role("link", name=re.compile("Опрос о новом парке")).first.click()
    head.get_by_role("button", name="Согласовать").click()
    assert "согласована" in head.get_by_role("status").inner_text()
    shot(head, "participation-post-approved-desktop.png")

    # Residents: this quarter's figures, with no personal data.
    phone = new_page(browser, PHONE)
    phone.goto(f"{live_server.url}/transparency/")
    phone.locator("#chart-topics[data-rendered] canvas").wait_for()
    text = phone.locator("main").inner_text()
    assert "Секретов" not in text and "3" in text
    assert fits_the_screen(phone)
    shot(phone, "participation-transparency-phone.png")
    desktop.goto(f"{live_server.url}/transparency/")
    desktop.locator("#chart-settlements[data-rendered] canvas").wait_for()
    box = desktop.locator("#chart-topics").bounding_box()
    desktop.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    no_csp_violation(desktop)
    shot(desktop, "participation-transparency-desktop.png")
