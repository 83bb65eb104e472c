"""Ordering, building and delivering reports: every write of the reports app.

* `order_quarterly` — a person orders the quarterly report on the page: a run is queued (audited) and its
  build put on the task queue;
* `build_run` — the task: builds the figures with progress, writes the file, marks the run done or failed;
* `quarterly_file` — the same report for the CLI, as the system (full scope), straight into bytes;
* `send_weekly_summaries` — the periodic job: each head's and curator's summary of last week, kept,
  notified in the app and by e-mail once per week and person;
* `queue_monthly_block_reports` — the periodic job: on the first worker pass of a month, every block's
  report for the month before (XLSX), built in the background and announced to the block's owner.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from otklik.audit.services import record
from otklik.core.db_router import use_replica
from otklik.notifications.models import Notification
from otklik.notifications.services import notify
from otklik.org.models import Block, Role, RoleAssignment, User
from otklik.reports import charts, permissions
from otklik.reports.document import quarterly_document
from otklik.reports.models import Format, ReportRun, RunKind, RunStatus, WeeklySummary
from otklik.reports.scope import BlockScope, SystemScope
from otklik.reports.selectors import (
    Period,
    Progress,
    Report,
    ReportError,
    build_report,
    month_period,
    quarter_period,
)
from otklik.reports.weekly import summary_text, summary_title, weekly_summary
from otklik.reports.writers import write
from otklik.territory.models import Municipality

log = logging.getLogger(__name__)
FORMATS = tuple(Format.values)
#: The allowed status changes of a run.
TRANSITIONS = {
    RunStatus.QUEUED: {RunStatus.RUNNING, RunStatus.FAILED},
    RunStatus.RUNNING: {RunStatus.DONE, RunStatus.FAILED},
    RunStatus.DONE: set(),
    RunStatus.FAILED: set(),
}


def _transition(run: ReportRun, status: str, **fields: Any) -> None:
    if status not in TRANSITIONS[RunStatus(run.status)]:
        raise ReportError(f"отчёт в состоянии «{run.get_status_display()}» нельзя перевести в «{status}»")
    run.status = status
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=["status", *fields])


def _set_progress(run: ReportRun, percent: int, stage: str) -> None:
    """Progress is written at once (no transaction is open in a task), so the page sees it move."""
    run.progress, run.stage = max(0, min(percent, 99)), stage[:200]
    ReportRun.objects.filter(pk=run.pk).update(progress=run.progress, stage=run.stage)


# --- ordering and building -------------------------------------------------------------------------------


def order_quarterly(
    user: Any, *, year: int, quarter: int, municipality: Municipality | None, fmt: str
) -> ReportRun:
    """Queue the quarterly report for the person (their scope), for one municipality or — region-wide —
    all of them consolidated."""
    from otklik.analytics import ratings
    from otklik.reports.tasks import build_report_task

    quarter_period(year, quarter)  # validates
    if fmt not in FORMATS:
        raise ReportError(f"неизвестный формат «{fmt}»: нужен xlsx, docx или pdf")
    allowed = permissions.reader_municipality_ids(user)
    if not permissions.can_order(user):
        raise ReportError(
            "заказывать квартальный отчёт могут куратор, руководитель МЦУ, аналитик и наблюдатель ЦУР"
        )
    if municipality is not None and allowed is not None and municipality.pk not in allowed:
        raise ReportError("нет доступа к отчёту этого муниципального образования")
    if municipality is None and allowed is not None:
        # Not region-wide: the report covers the person's own municipality (the first, if several).
        own = permissions.orderable_municipalities(user)
        municipality = own[0] if len(own) == 1 else None
        if municipality is None:
            raise ReportError("выберите муниципальное образование")
    covered = [municipality] if municipality else ratings.scope_municipalities(user)
    if municipality is None and len(covered) == 1:
        municipality = covered[0]
    with transaction.atomic():
        run = ReportRun.objects.create(
            kind=RunKind.QUARTERLY,
            format=fmt,
            parameters={"year": year, "quarter": quarter},
            municipality=municipality,
            municipality_ids=[m.pk for m in covered],
            requested_by=user,
            stage="ждёт обработчика фоновых задач",
        )
        record(
            "report.order",
            actor=user,
            obj=run,
            after={**run.parameters, "format": fmt, "municipalities": run.municipality_ids},
        )
        transaction.on_commit(lambda: build_report_task.enqueue(run.pk))
    return run


def _period_of(run: ReportRun) -> Period:
    p = run.parameters
    if run.kind == RunKind.QUARTERLY:
        return quarter_period(int(p["year"]), int(p["quarter"]))
    return month_period(int(p["year"]), int(p["month"]))


def render(report: Report, fmt: str, progress: Progress | None = None) -> tuple[bytes, str]:
    """The report as a file of the format, and its name."""
    step = progress or (lambda percent, stage: None)
    step(88, "Таблицы и диаграммы" if fmt != Format.XLSX else "Таблицы")
    # The file is written while the charts are drawn: each is waited for where the writer puts it.
    with charts.drawing() as start:
        doc = quarterly_document(report, with_charts=fmt != Format.XLSX, start=start)
        step(94, f"Запись файла {fmt.upper()}")
        content = write(doc, fmt)
    if report.block is not None:
        where = report.block.municipality.code
    elif not report.consolidated and report.sections and report.sections[0].municipality is not None:
        where = report.sections[0].municipality.code
    else:
        where = "svodnyi"
    return content, f"{doc.file_stem}-{where}.{fmt}"


def build_run(run_id: int) -> ReportRun:
    """Build a queued run: the figures (with progress), the file; done or failed with the reason."""
    run = ReportRun.objects.select_related("municipality", "block__municipality", "requested_by").get(
        pk=run_id
    )
    if run.status == RunStatus.RUNNING and run.started_at is not None:
        # A run whose worker died mid-build (its task was put back on the queue): build it anew.
        cutoff = timezone.now() - timedelta(minutes=settings.OTKLIK_TASK_STALE_MINUTES)
        if ReportRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, started_at__lt=cutoff).update(
            status=RunStatus.QUEUED, progress=0, stage="Построение начато заново после сбоя"
        ):
            run.refresh_from_db()
    if run.status != RunStatus.QUEUED:
        return run  # already built or being built by another worker
    _transition(run, RunStatus.RUNNING, started_at=timezone.now(), progress=1, stage="Начато")
    try:
        if run.block is not None:
            user: Any = BlockScope(run.block)
        else:
            user = run.requested_by if run.requested_by is not None else SystemScope()
        # The figures are read from the replica, if any; the run itself and its progress from and to the
        # primary (a run ordered a moment ago may not have reached the replica yet).
        with use_replica():
            report = build_report(
                user,
                period=_period_of(run),
                municipality=run.municipality,
                block=run.block,
                progress=lambda percent, stage: _set_progress(run, percent, stage),
            )
            content, name = render(
                report, run.format, lambda percent, stage: _set_progress(run, percent, stage)
            )
        run.file.save(name, ContentFile(content), save=False)
        _transition(
            run,
            RunStatus.DONE,
            file=run.file,
            file_name=name,
            progress=100,
            stage="Готово",
            finished_at=timezone.now(),
            summary={"received": report.received, "municipalities": len(report.municipality_sections)},
        )
    except Exception as exc:
        log.exception("report run %s failed", run.pk)
        run.refresh_from_db(fields=["status"])
        _transition(
            run,
            RunStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
            stage="Ошибка",
        )
        return run
    if run.kind == RunKind.MONTHLY_BLOCK and run.block is not None:
        _announce_block_report(run)
    return run


def _announce_block_report(run: ReportRun) -> None:
    block = run.block
    assert block is not None
    owners = set(
        RoleAssignment.objects.filter(role=Role.BLOCK_OWNER, block=block).values_list("user_id", flat=True)
    )
    if block.owner_id:
        owners.add(block.owner_id)
    for user in User.objects.filter(pk__in=owners, is_active=True):
        notify(
            user,
            Notification.Kind.REPORT_READY,
            f"report_ready:{run.pk}",
            f"Готов отчёт блока «{block.name}» за {run.parameters['month']:02d}.{run.parameters['year']}",
            "Ежемесячный отчёт отраслевого блока (XLSX): показатели, подразделения, виды и каналы, проблемы.",
            url=reverse("reports:index"),
        )


# --- the CLI ---------------------------------------------------------------------------------------------


def quarterly_file(
    *, year: int, quarter: int, municipality: Municipality | None, fmt: str, asof: datetime | None = None
) -> tuple[bytes, Report]:
    """The quarterly report built as the system (every case): for one municipality, or — with several in
    the installation and none chosen — consolidated with a section per municipality."""
    if fmt not in FORMATS:
        raise ReportError(f"неизвестный формат «{fmt}»: нужен xlsx, docx или pdf")
    report = build_report(
        SystemScope(), period=quarter_period(year, quarter), municipality=municipality, asof=asof
    )
    content, _ = render(report, fmt)
    return content, report


# --- periodic jobs ----------------------------------------------------------------------------------------


def send_weekly_summaries(now: datetime | None = None) -> dict[str, int]:
    """Every head's and curator's summary of the last complete week: kept once per week and person,
    notified in the app (and so by e-mail to those with an address)."""
    now = now or timezone.now()
    users = User.objects.filter(is_active=True, roles__role__in=permissions.SUMMARY_ROLES).distinct()
    created = notified = 0
    for user in users:
        with use_replica():
            data = weekly_summary(user, now=now)
        week_start = datetime.fromisoformat(data["week_start"]).date()
        summary, was_created = WeeklySummary.objects.get_or_create(
            user=user, week_start=week_start, defaults={"data": data, "text": summary_text(data)}
        )
        created += was_created
        _, was_notified = notify(
            user,
            Notification.Kind.WEEKLY_SUMMARY,
            f"weekly_summary:{week_start.isoformat()}",
            summary_title(summary.data),
            summary.text,
            url=reverse("reports:weekly_detail", args=[summary.pk]),
        )
        notified += was_notified
    return {"summaries": created, "notified": notified}


def queue_monthly_block_reports(now: datetime | None = None) -> dict[str, int]:
    """The report of every block that has cases, for the month before `now` (the block's municipality's
    dates): queued once per block and month."""
    from otklik.reports.tasks import build_report_task

    now = now or timezone.now()
    queued = 0
    for block in Block.objects.filter(cases__isnull=False).distinct().select_related("municipality"):
        today = timezone.localtime(now, block.municipality.tz).date()
        first = today.replace(day=1)
        previous = month_period(first.year if first.month > 1 else first.year - 1, first.month - 1 or 12)
        params = {"year": previous.start.year, "month": previous.start.month}
        exists = ReportRun.objects.filter(
            kind=RunKind.MONTHLY_BLOCK,
            block=block,
            parameters__year=params["year"],
            parameters__month=params["month"],
        ).exists()
        if exists:
            continue
        with transaction.atomic():
            run = ReportRun.objects.create(
                kind=RunKind.MONTHLY_BLOCK,
                format=Format.XLSX,
                parameters=params,
                municipality=block.municipality,
                block=block,
                municipality_ids=[block.municipality_id],
                stage="ждёт обработчика фоновых задач",
            )
            record("report.monthly_block", actor_label="otklik worker", obj=run, after=params)
            transaction.on_commit(lambda pk=run.pk: build_report_task.enqueue(pk))
        queued += 1
    return {"queued": queued}
