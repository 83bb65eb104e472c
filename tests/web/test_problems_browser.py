"""Recurring problems in a real browser: a block owner confirms a candidate, adds a measure, marks it done,
and sees the problem's page with its effect chart; the list with its map, the board and accelerated
resolution are drawn too. Screenshots in var/screenshots/problems-*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.org.models import Role
from otklik.problems import services
from otklik.problems.models import Measure, Problem, ProblemCase
from otklik.quality.models import Rating
from tests.factories import RoleFactory
from tests.problems.dataset import seed

pytestmark = [pytest.mark.browser]


def seeded_district():
    now = timezone.now()
    data = seed(now=now)
    # Answers and ratings, so that the chart has an answer time and a satisfaction line.
    for i, case in enumerate(data.groups["A"]):
        answered = case.received_at + timedelta(days=3 + 4 * i)
        if answered < now:
            case.answered_at = answered
            case.status = "answered"
            case.save()
            Rating.objects.create(case=case, satisfied=i % 3 == 0, source="pos", created_at=answered)
    services.propose_candidates(data.municipality, now=now)
    waste = ProblemCase.objects.get(case=data.groups["A"][0]).problem.block
    RoleFactory(
        role=Role.BLOCK_OWNER,
        municipality=data.municipality,
        block=waste,
        user__username="block_waste",
        user__last_name="Громова",
        user__first_name="Елена",
        user__patronymic="Викторовна",
    )
    RoleFactory(role=Role.HEAD, municipality=data.municipality, user__username="head")
    return data


def login(browser, live_server, username, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.mark.django_db(transaction=True)
def test_block_owner_confirms_a_candidate_and_builds_its_roadmap(live_server, browser, screenshots_dir):
    data = seeded_district()
    page = login(browser, live_server, "block_waste")
    page.get_by_role("link", name="Проблемы", exact=True).click()
    page.wait_for_url(f"{live_server.url}/problems/")
    assert page.get_by_role("link", name="Проблемы", exact=True).get_attribute("aria-current") == "page"
    # Nothing is confirmed yet: the list opens on the candidates, ranked; the owner sees their block's only.
    assert "Кандидаты" in page.locator(".tabs a[aria-current='page']").inner_text()
    rows = page.locator("table.problems-table tbody tr")
    assert rows.count() == 1
    page.locator("#problems-map[data-rendered='true']").wait_for()
    page.screenshot(path=str(screenshots_dir / "problems-list-1280.png"), full_page=True)

    page.get_by_role("link", name="Вывоз ТКО — х. Майоровский").click()
    page.wait_for_url(f"{live_server.url}/problems/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Вывоз ТКО — х. Майоровский"
    page.locator("summary", has_text="Подтвердить проблему").click()
    page.get_by_label("Название проблемы").fill("Нет вывоза ТКО, х. Майоровский")
    page.get_by_role("button", name="Подтвердить", exact=True).click()
    page.wait_for_load_state()
    assert "Проблема подтверждена" in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Нет вывоза ТКО, х. Майоровский"

    # Root cause.
    page.locator("summary", has_text="Изменить название и причину").click()
    page.get_by_label("Категория коренной причины").select_option("contractor")
    page.get_by_label("Анализ коренной причины").fill(
        "Региональный оператор сократил число рейсов мусоровоза."
    )
    page.locator("#cause").get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state()
    assert "сократил число рейсов" in page.locator("#cause").inner_text()

    # A measure, done three weeks ago with its evidence.
    today = timezone.localdate(timezone=data.municipality.tz)
    page.locator("summary", has_text="Добавить мероприятие").click()
    form = page.locator("form.measure-form")
    form.get_by_label("Мероприятие").fill(
        "Согласовать дополнительный рейс мусоровоза по вторникам и пятницам"
    )
    form.get_by_label("Должность ответственного").fill("начальник отдела ЖКХ")
    form.get_by_label("ФИО ответственного").fill("Громова Е. В.")
    form.get_by_label("или организация (текстом)").fill("ООО «Экоцентр»")
    form.get_by_label("Срок начала").fill((today - timedelta(days=40)).isoformat())
    form.get_by_label("Срок исполнения").fill((today - timedelta(days=10)).isoformat())
    form.get_by_role("button", name="Добавить").click()
    page.wait_for_load_state()
    assert "Мероприятие № 1 добавлено" in page.get_by_role("status").first.inner_text()
    measure = Measure.objects.get(problem__title="Нет вывоза ТКО, х. Майоровский")
    row = page.locator(f"#measure-{measure.pk}")
    assert "просрочено" in row.inner_text()  # due ten days ago, not done yet

    page.locator("summary", has_text="Статус и подтверждение").click()
    status = page.locator(f"form[action$='/measures/{measure.pk}/status/']")
    status.get_by_label("Статус").select_option("done")
    status.get_by_label("Дата выполнения").fill((today - timedelta(days=21)).isoformat())
    status.get_by_label("Подтверждение выполнения").fill("Дополнительное соглашение № 3 к договору от 02.03.")
    status.get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state()
    assert "выполнено" in page.locator(f"#measure-{measure.pk}").inner_text()
    assert "просрочено" not in page.locator(f"#measure-{measure.pk}").inner_text()

    # The effect: the chart is drawn with the measure marked; the table compares before and after.
    page.locator("#effect-chart[data-rendered='true']").wait_for()
    assert "За последние 4 нед." in page.locator("#effect .verdict").inner_text()
    effect_row = page.locator("table.effect-table tbody tr").first
    assert "→" in effect_row.inner_text()
    assert Problem.objects.get(pk=measure.problem_id).status == "confirmed"
    page.screenshot(path=str(screenshots_dir / "problems-detail-1280.png"), full_page=True)
    page.locator("#effect").screenshot(path=str(screenshots_dir / "problems-effect-1280.png"))

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator("#effect-chart[data-rendered='true']").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "problems-detail-phone.png"), full_page=True)
    for part in ("effect", "roadmap", "cases"):
        page.locator(f"#{part}").screenshot(path=str(screenshots_dir / f"problems-phone-{part}.png"))

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/problems/?tab=open")
    page.locator("#problems-map[data-rendered='true']").wait_for()
    assert "выполнено 1 из 1" in page.locator("table.problems-table").inner_text()
    page.screenshot(path=str(screenshots_dir / "problems-list-open-1280.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_board_and_accelerated_resolution_in_the_browser(live_server, browser, screenshots_dir):
    data = seeded_district()
    a = services.confirm(ProblemCase.objects.get(case=data.groups["A"][0]).problem.pk, actor=None)
    today = timezone.localdate(timezone=data.municipality.tz)
    for title, start, due in (
        ("Направить региональному оператору требование о соблюдении графика", 30, -5),
        ("Установить два дополнительных контейнера на площадке", 10, 20),
    ):
        services.add_measure(
            a.pk,
            services.MeasureData(
                title=title,
                responsible_name="Громова Е. В.",
                responsible_position="начальник отдела ЖКХ",
                organisation="ООО «Экоцентр»",
                start_on=today - timedelta(days=start),
                due_on=today + timedelta(days=due),
            ),
            actor=None,
        )
    page = login(browser, live_server, "head")
    page.goto(f"{live_server.url}/problems/board/")
    overdue = page.locator(".board-card.overdue")
    assert overdue.count() == 1 and "требование" in overdue.inner_text()
    page.screenshot(path=str(screenshots_dir / "problems-board-1280.png"), full_page=True)
    page.goto(f"{live_server.url}/problems/accelerated/?kind=all")
    assert page.get_by_role("heading", name="По темам").is_visible()
    page.screenshot(path=str(screenshots_dir / "problems-accelerated-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/problems/board/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "problems-board-phone.png"), full_page=True)
