"""Imports of channel exports: batches, rejected rows, and the column mappings administrators edit."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from otklik.territory.models import Municipality


class SourceMapping(models.Model):
    """How a channel's export maps onto a case: columns, status values, categories. Editable in the admin."""

    channel = models.CharField("канал", max_length=20, unique=True)
    columns = models.JSONField(
        "колонки",
        default=dict,
        help_text="Поле → список возможных заголовков колонки в выгрузке (без учёта регистра).",
    )
    statuses = models.JSONField(
        "статусы", default=dict, blank=True, help_text="Статус в источнике → статус в «Отклике»."
    )
    categories = models.JSONField(
        "категории",
        default=dict,
        blank=True,
        help_text="Категория или подкатегория источника → код темы или подтемы.",
    )
    date_formats = models.JSONField("форматы дат", default=list, blank=True)
    required = models.JSONField("обязательные поля", default=list, blank=True)
    required_one_of = models.JSONField(
        "хотя бы одно из", default=list, blank=True, help_text="Группы полей, из которых нужно хотя бы одно."
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "сопоставление выгрузки"
        verbose_name_plural = "сопоставления выгрузок"

    def __str__(self) -> str:
        return f"Сопоставление: {self.channel}"


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "выполняется"
        DONE = "done", "завершён"
        FAILED = "failed", "ошибка файла"

    channel = models.CharField("канал", max_length=20)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField("файл", max_length=500)
    file_sha256 = models.CharField("SHA-256 файла", max_length=64)
    encoding = models.CharField("кодировка", max_length=20, blank=True)
    status = models.CharField("состояние", max_length=20, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField("ошибка", blank=True)
    warnings = models.JSONField("предупреждения", default=list, blank=True)
    next_row = models.PositiveIntegerField("обработано строк", default=0)
    rows = models.PositiveIntegerField("строк", default=0)
    created = models.PositiveIntegerField("создано", default=0)
    updated = models.PositiveIntegerField("обновлено", default=0)
    unchanged = models.PositiveIntegerField("без изменений", default=0)
    rejected = models.PositiveIntegerField("отклонено", default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="запустил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField("начат", auto_now_add=True)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        verbose_name = "импорт"
        verbose_name_plural = "импорты"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def summary(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class ImportRejection(models.Model):
    batch = models.ForeignKey(
        ImportBatch, verbose_name="импорт", on_delete=models.CASCADE, related_name="rejections"
    )
    row = models.PositiveIntegerField("строка")
    external_id = models.CharField("внешний номер", max_length=100, blank=True)
    reason = models.CharField("причина", max_length=500)
    raw = models.JSONField("значения строки", default=dict, blank=True)

    class Meta:
        verbose_name = "отклонённая строка"
        verbose_name_plural = "отклонённые строки"
        ordering = ["batch", "row", "id"]

    def __str__(self) -> str:
        return f"строка {self.row}: {self.reason}"


class WebSubmission(models.Model):
    """One submission of the public web form, kept to limit how often one address may submit."""

    ip_hash = models.CharField("адрес (хеш)", max_length=64, db_index=True)
    created_at = models.DateTimeField("когда", db_index=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="обращение",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "отправка формы на сайте"
        verbose_name_plural = "отправки формы на сайте"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ip_hash[:8]}… {self.created_at:%d.%m.%Y %H:%M}"
