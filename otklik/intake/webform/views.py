"""Public pages: the resident's form, its confirmation, the tracking page with the rating form."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from otklik.intake.webform.forms import ResidentForm
from otklik.intake.webform.selectors import default_municipality, tracked_case
from otklik.intake.webform.services import RateLimited, client_ip, submit, tracking_url
from otklik.quality.models import Rating
from otklik.quality.services import RatingError, can_rate, rate


@require_http_methods(["GET", "POST"])
def form(request: HttpRequest) -> HttpResponse:
    municipality = default_municipality(request.GET.get("mo"))
    if municipality is None:
        raise Http404("Муниципальное образование не найдено.")
    bound = ResidentForm(request.POST or None, request.FILES or None, municipality=municipality)
    context = {"form": bound, "municipality": municipality}
    if request.method == "POST":
        if not bound.is_valid():
            return render(request, "webform/form.html", context, status=400)
        try:
            case = submit(
                bound.cleaned_data,
                bound.cleaned_data["photos"],
                ip=client_ip(request),
                municipality=municipality,
            )
        except RateLimited as exc:
            context["limit_error"] = str(exc)
            return render(request, "webform/form.html", context, status=429)
        return redirect("webform:done", token=case.tracking_token)
    return render(request, "webform/form.html", context)


def done(request: HttpRequest, token: str) -> HttpResponse:
    view = tracked_case(token)
    if view is None:
        return render(request, "webform/not_found.html", status=404)
    return render(request, "webform/done.html", {"view": view, "link": tracking_url(view.case)})


def track(request: HttpRequest, token: str) -> HttpResponse:
    view = tracked_case(token)
    if view is None:
        return render(request, "webform/not_found.html", status=404)
    rating = view.case.ratings.order_by("-created_at").first()
    return render(
        request,
        "webform/track.html",
        {"view": view, "can_rate": can_rate(view.case), "rating": rating, "scores": range(1, 6)},
    )


@require_POST
def rate_answer(request: HttpRequest, token: str) -> HttpResponse:
    view = tracked_case(token)
    if view is None:
        return render(request, "webform/not_found.html", status=404)
    satisfied = request.POST.get("satisfied")
    score_raw = request.POST.get("score", "")
    error = ""
    if satisfied not in ("yes", "no"):
        error = "Ответьте, пожалуйста: устраивает ли вас ответ."
    score = int(score_raw) if score_raw.isdigit() else None
    if score_raw and score is None:
        error = "Оценка должна быть от 1 до 5."
    if not error:
        try:
            rate(
                view.case,
                satisfied=satisfied == "yes",
                score=score,
                comment=request.POST.get("comment", ""),
                source=Rating.Source.TRACKING,
            )
        except RatingError as exc:
            error = str(exc)
    if error:
        context = {
            "view": view,
            "can_rate": can_rate(view.case),
            "rating": None,
            "scores": range(1, 6),
            "rate_error": error,
            "posted": request.POST,
        }
        return render(request, "webform/track.html", context, status=400)
    return redirect("webform:track", token=token)


def answer_file(request: HttpRequest, token: str, attachment_pk: int) -> FileResponse:
    view = tracked_case(token)
    if view is None:
        raise Http404("Нет такого сообщения.")
    item = view.case.attachments.filter(
        pk=attachment_pk, answer__isnull=False, answer__sent_at__isnull=False
    ).first()
    if item is None:
        raise Http404("Файл не найден.")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("Файл не найден в хранилище.") from None
    return FileResponse(handle, as_attachment=True, filename=item.name or None)
