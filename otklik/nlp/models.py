"""The rubricator (cold-start keywords), trained topic models, and operators' topic labels."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from otklik.cases.models import Case
from otklik.core.models import TimeStamped
from otklik.org.models import Topic
from otklik.territory.models import Municipality


class TopicKeyword(TimeStamped):
    """A word or phrase that points to a topic; matched on lemmas, so any grammatical form counts."""

    topic = models.ForeignKey(Topic, verbose_name="тема", on_delete=models.CASCADE, related_name="keywords")
    phrase = models.CharField("слово или фраза", max_length=200)
    lemmas = models.CharField("леммы", max_length=300, editable=False)
    weight = models.DecimalField("вес", max_digits=4, decimal_places=2, default=1)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "ключевое слово рубрикатора"
        verbose_name_plural = "рубрикатор (ключевые слова тем)"
        ordering = ["topic__code", "phrase"]
        constraints = [models.UniqueConstraint(fields=["topic", "phrase"], name="topic_keyword_unique")]

    def __str__(self) -> str:
        return f"{self.topic.code}: {self.phrase}"

    def save(self, *args: object, **kwargs: object) -> None:
        from otklik.nlp.text import lemma_string

        self.phrase = " ".join(self.phrase.split())
        self.lemmas = lemma_string(self.phrase)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class TopicModel(models.Model):
    """A topic classifier trained on a municipality's labelled history (or on the whole installation)."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Пусто — модель всей установки.",
    )
    path = models.CharField("файл модели", max_length=500)
    trained_at = models.DateTimeField("обучена")
    n_samples = models.PositiveIntegerField("примеров")
    n_classes = models.PositiveIntegerField("классов")
    macro_f1 = models.FloatField("macro-F1 (кросс-валидация)")
    accuracy = models.FloatField("точность (кросс-валидация)")
    baseline_macro_f1 = models.FloatField("macro-F1 рубрикатора на тех же данных")
    is_active = models.BooleanField("используется", default=False)
    report = models.JSONField("отчёт", default=dict, blank=True)

    class Meta:
        verbose_name = "обученная модель тем"
        verbose_name_plural = "обученные модели тем"
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        where = self.municipality.name if self.municipality_id else "вся установка"
        return f"{where}, {self.trained_at:%d.%m.%Y %H:%M}, macro-F1 {self.macro_f1:.3f}"


class TopicLabel(models.Model):
    """An operator's correction of a case's topic: the label the next training learns from."""

    case = models.ForeignKey(
        Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="topic_labels"
    )
    topic = models.ForeignKey(Topic, verbose_name="тема", on_delete=models.CASCADE, related_name="+")
    subtopic = models.ForeignKey(
        Topic, verbose_name="подтема", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    previous = models.CharField("было", max_length=130, blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто исправил",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "исправление темы"
        verbose_name_plural = "исправления тем"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.previous or '—'} → {(self.subtopic or self.topic).code}"
