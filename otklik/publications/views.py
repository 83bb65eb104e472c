"""The content plan's pages (/publications/): the month's calendar and list, a post, approval, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.publications import exports, permissions, rules, selectors, services
from otklik.publications.forms import NoteForm, PeriodForm, PostForm, PublishedForm
from otklik.publications.models import OfficialPage, Post

View = Callable[..., HttpResponse]
PER_PAGE = 50
MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


def editor(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.can_use(request.user):
            raise PermissionDenied(
                "Контент-план ведут ответственный за соцсети («Инцидент»), руководитель и куратор МЦУ."
            )
        return view(request, *args, **kwargs)

    return wrapped


def _month(value: str, today: date) -> date:
    try:
        year, month = (int(p) for p in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _tz(request: HttpRequest) -> Any:
    munis = permissions.municipalities(request.user)
    return munis[0].tz if len(munis) == 1 else timezone.get_current_timezone()


@editor
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    tz = _tz(request)
    today = timezone.localdate(timezone.now(), tz)
    month = _month(request.GET.get("month", ""), today)
    status = request.GET.get("status", "")
    status = status if status in Post.Status.values else ""
    page_id = request.GET.get("page_id", "")
    page_pk = int(page_id) if page_id.isdigit() else None
    lo, hi = selectors.month_bounds(month, tz)
    posts_qs = selectors.plan(request.user, lo=lo, hi=hi, status=status, page_id=page_pk)
    posts = list(posts_qs[:500])
    counts = selectors.status_counts(selectors.plan(request.user, lo=lo, hi=hi))
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    filters = {"status": status, "page_id": page_pk or ""}
    last = next_month - timedelta(days=1)
    context = {
        "month": month,
        "month_label": f"{MONTHS[month.month - 1].capitalize()} {month.year}",
        "prev_link": "?" + urlencode({"month": f"{prev_month:%Y-%m}", **filters}),
        "next_link": "?" + urlencode({"month": f"{next_month:%Y-%m}", **filters}),
        "weeks": selectors.calendar_weeks(month, posts, tz, today),
        "list": Paginator(posts, PER_PAGE).get_page(request.GET.get("p")),
        "legend": [(value, label, counts.get(value, 0)) for value, label in Post.Status.choices],
        "statuses": Post.Status.choices,
        "status": status,
        "pages": OfficialPage.objects.filter(
            municipality__in=permissions.municipalities(request.user), is_active=True
        ).order_by("name"),
        "page_pk": page_pk,
        "period_form": PeriodForm(initial={"date_from": month, "date_to": last}),
        "month_value": f"{month:%Y-%m}",
        "weekdays": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"),
    }
    return render(request, "publications/plan.html", context)


@editor
@require_http_methods(["GET", "POST"])
def post_new(request: HttpRequest) -> HttpResponse:
    munis = permissions.municipalities(request.user)
    initial: dict[str, Any] = {}
    if request.GET.get("problem", "").isdigit():
        initial["problem"] = int(request.GET["problem"])
    form = PostForm(request.POST or None, initial=initial, municipalities=munis)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.create_post(
                actor=request.user,
                municipality=data["page"].municipality,
                title=data["title"],
                text=data["text"],
                page=data["page"],
                planned_at=data["planned_at"],
                topic=data["topic"],
                problem=data["problem"],
                measure=data["measure"],
            )
        except services.PublicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Публикация добавлена в контент-план как черновик.")
            return redirect("publications:post", pk=post.pk)
    return render(
        request,
        "publications/post_form.html",
        {"form": form, "title": "Новая публикация"},
        status=400 if form.errors else 200,
    )


@editor
@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.post_for(request.user, pk)
    caps = permissions.capabilities(request.user, post.municipality_id)
    context = {
        "post": post,
        "can_edit": rules.EDIT in caps and post.status in rules.EDITABLE,
        "can_approve": rules.APPROVE in caps and post.status == Post.Status.PLANNED,
        "is_head": rules.APPROVE in caps,
        "caps": caps,
        "note_form": NoteForm(),
        "published_form": PublishedForm(),
        "history": _history(post),
    }
    return render(request, "publications/post_detail.html", context)


HISTORY_LABELS = {
    "publications.post_created": "создана",
    "publications.post_updated": "изменена",
    "publications.post_planned": "отправлена на согласование",
    "publications.post_approved": "согласована",
    "publications.post_draft": "возвращена в черновики",
    "publications.post_cancelled": "отменена",
    "publications.post_published": "опубликована",
}


def _history(post: Post) -> list[dict[str, Any]]:
    from otklik.audit.models import AuditEvent

    events = AuditEvent.objects.filter(object_type=post._meta.label_lower, object_id=str(post.pk)).order_by(
        "at", "id"
    )[:50]
    return [
        {
            "at": e.at,
            "who": e.actor_label,
            "what": HISTORY_LABELS.get(e.action, e.action),
            "note": (e.after or {}).get("note", "") if isinstance(e.after, dict) else "",
        }
        for e in events
    ]


@editor
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.post_for(request.user, pk)
    if post.status not in rules.EDITABLE:
        messages.error(request, f"Публикация {rules.LABELS[post.status]}: изменить её нельзя.")
        return redirect("publications:post", pk=post.pk)
    initial = {
        "title": post.title,
        "text": post.text,
        "page": post.page_id,
        "planned_at": timezone.localtime(post.planned_at, post.municipality.tz),
        "topic": post.topic_id,
        "problem": post.problem_id,
        "measure": post.measure_id,
    }
    form = PostForm(request.POST or None, initial=initial, municipalities=[post.municipality])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        was_approved = post.status == Post.Status.APPROVED
        try:
            services.update_post(
                post,
                actor=request.user,
                title=data["title"],
                text=data["text"],
                page=data["page"],
                planned_at=data["planned_at"],
                topic=data["topic"],
                problem=data["problem"],
                measure=data["measure"],
            )
        except services.PublicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                "Изменения сохранены. Публикация была согласована — она снова ждёт согласования руководителя."
                if was_approved
                else "Изменения сохранены.",
            )
            return redirect("publications:post", pk=post.pk)
    return render(
        request,
        "publications/post_form.html",
        {"form": form, "post": post, "title": f"Изменить: {post.title}"},
        status=400 if form.errors else 200,
    )


ACTIONS = {
    "submit": (Post.Status.PLANNED, "Публикация отправлена на согласование руководителю."),
    "approve": (Post.Status.APPROVED, "Публикация согласована и выйдет в назначенное время."),
    "return": (Post.Status.DRAFT, "Публикация возвращена на доработку."),
    "cancel": (Post.Status.CANCELLED, "Публикация отменена."),
    "restore": (Post.Status.DRAFT, "Публикация возвращена в черновики."),
}


@editor
@require_POST
def post_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    post = permissions.post_for(request.user, pk)
    if action not in ACTIONS:
        messages.error(request, "Неизвестное действие.")
        return redirect("publications:post", pk=post.pk)
    target, done = ACTIONS[action]
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.transition(post, target, actor=request.user, note=note)
    except (rules.TransitionError, services.PublicationError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("publications:post", pk=post.pk)


@editor
@require_POST
def post_published(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.post_for(request.user, pk)
    form = PublishedForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("publications:post", pk=post.pk)
    try:
        services.mark_published(post, actor=request.user, url=form.cleaned_data["url"])
    except (rules.TransitionError, services.PublicationError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Публикация отмечена опубликованной.")
    return redirect("publications:post", pk=post.pk)


@editor
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, f"Выгрузка: {e}")
        return redirect(reverse("publications:plan"))
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    tz = _tz(request)
    lo, hi = selectors.period_bounds(start, end, tz)
    posts = list(selectors.plan(request.user, lo=lo, hi=hi))
    munis = permissions.municipalities(request.user)
    title = munis[0].name if len(munis) == 1 else "все муниципальные образования"
    content = exports.plan_workbook(posts, start=start, end=end, title=title)
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="content-plan-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response
