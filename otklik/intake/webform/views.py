"""Public pages: the resident's form, its confirmation, the tracking page with the rating form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.cases.uploads import download_response
from otklik.intake.webform.forms import CONSENT_TEXT, ResidentForm
from otklik.intake.webform.selectors import PublicView, mask_email, municipality_for, tracked_case
from otklik.intake.webform.services import RateLimited, client_ip, submit, tracking_url
from otklik.quality.models import Rating
from otklik.quality.services import RatingError, rate

SCORES = range(1, 6)


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages behind a secret link: never cached, never indexed, the link never sent to
    other sites as a referrer (not "no-referrer": browsers then send «Origin: null» and the CSRF check
    refuses the rating form)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = never_cache(view)(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


def _not_found(request: HttpRequest) -> HttpResponse:
    response = render(request, "webform/not_found.html", status=404)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, mo: str | None = None) -> HttpResponse:
    municipality = municipality_for(mo or request.GET.get("mo"))
    if municipality is None:
        raise Http404("Муниципальное образование не найдено.")
    bound = ResidentForm(request.POST or None, request.FILES or None, municipality=municipality)
    context: dict[str, Any] = {"form": bound, "municipality": municipality}
    if request.method == "POST":
        # A browser cannot put files back into a form: say so when the page comes back with them gone.
        context["photos_lost"] = bool(request.FILES.getlist("photos"))
        if not bound.is_valid():
            return render(request, "webform/form.html", context, status=400)
        try:
            case = submit(
                bound.cleaned_data,
                bound.cleaned_data["photos"],
                ip=client_ip(request),
                municipality=municipality,
                consent_text=CONSENT_TEXT,
            )
        except RateLimited as exc:
            context["limit_error"] = str(exc)
            response = render(request, "webform/form.html", context, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return redirect("webform:done", token=case.tracking_token)
    return render(request, "webform/form.html", context)


@require_GET
@private
def done(request: HttpRequest, token: str) -> HttpResponse:
    view = tracked_case(token)
    if view is None:
        return _not_found(request)
    context = {
        "view": view,
        "link": tracking_url(view.case),
        "masked_email": mask_email(view.case.author_email),
    }
    return render(request, "webform/done.html", context)


def _track_page(
    request: HttpRequest, view: PublicView, *, error: str = "", status: int = 200
) -> HttpResponse:
    posted = request.POST if error else {}
    context = {
        "view": view,
        "scores": SCORES,
        "rate_error": error,
        "posted_satisfied": posted.get("satisfied", ""),
        "posted_score": posted.get("score", ""),
        "posted_comment": posted.get("comment", ""),
    }
    return render(request, "webform/track.html", context, status=status)


@require_GET
@private
def track(request: HttpRequest, token: str) -> HttpResponse:
    view = tracked_case(token)
    if view is None:
        return _not_found(request)
    return _track_page(request, view)


@require_POST
@private
def rate_answer(request: HttpRequest, token: str) -> HttpResponse:
    view = tracked_case(token)
    if view is None:
        return _not_found(request)
    satisfied = request.POST.get("satisfied")
    score_raw = request.POST.get("score", "").strip()
    error = ""
    score: int | None = None
    if satisfied not in ("yes", "no"):
        error = "Ответьте, пожалуйста: устраивает ли вас ответ."
    elif score_raw:
        score = int(score_raw) if score_raw.isascii() and score_raw.isdigit() else 0
        if score not in SCORES:
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
        fresh = tracked_case(token)
        return _track_page(request, fresh or view, error=error, status=400)
    return redirect("webform:track", token=token)


@require_GET
@private
def answer_file(request: HttpRequest, token: str, attachment_pk: int) -> HttpResponse:
    view = tracked_case(token)
    if view is None:
        return _not_found(request)
    item = view.case.attachments.filter(
        pk=attachment_pk, answer__isnull=False, answer__sent_at__isnull=False
    ).first()
    if item is None:
        return _not_found(request)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        return _not_found(request)
    return download_response(handle, item.name)
