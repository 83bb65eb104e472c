"""Officers' pages (/participation/): polls and discussions, their lifecycle, results with charts and XLSX,
the platform's result file, the moderation queue, proposals and the protocol."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.participation import exports, permissions, rules, selectors, services
from otklik.participation.forms import (
    ConclusionForm,
    DiscussionEditForm,
    DiscussionForm,
    DocumentForm,
    PlatformFileForm,
    PollEditForm,
    PollForm,
    ProposalForm,
    QuestionForm,
    RejectForm,
    ResponseForm,
)
from otklik.participation.models import (
    Comment,
    Discussion,
    DiscussionDocument,
    ModerationReason,
    Poll,
    Proposal,
    Question,
    Status,
)
from otklik.participation.platform import PlatformFileError, import_results

PER_PAGE = 20
View = Callable[..., HttpResponse]


def officer(view: View) -> View:
    """Logged in and running polls somewhere (ПОС officer, head, curator); others get a 403 page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.can_manage(request.user):
            raise PermissionDenied("Опросы и обсуждения ведут ответственный за ПОС и руководство МЦУ.")
        return view(request, *args, **kwargs)

    return wrapped


def _fail(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, str(exc))


def _one_municipality(request: HttpRequest) -> Any:
    munis = permissions.municipalities(request.user)
    return munis, (munis[0] if len(munis) == 1 else None)


@officer
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    polls = Paginator(selectors.staff_polls(request.user, status=status), PER_PAGE)
    discussions = Paginator(selectors.staff_discussions(request.user, status=status), PER_PAGE)
    context = {
        "polls": polls.get_page(request.GET.get("polls_page")),
        "discussions": discussions.get_page(request.GET.get("discussions_page")),
        "pending": selectors.pending_count(request.user),
        "status": status,
        "statuses": Status.choices,
    }
    return render(request, "participation/index.html", context)


# --- polls ------------------------------------------------------------------------------------------


