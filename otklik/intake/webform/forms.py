"""The resident's form: what happened, where, optional contacts and photos."""

from __future__ import annotations

from typing import Any

from django import forms

from otklik.cases.uploads import check_upload
from otklik.intake.fz59.forms import MultipleFileField
from otklik.org.models import Topic
from otklik.territory.models import Municipality, Settlement

MAX_PHOTOS = 5
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


class ResidentForm(forms.Form):
    text = forms.CharField(
        label="Опишите проблему",
        min_length=10,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 7, "placeholder": "Что случилось, где и с какого времени"}),
        error_messages={
            "required": "Опишите проблему.",
            "min_length": "Опишите проблему подробнее: хотя бы 10 знаков.",
            "max_length": "Текст длиннее 5 000 знаков: сократите его.",
        },
    )
    topic = forms.ModelChoiceField(
        label="Тема", queryset=Topic.objects.none(), required=False, empty_label="Не знаю / другое"
    )
    settlement = forms.ModelChoiceField(
        label="Поселение", queryset=Settlement.objects.none(), required=False, empty_label="Не знаю"
    )
    address = forms.CharField(
        label="Адрес или ориентир",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "ул. Ленина, 5, у остановки"}),
    )
    photos = MultipleFileField(label="Фотографии (до 5, JPG или PNG)", required=False)
    name = forms.CharField(
        label="Ваше имя",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Эл. почта — пришлём ссылку и ответ",
        required=False,
        error_messages={"invalid": "Неверный адрес эл. почты."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Телефон",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    consent = forms.BooleanField(
        label="Согласен(на) на обработку моих персональных данных для рассмотрения сообщения (152-ФЗ)",
        required=False,
    )
    website = forms.CharField(
        required=False,
        label="Не заполняйте это поле",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(is_active=True, parent__isnull=True).exclude(
            code="other"
        )
        self.fields["settlement"].queryset = Settlement.objects.filter(municipality=municipality).order_by(
            "name"
        )

    def clean_photos(self) -> list[Any]:
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(f"Не больше {MAX_PHOTOS} фотографий.")
        problems = []
        for photo in photos:
            if not photo.name.lower().endswith(IMAGE_EXTENSIONS):
                problems.append(f"Файл «{photo.name}»: можно приложить только фотографии JPG или PNG.")
                continue
            problem = check_upload(photo)
            if problem:
                problems.append(problem)
        if problems:
            raise forms.ValidationError(problems)
        return photos

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                "Сообщение не отправлено. Если вы человек, очистите скрытое поле формы."
            )
        contacts = data.get("name") or data.get("email") or data.get("phone")
        if contacts and not data.get("consent"):
            self.add_error(
                "consent", "Чтобы указать контакты, дайте согласие на обработку персональных данных."
            )
        return data
