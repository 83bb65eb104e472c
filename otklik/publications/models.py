"""The content plan («Госпаблики»): posts for the administration's official pages, their approval by the
head of the centre, the scheduled time, and their publication (link and time)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from otklik.core.models import TimeStamped
from otklik.org.models import Topic
from otklik.publications import rules
from otklik.territory.models import Municipality


class OfficialPage(TimeStamped):
    """An official page of the administration: a community in a social network, a channel, the site."""

    class Network(models.TextChoices):
        VK = "vk", "ВКонтакте"
        OK = "ok", "Одноклассники"
        TELEGRAM = "telegram", "Telegram"
        MAX = "max", "MAX"
        SITE = "site", "официальный сайт"
        OTHER = "other", "другое"

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.PROTECT,
        related_name="official_pages",
    )
    name = models.CharField("название", max_length=200)
    network = models.CharField("площадка", max_length=20, choices=Network.choices)
    url = models.URLField("адрес", max_length=500)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "официальная страница"
        verbose_name_plural = "официальные страницы (госпаблики)"
        ordering = ["municipality", "order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_network_display()})"


class Post(TimeStamped):
    """One item of the content plan: a post on an official page at a planned time."""

    class Status(models.TextChoices):
        DRAFT = rules.DRAFT, "черновик"
        PLANNED = rules.PLANNED, "запланирована"
        APPROVED = rules.APPROVED, "согласована"
        PUBLISHED = rules.PUBLISHED, "опубликована"
        CANCELLED = rules.CANCELLED, "отменена"

    municipality = models.ForeignKey(
        Municipality, verbose_name="муниципальное образование", on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField("заголовок", max_length=300)
    text = models.TextField("текст")
    topic = models.ForeignKey(
        Topic,
        verbose_name="тема",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
        limit_choices_to={"parent__isnull": True},
    )
    page = models.ForeignKey(
        OfficialPage, verbose_name="официальная страница", on_delete=models.PROTECT, related_name="posts"
    )
    planned_at = models.DateTimeField("запланировано на")
    status = models.CharField("состояние", max_length=20, choices=Status.choices, default=Status.DRAFT)
    problem = models.ForeignKey(
        "problems.Problem",
        verbose_name="проблема",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
        help_text="Публикация разъясняет жителям, что делается по проблеме.",
    )
    measure = models.ForeignKey(
        "problems.Measure",
        verbose_name="мероприятие",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="автор", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="согласовал",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField("согласовано", null=True, blank=True)
    published_at = models.DateTimeField("опубликовано", null=True, blank=True)
    published_url = models.URLField("ссылка на публикацию", max_length=500, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="отметил опубликованной",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Пусто — опубликовано автоматически.",
    )
    note = models.TextField("замечание", blank=True, help_text="Почему возвращена на доработку или отменена.")
    send_attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)
    send_error = models.CharField("ошибка отправки", max_length=500, blank=True)
    next_attempt_at = models.DateTimeField("следующая попытка", null=True, blank=True)
    send_claimed_at = models.DateTimeField("отправляется с", null=True, blank=True)

    class Meta:
        verbose_name = "публикация"
        verbose_name_plural = "контент-план"
        ordering = ["planned_at", "pk"]
        indexes = [models.Index(fields=["status", "planned_at"], name="post_status_planned")]

    def __str__(self) -> str:
        return self.title
