"""Dates typed into forms stay within 2000–2100: a slip like 0202 or 20266 gets a clear error, not a
stored year that no filter or deadline can handle."""

from __future__ import annotations

import pytest

from otklik.core.forms import BoundedDateField, BoundedDateTimeField
from otklik.problems.forms import MeasureForm, MeasureStatusForm
from otklik.publications.forms import PeriodForm, PostForm

ERROR = "Дата должна быть между 01.01.2000 и 31.12.2100."


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        (BoundedDateField(), "2026-11-30", True),
        (BoundedDateField(), "2000-01-01", True),
        (BoundedDateField(), "2100-12-31", True),
        (BoundedDateField(), "1999-12-31", False),
        (BoundedDateField(), "0202-05-01", False),
        (BoundedDateTimeField(), "2026-11-30T10:00", True),
        (BoundedDateTimeField(), "0202-05-01T10:00", False),
        (BoundedDateTimeField(), "2101-01-01T00:00", False),
    ],
)
def test_bounded_fields(field, value, ok):
    from django import forms

    if ok:
        assert field.clean(value)
    else:
        with pytest.raises(forms.ValidationError, match=ERROR):
            field.clean(value)


@pytest.mark.parametrize(
    ("form", "names"),
    [
        (PostForm, ["planned_at"]),
        (PeriodForm, ["date_from", "date_to"]),
        (MeasureForm, ["start_on", "due_on"]),
        (MeasureStatusForm, ["completed_on"]),
    ],
)
def test_the_forms_dates_are_bounded(form, names):
    for name in names:
        assert isinstance(form.base_fields[name], BoundedDateField | BoundedDateTimeField), name


def test_a_period_out_of_range_is_refused_with_the_reason():
    form = PeriodForm({"date_from": "0202-01-01", "date_to": "2026-01-01"})
    assert not form.is_valid() and form.errors["date_from"] == [ERROR]
    status = MeasureStatusForm({"status": "done", "completed_on": "20266-01-01"})
    assert not status.is_valid() and "completed_on" in status.errors
