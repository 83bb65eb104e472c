"""The audit page: the log of changes and the log of access to personal data, filtered."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from otklik.audit.selectors import (
    action_names,
    audit_events,
    can_read_audit,
    find_case,
    personal_data_accesses,
)
from otklik.core.forms import BoundedDateField
from otklik.org.models import User

PAGE_SIZE = 100


class AuditForm(forms.Form):
    log = forms.ChoiceField(
        label="Журнал",
        required=False,
        choices=[("changes", "изменения"), ("pd", "доступ к персональным данным")],
    )
    actor = forms.CharField(label="Кто (логин или фамилия)", required=False, max_length=150)
    case = forms.CharField(label="Обращение (номер или id)", required=False, max_length=60)
    action = forms.CharField(label="Действие (начало кода)", required=False, max_length=100)
    date_from = BoundedDateField(label="С", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = BoundedDateField(label="по", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "Конец периода раньше начала.")
        return data


@login_required
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    if not can_read_audit(request.user):
        return render(request, "audit/forbidden.html", status=403)
    form = AuditForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    case = find_case(request.user, data.get("case", ""))
    not_found = bool(data.get("case")) and case is None
    log = data.get("log") or "changes"
    if not_found:
        rows = audit_events(request.user).none()
    elif log == "pd":
        rows = personal_data_accesses(
            request.user,
            actor=data.get("actor", ""),
            case=case,
            start=data.get("date_from"),
            end=data.get("date_to"),
        )
    else:
        rows = audit_events(
            request.user,
            actor=data.get("actor", ""),
            case=case,
            action=data.get("action", ""),
            start=data.get("date_from"),
            end=data.get("date_to"),
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    users = {}
    if log == "pd":
        ids = {r.user_id for r in page.object_list}
        users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        for r in page.object_list:
            r.person = users.get(r.user_id)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "log": log,
        "not_found": not_found,
        "actions": action_names(),
        "query": params.urlencode(),
    }
    return render(request, "audit/audit.html", context)
