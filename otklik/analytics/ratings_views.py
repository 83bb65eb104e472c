# mypy: disable-error-code="misc"
# (Django has no type stubs in this project: its base classes and decorators are Any to mypy.)
"""The ratings pages: the table with sorting and the previous period, a department's card with its trend,
and the XLSX export. Views parse the query, call the selectors of `otklik.analytics.ratings` and render;
the helpers here only format figures for people."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from otklik.analytics import ratings
from otklik.analytics.ratings import FIGURES, Comparison, Figure, RatingRow, Tally
from otklik.cases.selectors import municipalities_with_cases
from otklik.core.db_router import use_replica
from otklik.core.forms import BoundedDateField
from otklik.quality import metrics
from otklik.territory.models import Municipality

QUARTERS_BACK = 8
DEFAULT_SORT = "-index"
#: The first click on a column sorts the best first: ascending where lower is better, by name A→Я.
SORT_KEYS = ("label", *ratings.FIGURE_KEYS)


def _quarter_choices(today: date) -> list[tuple[str, str]]:
    choices = []
    start, _ = metrics.quarter_of(today)
    for _ in range(QUARTERS_BACK):
        choices.append((f"{start.year}-{(start.month - 1) // 3 + 1}", metrics.quarter_label(start)))
        start, _ = metrics.quarter_of(start - timedelta(days=1))
    return choices


def _parse_quarter(value: str) -> tuple[date, date] | None:
    try:
        year, number = (int(p) for p in value.split("-"))
    except ValueError:
        return None
    if not 1 <= number <= 4 or not 2000 <= year <= 2100:
        return None
    return metrics.quarter_of(date(year, 3 * number - 2, 1))


class QuarterField(forms.ChoiceField):
    """A quarter «2026-1»: the recent ones are offered, any other one may come in the address."""

    def valid_value(self, value: Any) -> bool:
        return value == "" or _parse_quarter(str(value)) is not None


class RatingsForm(forms.Form):
    group = forms.ChoiceField(label="Рейтинг", required=False)
    mo = forms.ChoiceField(label="Муниципальное образование", required=False)
    quarter = QuarterField(label="Квартал", required=False)
    date_from = BoundedDateField(
        label="или период с", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(label="по", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(k, k) for k in SORT_KEYS] + [(f"-{k}", k) for k in SORT_KEYS],
    )

    def __init__(self, *args: Any, municipalities: list[Municipality], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = len(municipalities) > 1
        groups = [(k, v) for k, v in ratings.GROUPINGS.items() if region or k != "municipality"]
        self.fields["group"].choices = groups
        if region:
            self.fields["mo"].choices = [("", "весь регион")] + [(m.code, m.name) for m in municipalities]
        else:  # one municipality: nothing to choose
            del self.fields["mo"]
        quarters = _quarter_choices(today)
        asked = str(self.data.get("quarter") or "")
        parsed = _parse_quarter(asked)
        if parsed is not None and asked not in dict(quarters):
            quarters.append((asked, metrics.quarter_label(parsed[0])))
        self.fields["quarter"].choices = [*quarters, ("", "свой период (даты справа)")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Конец периода раньше начала.")
        if bool(start) != bool(end):
            self.add_error("date_to" if start else "date_from", "Укажите обе даты периода.")
        return data


@dataclass
class Query:
    """What the page was asked for, after the defaults."""

    group_by: str
    municipality: Municipality | None  # the chosen one; None for the whole scope
    shown_municipality: Municipality | None  # the one named in the heading
    start: date
    end: date
    sort: str
    region: bool
    params: dict[str, str]  # the query string that reproduces the page (sorting aside)

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def period_label(self) -> str:
        return period_label(self.start, self.end)


def period_label(start: date, end: date) -> str:
    dates = f"{start:%d.%m.%Y} — {end:%d.%m.%Y}"
    return f"{metrics.quarter_label(start)} ({dates})" if metrics.is_quarter(start, end) else dates


def _visible_municipalities(user: Any) -> list[Municipality]:
    return list(municipalities_with_cases(user).order_by("name"))


def _query(request: HttpRequest, municipalities: list[Municipality]) -> tuple[RatingsForm, Query]:
    today = timezone.localdate()
    raw = request.GET.dict()
    form = RatingsForm(raw or None, municipalities=municipalities, today=today)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # what is valid is used; the rest shows its error and falls back to the default
        data = form.cleaned_data
    region = len(municipalities) > 1
    group_by = data.get("group") or "department"
    code = data.get("mo") or ""
    chosen = next((m for m in municipalities if m.code == code), None) if region else None
    shown = chosen if region else (municipalities[0] if municipalities else None)
    if chosen is not None and group_by == "municipality":
        group_by = "department"
    params = {"group": group_by, "mo": chosen.code if chosen else ""}
    if data.get("date_from") and data.get("date_to"):
        start, end = data["date_from"], data["date_to"]
        params.update(date_from=start.isoformat(), date_to=end.isoformat())
        if raw.get("quarter"):  # free dates win: show the selector at «свой период»
            form = RatingsForm({**raw, "quarter": ""}, municipalities=municipalities, today=today)
            form.is_valid()
    else:
        start, end = _parse_quarter(data.get("quarter") or "") or metrics.quarter_of(today)
        params["quarter"] = f"{start.year}-{(start.month - 1) // 3 + 1}"
    if not form.is_bound:
        form = RatingsForm(
            initial={**params, "sort": DEFAULT_SORT}, municipalities=municipalities, today=today
        )
    sort = data.get("sort") or DEFAULT_SORT
    return form, Query(group_by, chosen, shown, start, end, sort, region, params)


# --- formatting -----------------------------------------------------------------------------------


def _round(value: float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _number(value: Decimal) -> str:
    text = f"{value:,}".replace(",", "\u00a0").replace(".", ",")
    return text.replace("-", "−")


PLACES = {"count": 0, "rate": 2, "share": 1, "days": 1, "index": 1}


def fmt(value: float | None, unit: str) -> str:
    """A figure for people: «—» when undefined, a decimal comma, shares in per cent."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{_number(_round(100 * value, 1))}\u00a0%"
    return _number(_round(value, PLACES[unit]))


