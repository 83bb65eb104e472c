"""Forms of the case page's actions. Each carries the case version the user saw (optimistic lock)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from otklik.cases.models import Case, NoAnswerReason
from otklik.cases.selectors import assignable_users
from otklik.cases.uploads import ALLOWED_EXTENSIONS, MAX_FILES, check_upload

ANSWER_MIN_LENGTH = 20
REQUIRED = "Заполните это поле."


def _required(message: str = REQUIRED) -> dict[str, str]:
    return {"required": message}


class ActionForm(forms.Form):
    """An action without input of its own: only the version of the case the user saw."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "Не передана версия обращения: обновите страницу.",
            "invalid": "Неверная версия обращения: обновите страницу.",
            "min_value": "Неверная версия обращения: обновите страницу.",
        },
    )

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        self.case = case
        super().__init__(*args, **kwargs)


class CloseForm(ActionForm):
    note = forms.CharField(
        label="Комментарий (необязательно)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.full_name or obj.username
        return f"{name}, {obj.position}" if obj.position else name


class AssignForm(ActionForm):
    owner = _OwnerChoiceField(
        label="Исполнитель",
        queryset=None,
        empty_label="— выберите исполнителя —",
        error_messages={
            "required": "Выберите исполнителя.",
            "invalid_choice": "Этого сотрудника нельзя назначить исполнителем: выберите из списка.",
        },
    )
    note = forms.CharField(
        label="Поручение исполнителю (необязательно)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        if case is None:
            raise ValueError("AssignForm needs the case to list its possible owners")
        self.fields["owner"].queryset = assignable_users(case)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files; each is checked by `FileField`, the list by the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AnswerForm(ActionForm):
    text = forms.CharField(
        label="Ответ по существу",
        min_length=ANSWER_MIN_LENGTH,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Напишите текст ответа.",
            "min_length": (
                "Ответ слишком короткий: изложите решение по существу "
                f"(не менее {ANSWER_MIN_LENGTH} символов, сейчас %(show_value)d)."
            ),
            "max_length": "Ответ слишком длинный: не более %(limit_value)d символов.",
        },
    )
    files = MultipleFileField(
        label="Файлы к ответу (необязательно)",
        required=False,
        help_text=(
            f"До {MAX_FILES} файлов, каждый не больше 10 МБ; форматы: {', '.join(ALLOWED_EXTENSIONS)}."
        ),
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}),
        error_messages={
            "invalid": "Не удалось прочитать файл: попробуйте приложить его ещё раз.",
            "empty": "Файл пустой.",
        },
    )

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                f"Можно приложить не больше {MAX_FILES} файлов, а выбрано {len(files)}."
            )
        problems = [p for p in (check_upload(f) for f in files) if p]
        if problems:
            raise forms.ValidationError(problems)
        return files


class ExtendForm(ActionForm):
    reason = forms.CharField(
        label="Причина продления",
        max_length=2000,
        help_text="Причина сообщается автору обращения.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Укажите причину продления срока: она сообщается автору."),
    )


class RedirectForm(ActionForm):
    to_body = forms.CharField(
        label="Куда направить",
        max_length=300,
        help_text="Орган или организация, к компетенции которых относится вопрос.",
        error_messages=_required("Укажите орган или организацию, куда направляется обращение."),
    )
    reason = forms.CharField(
        label="Обоснование (необязательно)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReopenForm(ActionForm):
    reason = forms.CharField(
        label="Причина возобновления",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Укажите причину возобновления."),
    )


class NoAnswerForm(ActionForm):
    reason = forms.ChoiceField(
        label="Основание (59-ФЗ)",
        choices=[("", "— выберите основание —"), *NoAnswerReason.choices],
        error_messages={
            "required": "Выберите основание из перечня 59-ФЗ.",
            "invalid_choice": "Выберите основание из перечня 59-ФЗ.",
        },
    )
    comment = forms.CharField(
        label="Комментарий (необязательно)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReworkForm(ActionForm):
    reason = forms.CharField(
        label="Что исправить в ответе",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Укажите, что нужно исправить в ответе."),
    )


#: The form of each action.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    "register": ActionForm,
    "assign": AssignForm,
    "take": ActionForm,
    "answer": AnswerForm,
    "extend": ExtendForm,
    "redirect": RedirectForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "no_answer": NoAnswerForm,
    "rework": ReworkForm,
}
