"""The resident's form: what happened, where, optional contacts and photos."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms

from otklik.cases.uploads import check_upload
from otklik.intake.fz59.forms import MultipleFileField, MultipleFileInput
from otklik.org.models import Topic
from otklik.territory.models import Municipality, Settlement

TEXT_MIN = 10
TEXT_MAX = 5000
MAX_PHOTOS = 5
#: Photos only; check_upload then checks the content against the extension, the size and programs.
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")
#: iPhone photos: Safari converts them to JPEG itself when the field accepts JPEG only (see `accept`).
HEIC_EXTENSIONS = ("heic", "heif")
CONSENT_TEXT = (
    "Согласен(на) на обработку моих персональных данных (имя, эл. почта, телефон) администрацией для "
    "рассмотрения обращения и ответа на него (Федеральный закон № 152-ФЗ)."
)


class TelInput(forms.TextInput):
    input_type = "tel"


class ResidentForm(forms.Form):
    text = forms.CharField(
        label="Опишите проблему",
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        help_text="Что случилось, где именно и с какого времени.",
        widget=forms.Textarea(attrs={"rows": 7}),
        error_messages={
            "required": "Опишите проблему.",
            "min_length": f"Опишите проблему подробнее: хотя бы {TEXT_MIN} знаков.",
            "max_length": "Текст длиннее 5 000 знаков: сократите его.",
        },
    )
    topic = forms.ModelChoiceField(
        label="Тема", queryset=Topic.objects.none(), required=False, empty_label="Другое / не знаю"
    )
    settlement = forms.ModelChoiceField(
        label="Поселение",
        queryset=Settlement.objects.none(),
        required=False,
        empty_label="Не знаю",
        error_messages={"invalid_choice": "Выберите поселение из списка."},
    )
    address = forms.CharField(
        label="Адрес или ориентир",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "ул. Ленина, 5, у остановки", "autocomplete": "off"}),
    )
    photos = MultipleFileField(
        label="Фотографии",
        required=False,
        help_text=f"До {MAX_PHOTOS} снимков в формате JPG или PNG, каждый не больше 10 МБ.",
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,.jpg,.jpeg,.png"}),
    )
    name = forms.CharField(
        label="Фамилия, имя, отчество",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Электронная почта",
        required=False,
        help_text="Пришлём номер обращения и ссылку, по которой будет виден ответ.",
        error_messages={"invalid": "Проверьте адрес электронной почты: например, ivanova@mail.ru."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    phone = forms.CharField(
        label="Телефон",
        max_length=40,
        required=False,
        widget=TelInput(attrs={"autocomplete": "tel"}),
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)
    # A honeypot: hidden from people (CSS, aria-hidden, no tab stop), filled in by form-filling bots.
    website = forms.CharField(
        required=False,
        label="Не заполняйте это поле",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topic_field: Any = self.fields["topic"]
        topic_field.queryset = (
            Topic.objects.filter(is_active=True, parent__isnull=True).exclude(code="other").order_by("name")
        )
        settlement_field: Any = self.fields["settlement"]
        settlement_field.queryset = Settlement.objects.filter(municipality=municipality).order_by("name")

    def clean_photos(self) -> list[Any]:
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(
                f"Можно приложить не больше {MAX_PHOTOS} фотографий, а выбрано {len(photos)}."
            )
        problems = []
        for photo in photos:
            ext = PurePath(photo.name or "").suffix.lower().lstrip(".")
            if ext in HEIC_EXTENSIONS:
                problems.append(
                    f"Файл «{photo.name}» — снимок iPhone в формате HEIC. Выберите фото из галереи через "
                    "кнопку на этой странице (телефон сам сохранит его как JPG) или сделайте снимок экрана."
                )
            elif ext not in IMAGE_EXTENSIONS:
                problems.append(f"Файл «{photo.name}»: можно приложить только фотографии JPG или PNG.")
            elif problem := check_upload(photo):
                problems.append(problem)
        if problems:
            raise forms.ValidationError(problems)
        return photos

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise forms.ValidationError(
                "Сообщение не отправлено: заполнено скрытое служебное поле. "
                "Обновите страницу и попробуйте снова.",
                code="honeypot",
            )
        contacts = data.get("name") or data.get("email") or data.get("phone")
        if contacts and not data.get("consent"):
            self.add_error(
                "consent",
                "Чтобы указать контакты, дайте согласие на обработку персональных данных — "
                "или сотрите контакты и отправьте обращение анонимно.",
            )
        return data