def fmt_delta(delta: float | None, unit: str) -> str:
    """The change against the previous period: «+3,2 п. п.», «−1,5 дн.», «±0»."""
    if delta is None:
        return ""
    scaled = _round(100 * delta if unit == "share" else delta, PLACES[unit])
    if scaled == 0:
        return "±0"
    sign = "+" if scaled > 0 else "−"
    suffix = {"share": "\u00a0п.\u00a0п.", "days": "\u00a0дн."}.get(unit, "")
    return f"{sign}{_number(abs(scaled))}{suffix}"


def _cell(row: RatingRow, figure: Figure) -> dict[str, Any]:
    value = row.value(figure.key)
    delta = row.delta(figure.key)
    text = fmt_delta(delta, figure.unit)
    direction = ""
    if text and text != "±0" and delta is not None:
        direction = "up" if delta > 0 else "down"
    tone = "same"
    if direction and figure.better:
        tone = "good" if (delta or 0) * figure.better > 0 else "bad"
    before = row.previous.value(figure.key) if row.previous is not None else None
    return {
        "key": figure.key,
        "text": fmt(value, figure.unit),
        "delta": text,
        "arrow": {"up": "▲", "down": "▼"}.get(direction, ""),
        "tone": tone,
        "before": fmt(before, figure.unit) if row.previous is not None else "",
        "link": row.link if figure.key == "received" and row.link and row.received else "",
    }


def _columns(query: Query) -> list[dict[str, Any]]:
    columns = []
    for key, label, help_text in [
        ("label", "Наименование", ""),
        *((f.key, f.short, f"{f.label}: {f.help}") for f in FIGURES),
    ]:
        active = query.sort_key == key
        figure = next((f for f in FIGURES if f.key == key), None)
        ascending_first = key == "label" or (figure is not None and figure.better < 0)
        # The active column flips; another column starts with its best values first.
        descending_next = not query.descending if active else not ascending_first
        target = f"-{key}" if descending_next else key
        columns.append(
            {
                "key": key,
                "label": label,
                "help": help_text,
                "href": "?" + urlencode({**query.params, "sort": target}),
                "aria_sort": ("descending" if query.descending else "ascending") if active else "",
            }
        )
    return columns


