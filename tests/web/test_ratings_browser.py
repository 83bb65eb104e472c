"""The ratings in a real browser, on the demo district: the table, sorting by a column, a department's
card with its trend chart drawn; screenshots in var/screenshots/ratings-*.png."""

from __future__ import annotations

import re

import pytest

from otklik.cases.deadline_engine import sync_default_rules
from otklik.demo.services import load_demo
from otklik.org.services import sync_topics

pytestmark = [pytest.mark.browser]


def number(text: str) -> float | None:
    """«55,0», «40,0 %», «—» → 55.0, 40.0, None (the first line of a cell: the figure, not the change)."""
    first = text.strip().splitlines()[0].replace("\u00a0", "").replace("%", "").replace(",", ".")
    first = first.replace("−", "-").strip()
    return None if first == "—" else float(first)


@pytest.mark.django_db(transaction=True)
def test_head_sorts_the_ratings_and_opens_a_department(live_server, browser, screenshots_dir):
    sync_topics()
    sync_default_rules()
    load_demo(n_cases=600)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Имя пользователя").fill("head")
    page.get_by_label("Пароль").fill("otklik-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Рейтинг", exact=True).click()
    page.wait_for_url(f"{live_server.url}/dashboard/ratings/")
    assert page.get_by_role("link", name="Рейтинг", exact=True).get_attribute("aria-current") == "page"
    # The demo's current quarter may be young: look at the last full year.
    page.get_by_label("Квартал").select_option("")
    page.get_by_label("или период с").fill("2025-11-01")
    page.get_by_label("по", exact=True).fill("2026-10-31")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/dashboard/ratings/?*date_from=2025-11-01*")
    rows = page.locator("table.ratings tbody tr")
    assert rows.count() >= 3
    assert page.locator("table.ratings thead th[aria-sort='descending']").inner_text().startswith("Индекс")
    page.screenshot(path=str(screenshots_dir / "ratings-1280.png"), full_page=True)

    # Sort by the share answered on time: best first, then the other way round.
    page.locator("table.ratings thead th").filter(has_text="В срок").get_by_role("link").click()
    page.wait_for_url(re.compile(r".*sort=-on_time_share.*"))
    header = page.locator("table.ratings thead th[aria-sort]")
    assert header.count() == 1 and header.get_attribute("aria-sort") == "descending"
    assert "В срок" in header.inner_text()
    column = [h.inner_text() for h in page.locator("table.ratings thead th").all()].index(header.inner_text())
    ranked = page.locator("table.ratings tbody tr:not(.unassigned)")  # «не назначено» stays last
    values = [number(t) for t in ranked.locator(f"td:nth-child({column + 1})").all_inner_texts()]
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=True) and len(known) >= 2
    assert values[: len(known)] == known  # undefined figures come last
    page.locator("table.ratings thead th").filter(has_text="В срок").get_by_role("link").click()
    page.wait_for_url(re.compile(r".*sort=on_time_share.*"))
    assert page.locator("table.ratings thead th[aria-sort]").get_attribute("aria-sort") == "ascending"
    page.screenshot(path=str(screenshots_dir / "ratings-sorted.png"), full_page=True)

    # A department's card: its figures, the comparison and the 12-month trend drawn.
    first = rows.first.locator("th a")
    name = first.inner_text()
    first.click()
    page.wait_for_url("**/dashboard/ratings/department/**")
    assert name in page.locator("main").inner_text()
    page.wait_for_selector("#department-trend[data-rendered] canvas", timeout=15000)
    assert page.locator(".figures li").count() == 11
    page.wait_for_timeout(800)  # let the chart animation finish before the picture
    page.screenshot(path=str(screenshots_dir / "ratings-department-1280.png"), full_page=True)

    # On a phone the page does not scroll sideways (the table scrolls inside its box).
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "ratings-department-phone.png"), full_page=True)
    page.go_back()
    page.wait_for_selector("table.ratings")
    page.screenshot(path=str(screenshots_dir / "ratings-phone.png"), full_page=True)
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
        ".filter(e => !e.closest('.table-wrap')).map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
