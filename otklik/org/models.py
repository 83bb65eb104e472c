"""Topics, topic blocks (отраслевые блоки), departments and organisations, staff and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from otklik.core.models import TimeStamped
from otklik.territory.models import Municipality, code_validator

topic_code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$",
    "Код темы: латинские строчные буквы, цифры и «_»; подтема — через точку (housing.heating).",
)

#: The stable top-level topic codes: the act's eight socially significant topics, plus improvement and other.
TOPIC_CODES = (
    "health",
    "housing",
    "waste",
    "energy",
    "education",
    "roads",
    "transport",
    "social",
    "improvement",
    "other",
)


class Topic(TimeStamped):
    """A node of the topic tree: a top-level topic or its subtopic (parent set)."""

    code = models.CharField("код", max_length=60, unique=True, validators=[topic_code_validator])
    name = models.CharField("наименование", max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name="тема", null=True, blank=True, on_delete=models.PROTECT, related_name="subtopics"
    )
    is_significant = models.BooleanField("социально значимая тематика", default=False)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "тема"
        verbose_name_plural = "темы и подтемы"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is None:
            if "." in self.code:
                raise ValidationError({"code": "Код темы верхнего уровня не может содержать точку."})
        else:
            if self.parent is not None and self.parent.parent_id is not None:
                raise ValidationError({"parent": "Подтема может принадлежать только теме верхнего уровня."})
            if self.parent is not None and not self.code.startswith(self.parent.code + "."):
                raise ValidationError({"code": f"Код подтемы должен начинаться с «{self.parent.code}.»."})

    @property
    def root_code(self) -> str:
        return self.code.split(".", 1)[0]


class Department(TimeStamped):
    """A unit of the administration, a subordinate or external organisation that answers cases."""

    class Kind(models.TextChoices):
        UNIT = "unit", "структурное подразделение администрации"
        SETTLEMENT = "settlement", "администрация поселения"
        SUBORDINATE = "subordinate", "подведомственная организация"
        EXTERNAL = "external", "иная организация"

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.PROTECT,
        related_name="departments",
    )
    code = models.SlugField("код", max_length=60, validators=[code_validator])
    name = models.CharField("наименование", max_length=300)
    short_name = models.CharField("краткое наименование", max_length=120, blank=True)
    kind = models.CharField("вид", max_length=20, choices=Kind.choices, default=Kind.UNIT)
    parent = models.ForeignKey(
        "self",
        verbose_name="вышестоящее",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    email = models.EmailField("эл. почта", blank=True)
    phone = models.CharField("телефон", max_length=40, blank=True)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "подразделение или организация"
        verbose_name_plural = "подразделения и организации"
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="department_code_unique"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class Block(TimeStamped):
    """A topic block (отраслевой блок) of the centre with its responsible official."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        on_delete=models.PROTECT,
        related_name="blocks",
    )
    code = models.SlugField("код", max_length=60, validators=[code_validator])
    name = models.CharField("наименование", max_length=200)
    topics = models.ManyToManyField(
        Topic, verbose_name="темы", related_name="blocks", limit_choices_to={"parent__isnull": True}
    )
    owner = models.ForeignKey(
        "User",
        verbose_name="ответственный за блок",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_blocks",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="подразделение",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="blocks",
    )
    answer_review_required = models.BooleanField(
        "ответы проверяются перед отправкой",
        default=False,
        help_text="Ответ уходит автору только после проверки руководителем МЦУ или ответственным за блок.",
    )

    class Meta:
        verbose_name = "отраслевой блок"
        verbose_name_plural = "отраслевые блоки"
        ordering = ["municipality", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="block_code_unique")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff member of the centre, the administration or an organisation."""

    patronymic = models.CharField("отчество", max_length=150, blank=True)
    position = models.CharField("должность", max_length=300, blank=True)
    phone = models.CharField("телефон", max_length=40, blank=True)

    class Meta:
        verbose_name = "сотрудник"
        verbose_name_plural = "сотрудники"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.short_name or self.username

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def short_name(self) -> str:
        """«Быкова А. В.» — the form used on documents."""
        if not self.last_name:
            return ""
        initials = "".join(f"{p[0]}. " for p in (self.first_name, self.patronymic) if p).strip()
        return f"{self.last_name} {initials}".strip()


class Role(models.TextChoices):
    CURATOR = "curator", "куратор МЦУ"
    HEAD = "head", "руководитель МЦУ"
    BLOCK_OWNER = "block_owner", "ответственный за отраслевой блок"
    SPECIALIST = "specialist", "специалист блока / организации"
    INCIDENT_OFFICER = "incident_officer", "ответственный за «Инцидент» и соцсети"
    POS_OFFICER = "pos_officer", "ответственный за ПОС"
    REGISTRAR = "registrar", "делопроизводитель (регистрация обращений 59-ФЗ)"
    ANALYST = "analyst", "аналитик"
    OBSERVER = "observer", "наблюдатель регионального ЦУР"
    INTEGRATION = "integration", "интеграция (техническая учётная запись API)"


#: Roles that may hold a region-wide assignment (no municipality).
REGION_WIDE_ROLES = {Role.CURATOR, Role.HEAD, Role.ANALYST, Role.OBSERVER}


class RoleAssignment(TimeStamped):
    """A role a user holds, with its scope: a municipality (or the whole region), a block, a department."""

    user = models.ForeignKey(User, verbose_name="сотрудник", on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("роль", max_length=30, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципальное образование",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        help_text="Пусто — все муниципальные образования региона.",
    )
    block = models.ForeignKey(
        Block,
        verbose_name="отраслевой блок",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="подразделение",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )

    class Meta:
        verbose_name = "роль сотрудника"
        verbose_name_plural = "роли сотрудников"
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "municipality", "block", "department"], name="role_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.municipality_id is None and self.role not in REGION_WIDE_ROLES:
            errors["municipality"] = "Для этой роли нужно указать муниципальное образование."
        if self.role == Role.BLOCK_OWNER and self.block_id is None:
            errors["block"] = "Ответственному за отраслевой блок нужно указать блок."
        if self.role == Role.SPECIALIST and self.block_id is None and self.department_id is None:
            errors["department"] = "Специалисту нужно указать блок или подразделение."
        if (
            self.block is not None
            and self.municipality_id
            and self.block.municipality_id != self.municipality_id
        ):
            errors["block"] = "Блок относится к другому муниципальному образованию."
        if (
            self.department is not None
            and self.municipality_id
            and self.department.municipality_id != self.municipality_id
        ):
            errors["department"] = "Подразделение относится к другому муниципальному образованию."
        if errors:
            raise ValidationError(errors)
