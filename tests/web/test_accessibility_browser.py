"""Keyboard use and WCAG-AA contrast of the operators' pages, measured in a real browser."""

from __future__ import annotations

import re

import pytest

from otklik.cases.deadline_engine import sync_default_rules
from otklik.cases.models import Status
from otklik.org.models import Role
from otklik.org.services import sync_topics
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory

pytestmark = [pytest.mark.browser]

#: Text and the background it is drawn on, as the browser computes them (the nearest opaque background).
COLOURS_JS = """
(sel) => [...document.querySelectorAll(sel)].slice(0, 5).map(e => {
  let bg = null, n = e;
  while (n && !bg) {
    const c = getComputedStyle(n).backgroundColor;
    if (c && !c.endsWith(', 0)') && c !== 'transparent') bg = c;
    n = n.parentElement;
  }
  return [getComputedStyle(e).color, bg || 'rgb(255, 255, 255)'];
})
"""


def _luminance(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_contrast_function():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert contrast("rgb(119, 119, 119)", "rgb(255, 255, 255)") < 4.5


@pytest.mark.django_db(transaction=True)
def test_keyboard_and_contrast(live_server, browser, screenshots_dir):
    sync_topics()
    sync_default_rules()
    muni = MunicipalityFactory()
    RoleFactory(role=Role.HEAD, municipality=muni, user__username="head")
    CaseFactory(municipality=muni, status=Status.REGISTERED)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server.url}/login/")
    # Keyboard only: the login form has the focus on the user name; Tab to the password; Enter submits.
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type("head")
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    # On every page the skip link comes first, with a visible focus ring, and leads into the content.
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.outerHTML")
    assert "Перейти к содержанию" in first, first
    assert page.locator(":focus").evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for path in ("/", "/cases/", "/dashboard/"):
        page.goto(f"{live_server.url}{path}")
        for selector in (
            "main p",
            "main a",
            ".nav a",
            ".muted",
            "table th",
            "table td",
            ".btn",
            ".counter .label",
            ".snippet",
        ):
            for fg, bg in page.evaluate(COLOURS_JS, selector):
                ratio = contrast(fg, bg)
                assert ratio >= 4.5, f"{path} {selector}: {fg} on {bg} = {ratio:.2f}"
    # Every action on the inbox is reachable by Tab: the first result link gets the focus eventually.
    page.goto(f"{live_server.url}/cases/")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('table.cases') !== null"):
            break
    else:
        pytest.fail("the results table is not reachable by keyboard")
