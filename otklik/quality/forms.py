"""The rating form: the one-page form of the survey link and the operator's form for a phone rating."""

from __future__ import annotations

from typing import Any

from django import forms

from otklik.quality.services import COMMENT_MAX

SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class RatingForm(forms.Form):
    satisfied = forms.ChoiceField(
        label="Устраивает ли ответ",
        choices=[("yes", "Да, устраивает"), ("no", "Нет, не устраивает")],
        error_messages={
            "required": "Ответьте, пожалуйста: устраивает ли вас ответ.",
            "invalid_choice": "Ответьте, пожалуйста: устраивает ли вас ответ.",
        },
    )
    score = forms.ChoiceField(
        label="Оценка от 1 до 5",
        choices=SCORE_CHOICES,
        required=False,
        error_messages={"invalid_choice": "Оценка должна быть от 1 до 5."},
    )
    comment = forms.CharField(
        label="Комментарий",
        required=False,
        max_length=COMMENT_MAX,
        error_messages={"max_length": f"Комментарий длиннее {COMMENT_MAX} символов."},
    )

    def rating(self) -> dict[str, Any]:
        """The cleaned values as `rate()` takes them."""
        data = self.cleaned_data
        return {
            "satisfied": data["satisfied"] == "yes",
            "score": int(data["score"]) if data.get("score") else None,
            "comment": data.get("comment", ""),
        }

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return ""
