# mypy: disable-error-code="misc"
"""The problems pages: the list with its map, a problem's page with its actions, the roadmap board,
the exports and accelerated resolution. Views parse, check the right, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from otklik.cases.selectors import municipalities_with_cases, visible_cases
from otklik.cases.uploads import download_response
from otklik.nlp.services import masked_text
from otklik.org.selectors import can_see_personal_data
from otklik.problems import exports, selectors, services
from otklik.problems import forms as pf
from otklik.problems.models import Measure, MeasureStatus, Problem, ProblemStatus
from otklik.problems.permissions import (
    can_decide,
    can_decide_in,
    can_update_measure,
    problem_for_user,
    visible_problems,
)
from otklik.problems.services import MeasureData, ProblemError
from otklik.territory.models import Municipality

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PER_PAGE = 25
CASES_PER_PAGE = 50


def _municipalities(user: Any) -> list[Municipality]:
    return list(
        Municipality.objects.filter(
            Q(pk__in=visible_problems(user).values("municipality_id"))
            | Q(pk__in=municipalities_with_cases(user).values("pk"))
        ).order_by("name")
    )


def _chosen(municipalities: list[Municipality], code: str) -> Municipality | None:
    if len(municipalities) == 1:
        return municipalities[0]
    return next((m for m in municipalities if m.code == code), None)


def _forbidden(request: HttpRequest, problem: Problem, action: str) -> HttpResponse:
    context = {"problem": problem, "action_label": action}
    return render(request, "problems/forbidden.html", context, status=403)


# --- the list ---------------------------------------------------------------------------------------


@login_required
@require_GET
def problem_list(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request.user)
    form = pf.ListFilterForm(request.GET or None, municipalities=municipalities)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    municipality = _chosen(municipalities, data.get("mo") or "")
    topic = data.get("topic")
    settlement = data.get("settlement")
    filters = {
        "municipality": municipality,
        "topic_id": topic.pk if topic else None,
        "settlement_id": settlement.pk if settlement else None,
    }
    counts = selectors.tab_counts(request.user, **filters)
    tab = data.get("tab") or ("candidates" if not counts["open"] and counts["candidates"] else "open")
    now = timezone.now()
    rows = selectors.problem_rows(request.user, tab=tab, now=now, **filters)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    tallies = selectors.measure_tallies([p.pk for p in page], today)
    params = {
        "mo": municipality.code if municipality and len(municipalities) > 1 else "",
        "topic": topic.pk if topic else "",
        "settlement": settlement.pk if settlement else "",
    }
    query = urlencode({k: v for k, v in params.items() if v})
    chart = None
    if municipality is not None:
        base = "?" + urlencode(
            {k: v for k, v in {**params, "tab": "open"}.items() if v and k != "settlement"}
        )
        chart = selectors.problem_map(request.user, municipality, link=base + "&")
    context = {
        "form": form,
        "tab": tab,
        "tabs": [(key, label, counts[key]) for key, (label, _) in selectors.TABS.items()],
        "page": page,
        "rows": [{"problem": p, "tally": tallies.get(p.pk, selectors.MeasureTally())} for p in page],
        "query": query,
        "municipality": municipality,
        "chart": chart,
        "can_propose": municipality is not None and can_decide_in(request.user, municipality.pk),
        "filtered": bool(topic or settlement),
    }
    return render(request, "problems/list.html", context)


@login_required
@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request.user)
    municipality = _chosen(municipalities, request.POST.get("mo", ""))
    if municipality is None:
        raise Http404("Муниципальное образование не найдено.")
    if not can_decide_in(request.user, municipality.pk):
        raise PermissionDenied("Искать кандидатов может руководитель или куратор МЦУ.")
    result = services.propose_candidates(municipality)
    found = result.as_dict()
    messages.success(
        request,
        f"Поиск завершён: новых кандидатов — {found['created']}, дополнено — {found['updated']}"
        + (
            f", не предложены снова отклонённые — {found['skipped_dismissed']}"
            if found["skipped_dismissed"]
            else ""
        )
        + ".",
    )
    return redirect(reverse("problems:list") + "?tab=candidates")


# --- a problem's page -------------------------------------------------------------------------------


def _case_rows(request: HttpRequest, problem: Problem) -> tuple[Any, list[dict[str, Any]]]:
    page = Paginator(selectors.problem_cases(request.user, problem), CASES_PER_PAGE).get_page(
        request.GET.get("cases_page")
    )
    pd_access = can_see_personal_data(request.user)
    rows = []
    for case in page:
        text = case.title or (case.text if pd_access else masked_text(case))
        rows.append({"case": case, "snippet": text, "link": case.problem_link})
    return page, rows


def _measure_rows(
    request: HttpRequest,
    problem: Problem,
    measures: list[Measure],
    bound: dict[str, forms.Form],
    can: bool,
    options: pf.MeasureOptions | None,
) -> list[dict[str, Any]]:
    today = timezone.localdate(timezone=problem.municipality.tz)
    rows = []
    for m in measures:
        m.problem = problem  # already loaded: the rights check reads its block
        edit_key, status_key = f"measure_edit_{m.pk}", f"measure_status_{m.pk}"
        initial = {
            "title": m.title,
            "responsible_position": m.responsible_position,
            "responsible_name": m.responsible_name,
            "responsible_user": m.responsible_user_id,
            "department": m.department_id,
            "organisation": m.organisation,
            "start_on": m.start_on,
            "due_on": m.due_on,
        }
        can_update = can_update_measure(request.user, m)
        rows.append(
            {
                "measure": m,
                "overdue": m.is_open and m.due_on < today,
                "can_update": can_update,
                "can_edit": can,
                "edit_form": bound.get(edit_key)
                or (
                    pf.MeasureForm(
                        initial=initial,
                        municipality_id=problem.municipality_id,
                        options=options,
                        prefix=f"m{m.pk}",
                    )
                    if can
                    else None
                ),
                "status_form": bound.get(status_key)
                or (
                    pf.MeasureStatusForm(
                        initial={"status": m.status, "evidence": m.evidence, "completed_on": m.completed_on},
                        prefix=f"s{m.pk}",
                    )
                    if can_update
                    else None
                ),
                "open_form": "edit" if edit_key in bound else ("status" if status_key in bound else ""),
            }
        )
    return rows


def _page(
    request: HttpRequest, problem: Problem, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    can = can_decide(user, problem)
    measures = selectors.measures_of(problem)
    effect = selectors.effect(user, problem, measures)
    cases_page, case_rows = _case_rows(request, problem)
    case_ids = [r["case"].pk for r in case_rows]
    merge_targets = _merge_targets(request, problem) if can else []
    move_targets = _move_targets(request, problem) if can else []
    effects = {e.measure.pk: e for e in effect.measures}
    options = pf.MeasureOptions(problem.municipality_id) if can else None
    rows = _measure_rows(request, problem, measures, bound, can, options)
    for row in rows:
        row["effect"] = effects.get(row["measure"].pk)
    chart = effect.chart()
    weekly = list(zip(chart["weeks"], chart["counts"], chart["median_days"], chart["satisfied"], strict=True))
    context = {
        "problem": problem,
        "can": can,
        "weekly": weekly,
        "open_form": next(iter(bound), ""),
        "confirm_form": bound.get("confirm") or pf.ConfirmForm(initial={"title": problem.title}),
        "dismiss_form": bound.get("dismiss") or pf.DismissForm(),
        "merge_form": bound.get("merge") or pf.MergeForm(targets=merge_targets),
        "has_merge_targets": bool(merge_targets),
        "move_targets": move_targets,
        "split_error": bound.get("split"),
        "move_error": bound.get("move"),
        "edit_form": bound.get("edit")
        or pf.ProblemEditForm(
            initial={
                "title": problem.title,
                "cause_category": problem.cause_category,
                "root_cause": problem.root_cause,
            }
        ),
        "resolve_form": bound.get("resolve") or pf.ResolveForm(),
        "reopen_form": bound.get("reopen") or pf.ReopenForm(),
        "add_case_form": bound.get("add_case") or pf.AddCaseForm(),
        "measure_form": bound.get("measure_add")
        or (
            pf.MeasureForm(municipality_id=problem.municipality_id, options=options, prefix="new")
            if can
            else None
        ),
        "measure_rows": rows,
        "roadmap_editable": problem.status in services.WITH_ROADMAP,
        "effect": effect,
        "chart": chart,
        "cases_page": cases_page,
        "case_rows": case_rows,
        "case_ids": case_ids,
        "keywords": [w for w, _ in problem.signature[:10]] if problem.signature else [],
    }
    return render(request, "problems/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = problem_for_user(request.user, pk)
    merged_into = problem.merged_into_id if problem.status == ProblemStatus.MERGED else None
    if merged_into and visible_problems(request.user).filter(pk=merged_into).exists():
        messages.info(request, f"Проблема «{problem.title}» объединена с этой.")
        return redirect("problems:detail", pk=merged_into)
    return _page(request, problem)


def _decision(
    request: HttpRequest,
    pk: int,
    label: str,
    key: str,
    make: Callable[[Problem], forms.Form],
    call: Callable[[Problem, dict[str, Any]], Any],
    done: str | Callable[[Any], str],
    anchor: str = "",
) -> HttpResponse:
    """The common shape of a POST on a problem: visible (else 404), allowed (else 403), a valid form
    (else the page again with the errors), then the service."""
    problem = problem_for_user(request.user, pk)
    if not can_decide(request.user, problem):
        return _forbidden(request, problem, label)
    form = make(problem)
    if not form.is_valid():
        return _page(request, problem, {key: form}, status=400)
    try:
        result = call(problem, form.cleaned_data)
    except ProblemError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("problems:detail", args=[problem.pk]) + anchor)
    messages.success(request, done(result) if callable(done) else done)
    target = result.pk if isinstance(result, Problem) else problem.pk
    return redirect(reverse("problems:detail", args=[target]) + anchor)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        "Подтвердить проблему",
        "confirm",
        lambda p: pf.ConfirmForm(request.POST),
        lambda p, d: services.confirm(p.pk, actor=request.user, title=d["title"]),
        "Проблема подтверждена. Теперь опишите коренную причину и составьте дорожную карту.",
    )


@login_required
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        "Отклонить кандидата",
        "dismiss",
        lambda p: pf.DismissForm(request.POST),
        lambda p, d: services.dismiss(p.pk, d["reason"], actor=request.user),
        "Кандидат отклонён; эта группа обращений больше не будет предлагаться.",
    )


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        "Объединить проблемы",
        "merge",
        lambda p: pf.MergeForm(request.POST, targets=_merge_targets(request, p)),
        lambda p, d: services.merge(p.pk, d["sources"], actor=request.user),
        "Проблемы объединены.",
    )


def _merge_targets(request: HttpRequest, problem: Problem) -> list[Problem]:
    """Other problems this user may also decide on: merging changes them too."""
    return [t for t in selectors.merge_targets(request.user, problem) if can_decide(request.user, t)]


def _move_targets(request: HttpRequest, problem: Problem) -> list[Problem]:
    return [t for t in selectors.move_targets(request.user, problem) if can_decide(request.user, t)]


def _visible_case_ids(request: HttpRequest, problem: Problem) -> list[int]:
    return list(selectors.problem_cases(request.user, problem).values_list("pk", flat=True))


@login_required
@require_POST
def split(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        "Выделить в новую проблему",
        "split",
        lambda p: pf.SplitForm(request.POST, case_ids=_visible_case_ids(request, p)),
        lambda p, d: services.split(p.pk, d["cases"], d["title"], actor=request.user),
        lambda new: f"Выделено в новую проблему «{new.title}».",
        "#cases",
    )


@login_required
@require_POST
def move_cases(request: HttpRequest, pk: int) -> HttpResponse:
    def move(p: Problem, d: dict[str, Any]) -> Problem:
        target = d["target"]
        if target is not None and target not in {t.pk for t in _move_targets(request, p)}:
            raise ProblemError("Выберите проблему из списка.")
        for case_id in d["cases"]:
            services.move_case(case_id, target, actor=request.user, municipality_id=p.municipality_id)
        return p

    return _decision(
        request,
        pk,
        "Перенести обращения",
        "move",
        lambda p: pf.MoveCasesForm(
            request.POST,
            case_ids=_visible_case_ids(request, p),
            targets=_move_targets(request, p),
        ),
        move,
        "Обращения перенесены.",
        "#cases",
    )


@login_required
@require_POST
def add_case(request: HttpRequest, pk: int) -> HttpResponse:
    def add(p: Problem, d: dict[str, Any]) -> Problem:
        number = d["number"].strip().lstrip("№").strip()
        cases = visible_cases(request.user).filter(municipality_id=p.municipality_id)
        found = cases.filter(registration_number=number).first()
        if found is None and number.isdigit():
            found = cases.filter(pk=int(number)).first()
        if found is None:
            raise ProblemError(f"Обращение «{number}» не найдено среди доступных вам.")
        current = Problem.objects.filter(links__case=found).select_related("block").first()
        if current is not None and current.pk != p.pk and not can_decide(request.user, current):
            raise ProblemError(
                f"Обращение «{number}» входит в проблему «{current.title}», решения по которой не за вами."
            )
        services.move_case(found.pk, p.pk, actor=request.user, municipality_id=p.municipality_id)
        return p

    return _decision(
        request,
        pk,
        "Добавить обращение",
        "add_case",
        lambda p: pf.AddCaseForm(request.POST),
        add,
        "Обращение добавлено к проблеме.",
        "#cases",
    )


@login_required
@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        "Изменить описание и причину",
        "edit",
        lambda p: pf.ProblemEditForm(request.POST),
        lambda p, d: services.update_problem(
            p.pk,
            actor=request.user,
            title=d["title"],
            cause_category=d["cause_category"],
            root_cause=d["root_cause"],
        ),
        "Описание и коренная причина сохранены.",
        "#cause",
    )


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        "Признать решённой",
        "resolve",
        lambda p: pf.ResolveForm(request.POST),
        lambda p, d: services.resolve(p.pk, d["note"], actor=request.user),
        "Проблема признана решённой. Страница покажет, прекратились ли сообщения.",
    )


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        "Вернуть в работу",
        "reopen",
        lambda p: pf.ReopenForm(request.POST),
        lambda p, d: services.reopen(p.pk, d["reason"], actor=request.user),
        "Проблема снова в работе.",
    )


def _measure_data(d: dict[str, Any]) -> MeasureData:
    return MeasureData(
        title=d["title"],
        responsible_name=d["responsible_name"],
        responsible_position=d.get("responsible_position") or "",
        responsible_user=d.get("responsible_user"),
        department=d.get("department"),
        organisation=d.get("organisation") or "",
        start_on=d["start_on"],
        due_on=d["due_on"],
    )


@login_required
@require_POST
def add_measure(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        "Добавить мероприятие",
        "measure_add",
        lambda p: pf.MeasureForm(request.POST, municipality_id=p.municipality_id, prefix="new"),
        lambda p, d: services.add_measure(p.pk, _measure_data(d), actor=request.user),
        lambda m: f"Мероприятие № {m.order} добавлено в дорожную карту.",
        "#roadmap",
    )


def _measure(problem: Problem, mid: int) -> Measure:
    try:
        return Measure.objects.select_related("problem__block").get(pk=mid, problem=problem)
    except Measure.DoesNotExist:
        raise Http404("Мероприятие не найдено.") from None


@login_required
@require_POST
def edit_measure(request: HttpRequest, pk: int, mid: int) -> HttpResponse:
    problem = problem_for_user(request.user, pk)
    _measure(problem, mid)
    return _decision(
        request,
        pk,
        "Изменить мероприятие",
        f"measure_edit_{mid}",
        lambda p: pf.MeasureForm(request.POST, municipality_id=p.municipality_id, prefix=f"m{mid}"),
        lambda p, d: services.update_measure(mid, _measure_data(d), actor=request.user),
        "Мероприятие изменено.",
        "#roadmap",
    )


@login_required
@require_POST
def measure_status(request: HttpRequest, pk: int, mid: int) -> HttpResponse:
    problem = problem_for_user(request.user, pk)
    measure = _measure(problem, mid)
    if not can_update_measure(request.user, measure):
        return _forbidden(request, problem, "Изменить статус мероприятия")
    form = pf.MeasureStatusForm(request.POST, request.FILES, prefix=f"s{mid}")
    if not form.is_valid():
        return _page(request, problem, {f"measure_status_{mid}": form}, status=400)
    d = form.cleaned_data
    try:
        done = services.set_measure_status(
            mid,
            d["status"],
            actor=request.user,
            evidence=d.get("evidence") or "",
            completed_on=d.get("completed_on"),
            file=d.get("file"),
        )
    except ProblemError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("problems:detail", args=[pk]) + "#roadmap")
    messages.success(request, f"Мероприятие № {done.order}: {MeasureStatus(done.status).label}.")
    return redirect(reverse("problems:detail", args=[pk]) + "#roadmap")


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int, mid: int) -> FileResponse:
    problem = problem_for_user(request.user, pk)
    measure = _measure(problem, mid)
    if not measure.evidence_file:
        raise Http404("Файла нет.")
    return download_response(measure.evidence_file.open("rb"), measure.evidence_name)


@login_required
@require_GET
def roadmap_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    problem = problem_for_user(request.user, pk)
    content = exports.roadmap_xlsx(problem, selectors.measures_of(problem))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, exports.file_name(problem, "xlsx"))
    return response


@login_required
@require_GET
def roadmap_docx(request: HttpRequest, pk: int) -> HttpResponse:
    problem = problem_for_user(request.user, pk)
    content = exports.roadmap_docx(problem, selectors.measures_of(problem))
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, exports.file_name(problem, "docx"))
    return response


# --- the board and accelerated resolution -----------------------------------------------------------


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    blocks = list(selectors.board_blocks(request.user))
    form = pf.BoardFilterForm(request.GET or None, blocks=blocks)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    columns = selectors.board(
        request.user,
        today=today,
        block_id=data.get("block"),
        mine=bool(data.get("mine")),
        overdue_only=bool(data.get("overdue")),
    )
    overdue = sum(1 for c in columns for m in c.measures if getattr(m, "is_overdue", False))
    return render(
        request,
        "problems/board.html",
        {
            "form": form,
            "columns": columns,
            "today": today,
            "overdue": overdue,
            "filtered": bool(data and any(data.values())),
        },
    )


@login_required
@require_GET
def accelerated(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request.user)
    form = pf.AcceleratedForm(request.GET or None, municipalities=municipalities)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    end = data.get("date_to") or today
    start = data.get("date_from") or end - timedelta(days=89)
    municipality = _chosen(municipalities, data.get("mo") or "")
    kind = data.get("kind") or "appeal"
    tz = municipality.tz if municipality else timezone.get_current_timezone()
    report = selectors.accelerated(
        request.user,
        start=start,
        end=end,
        tz=tz,
        kind="" if kind == "all" else kind,
        municipality=municipality,
    )
    if not form.is_bound:
        form = pf.AcceleratedForm(
            initial={
                "kind": kind,
                "date_from": start,
                "date_to": end,
                "mo": municipality.code if municipality else "",
            },
            municipalities=municipalities,
        )
    return render(request, "problems/accelerated.html", {"form": form, "report": report, "kind": kind})
