"""The case: one table for appeals (59-ФЗ), feedback-platform messages and social-media incidents."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from otklik.core.models import TimeStamped
from otklik.org.models import Block, Department, Topic
from otklik.territory.models import Locality, Municipality, Settlement


class Kind(models.TextChoices):
    APPEAL = "appeal", "обращение (59-ФЗ)"
    MESSAGE = "message", "сообщение (ПОС)"
    INCIDENT = "incident", "инцидент (соцсети)"


class Channel(models.TextChoices):
    POS = "pos", "ПОС «Госуслуги. Решаем вместе»"
    INCIDENT = "incident", "«Медиалогия Инцидент»"
    WEB = "web", "сайт"
    EMAIL = "email", "электронная почта"
    PHONE = "phone", "телефон"
    PAPER = "paper", "письмо"
    RECEPTION = "reception", "личный приём"
    OPEN311 = "open311", "Open311"
    API = "api", "API"


class Status(models.TextChoices):
    RECEIVED = "received", "поступило"
    REGISTERED = "registered", "зарегистрировано"
    ASSIGNED = "assigned", "назначено исполнителю"
    IN_PROGRESS = "in_progress", "в работе"
    ANSWERED = "answered", "дан ответ"
    CLOSED = "closed", "закрыто"
    REDIRECTED = "redirected", "перенаправлено"
    REOPENED = "reopened", "возобновлено"
    NO_ANSWER = "no_answer", "оставлено без ответа"


#: Statuses in which the case still waits for work from the administration.
OPEN_STATUSES = (
    Status.RECEIVED,
    Status.REGISTERED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.REOPENED,
)
#: Statuses that end the work on a case.
FINAL_STATUSES = (Status.CLOSED, Status.REDIRECTED, Status.NO_ANSWER)


class NoAnswerReason(models.TextChoices):
    ANONYMOUS = "anonymous", "не указаны фамилия или адрес для ответа"
    OBSCENE = "obscene", "нецензурные либо оскорбительные выражения"
    UNREADABLE = "unreadable", "текст не поддаётся прочтению"
    REPEATED = "repeated", "повторное без новых доводов"


#: The columns the dashboard and the reports count cases by, carried in the covering indexes over the
#: received date (PostgreSQL; SQLite ignores INCLUDE).
COVERED = ["id", "settlement", "topic", "status", "kind", "answered_at", "due_at", "registered_at"]


class Case(TimeStamped):
    """An item from a resident: what came, from whom, about what and where, and where it stands."""

    # No index of its own on this key and on settlement, topic, subtopic, block and owner: the composite
    # indexes of Meta lead with each of them and serve its lookups (six fewer indexes to keep up per case).
    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    kind = models.CharField("вид", max_length=20, choices=Kind.choices)
    channel = models.CharField("канал", max_length=20, choices=Channel.choices)
    external_id = models.CharField("внешний номер", max_length=100, null=True, blank=True)  # noqa: DJ001
    external_url = models.URLField("ссылка в источнике", max_length=1000, blank=True)
    registration_number = models.CharField("регистрационный номер", max_length=60, blank=True)

    author_name = models.CharField("автор", max_length=300, blank=True)
    author_email = models.EmailField("эл. почта автора", blank=True)
    author_phone = models.CharField("телефон автора", max_length=40, blank=True)
    author_address = models.CharField("почтовый адрес автора", max_length=500, blank=True)
    is_anonymous = models.BooleanField("анонимно", default=False)

    title = models.CharField("тема сообщения", max_length=300, blank=True)
    text = models.TextField("текст")
    address = models.CharField("адрес проблемы", max_length=500, blank=True)
    settlement = models.ForeignKey(
        Settlement,
        verbose_name="поселение",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    locality = models.ForeignKey(
        Locality,
        verbose_name="населённый пункт",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    location = models.JSONField("точка (GeoJSON Point)", null=True, blank=True)

    topic = models.ForeignKey(
        Topic,
        verbose_name="тема",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
        limit_choices_to={"parent__isnull": True},
    )
    subtopic = models.ForeignKey(
        Topic,
        verbose_name="подтема",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtopic_cases",
        db_index=False,
        limit_choices_to={"parent__isnull": False},
    )

    text_masked = models.TextField(
        "текст без персональных данных",
        blank=True,
        help_text="Заполняется при первом показе тем, кому персональные данные недоступны.",
    )
    topic_confidence = models.FloatField("уверенность в теме", null=True, blank=True)
    topic_source = models.CharField(
        "откуда тема",
        max_length=20,
        blank=True,
        choices=[
            ("source", "из источника"),
            ("keywords", "рубрикатор"),
            ("model", "обученная модель"),
            ("operator", "оператор"),
        ],
    )
    needs_review = models.BooleanField(
        "нужна проверка человеком",
        default=False,
        db_index=True,
        help_text="Тема или территория не определены уверенно.",
    )
    review_reasons = models.JSONField("что проверить", default=list, blank=True)
    status = models.CharField("статус", max_length=20, choices=Status.choices, default=Status.RECEIVED)
    no_answer_reason = models.CharField(
        "основание для оставления без ответа", max_length=20, choices=NoAnswerReason.choices, blank=True
    )
    block = models.ForeignKey(
        Block,
        verbose_name="отраслевой блок",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    department = models.ForeignKey(
        Department,
        verbose_name="подразделение",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="исполнитель",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        db_index=False,
    )

    received_at = models.DateTimeField("поступило")
    registered_at = models.DateTimeField("зарегистрировано", null=True, blank=True)
    first_reaction_due_at = models.DateTimeField("срок первой реакции", null=True, blank=True)
    due_at = models.DateTimeField("срок ответа", null=True, blank=True)
    is_extended = models.BooleanField("срок продлён", default=False)
    answered_at = models.DateTimeField("ответ дан", null=True, blank=True)
    closed_at = models.DateTimeField("закрыто", null=True, blank=True)

    escalation_level = models.PositiveSmallIntegerField(
        "уровень эскалации", default=0, help_text="0 — нет, 1 — ответственному за блок, 2 — руководителю МЦУ."
    )

    co_authors = models.JSONField(
        "соавторы (коллективное обращение)",
        default=list,
        blank=True,
        help_text="Список соавторов: ФИО и адрес для ответа.",
    )
    tracking_token = models.CharField(
        "код для отслеживания",
        max_length=40,
        null=True,
        blank=True,
        unique=True,
        help_text="Секретная часть ссылки, по которой автор видит статус и ответ без входа в систему.",
    )
    source_status = models.CharField("статус в источнике", max_length=100, blank=True)
    content_hash = models.CharField(
        "хеш содержимого из источника",
        max_length=64,
        blank=True,
        help_text="По нему повторный импорт узнаёт, изменилась ли запись.",
    )
    raw_payload = models.JSONField("исходные данные канала", default=dict, blank=True)
    version = models.PositiveIntegerField("версия", default=1)
    personal_data_removed_at = models.DateTimeField(
        "персональные данные удалены",
        null=True,
        blank=True,
        help_text=(
            "Когда по истечении срока хранения удалены данные автора, вложения и немаскированный текст."
        ),
    )

    class Meta:
        verbose_name = "обращение или сообщение"
        verbose_name_plural = "обращения и сообщения"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "registration_number"],
                condition=~Q(registration_number=""),
                name="case_registration_number_unique",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="case_channel_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(status="no_answer", no_answer_reason__gt="") | ~Q(status="no_answer"),
                name="case_no_answer_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(registered_at__isnull=True) | Q(registered_at__gte=models.F("received_at")),
                name="case_registered_after_received",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gte=models.F("received_at")),
                name="case_due_after_received",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "due_at"], name="case_muni_status_due"),
            # Covering (PostgreSQL): the dashboard's and the reports' counts over a municipality's period are
            # answered from the index alone (bench.dashboard at 1M cases: 48 ms → 2.4 ms a count).
            models.Index(
                fields=["municipality", "received_at"], include=COVERED, name="case_muni_received_cov"
            ),
            models.Index(fields=["owner", "status"], name="case_owner_status"),
            models.Index(fields=["block", "status"], name="case_block_status"),
            # The inbox and the API filtered by settlement or topic, newest first (bench.inbox at 1M cases:
            # a settlement's page took 0.8 s by the settlement index and a sort, a few ms by these).
            models.Index(fields=["settlement", "received_at"], name="case_settlement_received"),
            models.Index(fields=["topic", "received_at"], name="case_topic_received"),
            models.Index(fields=["subtopic", "received_at"], name="case_subtopic_received"),
            # Region-wide roles' inbox and the region's dashboard for a period (no municipality to lead with).
            models.Index(
                fields=["received_at"], include=["municipality", *COVERED], name="case_received_cov"
            ),
        ]

    def __str__(self) -> str:
        return self.registration_number or f"№ {self.pk}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not (self.text or "").strip():
            errors["text"] = "Текст не может быть пустым."
        if self.subtopic is not None and self.topic is not None and self.subtopic.parent_id != self.topic.pk:
            errors["subtopic"] = "Подтема не относится к выбранной теме."
        if self.settlement is not None and self.settlement.municipality_id != self.municipality_id:
            errors["settlement"] = "Поселение относится к другому муниципальному образованию."
        if (
            self.locality is not None
            and self.settlement is not None
            and (self.locality.settlement_id != self.settlement.pk)
        ):
            errors["locality"] = "Населённый пункт не относится к выбранному поселению."
        if self.block is not None and self.block.municipality_id != self.municipality_id:
            errors["block"] = "Блок относится к другому муниципальному образованию."
        if self.status == Status.NO_ANSWER and not self.no_answer_reason:
            errors["no_answer_reason"] = "Укажите основание для оставления без ответа."
        if errors:
            raise ValidationError(errors)


class CaseEvent(models.Model):
    """One entry of a case's timeline."""

    class Type(models.TextChoices):
        RECEIVED = "received", "поступление"
        REGISTERED = "registered", "регистрация"
        CLASSIFIED = "classified", "классификация"
        ROUTED = "routed", "маршрутизация"
        ASSIGNED = "assigned", "назначение исполнителя"
        STATUS = "status", "смена статуса"
        ANSWERED = "answered", "ответ"
        EXTENDED = "extended", "продление срока"
        REDIRECTED = "redirected", "перенаправление"
        COMMENT = "comment", "комментарий"
        ESCALATED = "escalated", "эскалация"

    case = models.ForeignKey(Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("когда")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    type = models.CharField("событие", max_length=20, choices=Type.choices)
    from_status = models.CharField("из статуса", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("в статус", max_length=20, choices=Status.choices, blank=True)
    note = models.TextField("пояснение", blank=True)
    data = models.JSONField("данные", default=dict, blank=True)

    class Meta:
        verbose_name = "событие обращения"
        verbose_name_plural = "события обращений"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.at:%d.%m.%Y %H:%M})"


