"""The dashboard («тепловая карта»): region → municipality → settlement."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from otklik.analytics.selectors import dashboard
from otklik.cases.selectors import municipalities_with_cases
from otklik.core.db_router import use_replica
from otklik.core.forms import BoundedDateField
from otklik.org.models import Topic
from otklik.territory.models import Municipality


class DashboardForm(forms.Form):
    mo = forms.ChoiceField(label="Муниципальное образование", required=False)
    topic = forms.ModelChoiceField(
        label="Тема", required=False, queryset=Topic.objects.none(), empty_label="все темы"
    )
    date_from = BoundedDateField(
        label="Период с", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(label="по", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, municipalities: list[Municipality], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(m.code, m.name) for m in municipalities]
        self.fields["mo"].choices = ([("", "весь регион")] if len(municipalities) > 1 else []) + choices
        self.fields["topic"].queryset = Topic.objects.filter(parent__isnull=True, is_active=True)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Конец периода раньше начала.")
        return data


@login_required
@require_GET
@use_replica()  # after the login check: the session and the user are read from the primary
def dashboard_page(request: HttpRequest) -> HttpResponse:
    municipalities = list(municipalities_with_cases(request.user).order_by("name"))
    form = DashboardForm(request.GET or None, municipalities=municipalities)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    end = data.get("date_to") or today
    start = data.get("date_from") or end - timedelta(days=89)
    code = data.get("mo") or (municipalities[0].code if len(municipalities) == 1 else "")
    municipality = next((m for m in municipalities if m.code == code), None)
    tz = municipality.tz if municipality else timezone.get_current_timezone()
    board = dashboard(
        request.user, municipality=municipality, topic=data.get("topic"), start=start, end=end, tz=tz
    )
    chart = {
        "areas": [
            {"name": a.name, "value": a.per_1000, "count": a.count, "link": a.drill or a.link}
            for a in board.areas
        ],
        "geojson": board.geojson,
        "trend": board.trend,
    }
    context = {"form": form, "board": board, "chart": chart, "municipalities": municipalities}
    return render(request, "analytics/dashboard.html", context)
