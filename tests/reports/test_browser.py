"""The reports page in a real browser: a head orders the quarterly report, the page shows it queued with a
progress bar, and — once the background task has built it — the static script's polling turns the row
into «готов» with a download link, all with no Content-Security-Policy violation. Screenshots:
var/screenshots/reports-ordered.png, var/screenshots/reports-done.png."""

from __future__ import annotations

import pytest

from otklik.cases.deadline_engine import sync_default_rules
from otklik.org.services import sync_topics
from otklik.reports.models import ReportRun
from otklik.reports.tasks import build_report_task
from tests.reports import dataset
from tests.web.test_csp_browser import Watcher

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_ordering_and_following_a_report(live_server, browser, screenshots_dir, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    sync_topics()
    sync_default_rules()
    region = dataset.build()
    head = region["head_a"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watcher = Watcher(page)
    base = live_server.url
    watcher.visit(f"{base}/login/")
    page.get_by_label("Имя пользователя").fill(head.username)
    page.get_by_label("Пароль").fill("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")

    watcher.visit(f"{base}/reports/")
    page.get_by_label("Год", exact=True).fill("2026")
    page.get_by_label("Квартал", exact=True).select_option("1")
    page.get_by_label("Формат", exact=True).select_option("pdf")
    page.get_by_role("button", name="Построить").click()
    page.wait_for_url(f"{base}/reports/")
    watcher.check()
    run = ReportRun.objects.get()
    row = page.locator(f"#run-{run.pk}")
    assert "в очереди" in row.inner_text()
    assert row.locator("progress").count() == 1
    page.screenshot(path=str(screenshots_dir / "reports-ordered.png"), full_page=True)

    build_report_task.call(run.pk)  # what `otklik worker` does in the background
    page.wait_for_selector(f"#run-{run.pk} .run-file a", timeout=15000)
    assert "готов" in row.inner_text() and row.locator("progress").count() == 0
    link = row.locator(".run-file a")
    assert link.get_attribute("href") == f"/reports/runs/{run.pk}/download/"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "otchet-2026-q1-kot.pdf"
    watcher.check()
    page.screenshot(path=str(screenshots_dir / "reports-done.png"), full_page=True)
