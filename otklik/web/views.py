from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from otklik.cases.selectors import home_sections


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    sections = home_sections(request.user, now=timezone.now())
    return render(request, "web/home.html", {"sections": sections})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
