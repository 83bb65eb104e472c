"""The operator's form for a 59-ФЗ appeal received on paper, at a reception, by phone or e-mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils import timezone

from otklik.cases.models import Channel
from otklik.cases.uploads import check_upload
from otklik.org.models import Topic
from otklik.org.selectors import topic_choices
from otklik.territory.models import Municipality, Settlement

CHANNELS = [
    (Channel.PAPER, "письмо (на бумаге)"),
    (Channel.RECEPTION, "личный приём"),
    (Channel.PHONE, "телефон"),
    (Channel.EMAIL, "электронная почта"),
]
MAX_FILES = 20
MAX_CO_AUTHORS = 500
TEXT_MAX = 100_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def parse_co_authors(text: str) -> list[dict[str, str]]:
    """One co-author a line: «Фамилия Имя Отчество; адрес или e-mail». Errors name the line."""
    people = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, _, contact = (part.strip() for part in line.partition(";"))
        if len(name.split()) < 2:
            raise forms.ValidationError(
                f"Строка {number}: укажите фамилию и имя соавтора (например: «Иванова Анна Петровна; "
                "ул. Ленина, 5, кв. 2»)."
            )
        person = {"name": name[:300]}
        if contact:
            if "@" in contact and " " not in contact:
                try:
                    validate_email(contact)
                except forms.ValidationError:
                    raise forms.ValidationError(
                        f"Строка {number}: неверный адрес эл. почты «{contact}»."
                    ) from None
                person["email"] = contact
            else:
                person["address"] = contact[:500]
        people.append(person)
    if len(people) > MAX_CO_AUTHORS:
        raise forms.ValidationError(f"Соавторов больше {MAX_CO_AUTHORS}: приложите список подписей файлом.")
    return people


class AppealForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label="Муниципальное образование", queryset=Municipality.objects.none(), empty_label=None
    )
    channel = forms.ChoiceField(label="Как поступило", choices=CHANNELS, initial=Channel.PAPER)
    received_at = forms.DateTimeField(
        label="Дата и время поступления",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%d.%m.%Y"],
        error_messages={
            "required": "Укажите дату поступления.",
            "invalid": "Дата в формате ДД.ММ.ГГГГ ЧЧ:ММ.",
        },
    )
    last_name = forms.CharField(label="Фамилия", max_length=100, required=False)
    first_name = forms.CharField(label="Имя", max_length=100, required=False)
    patronymic = forms.CharField(label="Отчество (при наличии)", max_length=100, required=False)
    postal_address = forms.CharField(
        label="Почтовый адрес для ответа",
        max_length=500,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "индекс, населённый пункт, улица, дом"}
        ),
    )
    email = forms.EmailField(
        label="Адрес эл. почты для ответа",
        required=False,
        error_messages={"invalid": "Неверный адрес эл. почты."},
    )
    phone = forms.CharField(label="Телефон", max_length=40, required=False)
    anonymous = forms.BooleanField(
        label="Анонимное обращение: нет фамилии или адреса для ответа (ст. 11 59-ФЗ — ответ не даётся)",
        required=False,
    )
    text = forms.CharField(
        label="Текст обращения (суть предложения, заявления или жалобы)",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=TEXT_MAX,
        error_messages={
            "required": "Введите текст обращения.",
            "max_length": "Текст длиннее 100 000 знаков.",
        },
    )
    topic = forms.TypedChoiceField(label="Тематика", required=False, coerce=int, empty_value=None)
    settlement = forms.ModelChoiceField(
        label="Поселение",
        queryset=Settlement.objects.none(),
        required=False,
        empty_label="— определить по адресу —",
    )
    address = forms.CharField(label="Адрес проблемы (если есть)", max_length=500, required=False)
    co_authors = forms.CharField(
        label="Соавторы коллективного обращения",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Иванова Анна Петровна; ул. Ленина, 5, кв. 2"}
        ),
        help_text="По одному на строку: ФИО; почтовый адрес или эл. почта.",
    )
    attachments = MultipleFileField(label="Вложения (скан письма, фотографии, документы)", required=False)

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(
            pk__in=[m.pk for m in municipalities]
        )
        self._only = municipalities[0] if len(municipalities) == 1 else None
        if self._only is not None:
            self.fields["municipality"].initial = self._only.pk
            self.fields["municipality"].required = False
            self.fields["municipality"].widget = forms.HiddenInput()
        self.fields["topic"].choices = topic_choices()
        self.fields["settlement"].queryset = Settlement.objects.filter(
            municipality__in=[m.pk for m in municipalities]
        ).order_by("name")
        if not self.is_bound:
            self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_municipality(self) -> Municipality:
        value = self.cleaned_data.get("municipality") or self._only
        if value is None:
            raise forms.ValidationError("Выберите муниципальное образование.")
        return value

    def clean_received_at(self) -> Any:
        value = self.cleaned_data["received_at"]
        now = timezone.now()
        if value > now + timedelta(minutes=5):
            raise forms.ValidationError("Дата поступления не может быть в будущем.")
        if value < now - timedelta(days=366):
            raise forms.ValidationError("Дата поступления больше года назад: проверьте год.")
        return value

    def clean_co_authors(self) -> list[dict[str, str]]:
        return parse_co_authors(self.cleaned_data.get("co_authors", ""))

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Не больше {MAX_FILES} файлов за раз.")
        problems = []
        for f in files:
            problem = check_upload(f)
            if problem:
                problems.append(problem)
        if problems:
            raise forms.ValidationError(problems)
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("anonymous"):
            return data
        if not (data.get("last_name") and data.get("first_name")):
            self.add_error(
                "last_name",
                "59-ФЗ требует фамилию и имя автора. Если их нет — отметьте «Анонимное обращение».",
            )
        if not (data.get("postal_address") or data.get("email")):
            self.add_error(
                "postal_address",
                "Укажите почтовый адрес или адрес эл. почты для ответа, либо отметьте «Анонимное обращение».",
            )
        municipality, settlement = data.get("municipality"), data.get("settlement")
        if settlement and municipality and settlement.municipality_id != municipality.pk:
            self.add_error("settlement", "Поселение из другого муниципального образования.")
        return data

    def clean_topic(self) -> Topic | None:
        pk = self.cleaned_data.get("topic")
        return Topic.objects.filter(pk=pk, is_active=True).first() if pk else None
