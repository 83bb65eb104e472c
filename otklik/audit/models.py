"""The append-only audit log: who did what, when, with the state before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditError(Exception):
    pass


class AuditEvent(models.Model):
    at = models.DateTimeField("когда", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
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
