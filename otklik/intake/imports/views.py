"""Pages for importing exports: upload, the list of imports, one import with its rejected rows."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from otklik.intake.imports.reader import max_file_bytes, too_large_message
from otklik.intake.imports.report import rejections_xlsx
from otklik.intake.imports.services import ImportFileError, import_file
from otklik.intake.models import ImportBatch
from otklik.org.models import Role
from otklik.org.selectors import role_assignments

IMPORT_ROLES = {Role.HEAD, Role.CURATOR, Role.POS_OFFICER, Role.INCIDENT_OFFICER}


def can_import(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        a.role in IMPORT_ROLES for a in role_assignments(user)
    )


def _municipalities(user: Any) -> list[Any]:
    from otklik.territory.models import Municipality

    if getattr(user, "is_superuser", False) or any(
        a.municipality_id is None and a.role in IMPORT_ROLES for a in role_assignments(user)
    ):
        return list(Municipality.objects.all())
    ids = {a.municipality_id for a in role_assignments(user) if a.role in IMPORT_ROLES}
    return list(Municipality.objects.filter(pk__in=ids))


class UploadForm(forms.Form):
    channel = forms.ChoiceField(
        label="Канал",
        choices=[("pos", "ПОС «Госуслуги. Решаем вместе»"), ("incident", "«Медиалогия Инцидент»")],
    )
    municipality = forms.ChoiceField(label="Муниципальное образование")
    file = forms.FileField(
        label="Файл выгрузки (XLSX или CSV)", error_messages={"required": "Выберите файл выгрузки."}
    )

    def __init__(self, *args: Any, municipalities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [(m.code, m.name) for m in municipalities]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_file_bytes():
            raise forms.ValidationError(too_large_message(upload.size))
        if Path(upload.name).suffix.lower() not in (".xlsx", ".csv", ".txt"):
            raise forms.ValidationError("Нужен файл XLSX или CSV.")
        return upload


def _batches_visible(user: Any) -> Any:
    qs = ImportBatch.objects.select_related("municipality", "started_by")
    if getattr(user, "is_superuser", False):
        return qs
    return qs.filter(municipality__in=[m.pk for m in _municipalities(user)])


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    if not can_import(request.user):
        raise PermissionDenied(
            "Импорт выгрузок доступен руководителю МЦУ и ответственным за ПОС и «Инцидент»."
        )
    municipalities = _municipalities(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, municipalities=municipalities)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            muni = next(m for m in municipalities if m.code == form.cleaned_data["municipality"])
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / (Path(upload.name).stem[:100] + suffix)
                with path.open("wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                try:
                    batch = import_file(
                        path, form.cleaned_data["channel"], municipality=muni, actor=request.user
                    )
                except ImportFileError as exc:
                    form.add_error("file", str(exc))
                    status = 400
                else:
                    messages.success(
                        request,
                        f"Импорт завершён: создано {batch.created}, обновлено {batch.updated}, "
                        f"без изменений {batch.unchanged}, отклонено {batch.rejected}.",
                    )
                    return redirect("imports:detail", pk=batch.pk)
        else:
            status = 400
    page = Paginator(_batches_visible(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "intake/imports.html", {"form": form, "page": page}, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_import(request.user):
        raise PermissionDenied
    batch = get_object_or_404(_batches_visible(request.user), pk=pk)
    page = Paginator(batch.rejections.order_by("row", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "intake/import_detail.html", {"batch": batch, "page": page})


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_import(request.user):
        raise PermissionDenied
    batch = get_object_or_404(_batches_visible(request.user), pk=pk)
    response = HttpResponse(
        rejections_xlsx(batch),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-rejected.xlsx"'
    return response
