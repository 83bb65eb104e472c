"""Municipality → settlement (городское/сельское поселение) → locality (населённый пункт)."""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from otklik.core.geo import validate_geometry
from otklik.core.models import TimeStamped
from otklik.territory.numbering import DEFAULT_REGISTRATION_FORMAT, validate_registration_format

code_validator = RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", "Код: латинские строчные буквы, цифры, «-» и «_».")


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Неизвестный часовой пояс: {value}") from exc


class Municipality(TimeStamped):
    """A municipal district or okrug; an installation may hold many (a whole region)."""

    class Kind(models.TextChoices):
        DISTRICT = "district", "муниципальный район"
        OKRUG = "okrug", "муниципальный округ"
        CITY = "city", "городской округ"

    code = models.SlugField("код", max_length=40, unique=True, validators=[code_validator])
    name = models.CharField("наименование", max_length=200)
    kind = models.CharField("вид", max_length=20, choices=Kind.choices, default=Kind.DISTRICT)
    region = models.CharField("субъект РФ", max_length=200)
    oktmo = models.CharField("ОКТМО", max_length=11, blank=True)
    timezone = models.CharField(
        "часовой пояс", max_length=64, default="Europe/Volgograd", validators=[validate_timezone]
    )
    work_day_start = models.TimeField("начало рабочего дня", default=time(9, 0))
    work_day_end = models.TimeField("конец рабочего дня", default=time(18, 0))
    at_risk_working_days = models.PositiveSmallIntegerField(
        "«под угрозой» за, рабочих дней",
        default=2,
        help_text="За сколько рабочих дней до срока обращение отмечается как «срок под угрозой».",
    )
    escalate_to_head_after_working_days = models.PositiveSmallIntegerField(
        "эскалация руководителю МЦУ через, рабочих дней",
        default=1,
        help_text="Через сколько рабочих дней просрочки обращение передаётся на контроль руководителю МЦУ.",
    )
    population = models.PositiveIntegerField("население", default=0)
    registration_number_format = models.CharField(
        "формат регистрационного номера",
        max_length=60,
        default=DEFAULT_REGISTRATION_FORMAT,
        validators=[validate_registration_format],
        help_text="Подстановки: {prefix} — ОГ, ПОС или ИНЦ; {yyyy} или {yy} — год; {n} — порядковый номер "
        "(с ведущими нулями: {n:05d}); {code} — код МО. Например: {prefix}-{yy}-{n:05d} → ОГ-26-00042.",
    )
    centre = models.JSONField("центр (GeoJSON Point)", null=True, blank=True, validators=[validate_geometry])
    boundary = models.JSONField("граница (GeoJSON)", null=True, blank=True, validators=[validate_geometry])

    class Meta:
        verbose_name = "муниципальное образование"
        verbose_name_plural = "муниципальные образования"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.work_day_start and self.work_day_end and self.work_day_start >= self.work_day_end:
            raise ValidationError({"work_day_end": "Конец рабочего дня должен быть позже начала."})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Settlement(TimeStamped):
    """An urban or rural settlement (поселение) inside a municipality."""

    class Kind(models.TextChoices):
        URBAN = "urban", "городское поселение"
        RURAL = "rural", "сельское поселение"
        TERRITORY = "territory", "территориальный отдел"

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    code = models.SlugField("код", max_length=60, validators=[code_validator])
    name = models.CharField("наименование", max_length=200)
    kind = models.CharField("вид", max_length=20, choices=Kind.choices)
    population = models.PositiveIntegerField("население", validators=[MinValueValidator(0)])
    centre = models.JSONField("центр (GeoJSON Point)", null=True, blank=True, validators=[validate_geometry])
    boundary = models.JSONField("граница (GeoJSON)", null=True, blank=True, validators=[validate_geometry])

    class Meta:
        verbose_name = "поселение"
        verbose_name_plural = "поселения"
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="settlement_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Locality(TimeStamped):
    """A populated place (населённый пункт): town, stanitsa, khutor, village, settlement."""

    class Kind(models.TextChoices):
        TOWN = "town", "г."
        STANITSA = "stanitsa", "ст-ца"
        KHUTOR = "khutor", "х."
        VILLAGE = "village", "с."
        POSYOLOK = "posyolok", "пос."
        STATION = "station", "ж/д ст."

    settlement = models.ForeignKey(
        Settlement, verbose_name="поселение", on_delete=models.PROTECT, related_name="localities"
    )
    name = models.CharField("наименование", max_length=200)
    kind = models.CharField("тип", max_length=20, choices=Kind.choices)
    is_centre = models.BooleanField("административный центр поселения", default=False)
    population = models.PositiveIntegerField("население", default=0)
    location = models.JSONField(
        "точка (GeoJSON Point)", null=True, blank=True, validators=[validate_geometry]
    )

    class Meta:
        verbose_name = "населённый пункт"
        verbose_name_plural = "населённые пункты"
        ordering = ["settlement", "-is_centre", "name"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "kind", "name"], name="locality_name_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class Street(TimeStamped):
    """A street (or lane, square, microdistrict) of a locality: the gazetteer resolves «по улице Ленина»."""

    class Kind(models.TextChoices):
        STREET = "ул.", "улица"
        LANE = "пер.", "переулок"
        AVENUE = "пр-т", "проспект"
        SQUARE = "пл.", "площадь"
        DISTRICT = "мкр", "микрорайон"
        PASSAGE = "пр.", "проезд"

    locality = models.ForeignKey(
        Locality, verbose_name="населённый пункт", on_delete=models.CASCADE, related_name="streets"
    )
    kind = models.CharField("тип", max_length=10, choices=Kind.choices, default=Kind.STREET)
    name = models.CharField("наименование", max_length=200, help_text="Без типа: «Ленина», «Молодёжная».")

    class Meta:
        verbose_name = "улица"
        verbose_name_plural = "улицы"
        ordering = ["locality", "name"]
        constraints = [models.UniqueConstraint(fields=["locality", "kind", "name"], name="street_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"
