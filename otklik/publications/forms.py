"""Forms of the content plan."""

from __future__ import annotations

from typing import Any

from django import forms

from otklik.core.forms import BoundedDateField, BoundedDateTimeField
from otklik.org.models import Topic
from otklik.problems.models import Measure, Problem, ProblemStatus
from otklik.publications.models import OfficialPage
from otklik.territory.models import Municipality

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: Problems a post may explain: confirmed ones and those already solved.
LINKABLE = (ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED)


class PostForm(forms.Form):
    title = forms.CharField(label="Заголовок", max_length=300)
    text = forms.CharField(label="Текст публикации", widget=forms.Textarea(attrs={"rows": 8}))
    page = forms.ModelChoiceField(label="Официальная страница", queryset=OfficialPage.objects.none())
    planned_at = BoundedDateTimeField(label="Дата и время публикации", widget=DATETIME)
    topic = forms.ModelChoiceField(
        label="Тема", queryset=Topic.objects.none(), required=False, empty_label="— без темы —"
    )
    problem = forms.ModelChoiceField(
        label="Разъясняет проблему",
        queryset=Problem.objects.none(),
        required=False,
        empty_label="— не связана —",
        help_text="Подтверждённые и решённые проблемы из реестра повторяющихся проблем.",
    )
    measure = forms.ModelChoiceField(
        label="Мероприятие дорожной карты",
        queryset=Measure.objects.none(),
        required=False,
        empty_label="— не связана —",
    )

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [m.pk for m in municipalities]
        fields: Any = self.fields
        fields["page"].queryset = OfficialPage.objects.filter(
            municipality_id__in=ids, is_active=True
        ).order_by("municipality__name", "order", "name")
        fields["topic"].queryset = Topic.objects.filter(parent__isnull=True, is_active=True).order_by("order")
        fields["problem"].queryset = Problem.objects.filter(
            municipality_id__in=ids, status__in=LINKABLE
        ).order_by("-created_at")
        fields["measure"].queryset = (
            Measure.objects.filter(problem__municipality_id__in=ids, problem__status__in=LINKABLE)
            .select_related("problem")
            .order_by("problem__title", "order")
        )
        fields["measure"].label_from_instance = lambda m: f"{m.problem.title}: {m.title[:80]}"
        if len(municipalities) == 1:
            fields["page"].empty_label = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problem, measure = data.get("problem"), data.get("measure")
        if measure is not None and problem is None:
            data["problem"] = problem = measure.problem
        if measure is not None and problem is not None and measure.problem_id != problem.pk:
            self.add_error("measure", "Мероприятие относится к другой проблеме.")
        return data


class PublishedForm(forms.Form):
    url = forms.URLField(
        label="Ссылка на опубликованный пост",
        max_length=500,
        assume_scheme="https",
        error_messages={
            "required": "Укажите ссылку на пост.",
            "invalid": "Укажите ссылку целиком: https://…",
        },
    )


class NoteForm(forms.Form):
    note = forms.CharField(label="Замечание", required=False, max_length=2000, widget=forms.TextInput())


class PeriodForm(forms.Form):
    date_from = BoundedDateField(label="С", widget=DATE)
    date_to = BoundedDateField(label="по", widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Конец периода раньше начала.")
        if start and end and (end - start).days > 366:
            self.add_error("date_to", "Выгрузка — не больше чем за год.")
        return data
