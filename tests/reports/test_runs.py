"""Reports built in the background: ordering on the page, the task run synchronously with its progress,
the status endpoint the page polls, the download (an attachment of the right type), failures, and who may
see which run — a head of another municipality gets 404."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from otklik.reports import services
from otklik.reports.models import ReportRun, RunStatus
from otklik.reports.tasks import build_report_task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def order(client, user, django_capture_on_commit_callbacks, **data):
    client.force_login(user)
    values = {"year": "2026", "quarter": "1", "mo": "kot", "fmt": "xlsx", **data}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/quarterly/", values)
    return response


@pytest.fixture
def built(client, region, django_capture_on_commit_callbacks, monkeypatch):
    """A head's quarterly report, ordered on the page and built by the task, with its progress recorded."""
    order(client, region["head_a"], django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()
    seen = []
    original = services._set_progress

    def record(run_, percent, stage):
        original(run_, percent, stage)
        seen.append((ReportRun.objects.get(pk=run_.pk).progress, ReportRun.objects.get(pk=run_.pk).status))

    monkeypatch.setattr(services, "_set_progress", record)
    result = build_report_task.call(run.pk)
    run.refresh_from_db()
    return {"run": run, "progress": seen, "result": result}


def test_ordering_queues_a_run_and_its_task(client, region, django_capture_on_commit_callbacks):
    response = order(client, region["head_a"], django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/reports/"
    run = ReportRun.objects.get()
    assert (run.status, run.progress, run.format) == (RunStatus.QUEUED, 0, "xlsx")
    assert run.parameters == {"year": 2026, "quarter": 1}
    assert run.municipality == region["a"] and run.municipality_ids == [region["a"].pk]
    assert run.requested_by == region["head_a"]
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("build_report_task") and task.args_kwargs["args"] == [run.pk]


def test_the_task_builds_the_file_and_reports_progress(built):
    run = built["run"]
    assert run.status == RunStatus.DONE and run.progress == 100 and run.stage == "Готово"
    assert built["result"] == {"run": run.pk, "status": "done"}
    percents = [p for p, _ in built["progress"]]
    assert percents == sorted(percents) and percents[0] < 50 and percents[-1] >= 90
    assert {status for _, status in built["progress"]} == {RunStatus.RUNNING}  # seen while it runs
    assert run.summary == {"received": 7, "municipalities": 1}
    assert run.file_name == "otchet-2026-q1-kot.xlsx"
    assert run.started_at <= run.finished_at


def test_the_status_endpoint_shows_progress_and_the_download(client, built):
    run = built["run"]
    data = client.get(f"/reports/runs/status.json?ids={run.pk},999").json()
    assert data == {
        "runs": [
            {
                "id": run.pk,
                "status": "done",
                "status_label": "готов",
                "progress": 100,
                "stage": "Готово",
                "error": "",
                "download": f"/reports/runs/{run.pk}/download/",
            }
        ]
    }
    assert client.get("/reports/runs/status.json?ids=x").status_code == 400


def test_the_download_is_an_attachment_of_the_right_type(client, built):
    run = built["run"]
    response = client.get(f"/reports/runs/{run.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="otchet-2026-q1-kot.xlsx"'
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb["Сводка"].iter_rows(values_only=True))
    assert next(r for r in rows if r[0] == "Поступило обращений и сообщений")[1] == 7


def test_the_page_lists_the_run_and_polls_while_it_is_active(
    client, region, django_capture_on_commit_callbacks
):
    order(client, region["head_a"], django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()
    page = client.get("/reports/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Квартальный отчёт: I квартал 2026, Котельниковский район" in html
    assert f'data-active="{run.pk}"' in html and "<progress" in html
    assert 'src="/static/reports/reports.js"' in html and "<script>" not in html
    assert ">Отчёты</a>" in html  # the navigation link


def test_a_head_of_another_municipality_gets_404(built, region):
    run = built["run"]
    client = Client()  # not the session that ordered it (its flash message names the report)
    client.force_login(region["head_b"])
    assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 404
    assert client.get(f"/reports/runs/status.json?ids={run.pk}").json() == {"runs": []}
    assert "Котельниковский район" not in client.get("/reports/").content.decode()


def test_readers_of_the_municipality_and_region_wide_ones_may_download(client, built, region):
    run = built["run"]
    for user in (region["curator"],):
        client.force_login(user)
        assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 200
    client.force_login(region["owner_b1"])  # a block owner sees only the block's monthly reports
    assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 404


def test_a_run_not_yet_built_cannot_be_downloaded(client, region, django_capture_on_commit_callbacks):
    order(client, region["head_a"], django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()
    assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 404


def test_a_failed_build_keeps_the_reason(client, region, django_capture_on_commit_callbacks, monkeypatch):
    order(client, region["head_a"], django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("диск переполнен")

    monkeypatch.setattr(services, "write", broken)
    build_report_task.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == "RuntimeError: диск переполнен" and not run.file
    item = client.get(f"/reports/runs/status.json?ids={run.pk}").json()["runs"][0]
    assert (item["status"], item["error"], item["download"]) == (
        "failed",
        "RuntimeError: диск переполнен",
        "",
    )
    assert build_report_task.call(run.pk) == {"run": run.pk, "status": "failed"}  # not built twice


def test_only_readers_may_order(client, region, django_capture_on_commit_callbacks):
    for user in (region["specialist"], region["owner_b1"]):
        assert order(client, user, django_capture_on_commit_callbacks).status_code == 403
    client.force_login(region["specialist"])
    assert client.get("/reports/").status_code == 403
    assert not ReportRun.objects.exists()


def test_a_head_cannot_order_another_municipalitys_report(client, region, django_capture_on_commit_callbacks):
    response = order(client, region["head_b"], django_capture_on_commit_callbacks, mo="kot")
    assert response.status_code == 404
    assert not ReportRun.objects.exists()


def test_a_region_wide_curator_orders_the_consolidated_report(
    client, region, django_capture_on_commit_callbacks
):
    order(client, region["curator"], django_capture_on_commit_callbacks, mo="", fmt="docx")
    run = ReportRun.objects.get()
    assert run.municipality is None and sorted(run.municipality_ids) == sorted(
        [region["a"].pk, region["b"].pk]
    )
    build_report_task.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.summary == {"received": 9, "municipalities": 2}
    assert run.file_name == "otchet-2026-q1-svodnyi.docx"
    response = client.get(f"/reports/runs/{run.pk}/download/")
    assert (
        response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    client.force_login(region["head_a"])  # the region's figures are not a municipality head's
    assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 404


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection when it is done
def test_a_run_abandoned_by_a_killed_worker_is_built_by_the_next_worker(
    client, region, django_capture_on_commit_callbacks
):
    """A worker killed mid-build leaves its task and the run "running": after OTKLIK_TASK_STALE_MINUTES the
    next worker puts the task back on the queue and the run is built anew; a run that is merely slow (a
    live worker, started a minute ago) is left alone."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.compat import TaskResultStatus

    from otklik.notifications.worker import requeue_stale_tasks, run_queue

    order(client, region["head_a"], django_capture_on_commit_callbacks)
    order(client, region["head_a"], django_capture_on_commit_callbacks, quarter="2")
    abandoned, slow = ReportRun.objects.order_by("pk")
    long_ago, a_minute_ago = timezone.now() - timedelta(hours=2), timezone.now() - timedelta(minutes=1)
    tasks = {t.args_kwargs["args"][0]: t for t in DBTaskResult.objects.all()}
    for run, started in ((abandoned, long_ago), (slow, a_minute_ago)):
        ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=started, progress=40)
        DBTaskResult.objects.filter(pk=tasks[run.pk].pk).update(
            status=TaskResultStatus.RUNNING, started_at=started, worker_ids=["killed-worker"]
        )
    assert requeue_stale_tasks() == 1
    run_queue("next-worker")
    abandoned.refresh_from_db()
    slow.refresh_from_db()
    assert abandoned.status == RunStatus.DONE and abandoned.file_name.endswith(".xlsx")
    assert DBTaskResult.objects.get(pk=tasks[abandoned.pk].pk).status == TaskResultStatus.SUCCESSFUL
    assert (slow.status, slow.progress) == (RunStatus.RUNNING, 40)
    assert DBTaskResult.objects.get(pk=tasks[slow.pk].pk).status == TaskResultStatus.RUNNING
    assert requeue_stale_tasks() == 0