class Answer(TimeStamped):
    """An answer given to the author on the merits."""

    case = models.ForeignKey(Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="автор ответа",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answers",
    )

    class Review(models.TextChoices):
        NONE = "", "без проверки"
        PENDING = "pending", "на проверке"
        APPROVED = "approved", "одобрен"
        REJECTED = "rejected", "возвращён на доработку"

    text = models.TextField("текст ответа")
    sent_at = models.DateTimeField("отправлен", null=True, blank=True)
    review_state = models.CharField(
        "проверка", max_length=20, choices=Review.choices, default=Review.NONE, blank=True, db_index=True
    )

    class Meta:
        verbose_name = "ответ"
        verbose_name_plural = "ответы"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Ответ на {self.case}"

    def clean(self) -> None:
        if not (self.text or "").strip():
            raise ValidationError({"text": "Текст ответа не может быть пустым."})


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class Attachment(TimeStamped):
    """A file attached to a case by its author or to an answer by an official."""

    case = models.ForeignKey(
        Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="attachments"
    )
    answer = models.ForeignKey(
        Answer,
        verbose_name="ответ",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField("файл", upload_to=attachment_path, max_length=500)
    name = models.CharField("имя файла", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="загрузил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "вложение"
        verbose_name_plural = "вложения"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class RegistrationCounter(models.Model):
    """The last number given in a municipality's registration series (prefix and year)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField("префикс", max_length=10)
    year = models.PositiveSmallIntegerField("год")
    last = models.PositiveIntegerField("последний номер", default=0)

    class Meta:
        verbose_name = "счётчик регистрационных номеров"
        verbose_name_plural = "счётчики регистрационных номеров"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "prefix", "year"], name="registration_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class DeadlineRule(TimeStamped):
    """A deadline rule held as data: kind (+ topic/subtopic, municipality) → stage due after amount·unit.

    Deadlines are computed once, when the stage starts, and stored on the case (CaseDeadline);
    editing a rule therefore changes new cases only and never rewrites past deadlines.
    """

    class Stage(models.TextChoices):
        REGISTRATION = "registration", "регистрация"
        REDIRECTION = "redirection", "перенаправление по компетенции"
        FIRST_REACTION = "first_reaction", "первая реакция"
        ANSWER = "answer", "ответ по существу"
        EXTENSION = "extension", "ответ после продления"

    class Unit(models.TextChoices):
        CALENDAR_DAYS = "calendar_days", "календарных дней"
        WORKING_DAYS = "working_days", "рабочих дней"
        WORKING_HOURS = "working_hours", "рабочих часов"

    class Anchor(models.TextChoices):
        RECEIVED = "received", "с момента поступления"
        REGISTERED = "registered", "с момента регистрации"
        ANSWER_DUE = "answer_due", "от прежнего срока ответа"

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_rules",
        help_text="Пусто — правило для всех муниципальных образований.",
    )
    kind = models.CharField("вид", max_length=20, choices=Kind.choices)
    topic = models.ForeignKey(
        Topic,
        verbose_name="тема или подтема",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_rules",
        help_text="Пусто — все темы. Правило для подтемы сильнее правила темы.",
    )
    stage = models.CharField("этап", max_length=20, choices=Stage.choices)
    amount = models.DecimalField("величина", max_digits=6, decimal_places=2)
    unit = models.CharField("единица", max_length=20, choices=Unit.choices)
    counts_from = models.CharField("отсчёт", max_length=20, choices=Anchor.choices)
    basis = models.CharField("основание", max_length=300, blank=True)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "правило срока"
        verbose_name_plural = "правила сроков"
        ordering = ["kind", "stage", "topic__code"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deadline_rule_amount_non_negative"),
        ]

    def __str__(self) -> str:
        topic = f", {self.topic.code}" if self.topic_id else ""
        return (
            f"{self.get_kind_display()}{topic}: {self.get_stage_display()} — {self.amount.normalize():f} "
            f"{self.get_unit_display()} {self.get_counts_from_display()}"
        )

    @property
    def topic_code(self) -> str:
        return self.topic.code if self.topic_id and self.topic else ""

    def clean(self) -> None:
        if (
            self.amount is not None
            and self.unit != self.Unit.WORKING_HOURS
            and self.amount != int(self.amount)
        ):
            raise ValidationError({"amount": "Срок в днях должен быть целым числом."})
        if self.counts_from == self.Anchor.ANSWER_DUE and self.stage != self.Stage.EXTENSION:
            raise ValidationError({"counts_from": "От прежнего срока ответа считается только продление."})


class CaseDeadline(models.Model):
    """A stage's due moment as computed when the stage started, with the rule that gave it."""

    case = models.ForeignKey(
        Case, verbose_name="обращение", on_delete=models.CASCADE, related_name="deadlines"
    )
    stage = models.CharField("этап", max_length=20, choices=DeadlineRule.Stage.choices)
    due_at = models.DateTimeField("срок")
    rule = models.ForeignKey(
        DeadlineRule,
        verbose_name="правило",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule_text = models.CharField("правило на момент расчёта", max_length=300, blank=True)
    computed_at = models.DateTimeField("рассчитано")
    met_at = models.DateTimeField("выполнено", null=True, blank=True)

    class Meta:
        verbose_name = "срок этапа"
        verbose_name_plural = "сроки этапов"
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["case", "stage"], name="case_deadline_stage_unique")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.due_at:%d.%m.%Y %H:%M}"


class RoutingRule(TimeStamped):
    """Where a registered case goes: topic, territory, channel, keywords → block, department, person."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    priority = models.PositiveSmallIntegerField(
        "приоритет",
        default=100,
        help_text="Меньше — проверяется раньше; при равенстве побеждает более точное.",
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name="тема или подтема",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name="поселение",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    channel = models.CharField("канал", max_length=20, choices=Channel.choices, blank=True)
    keywords = models.CharField(
        "ключевые слова",
        max_length=500,
        blank=True,
        help_text="Через запятую; правило подходит, если в тексте есть хотя бы одно (без учёта регистра).",
    )
    block = models.ForeignKey(
        Block,
        verbose_name="отраслевой блок",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="подразделение",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="исполнитель",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "правило маршрутизации"
        verbose_name_plural = "правила маршрутизации"
        ordering = ["municipality", "priority", "id"]

    def __str__(self) -> str:
        target = self.specialist or self.department or self.block
        return f"№ {self.pk}: → {target}"

    def clean(self) -> None:
        if not (self.block_id or self.department_id or self.specialist_id):
            raise ValidationError("Укажите, куда направлять: блок, подразделение или исполнителя.")
        for field in ("block", "department", "settlement"):
            obj = getattr(self, field)
            if obj is not None and obj.municipality_id != self.municipality_id:
                raise ValidationError({field: "Относится к другому муниципальному образованию."})


class SavedFilter(models.Model):
    """A user's named inbox filter (the query string of the inbox page)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="сотрудник",
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    name = models.CharField("название", max_length=100)
    query = models.CharField("параметры", max_length=1000)
    created_at = models.DateTimeField("создан", auto_now_add=True)

    class Meta:
        verbose_name = "сохранённый фильтр"
        verbose_name_plural = "сохранённые фильтры"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique")]

    def __str__(self) -> str:
        return self.name
