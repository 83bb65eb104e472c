"""Reports built in the background (ReportRun) and the head's weekly summaries (WeeklySummary).

A run holds what was asked (kind, parameters, the municipality or block), who asked (empty: the system's
periodic job), where the build stands (status, progress 0–100 and the stage in words), and the file. Its
status moves only through `otklik.reports.services` (queued → running → done | failed).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from otklik.org.models import Block
from otklik.territory.models import Municipality


class RunKind(models.TextChoices):
    QUARTERLY = "quarterly", "квартальный отчёт в ЦУР"
    MONTHLY_BLOCK = "monthly_block", "ежемесячный отчёт блока"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "в очереди"
    RUNNING = "running", "строится"
    DONE = "done", "готов"
    FAILED = "failed", "ошибка"


class Format(models.TextChoices):
    XLSX = "xlsx", "XLSX (таблицы)"
    DOCX = "docx", "DOCX (документ с диаграммами)"
    PDF = "pdf", "PDF (документ с диаграммами)"


CONTENT_TYPES = {
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Format.PDF: "application/pdf",
}


def report_path(instance: ReportRun, filename: str) -> str:
    return f"reports/{instance.created_at:%Y/%m}/{instance.pk}-{filename}"


class ReportRun(models.Model):
    """One report built (or being built) in the background."""

    kind = models.CharField("вид", max_length=20, choices=RunKind.choices)
    format = models.CharField("формат", max_length=10, choices=Format.choices, default=Format.XLSX)
    parameters = models.JSONField(
        "параметры",
        default=dict,
        blank=True,
        help_text="Год и квартал или месяц: {«year»: 2026, «quarter»: 1}.",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_runs",
        help_text="Пусто — все муниципальные образования, доступные заказчику (сводный отчёт).",
    )
    block = models.ForeignKey(
        Block,
        verbose_name="отраслевой блок",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_runs",
    )
    municipality_ids = models.JSONField(
        "охваченные муниципальные образования",
        default=list,
        blank=True,
        help_text="Кто видит отчёт: руководство каждого из этих муниципальных образований.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="заказал",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_runs",
        help_text="Пусто — построен периодическим заданием.",
    )
    status = models.CharField("состояние", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("готовность, %", default=0)
    stage = models.CharField("этап", max_length=200, blank=True)
    file = models.FileField("файл", upload_to=report_path, max_length=500, blank=True)
    file_name = models.CharField("имя файла", max_length=255, blank=True)
    summary = models.JSONField("итоги", default=dict, blank=True)
    error = models.TextField("ошибка", blank=True)
    created_at = models.DateTimeField("заказан", auto_now_add=True)
    started_at = models.DateTimeField("начат", null=True, blank=True)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        verbose_name = "построение отчёта"
        verbose_name_plural = "построения отчётов"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "block"], name="report_run_kind_block")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        p = self.parameters or {}
        if self.kind == RunKind.QUARTERLY:
            quarter = ("I", "II", "III", "IV")[int(p.get("quarter", 1)) - 1]
            where = self.municipality.name if self.municipality_id and self.municipality else "сводный"
            return f"Квартальный отчёт: {quarter} квартал {p.get('year', '')}, {where}"
        if self.kind == RunKind.MONTHLY_BLOCK:
            block = self.block.name if self.block_id and self.block else "блок"
            return f"Отчёт блока «{block}» за {int(p.get('month', 1)):02d}.{p.get('year', '')}"
        return str(self.get_kind_display())

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.format, "application/octet-stream")


class WeeklySummary(models.Model):
    """The head's summary of one week, as it was sent (the in-app notification and the e-mail link here)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кому",
        on_delete=models.CASCADE,
        related_name="weekly_summaries",
    )
    week_start = models.DateField("неделя с")
    data = models.JSONField("сводка", default=dict)
    text = models.TextField("текст")
    created_at = models.DateTimeField("составлена", auto_now_add=True)

    class Meta:
        verbose_name = "еженедельная сводка"
        verbose_name_plural = "еженедельные сводки"
        ordering = ["-week_start", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="weekly_summary_once_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.week_start:%d.%m.%Y}"
