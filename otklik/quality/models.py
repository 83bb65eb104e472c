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


class AnswerReview(models.Model):
    """One check of an answer before it goes out: the checklist, the automatic warnings, the decision."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "одобрен"
        REJECTED = "rejected", "возвращён на доработку"

    case = models.ForeignKey(Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="reviews")
    answer = models.ForeignKey(Answer, verbose_name="ответ", on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="проверил",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.CharField("решение", max_length=20, choices=Decision.choices)
    checklist = models.JSONField("чек-лист", default=dict, blank=True, help_text="Пункт → отмечен ли.")
    warnings = models.JSONField(
        "автоматические предупреждения", default=list, blank=True, help_text="Что нашла проверка на отписку."
    )
    reason = models.TextField("причина возврата", blank=True)
    created_at = models.DateTimeField("проверено")

    class Meta:
        verbose_name = "проверка ответа"
        verbose_name_plural = "проверки ответов"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_decision_display()}"


class SatisfactionSurvey(models.Model):
    """The request to rate an answer, sent to the author after closure; one reminder at most."""

    class Delivery(models.TextChoices):
        EMAIL = "email", "письмом на эл. почту"
        LINK = "link", "ссылкой на странице отслеживания"
        POS = "pos", "на платформе обратной связи"
        PHONE = "phone", "по телефону"

    case = models.ForeignKey(Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="surveys")
    answer = models.ForeignKey(
        Answer, verbose_name="ответ", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token = models.CharField("код ссылки", max_length=40, unique=True)
    delivery = models.CharField("как доставлен", max_length=20, choices=Delivery.choices)
    created_at = models.DateTimeField("создан")
    sent_at = models.DateTimeField("отправлен", null=True, blank=True)
    reminder_sent_at = models.DateTimeField("напоминание отправлено", null=True, blank=True)
    rating = models.OneToOneField(
        Rating,
        verbose_name="оценка",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey",
    )

    class Meta:
        verbose_name = "опрос удовлетворённости"
        verbose_name_plural = "опросы удовлетворённости"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "answer"], condition=models.Q(answer__isnull=False), name="survey_per_answer"
            )
        ]

    def __str__(self) -> str:
        return f"Опрос по {self.case_id}"


def default_reopen_kinds() -> list[str]:
    """ПОС messages are reconsidered when the author is not satisfied; 59-ФЗ appeals are not reopened by
    a rating (a new appeal is the author's remedy)."""
    return ["message"]


class QualityPolicy(models.Model):
    """A municipality's quality rules as data: reopening on a negative rating, the reminder, and the
    weights of the composite rating index (docs/ratings.md). Missing row = the defaults below."""

    municipality = models.OneToOneField(
        "territory.Municipality",
        verbose_name="муниципальное образование",
        on_delete=models.CASCADE,
        related_name="quality_policy",
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        "напомнить об оценке через, дней", default=3, validators=[MinValueValidator(1)]
    )
    reopen_on_unsatisfied = models.BooleanField("возобновлять при отрицательной оценке", default=True)
    reopen_kinds = models.JSONField(
        "виды, которые возобновляются",
        default=default_reopen_kinds,
        blank=True,
        help_text='Коды видов: "message" (сообщения ПОС), "incident", "appeal".',
    )
    reopen_max_score = models.PositiveSmallIntegerField(
        "возобновлять при оценке не выше", default=2, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        "возобновлять, если оценка пришла не позже, дней после ответа", default=30
    )
    reopen_max_times = models.PositiveSmallIntegerField("сколько раз возобновлять по оценкам", default=1)
    weight_on_time = models.DecimalField("вес: ответы в срок", max_digits=4, decimal_places=2, default=0.30)
    weight_speed = models.DecimalField("вес: скорость ответа", max_digits=4, decimal_places=2, default=0.15)
    weight_not_reopened = models.DecimalField(
        "вес: без возобновления", max_digits=4, decimal_places=2, default=0.15
    )
    weight_review = models.DecimalField(
        "вес: ответ принят с первой проверки", max_digits=4, decimal_places=2, default=0.15
    )
    weight_satisfied = models.DecimalField(
        "вес: удовлетворённость", max_digits=4, decimal_places=2, default=0.25
    )
    speed_norm_days = models.PositiveSmallIntegerField(
        "норматив скорости, дней",
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Медиана времени ответа, при которой балл скорости равен нулю.",
    )

    class Meta:
        verbose_name = "правила качества и рейтинга"
        verbose_name_plural = "правила качества и рейтинга"

    def __str__(self) -> str:
        return f"Правила качества: {self.municipality}"


class AuthorLetter(models.Model):
    """A letter to a case's author (the answer, a request to rate it, the one reminder): the outbox.

    Written in the transaction that decides to send it, delivered right after the commit and, if the
    mail server refused, again by `otklik worker`; the unique key makes each letter exist once.
    """

    class Kind(models.TextChoices):
        ANSWER = "answer", "ответ"
        SURVEY = "survey", "просьба оценить ответ"
        REMINDER = "reminder", "напоминание об оценке"

    case = models.ForeignKey(
        Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="author_letters"
    )
    kind = models.CharField("вид", max_length=20, choices=Kind.choices)
    key = models.CharField("ключ", max_length=100, unique=True, help_text="Одно письмо на ключ.")
    to = models.EmailField("кому")
    subject = models.CharField("тема", max_length=300)
    body = models.TextField("текст")
    created_at = models.DateTimeField("создано")
    next_attempt_at = models.DateTimeField("следующая попытка")
    sent_at = models.DateTimeField("отправлено", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)
    error = models.CharField("ошибка отправки", max_length=500, blank=True)

    class Meta:
        verbose_name = "письмо автору"
        verbose_name_plural = "письма авторам"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="author_letter_pending")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.to}"