def _display_row(row: RatingRow, query: Query, codes: dict[int, str]) -> dict[str, Any]:
    href = ""
    if row.has_card:
        href = reverse("analytics:ratings_department", args=[row.object_id]) + "?" + urlencode(_period(query))
    elif row.group_by == "municipality" and row.object_id in codes:
        href = "?" + urlencode({**query.params, "mo": codes[row.object_id], "group": "department"})
    return {
        "row": row,
        "href": href,
        "cells": [_cell(row, f) for f in FIGURES],
        "new": row.previous is None,
    }


def _period(query: Query) -> dict[str, str]:
    return {k: v for k, v in query.params.items() if k in ("quarter", "date_from", "date_to")}


# --- pages ----------------------------------------------------------------------------------------


def _comparison(request: HttpRequest, query: Query) -> Comparison:
    return ratings.compare(
        request.user,
        group_by=query.group_by,
        start=query.start,
        end=query.end,
        municipality=query.municipality,
    )


@login_required
@require_GET
@use_replica()  # the figures from the read replica, if any (docs/deploy.md)
def ratings_page(request: HttpRequest) -> HttpResponse:
    municipalities = _visible_municipalities(request.user)
    form, query = _query(request, municipalities)
    comparison = _comparison(request, query)
    rows = ratings.sort_rows(comparison.rows, query.sort_key, query.descending)
    codes = {m.pk: m.code for m in municipalities}
    context = {
        "form": form,
        "query": query,
        "comparison": comparison,
        "group_label": ratings.GROUPINGS[query.group_by],
        "columns": _columns(query),
        "rows": [_display_row(r, query, codes) for r in rows],
        "total": _display_row(comparison.total, query, codes),
        "previous_label": period_label(comparison.previous.start, comparison.previous.end),
        "asof": comparison.current.asof,
        "figures": FIGURES,
        "export_href": reverse("analytics:ratings_export")
        + "?"
        + urlencode({**query.params, "sort": query.sort}),
    }
    return render(request, "analytics/ratings.html", context)


@login_required
@require_GET
@use_replica()
def department_card(request: HttpRequest, pk: int) -> HttpResponse:
    department = ratings.department_for_user(request.user, pk)
    if department is None:
        raise Http404("Подразделение не найдено.")
    municipalities = _visible_municipalities(request.user)
    _, query = _query(request, municipalities)
    is_org = department.kind in ratings.ORGANISATION_KINDS
    comparison = ratings.compare(
        request.user,
        group_by="organisation" if is_org else "department",
        start=query.start,
        end=query.end,
        municipality=department.municipality,
        department=department,
    )
    row = comparison.rows[0] if comparison.rows else None
    if row is None:  # no cases in either period
        row = ratings.build_row(
            Tally(),
            group_by="department",
            key=str(department.pk),
            label=str(department),
            population=department.municipality.population,
            weights=comparison.total.weights,
        )
    trend = ratings.department_trend(request.user, department, end=query.end)
    chart = {
        "months": [p.label for p in trend],
        "received": [p.received for p in trend],
        "on_time": [None if p.on_time_share is None else round(100 * p.on_time_share, 1) for p in trend],
        "satisfied": [
            None if p.satisfied_share is None else round(100 * p.satisfied_share, 1) for p in trend
        ],
    }
    weights = row.weights
    components = [
        {
            "label": label,
            "value": fmt(row.components[name], "share"),
            "weight": _number(_round(float(weights.of(name)), 2)),
        }
        for name, label in (
            ("on_time", "ответы в срок"),
            ("speed", f"скорость ответа (норматив {weights.speed_norm_days} дн.)"),
            ("not_reopened", "без возобновления"),
            ("review", "приняты с первой проверки"),
            ("satisfied", "довольны ответом"),
        )
    ]
    figures = [{"figure": f, **_cell(row, f)} for f in FIGURES]
    context = {
        "department": department,
        "query": query,
        "row": row,
        "figures": figures,
        "components": components,
        "trend": [
            {
                "label": p.label,
                "received": p.received,
                "on_time": fmt(p.on_time_share, "share"),
                "satisfied": fmt(p.satisfied_share, "share"),
                "index": fmt(p.index, "index"),
            }
            for p in trend
        ],
        "chart": chart,
        "previous_label": period_label(comparison.previous.start, comparison.previous.end),
        "asof": comparison.current.asof,
        "back_href": reverse("analytics:ratings")
        + "?"
        + urlencode({**_period(query), "group": "organisation" if is_org else "department"}),
        "kind_label": department.get_kind_display(),
    }
    return render(request, "analytics/ratings_department.html", context)


