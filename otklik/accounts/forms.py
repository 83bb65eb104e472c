from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Код из приложения",
        min_length=6,
        max_length=8,
        error_messages={
            "required": "Введите шестизначный код из приложения-аутентификатора.",
            "min_length": "Код состоит из шести цифр.",
            "max_length": "Код состоит из шести цифр.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError("Код состоит только из цифр.")
        return code


class PasswordForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Текущий пароль введён неверно.",
        "password_mismatch": "Новый пароль и его повтор не совпадают.",
    }
