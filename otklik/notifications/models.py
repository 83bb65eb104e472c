"""Notifications to staff: in the app and by e-mail, each sent once (a unique key per person)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "назначено"
        AT_RISK = "at_risk", "срок под угрозой"
        OVERDUE = "overdue", "просрочено"
        ESCALATION = "escalation", "эскалация"
        DIGEST = "digest", "ежедневная сводка"
        ANSWER_REVIEW = "answer_review", "ответ ждёт проверки"
        ANSWER_REJECTED = "answer_rejected", "ответ возвращён на доработку"
        NEGATIVE_RATING = "negative_rating", "автор не удовлетворён ответом"
        WEEKLY_SUMMARY = "weekly_summary", "еженедельная сводка"
        REPORT_READY = "report_ready", "отчёт готов"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="кому", on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="обращение",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("вид", max_length=20, choices=Kind.choices)
    key = models.CharField("ключ", max_length=200, help_text="Одно уведомление на ключ и сотрудника.")
    title = models.CharField("заголовок", max_length=300)
    body = models.TextField("текст", blank=True)
    url = models.CharField("ссылка", max_length=500, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    emailed_at = models.DateTimeField("отправлено по почте", null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)
    email_error = models.CharField("ошибка отправки", max_length=500, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["emailed_at"], name="notification_unsent"),
        ]

    def __str__(self) -> str:
        return self.title


class PeriodicRun(models.Model):
    """One row per periodic job and time slot: a job runs once per slot, however many workers there are."""

    job = models.CharField("задание", max_length=100)
    slot = models.CharField("интервал", max_length=40)
    created_at = models.DateTimeField("поставлено", auto_now_add=True)

    class Meta:
        verbose_name = "запуск периодического задания"
        verbose_name_plural = "запуски периодических заданий"
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot}"
