"""The residents' one-page rating form behind the survey link, and the operator's phone-rating form."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from otklik.cases.selectors import case_for_user
from otklik.intake.webform.services import client_ip, ip_hash
from otklik.intake.webform.views import private
from otklik.quality.forms import RatingForm
from otklik.quality.models import Rating, SatisfactionSurvey
from otklik.quality.selectors import phone_panel, survey_by_token
from otklik.quality.services import ALREADY_RATED, RECONSIDERING, SUPERSEDED, RatingError, rate

SCORES = range(1, 6)
REFUSED_AGAIN = "Эта оценка не принята: ответ уже оценён, а оценить его можно только один раз."


def posts_per_hour() -> int:
    return int(getattr(settings, "OTKLIK_RATING_PER_HOUR", 30))


def _over_limit(request: HttpRequest) -> bool:
    """Count this address's rating posts in the current hour (the cache; per server process when the
    cache is the default in-memory one). Each link rates once anyway; this only slows down a flood."""
    key = "quality-rate:" + hashlib.sha256(ip_hash(client_ip(request)).encode()).hexdigest()[:32]
    if cache.add(key, 1, timeout=3600):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=3600)
        return False
    return count > posts_per_hour()


def _not_found(request: HttpRequest) -> HttpResponse:
    response = render(request, "quality/rate_not_found.html", status=404)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(
    request: HttpRequest,
    token: str,
    *,
    form: RatingForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    view = survey_by_token(token)
    if view is None:
        return _not_found(request)
    posted = form.data if form is not None and form.is_bound else {}
    context = {
        "view": view,
        "scores": SCORES,
        "thanks": request.GET.get("done") == "1" and view.state == "rated",
        "posted_satisfied": posted.get("satisfied", ""),
        "posted_score": posted.get("score", ""),
        "posted_comment": posted.get("comment", ""),
        "error": error,
    }
    return render(request, "quality/rate.html", context, status=status)


@require_http_methods(["GET", "POST"])
@private
def survey_form(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the answer and the form (or why it cannot be rated). POST: record the rating, then thank."""
    if request.method == "GET":
        return _page(request, token)
    view = survey_by_token(token)
    if view is None:
        return _not_found(request)
    if _over_limit(request):
        response = _page(
            request,
            token,
            error="Слишком много попыток с вашего адреса. Попробуйте снова через час.",
            status=429,
        )
        response["Retry-After"] = "3600"
        return response
    form = RatingForm(request.POST)
    refused = {"rated": REFUSED_AGAIN, "superseded": SUPERSEDED, "reconsidering": RECONSIDERING}
    if view.state in refused:
        return _page(request, token, form=form, error=refused[view.state], status=400)
    if not form.is_valid():
        return _page(request, token, form=form, error=form.first_error(), status=400)
    source = (
        Rating.Source.EMAIL
        if view.survey.delivery == SatisfactionSurvey.Delivery.EMAIL
        else Rating.Source.TRACKING
    )
    try:
        rate(view.case, **form.rating(), source=source, survey=view.survey)
    except RatingError as exc:  # e.g. rated from another tab a moment ago
        error = REFUSED_AGAIN if str(exc) == ALREADY_RATED else str(exc)
        return _page(request, token, form=form, error=error, status=400)
    return redirect(reverse("quality:form", args=[token]) + "?done=1")


@login_required
@require_POST
def phone_rating(request: HttpRequest, pk: int) -> HttpResponse:
    """An operator enters the rating the author gave by phone (source «по телефону», entered by them)."""
    case = case_for_user(request.user, pk)
    panel = phone_panel(request.user, case)
    if not panel.allowed:
        context = {"case": case, "action_label": "Внести оценку по телефону"}
        return render(request, "cases/forbidden.html", context, status=403)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Оценка не внесена: {form.first_error()}")
        return redirect("cases:detail", pk=case.pk)
    try:
        rating = rate(case, **form.rating(), source=Rating.Source.PHONE, actor=request.user)
    except RatingError as exc:
        messages.error(request, f"Оценка не внесена: {exc}")
        return redirect("cases:detail", pk=case.pk)
    case.refresh_from_db(fields=["status"])
    reopened = " Обращение возобновлено по правилам качества." if case.status == "reopened" else ""
    verdict = "удовлетворён" if rating.satisfied else "не удовлетворён"
    messages.success(request, f"Оценка по телефону внесена: автор {verdict}.{reopened}")
    return redirect("cases:detail", pk=case.pk)
