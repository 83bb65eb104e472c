"""The heat map in a real browser, on the demo district: the map and the trend are drawn with data."""

from __future__ import annotations

import pytest

from otklik.cases.deadline_engine import sync_default_rules
from otklik.demo.services import load_demo
from otklik.org.services import sync_topics

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_head_sees_the_heat_map(live_server, browser, screenshots_dir):
    sync_topics()
    sync_default_rules()
    load_demo(n_cases=600)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Имя пользователя").fill("head")
    page.get_by_label("Пароль").fill("otklik-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Тепловая карта").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#heatmap[data-rendered] canvas", timeout=15000)
    page.wait_for_selector("#trend[data-rendered] canvas", timeout=15000)
    assert page.locator("table.matrix tbody tr").count() == 14  # the town and 13 rural settlements
    page.wait_for_timeout(800)  # let the chart animation finish before the picture
    page.screenshot(path=str(screenshots_dir / "dashboard-1280.png"), full_page=True)
    # A figure leads to its cases.
    page.locator("table.matrix tbody tr").first.locator("td a").first.click()
    page.wait_for_url("**/cases/?*settlement=*")
    assert page.locator("table.cases tbody tr").count() > 0
    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    page.wait_for_selector("#heatmap[data-rendered] canvas", timeout=15000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots_dir / "dashboard-phone.png"), full_page=True)
