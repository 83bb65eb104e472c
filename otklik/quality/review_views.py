"""Answer review pages: the reviewer's queue and one answer's check (checklist, warnings, decision)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from otklik.audit.services import log_personal_data_access
from otklik.cases.lifecycle import TransitionError
from otklik.cases.models import Answer
from otklik.cases.permissions import is_answer_reviewer
from otklik.cases.selectors import visible_cases
from otklik.cases.services import CaseActionError, ConflictError
from otklik.nlp.services import masked_text
from otklik.org.selectors import can_see_personal_data
from otklik.quality import review_services
from otklik.quality.formal import CHECKLIST
from otklik.quality.review_selectors import answer_warnings, case_reviews, pending_answers


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(pending_answers(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "quality/review_queue.html", {"page": page})


def _answer_for(request: HttpRequest, pk: int) -> Answer:
    answer = (
        Answer.objects.select_related("case", "case__municipality", "case__block", "case__topic", "author")
        .prefetch_related("attachments")
        .filter(pk=pk, case__in=visible_cases(request.user).values("pk"))
        .first()
    )
    if answer is None:
        raise Http404("Ответ не найден.")
    return answer


def _page(
    request: HttpRequest, answer: Answer, *, status: int = 200, error: str = "", values: dict | None = None
) -> HttpResponse:
    case = answer.case
    pd_access = can_see_personal_data(request.user)
    if pd_access:
        log_personal_data_access(request.user, [case.pk], "review")
    values = values or {}
    context = {
        "answer": answer,
        "case": case,
        "case_text": case.text if pd_access else masked_text(case),
        "warnings": answer_warnings(answer),
        "checklist": [(code, label, bool(values.get(code))) for code, label in CHECKLIST],
        "reviews": case_reviews(case),
        "can_review": answer.review_state == Answer.Review.PENDING and is_answer_reviewer(request.user, case),
        "error": error,
        "reason": values.get("reason", ""),
    }
    return render(request, "quality/review_answer.html", context, status=status)


@login_required
@require_GET
def answer_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _answer_for(request, pk))


def _decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    answer = _answer_for(request, pk)
    if not is_answer_reviewer(request.user, answer.case):
        context = {"case": answer.case, "action_label": "Проверить ответ"}
        return render(request, "cases/forbidden.html", context, status=403)
    values: dict = {code: request.POST.get(code) == "on" for code, _ in CHECKLIST}
    values["reason"] = request.POST.get("reason", "")
    raw_version = request.POST.get("version", "")
    version = int(raw_version) if raw_version.isdigit() else None
    try:
        if decision == "approve":
            review_services.approve_answer(
                answer.pk,
                actor=request.user,
                checklist=values,
                expected_version=version,
                comment=values["reason"],
            )
            messages.success(request, "Ответ одобрен и отправлен автору; статус обращения — «дан ответ».")
        else:
            review_services.reject_answer(
                answer.pk, values["reason"], actor=request.user, checklist=values, expected_version=version
            )
            messages.success(request, "Ответ возвращён исполнителю на доработку с указанной причиной.")
    except (CaseActionError, TransitionError) as exc:
        answer.refresh_from_db()
        status = 409 if isinstance(exc, ConflictError) else 400
        return _page(request, answer, status=status, error=str(exc), values=values)
    return redirect("cases:detail", pk=answer.case_id)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "approve")


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "reject")
