"""Polls and votes, public discussions, residents' ballots and comments, one-time codes.

A resident is known by a keyed hash of a verified contact (e-mail or mobile phone) or of a resident id of
the federal platform: one ballot per hash and poll (a unique constraint), the address itself is kept only
when the poll is named. Status changes go through the services (rules.py holds the graphs).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from otklik.core.models import TimeStamped
from otklik.participation import rules
from otklik.territory.models import Municipality, Settlement


class Status(models.TextChoices):
    DRAFT = rules.DRAFT, "черновик"
    PUBLISHED = rules.PUBLISHED, "опубликован"
    CLOSED = rules.CLOSED, "завершён"


class Poll(TimeStamped):
    """A poll (опрос) or a vote (голосование) on a local question."""

    class Kind(models.TextChoices):
        POLL = "poll", "опрос"
        VOTE = "vote", "голосование"

    municipality = models.ForeignKey(
        Municipality, verbose_name="муниципальное образование", on_delete=models.PROTECT, related_name="polls"
    )
    kind = models.CharField("вид", max_length=10, choices=Kind.choices, default=Kind.POLL)
    slug = models.SlugField("адрес страницы", max_length=80, unique=True)
    title = models.CharField("название", max_length=300)
    description = models.TextField("описание", blank=True)
    settlements = models.ManyToManyField(
        Settlement,
        verbose_name="поселения",
        blank=True,
        related_name="polls",
        help_text="Пусто — все поселения муниципального образования.",
    )
    starts_at = models.DateTimeField("начало")
    ends_at = models.DateTimeField("окончание")
    is_anonymous = models.BooleanField(
        "анонимный",
        default=True,
        help_text="Анонимный: адрес участника не хранится, только его необратимая свёртка. "
        "Именной: участник указывает фамилию и имя, адрес хранится.",
    )
    show_live_results = models.BooleanField("показывать промежуточные итоги жителям", default=False)
    status = models.CharField("состояние", max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("опубликован", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="опубликовал",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField("завершён", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="завершил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Пусто — завершён автоматически по окончании срока.",
    )

    class Meta:
        verbose_name = "опрос или голосование"
        verbose_name_plural = "опросы и голосования"
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "status", "ends_at"], name="poll_muni_status")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "Окончание должно быть позже начала."})

    @property
    def window(self) -> rules.Window:
        return rules.Window(self.status, self.starts_at, self.ends_at)

    @property
    def noun(self) -> str:
        return "Голосование" if self.kind == self.Kind.VOTE else "Опрос"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "один вариант"
        MULTIPLE = "multiple", "несколько вариантов"
        SCALE = "scale", "шкала"
        TEXT = "text", "свободный ответ"

    poll = models.ForeignKey(Poll, verbose_name="опрос", on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("№", default=1)
    text = models.CharField("вопрос", max_length=500)
    kind = models.CharField("вид ответа", max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    required = models.BooleanField("обязательный", default=True)
    scale_min = models.SmallIntegerField("шкала от", default=1)
    scale_max = models.SmallIntegerField("шкала до", default=5)
    scale_min_label = models.CharField("подпись начала шкалы", max_length=100, blank=True)
    scale_max_label = models.CharField("подпись конца шкалы", max_length=100, blank=True)

    class Meta:
        verbose_name = "вопрос"
        verbose_name_plural = "вопросы"
        ordering = ["poll", "order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))


class Option(models.Model):
    question = models.ForeignKey(
        Question, verbose_name="вопрос", on_delete=models.CASCADE, related_name="options"
    )
    order = models.PositiveSmallIntegerField("№", default=1)
    text = models.CharField("вариант", max_length=300)

    class Meta:
        verbose_name = "вариант ответа"
        verbose_name_plural = "варианты ответа"
        ordering = ["question", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Ballot(models.Model):
    """One resident's answers to one poll: on the site (a verified contact) or from the platform's file."""

    class Source(models.TextChoices):
        SITE = "site", "на сайте"
        PLATFORM = "platform", "ПОС «Госуслуги. Решаем вместе»"

    class IdentityKind(models.TextChoices):
        EMAIL = "email", "эл. почта"
        PHONE = "phone", "телефон"
        PLATFORM = "platform", "идентификатор ПОС"

    poll = models.ForeignKey(Poll, verbose_name="опрос", on_delete=models.CASCADE, related_name="ballots")
    identity_hash = models.CharField("участник (свёртка)", max_length=64)
    identity_kind = models.CharField("как подтверждён", max_length=10, choices=IdentityKind.choices)
    source = models.CharField("источник", max_length=10, choices=Source.choices, default=Source.SITE)
    settlement = models.ForeignKey(
        Settlement,
        verbose_name="поселение",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("фамилия и имя (именной опрос)", max_length=200, blank=True)
    contact = models.CharField("контакт (именной опрос)", max_length=254, blank=True)
    created_at = models.DateTimeField("когда")
    import_batch = models.ForeignKey(
        "PlatformImport",
        verbose_name="загрузка ПОС",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ballots",
    )

    class Meta:
        verbose_name = "бюллетень"
        verbose_name_plural = "бюллетени"
        ordering = ["poll", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "identity_hash"], name="ballot_one_per_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.get_source_display()} {self.created_at:%d.%m.%Y}"


class BallotAnswer(models.Model):
    ballot = models.ForeignKey(
        Ballot, verbose_name="бюллетень", on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, verbose_name="вопрос", on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(
        Option, verbose_name="вариант", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    value = models.SmallIntegerField("значение шкалы", null=True, blank=True)
    text = models.TextField("свободный ответ", blank=True)

    class Meta:
        verbose_name = "ответ"
        verbose_name_plural = "ответы"
        indexes = [models.Index(fields=["question", "option"], name="ballot_answer_question")]

    def __str__(self) -> str:
        return f"{self.ballot_id}: {self.question_id}"


class PlatformImport(models.Model):
    """One upload of the platform's result file for a poll, with its counts and rejected rows."""

    poll = models.ForeignKey(Poll, verbose_name="опрос", on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField("файл", max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="загрузил",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField("когда")
    rows = models.PositiveIntegerField("строк", default=0)
    created = models.PositiveIntegerField("добавлено", default=0)
    updated = models.PositiveIntegerField("изменено", default=0)
    unchanged = models.PositiveIntegerField("без изменений", default=0)
    removed = models.PositiveIntegerField("убрано", default=0)
    rejected = models.PositiveIntegerField("отклонено", default=0)
    rejections = models.JSONField("отклонённые строки", default=list, blank=True)

    class Meta:
        verbose_name = "загрузка итогов ПОС"
        verbose_name_plural = "загрузки итогов ПОС"
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%d.%m.%Y %H:%M})"