# --- the export -----------------------------------------------------------------------------------

NUMBER_FORMATS = {"count": "0", "rate": "0.00", "share": "0.0%", "days": "0.0", "index": "0.0"}


def _sheet(ws: Any, comparison: Comparison, rows: list[RatingRow], query: Query, *, previous: bool) -> None:
    from openpyxl.styles import Alignment, Font

    from otklik.core.exports import safe_cell

    table = comparison.previous if previous else comparison.current
    bold = Font(bold=True)
    muni = query.shown_municipality.name if query.shown_municipality else "все муниципальные образования"
    header = [
        ("Рейтинг", ratings.GROUPINGS[query.group_by]),
        ("Муниципальное образование", muni),
        ("Период", period_label(table.start, table.end)),
        (
            "Сравнение с периодом",
            period_label(comparison.previous.start, comparison.previous.end) if not previous else "—",
        ),
        ("Данные на", f"{timezone.localtime(table.asof):%d.%m.%Y %H:%M}"),
        ("Пустая ячейка", "показатель не определён (нет данных для расчёта)"),
        ("Формулы", "docs/ratings.md"),
    ]
    ws.append([f"Рейтинг: {ratings.GROUPINGS[query.group_by]}"])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in header:
        ws.append([label, safe_cell(value)])
        ws.cell(row=ws.max_row, column=1).font = bold
    ws.append([])
    heads = ["Наименование"]
    if query.region:
        heads.append("Муниципальное образование")
    heads += [f.label for f in FIGURES]
    if not previous:
        heads += ["Поступило в предыдущем периоде", "Индекс в предыдущем периоде", "Изменение индекса"]
    ws.append(heads)
    head_row = ws.max_row
    for cell in ws[head_row]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    first_figure = 3 if query.region else 2

    def put(row: RatingRow, label: str) -> None:
        values: list[Any] = [safe_cell(label)]
        if query.region:
            values.append(safe_cell(row.municipality_name))
        values += [row.value(f.key) for f in FIGURES]
        if not previous:
            values += [
                row.previous.received if row.previous else None,
                row.previous.index if row.previous else None,
                row.delta("index"),
            ]
        ws.append(values)
        r = ws.max_row
        for i, f in enumerate(FIGURES):
            ws.cell(row=r, column=first_figure + i).number_format = NUMBER_FORMATS[f.unit]
        if not previous:
            extra = first_figure + len(FIGURES)
            ws.cell(row=r, column=extra).number_format = "0"
            ws.cell(row=r, column=extra + 1).number_format = "0.0"
            ws.cell(row=r, column=extra + 2).number_format = "+0.0;-0.0;0.0"

    for row in rows:
        shown = (row.previous or RatingRow(row.group_by, row.key, row.label)) if previous else row
        if previous and row.previous is None:
            shown.municipality_name = row.municipality_name
        put(shown, row.label)
    put(table.total, "Итого")
    ws.cell(row=ws.max_row, column=1).font = bold
    ws.column_dimensions["A"].width = 42
    for col in range(2, len(heads) + 1):
        ws.column_dimensions[ws.cell(row=head_row, column=col).column_letter].width = 16
    ws.freeze_panes = ws.cell(row=head_row + 1, column=2)


def ratings_workbook(comparison: Comparison, rows: list[RatingRow], query: Query) -> bytes:
    """The table as XLSX: this period (with the previous period's received count and index) on the first
    sheet, the previous period on the second. Aggregates only: no names of residents, no texts."""
    from openpyxl import Workbook

    wb = Workbook()
    current = wb.active
    current.title = "Рейтинг"
    _sheet(current, comparison, rows, query, previous=False)
    _sheet(wb.create_sheet("Предыдущий период"), comparison, rows, query, previous=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@login_required
@require_GET
@use_replica()
def ratings_export(request: HttpRequest) -> HttpResponse:
    municipalities = _visible_municipalities(request.user)
    _, query = _query(request, municipalities)
    comparison = _comparison(request, query)
    rows = ratings.sort_rows(comparison.rows, query.sort_key, query.descending)
    content = ratings_workbook(comparison, rows, query)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"rating-{query.group_by}-{query.start:%Y%m%d}-{query.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
