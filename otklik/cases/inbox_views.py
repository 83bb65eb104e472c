"""The inbox page, bulk assignment and saved filters."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from otklik.audit.services import log_personal_data_access
from otklik.cases import services
from otklik.cases.inbox import PAGE_SIZE, InboxForm, deadline_badge, inbox
from otklik.cases.lifecycle import TransitionError
from otklik.cases.models import SavedFilter
from otklik.cases.permissions import can
from otklik.cases.selectors import Clock, municipalities_with_cases, visible_cases
from otklik.nlp.services import masked_text
from otklik.org.models import User
from otklik.org.selectors import can_see_personal_data


@login_required
@require_GET
def inbox_page(request: HttpRequest) -> HttpResponse:
    form = InboxForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    now = timezone.now()
    tz = timezone.get_current_timezone()
    result = inbox(request.user, data, now, tz)
    form.show_counts(result.option_counts)
    page = Paginator(result.cases, PAGE_SIZE).get_page(request.GET.get("page"))
    clock = Clock.for_municipality(None, now)
    pd_access = can_see_personal_data(request.user)
    rows, schedules = [], {}  # type: ignore[var-annotated]
    for case in page.object_list:
        tone, words = deadline_badge(case, clock, schedules)
        snippet = case.title or (case.text if pd_access else masked_text(case))
        rows.append({"case": case, "tone": tone, "words": words, "snippet": snippet})
    if pd_access:
        log_personal_data_access(request.user, [r["case"].pk for r in rows if not r["case"].title], "inbox")
    params = request.GET.copy()
    params.pop("page", None)
    assignees = (
        User.objects.filter(is_active=True, roles__role__in=("specialist", "block_owner", "head"))
        .filter(roles__municipality_id__in=municipalities_with_cases(request.user).values("pk"))
        .distinct()
        .order_by("last_name", "first_name")[:300]
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "facets": result.facets,
        "query": params.urlencode(),
        "saved": SavedFilter.objects.filter(user=request.user),
        "assignees": assignees,
    }
    return render(request, "cases/inbox.html", context)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("back", "")
    ids = [int(i) for i in request.POST.getlist("case") if i.isdigit()][:PAGE_SIZE]
    owner = User.objects.filter(username=request.POST.get("owner", ""), is_active=True).first()
    if not ids or owner is None:
        messages.error(request, "Отметьте обращения и выберите исполнителя.")
        return redirect(f"/cases/?{back}")
    done, refused = [], []
    for case in visible_cases(request.user).filter(pk__in=ids):
        if not can(request.user, "assign", case, visible=True):
            refused.append(f"{case.registration_number or case.pk}: назначать нельзя")
            continue
        try:
            services.assign_case(case.pk, owner, actor=request.user)
            done.append(case.registration_number or str(case.pk))
        except (services.CaseActionError, TransitionError) as exc:  # report it, go on with the rest
            refused.append(f"{case.registration_number or case.pk}: {exc}")
    if done:
        messages.success(request, f"Назначено исполнителю {owner.full_name or owner.username}: {len(done)}.")
    if refused:
        messages.error(request, "Не назначены: " + "; ".join(refused))
    return redirect(f"/cases/?{back}")


@login_required
@require_POST
def save_filter(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:100]
    query = request.POST.get("query", "")[:1000]
    if not name:
        messages.error(request, "Фильтр не сохранён: укажите название.")
        return redirect(f"/cases/?{query}")
    try:
        SavedFilter.objects.create(user=request.user, name=name, query=query)
    except IntegrityError:
        SavedFilter.objects.filter(user=request.user, name=name).update(query=query)
    messages.success(request, f"Фильтр «{name}» сохранён.")
    return redirect(f"/cases/?{query}")


@login_required
@require_POST
def delete_filter(request: HttpRequest, pk: int) -> HttpResponse:
    SavedFilter.objects.filter(user=request.user, pk=pk).delete()
    messages.success(request, "Фильтр удалён.")
    return redirect("cases:inbox")
