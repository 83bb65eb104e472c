# mypy: disable-error-code="misc"
"""Forms of the problems pages: what a person enters, checked before a service is called."""

from __future__ import annotations

from typing import Any

from django import forms

from otklik.cases.models import Kind
from otklik.core.forms import BoundedDateField
from otklik.org.models import Department, Role, Topic, User
from otklik.problems.models import CauseCategory, MeasureStatus, Problem
from otklik.problems.selectors import TABS
from otklik.territory.models import Municipality, Settlement

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STAFF_ROLES = (Role.SPECIALIST, Role.BLOCK_OWNER, Role.HEAD, Role.CURATOR)


class ListFilterForm(forms.Form):
    tab = forms.ChoiceField(
        required=False, widget=forms.HiddenInput, choices=[(k, v[0]) for k, v in TABS.items()]
    )
    mo = forms.ChoiceField(label="Муниципальное образование", required=False)
    topic = forms.ModelChoiceField(
        label="Тема", required=False, queryset=Topic.objects.none(), empty_label="все темы"
    )
    settlement = forms.ModelChoiceField(
        label="Поселение", required=False, queryset=Settlement.objects.none(), empty_label="все поселения"
    )

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = len(municipalities) > 1
        self.fields["mo"].choices = ([("", "все")] if region else []) + [
            (m.code, m.name) for m in municipalities
        ]
        if not region:
            self.fields["mo"].widget = forms.HiddenInput()
        self.fields["topic"].queryset = Topic.objects.filter(parent__isnull=True, is_active=True)
        self.fields["settlement"].queryset = Settlement.objects.filter(
            municipality__in=municipalities
        ).order_by("name")


class ConfirmForm(forms.Form):
    title = forms.CharField(
        label="Название проблемы",
        max_length=300,
        required=False,
        help_text="Коротко: что и где, например «Нет вывоза ТКО, х. Майоровский».",
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="Почему это не проблема",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Эта группа обращений больше не будет предлагаться, пока не вырастет.",
    )


