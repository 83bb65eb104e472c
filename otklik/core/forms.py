"""Form fields shared by the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class BoundedDateField(forms.DateField):
    """A date of the years the application deals with (2000–2100). Dates like 0001-01-01 or 9999-12-31
    would overflow when a filter turns them into moments or adds a day; they get a clear error instead."""

    default_error_messages = {"out_of_range": "Дата должна быть между 01.01.2000 и 31.12.2100."}

    def clean(self, value: Any) -> Any:
        result = super().clean(value)
        if result is not None and not EARLIEST <= result <= LATEST:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return result


class BoundedDateTimeField(forms.DateTimeField):
    """A moment of the years the application deals with (2000–2100), as `BoundedDateField`."""

    default_error_messages = {"out_of_range": "Дата должна быть между 01.01.2000 и 31.12.2100."}

    def clean(self, value: Any) -> Any:
        result = super().clean(value)
        if result is not None and not EARLIEST <= result.date() <= LATEST:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return result
