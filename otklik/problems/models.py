"""Recurring problems (повторяющиеся проблемы): groups of cases about the same thing in the same place,
their root cause, and the roadmap (дорожная карта) of measures to remove it.

A case belongs to at most one problem through `ProblemCase` (a link table with a unique case) rather
than a foreign key on Case: the cases app stays below this one, and the link records how and when the
case joined (proposed, joined automatically, moved by hand) and its similarity.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from otklik.core.models import TimeStamped
from otklik.org.models import Block, Department, Topic
from otklik.problems import rules
from otklik.territory.models import Locality, Municipality, Settlement


class ProblemStatus(models.TextChoices):
    CANDIDATE = "candidate", "кандидат"
    CONFIRMED = "confirmed", "подтверждена"
    DISMISSED = "dismissed", "отклонена"
    RESOLVED = "resolved", "решена"
    MERGED = "merged", "объединена с другой"


class CauseCategory(models.TextChoices):
    WEAR = "wear", "износ инфраструктуры"
    CONTRACTOR = "contractor", "неисполнение обязательств подрядчиком, УК, региональным оператором"
    FUNDING = "funding", "нехватка финансирования"
    ORGANISATION = "organisation", "организация работы"
    REGULATION = "regulation", "нормативное регулирование"
    SEASONAL = "seasonal", "сезонные и погодные причины"
    OTHER = "other", "иное"


class Problem(TimeStamped):
    """A recurring problem: what, where, why, and where its resolution stands."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.PROTECT,
        related_name="problems",
    )
    title = models.CharField("название", max_length=300)
    topic = models.ForeignKey(
        Topic,
        verbose_name="тема",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        limit_choices_to={"parent__isnull": True},
    )
    subtopic = models.ForeignKey(
        Topic,
        verbose_name="подтема",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtopic_problems",
        limit_choices_to={"parent__isnull": False},
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name="поселение",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    locality = models.ForeignKey(
        Locality,
        verbose_name="населённый пункт",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    block = models.ForeignKey(
        Block,
        verbose_name="отраслевой блок",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        help_text="Блок темы: его ответственный ведёт проблему и её дорожную карту.",
    )
    status = models.CharField(
        "статус", max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.CANDIDATE
    )
    cause_category = models.CharField(
        "категория причины", max_length=20, choices=CauseCategory.choices, blank=True
    )
    root_cause = models.TextField("анализ коренной причины", blank=True)
    signature = models.JSONField(
        "ключевые слова",
        default=list,
        blank=True,
        help_text="Ключевые леммы сообщений проблемы с весами: [[лемма, вес], …].",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Пусто — предложена системой.",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="подтвердил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("подтверждена", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="признал решённой",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField("решена", null=True, blank=True)
    resolution_note = models.TextField("что сделано (решение)", blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="отклонил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dismissed_at = models.DateTimeField("отклонена", null=True, blank=True)
    dismissed_reason = models.TextField("причина отклонения", blank=True)
    dismissed_case_ids = models.JSONField(
        "обращения отклонённого кандидата",
        default=list,
        blank=True,
        help_text="Номера (id) обращений на момент отклонения: та же группа не предлагается снова.",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name="объединена в",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )

    class Meta:
        verbose_name = "повторяющаяся проблема"
        verbose_name_plural = "повторяющиеся проблемы"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "status"], name="problem_muni_status"),
            models.Index(fields=["municipality", "topic", "settlement"], name="problem_muni_topic_place"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="dismissed") | Q(dismissed_reason__gt=""),
                name="problem_dismissed_needs_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="problem_resolved_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.settlement is not None and self.settlement.municipality_id != self.municipality_id:
            errors["settlement"] = "Поселение относится к другому муниципальному образованию."
        if (
            self.locality is not None
            and self.settlement_id
            and self.locality.settlement_id != self.settlement_id
        ):
            errors["locality"] = "Населённый пункт не относится к выбранному поселению."
        if self.block is not None and self.block.municipality_id != self.municipality_id:
            errors["block"] = "Блок относится к другому муниципальному образованию."
        if errors:
            raise ValidationError(errors)

    @property
    def place(self) -> str:
        if self.locality_id and self.locality is not None:
            return str(self.locality)
        return self.settlement.name if self.settlement_id and self.settlement is not None else ""

    @property
    def is_open(self) -> bool:
        return self.status in (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED)


class ProblemCase(models.Model):
    """A case's membership in a problem: one problem per case at most."""

    class Source(models.TextChoices):
        PROPOSED = "proposed", "в составе кандидата"
        AUTO = "auto", "присоединено автоматически"
        MANUAL = "manual", "добавлено вручную"

    problem = models.ForeignKey(
        Problem, verbose_name="проблема", on_delete=models.CASCADE, related_name="links"
    )
    case = models.OneToOneField(
        "cases.Case", verbose_name="обращение", on_delete=models.CASCADE, related_name="problem_link"
    )
    source = models.CharField("как попало", max_length=20, choices=Source.choices)
    score = models.FloatField("сходство с проблемой", null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="добавил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField("добавлено")

    class Meta:
        verbose_name = "обращение проблемы"
        verbose_name_plural = "обращения проблем"
        ordering = ["problem", "added_at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} ← {self.case_id}"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", "запланировано"
    IN_PROGRESS = "in_progress", "выполняется"
    DONE = "done", "выполнено"
    CANCELLED = "cancelled", "отменено"


def evidence_path(instance: Measure, filename: str) -> str:
    return f"problems/{instance.problem_id}/measures/{filename}"


class Measure(TimeStamped):
    """One line of a problem's roadmap: what, who, which organisation, from when to when, and the proof."""

    problem = models.ForeignKey(
        Problem, verbose_name="проблема", on_delete=models.CASCADE, related_name="measures"
    )
    order = models.PositiveSmallIntegerField("№ п/п", default=1)
    title = models.TextField("мероприятие")
    responsible_name = models.CharField("ответственный: ФИО", max_length=300)
    responsible_position = models.CharField("ответственный: должность", max_length=300, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ответственный сотрудник",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
        help_text="Если ответственный работает в системе, ему приходят напоминания о сроке.",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="организация (из справочника)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
    )
    organisation = models.CharField("организация", max_length=300, blank=True)
    start_on = models.DateField("срок начала")
    due_on = models.DateField("срок исполнения")
    status = models.CharField(
        "статус", max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    completed_on = models.DateField("выполнено", null=True, blank=True)
    evidence = models.TextField("подтверждение выполнения", blank=True)
    evidence_file = models.FileField(
        "файл подтверждения", upload_to=evidence_path, max_length=500, blank=True
    )
    evidence_name = models.CharField("имя файла", max_length=255, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        "уровень эскалации", default=0, help_text="0 — нет, 1 — ответственному за блок, 2 — руководителю МЦУ."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="добавил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "мероприятие дорожной карты"
        verbose_name_plural = "мероприятия дорожных карт"
        ordering = ["problem", "order", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="measure_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("start_on")), name="measure_due_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_on__isnull=False), name="measure_done_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title[:80]}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start_on and self.due_on and self.due_on < self.start_on:
            errors["due_on"] = "Срок исполнения раньше срока начала."
        if (
            self.department is not None
            and self.problem_id
            and (self.department.municipality_id != self.problem.municipality_id)
        ):
            errors["department"] = "Организация относится к другому муниципальному образованию."
        if errors:
            raise ValidationError(errors)

    @property
    def organisation_label(self) -> str:
        return self.organisation or (self.department.name if self.department_id and self.department else "")

    @property
    def responsible_label(self) -> str:
        """«Начальник отдела ЖКХ, Быкова А. В.»."""
        return ", ".join(p for p in (self.responsible_position, self.responsible_name) if p)

    @property
    def is_open(self) -> bool:
        return self.status in rules.OPEN_MEASURE_STATUSES


class ProblemPolicy(models.Model):
    """A municipality's numbers for the recurring-problems work (docs/problems.md). Missing row = the
    defaults of `otklik.problems.rules.Policy`."""

    municipality = models.OneToOneField(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.CASCADE,
        related_name="problem_policy",
    )
    min_group_size = models.PositiveSmallIntegerField(
        "наименьшая группа для кандидата",
        default=rules.DEFAULT_POLICY.min_group_size,
        validators=[MinValueValidator(2)],
    )
    candidate_period_days = models.PositiveSmallIntegerField(
        "период поиска кандидатов, дней",
        default=rules.DEFAULT_POLICY.candidate_period_days,
        validators=[MinValueValidator(7)],
    )
    group_similarity = models.FloatField(
        "порог сходства внутри группы",
        default=rules.DEFAULT_POLICY.group_similarity,
        validators=[MinValueValidator(0.05), MaxValueValidator(0.95)],
    )
    join_similarity = models.FloatField(
        "порог присоединения нового сообщения",
        default=rules.DEFAULT_POLICY.join_similarity,
        validators=[MinValueValidator(0.05), MaxValueValidator(0.95)],
    )
    subtopic_weight = models.FloatField(
        "вес совпадения подтемы",
        default=rules.DEFAULT_POLICY.subtopic_weight,
        validators=[MinValueValidator(0.0), MaxValueValidator(0.5)],
    )
    join_window_days = models.PositiveSmallIntegerField(
        "присоединять сообщения за последние, дней",
        default=rules.DEFAULT_POLICY.join_window_days,
        validators=[MinValueValidator(1)],
    )
    effect_weeks = models.PositiveSmallIntegerField(
        "недель до и после мероприятия для оценки эффекта",
        default=rules.DEFAULT_POLICY.effect_weeks,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    fast_days = models.PositiveSmallIntegerField(
        "ускоренное решение: быстрее, дней",
        default=rules.DEFAULT_POLICY.fast_days,
        validators=[MinValueValidator(1)],
    )
    stopped_drop = models.FloatField(
        "«почти прекратились»: снижение не меньше (доля)",
        default=rules.DEFAULT_POLICY.stopped_drop,
        validators=[MinValueValidator(0.1), MaxValueValidator(1.0)],
    )

    class Meta:
        verbose_name = "правила работы с повторяющимися проблемами"
        verbose_name_plural = "правила работы с повторяющимися проблемами"

    def __str__(self) -> str:
        return f"Правила проблем: {self.municipality}"

    def as_rules(self) -> rules.Policy:
        return rules.Policy(
            min_group_size=self.min_group_size,
            candidate_period_days=self.candidate_period_days,
            group_similarity=self.group_similarity,
            join_similarity=self.join_similarity,
            subtopic_weight=self.subtopic_weight,
            join_window_days=self.join_window_days,
            effect_weeks=self.effect_weeks,
            fast_days=self.fast_days,
            stopped_drop=self.stopped_drop,
        )


def policy_for(municipality_id: int | None) -> rules.Policy:
    if municipality_id is None:
        return rules.DEFAULT_POLICY
    row = ProblemPolicy.objects.filter(municipality_id=municipality_id).first()
    return row.as_rules() if row is not None else rules.DEFAULT_POLICY