class MergeForm(forms.Form):
    sources = forms.TypedMultipleChoiceField(
        label="Присоединить к этой проблеме",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Обращения и мероприятия отмеченных проблем перейдут сюда.",
    )

    def __init__(self, *args: Any, targets: list[Problem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sources"].choices = [(p.pk, f"{p.title} ({p.get_status_display()})") for p in targets]


class SplitForm(forms.Form):
    title = forms.CharField(label="Название новой проблемы", max_length=300)
    cases = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)

    def __init__(self, *args: Any, case_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [(pk, pk) for pk in case_ids]
        self.fields["cases"].error_messages["required"] = "Отметьте обращения, которые нужно выделить."


class MoveCasesForm(forms.Form):
    cases = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)
    target = forms.TypedChoiceField(label="Куда", coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, case_ids: list[int], targets: list[Problem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [(pk, pk) for pk in case_ids]
        self.fields["cases"].error_messages["required"] = "Отметьте обращения."
        self.fields["target"].choices = [("", "— исключить из проблемы —")] + [
            (p.pk, f"{p.title} ({p.get_status_display()})") for p in targets
        ]


class AddCaseForm(forms.Form):
    number = forms.CharField(
        label="Номер обращения",
        max_length=60,
        help_text="Регистрационный номер (ПОС-26-00012) или номер карточки.",
    )


class ProblemEditForm(forms.Form):
    title = forms.CharField(label="Название", max_length=300)
    cause_category = forms.ChoiceField(
        label="Категория коренной причины",
        required=False,
        choices=[("", "— не определена —"), *CauseCategory.choices],
    )
    root_cause = forms.CharField(
        label="Анализ коренной причины",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Почему это повторяется: что сломано, кто не выполняет обязательства, чего не хватает.",
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label="Что сделано",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Проблему признаёт решённой человек; система покажет, прекратились ли сообщения.",
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label="Почему проблема снова в работе", widget=forms.Textarea(attrs={"rows": 2}))


class _Listed(list[Any]):
    """The rows of a queryset, read once, with the queryset itself."""

    def __init__(self, queryset: Any) -> None:
        super().__init__(queryset)
        self.queryset = queryset


class MeasureOptions:
    """The staff and organisations a measure's form offers, read once for every form of a page."""

    def __init__(self, municipality_id: int) -> None:
        self.staff = _Listed(
            User.objects.filter(
                is_active=True, roles__municipality_id=municipality_id, roles__role__in=STAFF_ROLES
            )
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.departments = _Listed(
            Department.objects.filter(municipality_id=municipality_id, is_active=True).order_by("name")
        )


class MeasureForm(forms.Form):
    title = forms.CharField(label="Мероприятие", widget=forms.Textarea(attrs={"rows": 2}))
    responsible_position = forms.CharField(label="Должность ответственного", max_length=300, required=False)
    responsible_name = forms.CharField(label="ФИО ответственного", max_length=300)
    responsible_user = forms.ModelChoiceField(
        label="Сотрудник в системе",
        required=False,
        queryset=User.objects.none(),
        empty_label="— не работает в системе —",
        help_text="Ему придут напоминания о сроке.",
    )
    department = forms.ModelChoiceField(
        label="Организация из справочника", required=False, queryset=Department.objects.none()
    )
    organisation = forms.CharField(
        label="или организация (текстом)",
        max_length=300,
        required=False,
        help_text="Например, ООО «Экоцентр».",
    )
    start_on = BoundedDateField(label="Срок начала", widget=DATE)
    due_on = BoundedDateField(label="Срок исполнения", widget=DATE)

    def __init__(
        self, *args: Any, municipality_id: int, options: MeasureOptions | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        options = options or MeasureOptions(municipality_id)
        for name, items in (("responsible_user", options.staff), ("department", options.departments)):
            field = self.fields[name]
            field.queryset = items.queryset  # what validation accepts
            # The page shows one form per measure: the options are read once, not once a form.
            field.widget.choices = [
                ("", field.empty_label),
                *((o.pk, field.label_from_instance(o)) for o in items),
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, due = data.get("start_on"), data.get("due_on")
        if start and due and due < start:
            self.add_error("due_on", "Срок исполнения раньше срока начала.")
        return data


class MeasureStatusForm(forms.Form):
    status = forms.ChoiceField(label="Статус", choices=MeasureStatus.choices)
    completed_on = BoundedDateField(
        label="Дата выполнения",
        required=False,
        widget=DATE,
        help_text="Для «выполнено»; по умолчанию — сегодня.",
    )
    evidence = forms.CharField(
        label="Подтверждение выполнения",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Документ, акт, фото: что подтверждает результат.",
    )
    file = forms.FileField(label="Файл подтверждения", required=False)


class BoardFilterForm(forms.Form):
    block = forms.TypedChoiceField(label="Блок", coerce=int, empty_value=None, required=False)
    mine = forms.BooleanField(label="Только мои", required=False)
    overdue = forms.BooleanField(label="Только просроченные", required=False)

    def __init__(self, *args: Any, blocks: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["block"].choices = [("", "все блоки")] + [(b.pk, b.name) for b in blocks]


class AcceleratedForm(forms.Form):
    mo = forms.ChoiceField(label="Муниципальное образование", required=False)
    kind = forms.ChoiceField(
        label="Вид",
        required=False,
        choices=[
            (Kind.APPEAL, "обращения (59-ФЗ)"),
            (Kind.MESSAGE, "сообщения (ПОС)"),
            (Kind.INCIDENT, "инциденты"),
            ("all", "все"),
        ],
    )
    date_from = BoundedDateField(label="Ответ дан с", required=False, widget=DATE)
    date_to = BoundedDateField(label="по", required=False, widget=DATE)

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = len(municipalities) > 1
        self.fields["mo"].choices = ([("", "весь регион")] if region else []) + [
            (m.code, m.name) for m in municipalities
        ]
        if not region:
            self.fields["mo"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Конец периода раньше начала.")
        return data