@officer
@require_http_methods(["GET", "POST"])
def poll_new(request: HttpRequest) -> HttpResponse:
    munis, fixed = _one_municipality(request)
    form = PollForm(request.POST or None, municipalities=munis, fixed=fixed)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            poll = services.create_poll(
                actor=request.user,
                municipality=fixed or data["municipality"],
                title=data["title"],
                description=data["description"],
                kind=data["kind"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                is_anonymous=data["is_anonymous"],
                show_live_results=data["show_live_results"],
                settlements=list(data["settlements"]),
            )
        except services.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Опрос создан. Добавьте вопросы и опубликуйте его.")
            return redirect("participation:poll", pk=poll.pk)
    return render(
        request,
        "participation/poll_form.html",
        {"form": form, "title": "Новый опрос"},
        status=400 if form.errors else 200,
    )


def _poll(request: HttpRequest, pk: int) -> Poll:
    return permissions.get_scoped(request.user, Poll.objects.select_related("municipality"), pk)


@officer
@require_GET
def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    context = {
        "poll": poll,
        "questions": list(poll.questions.prefetch_related("options")),
        "question_form": QuestionForm(),
        "import_form": PlatformFileForm(),
        "imports": list(poll.imports.select_related("imported_by")[:10]),
        "ballots": poll.ballots.count(),
        "settlements": list(poll.settlements.order_by("name")),
        "public_url": reverse("participation_public:poll", args=[poll.slug]),
        "phase": rules.phase(poll.window, timezone.now()),
    }
    return render(request, "participation/poll_detail.html", context)


@officer
@require_http_methods(["GET", "POST"])
def poll_edit(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if poll.status == Status.CLOSED:
        messages.error(request, "Опрос завершён: изменить его нельзя.")
        return redirect("participation:poll", pk=poll.pk)
    draft = poll.status == Status.DRAFT
    initial = {
        "kind": poll.kind,
        "title": poll.title,
        "description": poll.description,
        "starts_at": poll.starts_at,
        "ends_at": poll.ends_at,
        "is_anonymous": "1" if poll.is_anonymous else "0",
        "show_live_results": poll.show_live_results,
        "settlements": list(poll.settlements.all()),
    }
    form: PollForm | PollEditForm
    if draft:
        form = PollForm(
            request.POST or None, initial=initial, municipalities=[poll.municipality], fixed=poll.municipality
        )
    else:
        form = PollEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        settlements = list(data.pop("settlements")) if draft else None
        try:
            services.update_poll(poll, actor=request.user, settlements=settlements, **data)
        except services.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Изменения сохранены.")
            return redirect("participation:poll", pk=poll.pk)
    return render(
        request,
        "participation/poll_form.html",
        {"form": form, "poll": poll, "title": f"Изменить: {poll.title}"},
        status=400 if form.errors else 200,
    )


@officer
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_question(
                poll,
                actor=request.user,
                text=data["text"],
                kind=data["kind"],
                options=data["option_list"],
                required=data["required"],
                scale_min=data["scale_min"],
                scale_max=data["scale_max"],
                scale_min_label=data["scale_min_label"],
                scale_max_label=data["scale_max_label"],
            )
        except services.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Вопрос добавлен.")
            return redirect(reverse("participation:poll", args=[poll.pk]) + "#questions")
    context = {
        "poll": poll,
        "questions": list(poll.questions.prefetch_related("options")),
        "question_form": form,
        "import_form": PlatformFileForm(),
        "imports": [],
        "ballots": poll.ballots.count(),
        "settlements": list(poll.settlements.order_by("name")),
        "public_url": reverse("participation_public:poll", args=[poll.slug]),
        "phase": rules.phase(poll.window, timezone.now()),
    }
    return render(request, "participation/poll_detail.html", context, status=400)


@officer
@require_POST
def question_delete(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    question = Question.objects.filter(poll=poll, pk=question_pk).first()
    if question is not None:
        try:
            services.delete_question(question, actor=request.user)
        except services.ParticipationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "Вопрос удалён.")
    return redirect(reverse("participation:poll", args=[poll.pk]) + "#questions")


@officer
@require_POST
def poll_publish(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    try:
        services.publish_poll(poll, actor=request.user)
    except (services.ParticipationError, rules.TransitionError) as exc:
        _fail(request, exc)
    else:
        messages.success(request, "Опрос опубликован: жители видят его на странице «Опросы и обсуждения».")
    return redirect("participation:poll", pk=poll.pk)


@officer
@require_POST
def poll_close(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    try:
        services.close_poll(poll, actor=request.user)
    except (services.ParticipationError, rules.TransitionError) as exc:
        _fail(request, exc)
    else:
        messages.success(request, "Опрос завершён: итоги окончательные и видны жителям.")
    return redirect("participation:poll", pk=poll.pk)


@officer
@require_GET
def poll_results(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    results = selectors.poll_results(poll)
    return render(
        request,
        "participation/poll_results.html",
        {"poll": poll, "results": results, "chart": results.chart(), "final": poll.status == Status.CLOSED},
    )


@officer
@require_GET
def poll_export(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    content = exports.results_workbook(selectors.poll_results(poll, texts=0))
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.results_file_name(poll)}"'
    return response


@officer
@require_POST
def poll_import(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    form = PlatformFileForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(reverse("participation:poll", args=[poll.pk]) + "#platform")
    upload = form.cleaned_data["file"]
    try:
        batch = import_results(poll, upload.read(), file_name=upload.name or "file", actor=request.user)
    except PlatformFileError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request,
            f"Итоги платформы загружены: добавлено {batch.created}, изменено {batch.updated}, "
            f"без изменений {batch.unchanged}, убрано {batch.removed}, отклонено строк {batch.rejected}.",
        )
    return redirect(reverse("participation:poll", args=[poll.pk]) + "#platform")


# --- discussions ------------------------------------------------------------------------------------


@officer
@require_http_methods(["GET", "POST"])
def discussion_new(request: HttpRequest) -> HttpResponse:
    munis, fixed = _one_municipality(request)
    form = DiscussionForm(request.POST or None, municipalities=munis, fixed=fixed)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            discussion = services.create_discussion(
                actor=request.user,
                municipality=fixed or data["municipality"],
                title=data["title"],
                description=data["description"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                rules_text=data["rules"],
                settlements=list(data["settlements"]),
            )
        except services.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Обсуждение создано. Приложите документы и опубликуйте его.")
            return redirect("participation:discussion", pk=discussion.pk)
    return render(
        request,
        "participation/discussion_form.html",
        {"form": form, "title": "Новое общественное обсуждение"},
        status=400 if form.errors else 200,
    )


def _discussion(request: HttpRequest, pk: int) -> Discussion:
    return permissions.get_scoped(request.user, Discussion.objects.select_related("municipality"), pk)


def _discussion_context(discussion: Discussion, request: HttpRequest, **extra: Any) -> dict[str, Any]:
    comments = Paginator(
        discussion.comments.select_related("reason", "moderated_by", "settlement", "proposal").order_by(
            "-created_at", "-pk"
        ),
        PER_PAGE,
    )
    context = {
        "discussion": discussion,
        "documents": list(discussion.documents.all()),
        "document_form": DocumentForm(),
        "summary": selectors.moderation_summary(discussion),
        "comments": comments.get_page(request.GET.get("page")),
        "public_url": reverse("participation_public:discussion", args=[discussion.slug]),
        "settlements": list(discussion.settlements.order_by("name")),
        "phase": rules.phase(discussion.window, timezone.now()),
        "reasons": list(ModerationReason.objects.filter(is_active=True)),
    }
    context.update(extra)
    return context


@officer
@require_GET
def discussion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    return render(request, "participation/discussion_detail.html", _discussion_context(discussion, request))


@officer
@require_http_methods(["GET", "POST"])
def discussion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    if discussion.status == Status.CLOSED:
        messages.error(request, "Обсуждение завершено: изменить можно только итог — на странице протокола.")
        return redirect("participation:discussion", pk=discussion.pk)
    draft = discussion.status == Status.DRAFT
    initial = {
        "title": discussion.title,
        "description": discussion.description,
        "starts_at": discussion.starts_at,
        "ends_at": discussion.ends_at,
        "rules": discussion.rules,
        "settlements": list(discussion.settlements.all()),
    }
    form: DiscussionForm | DiscussionEditForm
    if draft:
        form = DiscussionForm(
            request.POST or None,
            initial=initial,
            municipalities=[discussion.municipality],
            fixed=discussion.municipality,
        )
    else:
        form = DiscussionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        settlements = list(data.pop("settlements")) if draft else None
        if draft:
            data["rules"] = data["rules"] or discussion.rules
        try:
            services.update_discussion(discussion, actor=request.user, settlements=settlements, **data)
        except services.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Изменения сохранены.")
            return redirect("participation:discussion", pk=discussion.pk)
    return render(
        request,
        "participation/discussion_form.html",
        {"form": form, "discussion": discussion, "title": f"Изменить: {discussion.title}"},
        status=400 if form.errors else 200,
    )


@officer
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(
                discussion,
                actor=request.user,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except services.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Документ добавлен.")
            return redirect(reverse("participation:discussion", args=[discussion.pk]) + "#documents")
    context = _discussion_context(discussion, request, document_form=form)
    return render(request, "participation/discussion_detail.html", context, status=400)


@officer
@require_POST
def document_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    item = DiscussionDocument.objects.filter(discussion=discussion, pk=document_pk).first()
    if item is not None:
        try:
            services.delete_document(item, actor=request.user)
        except services.ParticipationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "Документ удалён.")
    return redirect(reverse("participation:discussion", args=[discussion.pk]) + "#documents")


@officer
@require_POST
def discussion_publish(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    try:
        services.publish_discussion(discussion, actor=request.user)
    except (services.ParticipationError, rules.TransitionError) as exc:
        _fail(request, exc)
    else:
        messages.success(request, "Обсуждение опубликовано.")
    return redirect("participation:discussion", pk=discussion.pk)


@officer
@require_POST
def discussion_close(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    try:
        services.close_discussion(discussion, actor=request.user)
    except (services.ParticipationError, rules.TransitionError) as exc:
        _fail(request, exc)
    else:
        messages.success(request, "Обсуждение завершено: подготовьте ответы на предложения и протокол.")
    return redirect("participation:discussion", pk=discussion.pk)


# --- proposals and the protocol ---------------------------------------------------------------------


def _proposals_context(discussion: Discussion, **extra: Any) -> dict[str, Any]:
    items = selectors.proposals(discussion)
    context: dict[str, Any] = {
        "discussion": discussion,
        "proposals": [
            (
                p,
                ResponseForm(
                    initial={"summary": p.summary, "decision": p.decision, "response": p.response},
                    prefix=f"p{p.pk}",
                ),
            )
            for p in items
        ],
        "proposal_form": ProposalForm(discussion=discussion),
        "ungrouped": list(selectors.ungrouped_comments(discussion)),
        "conclusion_form": ConclusionForm(initial={"conclusion": discussion.conclusion}),
        "summary": selectors.moderation_summary(discussion),
        "unanswered": sum(1 for p in items if not p.response),
    }
    context.update(extra)
    return context


@officer
@require_http_methods(["GET", "POST"])
def proposals(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    if request.method == "POST":
        form = ProposalForm(request.POST, discussion=discussion)
        if form.is_valid():
            try:
                services.create_proposal(
                    discussion,
                    actor=request.user,
                    summary=form.cleaned_data["summary"],
                    comments=list(form.cleaned_data["comments"]),
                )
            except services.ParticipationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Предложение добавлено.")
                return redirect("participation:proposals", pk=discussion.pk)
        context = _proposals_context(discussion, proposal_form=form)
        return render(request, "participation/proposals.html", context, status=400)
    return render(request, "participation/proposals.html", _proposals_context(discussion))


@officer
@require_POST
def proposal_respond(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    proposal = Proposal.objects.filter(discussion=discussion, pk=proposal_pk).first()
    if proposal is None:
        return redirect("participation:proposals", pk=discussion.pk)
    form = ResponseForm(request.POST, prefix=f"p{proposal.pk}")
    if form.is_valid():
        try:
            services.respond_to_proposal(
                proposal,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                response=form.cleaned_data["response"],
                summary=form.cleaned_data["summary"],
            )
        except services.ParticipationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, f"Ответ на предложение № {proposal.order} сохранён.")
        return redirect(reverse("participation:proposals", args=[discussion.pk]) + f"#proposal-{proposal.pk}")
    context = _proposals_context(discussion)
    context["proposals"] = [(p, form if p.pk == proposal.pk else f) for p, f in context["proposals"]]
    return render(request, "participation/proposals.html", context, status=400)


@officer
@require_POST
def proposal_delete(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    proposal = Proposal.objects.filter(discussion=discussion, pk=proposal_pk).first()
    if proposal is not None:
        services.delete_proposal(proposal, actor=request.user)
        messages.success(request, "Предложение удалено; его комментарии снова не сгруппированы.")
    return redirect("participation:proposals", pk=discussion.pk)


@officer
@require_POST
def conclusion(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    form = ConclusionForm(request.POST)
    if form.is_valid():
        services.update_discussion(discussion, actor=request.user, conclusion=form.cleaned_data["conclusion"])
        messages.success(request, "Итог обсуждения сохранён.")
        return redirect("participation:proposals", pk=discussion.pk)
    context = _proposals_context(discussion, conclusion_form=form)
    return render(request, "participation/proposals.html", context, status=400)


@officer
@require_GET
def protocol(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = _discussion(request, pk)
    response = HttpResponse(exports.protocol_docx(discussion), content_type=exports.DOCX)
    response["Content-Disposition"] = f'attachment; filename="{exports.protocol_file_name(discussion)}"'
    return response


# --- moderation -------------------------------------------------------------------------------------


@officer
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.moderation_queue(request.user), PER_PAGE).get_page(request.GET.get("page"))
    reasons = list(ModerationReason.objects.filter(is_active=True))
    return render(request, "participation/moderation.html", {"page": page, "reasons": reasons})


@officer
@require_POST
def moderate(request: HttpRequest, comment_pk: int) -> HttpResponse:
    ids = permissions.municipality_ids(request.user)
    qs = Comment.objects.select_related("discussion")
    if ids is not None:
        qs = qs.filter(discussion__municipality_id__in=ids)
    comment = qs.filter(pk=comment_pk).first()
    back = request.POST.get("back", "")
    target = back if back.startswith("/participation/") else reverse("participation:moderation")
    if comment is None:
        messages.error(request, "Комментарий не найден.")
        return redirect(target)
    decision = request.POST.get("decision")
    try:
        if decision == "publish":
            services.moderate_comment(comment, actor=request.user, publish=True)
            messages.success(request, f"Комментарий «{comment.text[:60]}» опубликован.")
        elif decision == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Комментарий не отклонён: выберите причину из правил модерации.")
                return redirect(target)
            services.moderate_comment(
                comment,
                actor=request.user,
                publish=False,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"Комментарий отклонён. Причина: {form.cleaned_data['reason'].text}.")
        else:
            messages.error(request, "Неизвестное решение.")
    except (services.ParticipationError, rules.TransitionError) as exc:
        _fail(request, exc)
    return redirect(target)