class PlatformCount(models.Model):
    """A count from the platform's result file without resident ids: so many answers for an option (or a
    scale value), in a settlement or in total. `key` makes it unique: a re-import replaces, never adds."""

    poll = models.ForeignKey(
        Poll, verbose_name="опрос", on_delete=models.CASCADE, related_name="platform_counts"
    )
    key = models.CharField("ключ", max_length=100)
    question = models.ForeignKey(Question, verbose_name="вопрос", on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(
        Option, verbose_name="вариант", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    value = models.SmallIntegerField("значение шкалы", null=True, blank=True)
    settlement = models.ForeignKey(
        Settlement,
        verbose_name="поселение",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    count = models.PositiveIntegerField("количество")
    import_batch = models.ForeignKey(
        PlatformImport, verbose_name="загрузка", null=True, on_delete=models.SET_NULL, related_name="counts"
    )

    class Meta:
        verbose_name = "итог ПОС"
        verbose_name_plural = "итоги ПОС"
        constraints = [models.UniqueConstraint(fields=["poll", "key"], name="platform_count_key")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class ContactCode(models.Model):
    """A one-time code sent to a contact; only digests are kept (of the code and of the contact)."""

    contact_hash = models.CharField("контакт (свёртка)", max_length=64, db_index=True)
    kind = models.CharField("канал", max_length=10)
    digest = models.CharField("код (свёртка)", max_length=64)
    created_at = models.DateTimeField("отправлен", db_index=True)
    expires_at = models.DateTimeField("действует до")
    attempts = models.PositiveSmallIntegerField("попыток", default=0)
    used_at = models.DateTimeField("использован", null=True, blank=True)
    ip_hash = models.CharField("адрес (свёртка)", max_length=64, blank=True)

    class Meta:
        verbose_name = "одноразовый код"
        verbose_name_plural = "одноразовые коды"

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%d.%m.%Y %H:%M}"


class Hit(models.Model):
    """One request of a resident (a code, a vote, a comment) from a client address, for the rate limit."""

    action = models.CharField("действие", max_length=20)
    ip_hash = models.CharField("адрес (свёртка)", max_length=64)
    created_at = models.DateTimeField("когда")

    class Meta:
        verbose_name = "обращение к публичной странице"
        verbose_name_plural = "обращения к публичным страницам"
        indexes = [models.Index(fields=["action", "ip_hash", "created_at"], name="hit_action_ip_time")]

    def __str__(self) -> str:
        return f"{self.action} {self.created_at:%d.%m.%Y %H:%M}"


# --- public discussions -----------------------------------------------------------------------------


DEFAULT_RULES = (
    "Комментарии публикуются после проверки модератором. Мы не публикуем комментарии, которые не "
    "относятся к предмету обсуждения, содержат нецензурные или оскорбительные выражения, персональные "
    "данные других людей, рекламу или призывы к нарушению закона, а также повторы уже опубликованных "
    "комментариев. Причина отказа записывается."
)


class Discussion(TimeStamped):
    """A public discussion (общественное обсуждение): a topic with documents and a comment period."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.PROTECT,
        related_name="discussions",
    )
    slug = models.SlugField("адрес страницы", max_length=80, unique=True)
    title = models.CharField("тема обсуждения", max_length=300)
    description = models.TextField("что обсуждается")
    settlements = models.ManyToManyField(
        Settlement,
        verbose_name="поселения",
        blank=True,
        related_name="discussions",
        help_text="Пусто — все поселения муниципального образования.",
    )
    starts_at = models.DateTimeField("приём комментариев с")
    ends_at = models.DateTimeField("приём комментариев до")
    rules = models.TextField("правила комментирования", default=DEFAULT_RULES)
    status = models.CharField("состояние", max_length=20, choices=Status.choices, default=Status.DRAFT)
    conclusion = models.TextField(
        "итог обсуждения", blank=True, help_text="Общий вывод для протокола: что решено по итогам."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("опубликовано", null=True, blank=True)
    closed_at = models.DateTimeField("завершено", null=True, blank=True)

    class Meta:
        verbose_name = "общественное обсуждение"
        verbose_name_plural = "общественные обсуждения"
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "Окончание приёма комментариев должно быть позже начала."})

    @property
    def window(self) -> rules.Window:
        return rules.Window(self.status, self.starts_at, self.ends_at)


def document_path(instance: DiscussionDocument, filename: str) -> str:
    return f"participation/discussions/{instance.discussion_id}/{filename}"


class DiscussionDocument(models.Model):
    discussion = models.ForeignKey(
        Discussion, verbose_name="обсуждение", on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField("название", max_length=300)
    file = models.FileField("файл", upload_to=document_path, max_length=500)
    name = models.CharField("имя файла", max_length=255)
    size = models.PositiveIntegerField("размер, байт", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="загрузил",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("загружен")

    class Meta:
        verbose_name = "документ обсуждения"
        verbose_name_plural = "документы обсуждений"
        ordering = ["discussion", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class ModerationReason(models.Model):
    """A reason to reject a comment: the rules of moderation, held as data the administration edits."""

    code = models.SlugField("код", max_length=40, unique=True)
    text = models.CharField("причина", max_length=300)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "причина отклонения комментария"
        verbose_name_plural = "причины отклонения комментариев"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.text


class Proposal(models.Model):
    """A proposal made in a discussion (comments grouped) and the administration's response to it."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "учтено"
        PARTLY = "partly", "учтено частично"
        REJECTED = "rejected", "не учтено"
        NOTED = "noted", "принято к сведению"

    discussion = models.ForeignKey(
        Discussion, verbose_name="обсуждение", on_delete=models.CASCADE, related_name="proposals"
    )
    order = models.PositiveSmallIntegerField("№", default=1)
    summary = models.TextField("суть предложения")
    decision = models.CharField("решение", max_length=10, choices=Decision.choices, blank=True)
    response = models.TextField("ответ администрации", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ответил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField("ответ дан", null=True, blank=True)

    class Meta:
        verbose_name = "предложение"
        verbose_name_plural = "предложения"
        ordering = ["discussion", "order", "pk"]

    def __str__(self) -> str:
        return self.summary[:80]


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = rules.PENDING, "ждёт модерации"
        PUBLISHED = rules.APPROVED, "опубликован"
        REJECTED = rules.REJECTED, "отклонён"

    discussion = models.ForeignKey(
        Discussion, verbose_name="обсуждение", on_delete=models.CASCADE, related_name="comments"
    )
    author_name = models.CharField("подпись автора", max_length=120)
    contact_hash = models.CharField("контакт (свёртка)", max_length=64, db_index=True)
    settlement = models.ForeignKey(
        Settlement,
        verbose_name="поселение",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField("комментарий")
    created_at = models.DateTimeField("получен")
    status = models.CharField("модерация", max_length=10, choices=Status.choices, default=Status.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="модератор",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField("проверен", null=True, blank=True)
    reason = models.ForeignKey(
        ModerationReason,
        verbose_name="причина отклонения",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="comments",
    )
    moderation_note = models.TextField("пояснение модератора", blank=True)
    proposal = models.ForeignKey(
        Proposal,
        verbose_name="предложение",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )

    class Meta:
        verbose_name = "комментарий"
        verbose_name_plural = "комментарии"
        ordering = ["discussion", "created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="comment_status")]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:60]}"
