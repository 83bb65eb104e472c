"""The 59-ФЗ registration form and the acknowledgement download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from otklik.cases.models import Kind
from otklik.cases.selectors import visible_cases
from otklik.intake.fz59.acknowledgement import acknowledgement_docx, acknowledgement_file_name
from otklik.intake.fz59.forms import AppealForm
from otklik.intake.fz59.selectors import can_register_appeals, registration_municipalities
from otklik.intake.fz59.services import register_appeal

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    if not can_register_appeals(request.user):
        return render(
            request,
            "fz59/forbidden.html",
            {"reason": "Регистрировать обращения могут делопроизводитель, руководитель и куратор МЦУ."},
            status=403,
        )
    municipalities = registration_municipalities(request.user)
    form = AppealForm(request.POST or None, request.FILES or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        case = register_appeal(form.cleaned_data, form.cleaned_data["attachments"], actor=request.user)
        sent = " и отправлено автору на эл. почту" if case.author_email and not case.is_anonymous else ""
        messages.success(
            request,
            f"Обращение зарегистрировано: № {case.registration_number}. "
            f"Уведомление о регистрации — по ссылке ниже{sent}.",
        )
        return redirect("cases:detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "fz59/new.html", {"form": form}, status=status)


@login_required
def acknowledgement(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_cases(request.user).select_related("municipality").filter(pk=pk, kind=Kind.APPEAL).first()
    if case is None or not case.registration_number:
        raise Http404("Нет такого зарегистрированного обращения.")
    response = HttpResponse(acknowledgement_docx(case), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, acknowledgement_file_name(case))
    return response
