"""Residents' satisfaction with answers. Answer review and department ratings build on this."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from otklik.cases.models import Answer, Case


class Rating(models.Model):
    """A resident's rating of the answer to their case: satisfied or not, a 1–5 score, a comment."""

    class Source(models.TextChoices):
        TRACKING = "tracking", "по ссылке отслеживания"
        EMAIL = "email", "по ссылке из письма"
        POS = "pos", "ПОС «Госуслуги. Решаем вместе»"
        PHONE = "phone", "по телефону (внёс оператор)"

    case = models.ForeignKey(Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="ratings")
    answer = models.ForeignKey(
        Answer,
        verbose_name="ответ",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ratings",
    )
    satisfied = models.BooleanField("удовлетворён ответом")
    score = models.PositiveSmallIntegerField(
        "оценка 1–5", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField("комментарий", blank=True)
    source = models.CharField("источник оценки", max_length=20, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="внёс",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("получена")

    class Meta:
        verbose_name = "оценка ответа"
        verbose_name_plural = "оценки ответов"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="rating_score_1_5",
            ),
        ]
        indexes = [models.Index(fields=["case", "-created_at"])]

    def __str__(self) -> str:
        verdict = "удовлетворён" if self.satisfied else "не удовлетворён"
        return f"{self.case_id}: {verdict}" + (f", {self.score}/5" if self.score else "")
