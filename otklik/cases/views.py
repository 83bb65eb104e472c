"""The case page and its actions: check the right, parse the form, call the service, show the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from otklik.audit.services import log_personal_data_access
from otklik.cases import services
from otklik.cases.forms import ACTION_FORMS, ActionForm
from otklik.cases.lifecycle import TransitionError
from otklik.cases.models import Case, NoAnswerReason
from otklik.cases.permissions import (
    ACTION_LABELS,
    allowed_actions,
    granted_actions,
    lifecycle_allows,
    role_allows,
    unavailable_reason,
)
from otklik.cases.selectors import (
    attachment_for_user,
    author_attachments,
    case_for_user,
    case_timeline,
    deadline_rows,
    visible_cases,
)
from otklik.cases.services import CONFLICT_MESSAGE, CaseActionError, ConflictError
from otklik.cases.uploads import download_response
from otklik.nlp.services import masked_text
from otklik.org.selectors import can_see_personal_data, topic_choices
from otklik.territory.selectors import place_choices

#: Actions shown as a single button (they have no input besides the version).
BUTTON_ACTIONS = frozenset({"register", "take"})
PRIMARY_ACTIONS = frozenset({"register", "take", "answer"})


def _local(moment: Any, case: Case) -> str:
    return f"{timezone.localtime(moment, case.municipality.tz):%d.%m.%Y %H:%M}"


# --- what each action does: call the service, say what happened ------------------------------------


def _register(case: Case, user: Any, data: dict[str, Any]) -> str:
    done = services.register_case(case.pk, actor=user, expected_version=data["version"])
    return f"Зарегистрировано под номером {done.registration_number}."


def _assign(case: Case, user: Any, data: dict[str, Any]) -> str:
    owner = data["owner"]
    services.assign_case(
        case.pk, owner, actor=user, expected_version=data["version"], note=data.get("note", "")
    )
    return f"Исполнитель назначен: {owner.full_name or owner}."


def _take(case: Case, user: Any, data: dict[str, Any]) -> str:
    services.take_case(case.pk, actor=user, expected_version=data["version"])
    return "Взято в работу: вы исполнитель."


def _answer(case: Case, user: Any, data: dict[str, Any]) -> str:
    files = data.get("files") or []
    answer = services.answer_case(
        case.pk, data["text"], actor=user, expected_version=data["version"], attachments=files
    )
    attached = f" Приложено файлов: {len(files)}." if files else ""
    if answer.sent_at is None:
        return f"Ответ передан на проверку; автору он уйдёт после одобрения.{attached}"
    return f"Ответ сохранён, статус — «дан ответ».{attached}"


def _extend(case: Case, user: Any, data: dict[str, Any]) -> str:
    done = services.extend_deadline(case.pk, data["reason"], actor=user, expected_version=data["version"])
    return f"Срок ответа продлён до {_local(done.due_at, case)}. Автору сообщается причина."


def _redirect(case: Case, user: Any, data: dict[str, Any]) -> str:
    services.redirect_case(
        case.pk, data["to_body"], data.get("reason", ""), actor=user, expected_version=data["version"]
    )
    return f"Перенаправлено: {data['to_body']}."


def _close(case: Case, user: Any, data: dict[str, Any]) -> str:
    services.close_case(case.pk, actor=user, expected_version=data["version"], note=data.get("note", ""))
    return "Закрыто."


def _reopen(case: Case, user: Any, data: dict[str, Any]) -> str:
    done = services.reopen_case(case.pk, data["reason"], actor=user, expected_version=data["version"])
    due = f" Новый срок ответа — {_local(done.due_at, case)}." if done.due_at else ""
    return f"Возобновлено.{due}"


def _no_answer(case: Case, user: Any, data: dict[str, Any]) -> str:
    services.leave_without_answer(
        case.pk, data["reason"], data.get("comment", ""), actor=user, expected_version=data["version"]
    )
    return f"Оставлено без ответа по существу. Основание: {NoAnswerReason(data['reason']).label}."


def _rework(case: Case, user: Any, data: dict[str, Any]) -> str:
    services.return_for_rework(case.pk, data["reason"], actor=user, expected_version=data["version"])
    return "Ответ возвращён на доработку; обращение снова в работе."


PERFORM: dict[str, Callable[[Case, Any, dict[str, Any]], str]] = {
    "register": _register,
    "assign": _assign,
    "take": _take,
    "answer": _answer,
    "extend": _extend,
    "redirect": _redirect,
    "close": _close,
    "reopen": _reopen,
    "no_answer": _no_answer,
    "rework": _rework,
}


# --- pages ------------------------------------------------------------------------------------------


def _form(action: str, case: Case, *args: Any, **kwargs: Any) -> ActionForm:
    return ACTION_FORMS[action](*args, case=case, auto_id=f"{action}-%s", **kwargs)


def _safe_url(url: str) -> str:
    return url if url.lower().startswith(("https://", "http://")) else ""


def _kept_input(form: ActionForm) -> list[tuple[str, str]]:
    """What the user typed into a form that can no longer be shown, so that nothing is lost."""
    kept = []
    for name, field in form.fields.items():
        value = form.data.get(name, "") if name != "version" else ""
        if isinstance(value, str) and value.strip() and not hasattr(field, "queryset"):
            kept.append((str(field.label), value))
    return kept


def _problem_link(user: Any, case: Case) -> Any:
    """The recurring problem the case belongs to, if the user may see problems of its municipality."""
    from otklik.problems.models import ProblemCase
    from otklik.problems.permissions import visible_problems

    return (
        ProblemCase.objects.filter(case=case, problem__in=visible_problems(user).values("pk"))
        .select_related("problem")
        .first()
    )


def similar_for_user(user: Any, case: Case) -> list[Any]:
    """Similar cases the user may see (others are not even hinted at)."""
    from otklik.nlp.similar import similar_to

    found = similar_to(case, limit=20)
    visible = set(visible_cases(user).filter(pk__in=[s.case.pk for s in found]).values_list("pk", flat=True))
    return [s for s in found if s.case.pk in visible][:10]


def _page(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    error: str = "",
    failed: str = "",
    failed_form: ActionForm | None = None,
    note: str = "",
) -> HttpResponse:
    from otklik.cases.permissions import is_answer_reviewer
    from otklik.quality.review_selectors import case_reviews

    answers = list(case.answers.all())
    pending = next((a for a in answers if a.review_state == "pending"), None)
    last_review = {r.answer_id: r for r in case_reviews(case)} if any(a.review_state for a in answers) else {}
    for a in answers:
        a.last_review = last_review.get(a.pk)
    actions = []
    for name in allowed_actions(request.user, case, visible=True):
        if name == "answer" and pending is not None:
            continue  # one answer at a time: the pending one is approved or returned first
        is_failed = name == failed and failed_form is not None
        form = failed_form if is_failed else _form(name, case, initial={"version": case.version})
        actions.append(
            {
                "name": name,
                "label": ACTION_LABELS[name],
                "form": form,
                "button_only": name in BUTTON_ACTIONS,
                "primary": name in PRIMARY_ACTIONS,
                "open": is_failed,
                "multipart": name == "answer",
            }
        )
    kept = []
    if failed_form is not None and failed not in {a["name"] for a in actions}:
        kept = _kept_input(failed_form)
    pd_access = can_see_personal_data(request.user)
    if pd_access:
        log_personal_data_access(request.user, [case.pk], "case_page")
    context = {
        "case": case,
        "pd_access": pd_access,
        "case_text": case.text if pd_access else masked_text(case),
        "external_url": _safe_url(case.external_url),
        "timeline": case_timeline(case),
        "deadlines": deadline_rows(case, timezone.now()),
        "author_files": author_attachments(case),
        "actions": actions,
        "pending_answer": pending,
        "problem_link": _problem_link(request.user, case),
        "can_review": pending is not None and is_answer_reviewer(request.user, case),
        "error": error,
        "error_note": note,
        "failed_label": ACTION_LABELS.get(failed, ""),
        "kept_input": kept,
        "similar": similar_for_user(request.user, case),
        "topic_form": topic_choices() if granted_actions(request.user, case) else None,
        "place_choices": place_choices(case.municipality_id) if granted_actions(request.user, case) else None,
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_POST
def correct_topic(request: HttpRequest, pk: int) -> HttpResponse:
    """An operator fixes the topic; the correction becomes a label for the next training."""
    from otklik.nlp.services import correct_topic as correct
    from otklik.org.models import Topic

    case = case_for_user(request.user, pk)
    if not granted_actions(request.user, case):
        return render(
            request, "cases/forbidden.html", {"case": case, "action_label": "Исправить тему"}, status=403
        )
    raw = request.POST.get("topic", "")
    topic = Topic.objects.filter(pk=int(raw), is_active=True).first() if raw.isdigit() else None
    if topic is None:
        return _page(request, case, status=400, error="Тема не исправлена: выберите тему из списка.")
    correct(case, topic, actor=request.user)
    messages.success(
        request, f"Тема исправлена: {topic.name}. Исправление учтётся при следующем обучении модели."
    )
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def correct_place(request: HttpRequest, pk: int) -> HttpResponse:
    """An operator fixes the settlement or locality of the case."""
    from otklik.nlp.services import correct_place as correct
    from otklik.territory.models import Locality, Settlement

    case = case_for_user(request.user, pk)
    if not granted_actions(request.user, case):
        context = {"case": case, "action_label": "Исправить место"}
        return render(request, "cases/forbidden.html", context, status=403)
    raw = request.POST.get("place", "")
    kind, _, ident = raw.partition(":")
    locality = settlement = None
    if kind == "l" and ident.isdigit():
        locality = Locality.objects.select_related("settlement").filter(pk=int(ident)).first()
    elif kind == "s" and ident.isdigit():
        settlement = Settlement.objects.filter(pk=int(ident)).first()
    if locality is None and settlement is None:
        return _page(
            request, case, status=400, error="Место не исправлено: выберите поселение или населённый пункт."
        )
    try:
        correct(case, locality, settlement=settlement, actor=request.user)
    except ValueError as exc:
        return _page(request, case, status=400, error=f"Место не исправлено: {exc}")
    messages.success(request, "Место исправлено.")
    return redirect("cases:detail", pk=pk)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, case_for_user(request.user, pk))


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = case_for_user(request.user, pk)
    if action not in PERFORM:
        raise Http404("Нет такого действия.")
    if not role_allows(request.user, action, case):
        context = {"case": case, "action_label": ACTION_LABELS[action]}
        return render(request, "cases/forbidden.html", context, status=403)
    form = _form(action, case, request.POST, request.FILES)
    if not form.is_valid():
        return _page(
            request,
            case,
            status=400,
            error=f"Действие «{ACTION_LABELS[action]}» не выполнено: исправьте отмеченные поля.",
            failed=action,
            failed_form=form,
        )
    try:
        if form.cleaned_data["version"] != case.version:
            raise ConflictError(CONFLICT_MESSAGE)
        if not lifecycle_allows(action, case):
            raise TransitionError(unavailable_reason(action, case))
        message = PERFORM[action](case, request.user, form.cleaned_data)
    except ConflictError as exc:
        fresh = case_for_user(request.user, pk)
        data = request.POST.copy()
        data["version"] = str(fresh.version)
        note = "Ниже — актуальное состояние обращения. Введённые вами данные сохранены."
        if request.FILES:
            note += " Файлы нужно выбрать заново."
        return _page(
            request,
            fresh,
            status=409,
            error=str(exc),
            note=note,
            failed=action,
            failed_form=_form(action, fresh, data),
        )
    except TransitionError as exc:
        return _page(request, case, status=409, error=str(exc), failed=action, failed_form=form)
    except CaseActionError as exc:
        return _page(request, case, status=400, error=str(exc), failed=action, failed_form=form)
    messages.success(request, message)
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    item = attachment_for_user(request.user, pk, attachment_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("Файл не найден в хранилище.") from None
    return download_response(handle, item.name)
