"""The append-only audit log: who did what, when, with the state before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditError(Exception):
    pass


class AuditEvent(models.Model):
    at = models.DateTimeField("когда", auto_now_add=True, db_index=True)
    # No database constraint and no cascade: deleting a user must never update or delete audit rows
    # (on PostgreSQL a trigger refuses both); `actor_label` keeps the name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField("кто (подпись)", max_length=200, blank=True)
    action = models.CharField("действие", max_length=100)
    object_type = models.CharField("тип объекта", max_length=100, blank=True)
    object_id = models.CharField("идентификатор объекта", max_length=100, blank=True)
    before = models.JSONField("до", null=True, blank=True)
    after = models.JSONField("после", null=True, blank=True)

    class Meta:
        verbose_name = "запись аудита"
        verbose_name_plural = "журнал аудита"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AuditError("Журнал аудита нельзя изменять.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AuditError("Записи журнала аудита нельзя удалять.")


class PersonalDataAccess(models.Model):
    """Who saw a case's personal data unmasked (the author's data or the unmasked text), and when:
    one row per person, case, way and day — the first access of the day."""

    class Via(models.TextChoices):
        CASE_PAGE = "case_page", "карточка обращения"
        INBOX = "inbox", "список обращений"
        REVIEW = "review", "проверка ответа"
        API = "api", "HTTP API"
        EXPORT = "export", "выгрузка"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name="обращение", on_delete=models.CASCADE, related_name="+"
    )
    via = models.CharField("как", max_length=20, choices=Via.choices)
    day = models.DateField("день")
    at = models.DateTimeField("первый доступ за день")

    class Meta:
        verbose_name = "доступ к персональным данным"
        verbose_name_plural = "доступ к персональным данным"
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "case", "via", "day"], name="pd_access_once_a_day")
        ]
        indexes = [models.Index(fields=["case", "-at"], name="pd_access_case")]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.user_id} → {self.case_id} ({self.via})"
