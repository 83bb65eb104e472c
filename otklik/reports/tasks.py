"""Background tasks of the reports (Django tasks API; the periodic ones are queued by `otklik worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def build_report_task(run_id: int) -> dict[str, object]:
    from otklik.reports.services import build_run

    run = build_run(run_id)
    return {"run": run.pk, "status": run.status}
