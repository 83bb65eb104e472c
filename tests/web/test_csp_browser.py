"""The Content-Security-Policy in a real browser: the main pages load with no violation (no inline
script or style, nothing from another origin), and hostile text in a case stays text."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from otklik.cases.deadline_engine import sync_default_rules
from otklik.cases.models import Case
from otklik.cases.selectors import visible_cases
from otklik.demo.services import load_demo
from otklik.org.models import Department
from otklik.org.services import sync_topics

pytestmark = [pytest.mark.browser]

HOSTILE = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'

#: Collects the violations the browser reports on every page (Playwright runs this before the page's own
#: scripts, outside its policy).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = (e.sourceFile || "") + ":" + e.lineNumber;
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + where);
});
"""


class Watcher:
    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.on("console", self._console)
        page.add_init_script(LISTEN)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def visit(self, url: str, ready: str = "main") -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_selector(ready, timeout=15000)
        self.check()

    def check(self) -> None:
        self.page.wait_for_timeout(300)
        reported = self.page.evaluate("window.__csp || []")
        assert not reported, f"{self.page.url}: {reported}"
        assert not self.console, self.console
        assert self.page.evaluate("window.__xss === undefined"), f"{self.page.url}: hostile text ran"


def login(watcher, base, username):
    watcher.page.context.clear_cookies()
    watcher.visit(f"{base}/login/")
    watcher.page.get_by_label("Имя пользователя").fill(username)
    watcher.page.get_by_label("Пароль").fill("otklik-demo")
    watcher.page.keyboard.press("Enter")
    watcher.page.wait_for_url(f"{base}/")
    watcher.check()


@pytest.mark.django_db(transaction=True)
def test_main_pages_load_without_a_csp_violation(live_server, browser):
    sync_topics()
    sync_default_rules()
    load_demo(n_cases=300)
    head = get_user_model().objects.get(username="head")
    case = visible_cases(head).order_by("-received_at").first()
    Case.objects.filter(pk=case.pk).update(
        title=HOSTILE, text=HOSTILE + " течёт крыша", author_name=HOSTILE, tracking_token="csp-test-token-1"
    )
    case.refresh_from_db()
    department = Department.objects.filter(municipality=case.municipality).first()
    base = live_server.url

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    watcher = Watcher(page)
    # Public pages.
    watcher.visit(f"{base}/report/", "form")
    watcher.visit(f"{base}/track/{case.tracking_token}/")
    # Staff pages.
    login(watcher, base, "head")
    watcher.visit(f"{base}/cases/", "table.cases")
    watcher.visit(f"{base}/cases/{case.pk}/")
    assert HOSTILE in page.locator("main").inner_text()
    watcher.visit(f"{base}/dashboard/", "#heatmap[data-rendered] canvas")
    page.wait_for_selector("#trend[data-rendered] canvas", timeout=15000)
    box = page.locator("#heatmap canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a tooltip
    trend = page.locator("#trend canvas").first.bounding_box()
    page.mouse.move(trend["x"] + trend["width"] * 0.6, trend["y"] + trend["height"] * 0.6)
    watcher.check()
    watcher.visit(f"{base}/dashboard/ratings/", "table")
    watcher.visit(
        f"{base}/dashboard/ratings/department/{department.pk}/", "#department-trend[data-rendered] canvas"
    )
    watcher.visit(f"{base}/review/")
    watcher.visit(f"{base}/notifications/")
    watcher.visit(f"{base}/account/")
    watcher.visit(f"{base}/account/password/", "form")
    watcher.visit(f"{base}/account/2fa/", "img.otp-qr")
    assert page.evaluate("document.querySelector('img.otp-qr').naturalWidth") > 0  # the data: QR code shows
    # The administrator and the admin site.
    login(watcher, base, "admin")
    watcher.visit(f"{base}/admin/", "#content")
    watcher.visit(f"{base}/admin/cases/case/", "#content")
    watcher.visit(f"{base}/admin/cases/case/{case.pk}/change/", "#content")
    # The API's interactive documentation (Swagger UI served by the app, not from a CDN).
    watcher.visit(f"{base}/api/v1/docs", "#swagger-ui .information-container")
