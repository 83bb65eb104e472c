"""The reports pages: order the quarterly report, follow the builds (progress by a small static script that
polls a JSON endpoint), download the files, read the weekly summaries. Views parse, call and render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from otklik.core.db_router import use_replica
from otklik.reports import permissions, services
from otklik.reports.models import Format, RunStatus, WeeklySummary
from otklik.reports.selectors import ReportError, last_complete_quarter
from otklik.reports.weekly import weekly_summary

RUNS_SHOWN = 50


class QuarterlyForm(forms.Form):
    year = forms.IntegerField(label="Год", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label="Квартал", coerce=int, choices=[(1, "I"), (2, "II"), (3, "III"), (4, "IV")]
    )
    mo = forms.ChoiceField(label="Муниципальное образование", required=False)
    fmt = forms.ChoiceField(label="Формат", choices=Format.choices, initial=Format.XLSX)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = permissions.orderable_municipalities(user)
        region = permissions.reader_municipality_ids(user) is None
        choices = [(m.code, m.name) for m in own]
        if region and len(own) > 1:
            choices.insert(0, ("", "все — сводный отчёт по региону"))
        self.fields["mo"].choices = choices
        self.municipalities = {m.code: m for m in own}


def _run_row(run: Any) -> dict[str, Any]:
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "progress": run.progress,
        "stage": run.stage,
        "error": run.error if run.status == RunStatus.FAILED else "",
        "download": reverse("reports:download", args=[run.pk])
        if run.status == RunStatus.DONE and run.file
        else "",
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not permissions.can_see_reports(request.user):
        raise PermissionDenied(
            "Отчёты доступны руководству МЦУ, аналитикам, наблюдателям ЦУР и ответственным за блоки."
        )
    form = None
    if permissions.can_order(request.user):
        year, quarter = last_complete_quarter(timezone.localdate())
        form = QuarterlyForm(
            initial={"year": year, "quarter": quarter, "fmt": Format.XLSX}, user=request.user
        )
    runs = list(permissions.visible_runs(request.user)[:RUNS_SHOWN])
    context = {
        "form": form,
        "runs": runs,
        "active_ids": ",".join(str(r.pk) for r in runs if r.is_active),
        "summaries": WeeklySummary.objects.filter(user=request.user)[:5],
        "status_url": reverse("reports:status"),
    }
    return render(request, "reports/index.html", context)


@login_required
@require_POST
def order(request: HttpRequest) -> HttpResponse:
    if not permissions.can_order(request.user):
        raise PermissionDenied(
            "Заказывать квартальный отчёт могут куратор, руководитель МЦУ, аналитик и наблюдатель ЦУР."
        )
    form = QuarterlyForm(request.POST, user=request.user)
    asked = request.POST.get("mo", "")
    if asked and asked not in form.municipalities:  # another municipality's report: as if it did not exist
        raise Http404("Муниципальное образование не найдено.")
    if not form.is_valid():
        messages.error(request, "Проверьте год, квартал и формат отчёта.")
        return redirect("reports:index")
    code = form.cleaned_data["mo"]
    municipality = form.municipalities.get(code) if code else None
    try:
        run = services.order_quarterly(
            request.user,
            year=form.cleaned_data["year"],
            quarter=form.cleaned_data["quarter"],
            municipality=municipality,
            fmt=form.cleaned_data["fmt"],
        )
    except ReportError as exc:
        messages.error(request, f"Отчёт не заказан: {exc}.")
        return redirect("reports:index")
    messages.success(request, f"Заказан: {run.title}. Он строится в фоне — ход построения виден ниже.")
    return redirect("reports:index")


@login_required
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """The state of the runs asked for (?ids=1,2,3) that the user may see."""
    try:
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip()][:RUNS_SHOWN]
    except ValueError:
        return JsonResponse({"error": "ids: нужен список номеров через запятую"}, status=400)
    runs = permissions.visible_runs(request.user).filter(pk__in=ids)
    return JsonResponse({"runs": [_run_row(r) for r in runs]})


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    run = permissions.downloadable_run(request.user, pk)
    return FileResponse(
        run.file.open("rb"),
        as_attachment=True,
        filename=run.file_name or f"otchet-{run.pk}.{run.format}",
        content_type=run.content_type,
    )


@login_required
@require_GET
def weekly_list(request: HttpRequest) -> HttpResponse:
    summaries = WeeklySummary.objects.filter(user=request.user)[:26]
    preview = None
    if permissions.can_order(request.user):
        with use_replica():
            preview = weekly_summary(request.user)
    return render(request, "reports/weekly.html", {"summaries": summaries, "preview": _display(preview)})


@login_required
@require_GET
def weekly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    summary = WeeklySummary.objects.filter(user=request.user, pk=pk).first()
    if summary is None:
        raise Http404("Сводка не найдена.")
    return render(request, "reports/weekly_detail.html", {"summary": summary, "data": _display(summary.data)})


def _display(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored summary with dates and shares ready for the template."""
    if data is None:
        return None
    from otklik.analytics.ratings_views import fmt
    from otklik.reports.weekly import KIND_WORDS

    shown = dict(data)
    shown["week_start"] = date.fromisoformat(data["week_start"])
    shown["week_end"] = date.fromisoformat(data["week_end"])
    shown["kinds"] = [(KIND_WORDS.get(k, k), n) for k, n in data["new_by_kind"].items()]
    shown["worst"] = [
        {**w, "index_text": fmt(w["index"], "index"), "on_time_text": fmt(w["on_time_share"], "share")}
        for w in data["worst"]
    ]
    return shown
