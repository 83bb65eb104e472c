"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2) at /open311/v2/."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from otklik.api.services import authenticate
from otklik.cases.models import Case
from otklik.cases.services import CaseActionError
from otklik.intake.open311 import selectors
from otklik.intake.open311.render import errors, respond
from otklik.intake.open311.services import Open311Error, create_request
from otklik.territory.models import Municipality


def _jurisdiction(request: HttpRequest) -> Municipality | None:
    code = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
    if not code:
        return None
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise Open311Error(404, f"jurisdiction_id: муниципальное образование «{code}» не найдено.")
    return municipality


def _guarded(view: Any) -> Any:
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return errors(exc.status, exc.description, fmt)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_guarded
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method != "GET":
        raise Open311Error(405, "Метод не поддерживается: используйте GET.")
    _jurisdiction(request)
    return respond("services", [selectors.service_dict(t) for t in selectors.service_topics()], fmt)


@_guarded
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    _jurisdiction(request)
    if selectors.service_by_code(code) is None:
        raise Open311Error(404, f"Услуга «{code}» не найдена.")
    return respond("service_definition", {"service_code": code, "attributes": []}, fmt)


def _date(value: str, name: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.strip().replace(" ", "+"))
    if parsed is None:
        raise Open311Error(
            400, f"{name}: ожидается дата и время в формате W3C, например 2026-11-01T00:00:00Z."
        )
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    municipality = _jurisdiction(request)
    ids_raw = request.GET.get("service_request_id", "").strip()
    ids = []
    for part in filter(None, (p.strip() for p in ids_raw.split(","))):
        if not part.isdigit():
            raise Open311Error(400, f"service_request_id: «{part}» — не номер заявки.")
        ids.append(int(part))
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    statuses = [s.strip().lower() for s in request.GET.get("status", "").split(",") if s.strip()]
    bad = set(statuses) - {"open", "closed"}
    if bad:
        raise Open311Error(400, "status: допустимы значения open и closed.")
    start = _date(request.GET.get("start_date", ""), "start_date")
    end = _date(request.GET.get("end_date", ""), "end_date")
    if start and end and start > end:
        raise Open311Error(400, "start_date позже end_date.")
    if not ids and not start and not end:
        start = timezone.now() - timedelta(days=selectors.DEFAULT_DAYS)
    qs = selectors.filter_requests(
        selectors.public_requests(municipality.pk if municipality else None),
        ids=ids,
        codes=codes,
        start=start,
        end=end,
        statuses=statuses,
    )
    cases = list(qs[: selectors.MAX_RESULTS])
    answers = selectors.latest_answers(cases)
    return respond("requests", [selectors.request_dict(c, answers) for c in cases], fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    user = authenticate(key)
    if user is None:
        raise Open311Error(403, "api_key: ключ не указан, неверен или отозван.")
    from otklik.api.api import _creation_municipality

    municipality = _jurisdiction(request)
    try:
        municipality = _creation_municipality(user, municipality.code if municipality else None)
    except PermissionDenied as exc:
        raise Open311Error(403, str(exc)) from exc
    except CaseActionError as exc:
        raise Open311Error(400, str(exc)) from exc
    data = {k: v for k, v in request.POST.items() if not k.startswith("attribute[")}
    attributes = {k[len("attribute[") : -1]: v for k, v in request.POST.items() if k.startswith("attribute[")}
    case = create_request(data, attributes, user=user, municipality=municipality)
    reply = {
        "service_request_id": str(case.pk),
        "token": case.tracking_token,
        "service_notice": "",
        "account_id": None,
    }
    notice = f"Сообщение принято, номер {case.registration_number}." if case.registration_number else ""
    reply["service_notice"] = notice
    return respond("requests", [reply], fmt, status=201)


@csrf_exempt
@_guarded
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    if request.method == "GET":
        return _list(request, fmt)
    raise Open311Error(405, "Метод не поддерживается: используйте GET или POST.")


@_guarded
def request_detail(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    municipality = _jurisdiction(request)
    case = (
        selectors.public_requests(municipality.pk if municipality else None).filter(pk=int(pk)).first()
        if pk.isdigit()
        else None
    )
    if case is None:
        raise Open311Error(404, f"Заявка {pk} не найдена.")
    return respond("requests", [selectors.request_dict(case, selectors.latest_answers([case]))], fmt)


@_guarded
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    case = (
        Case.objects.filter(channel__in=selectors.public_channels(), tracking_token=token).only("pk").first()
    )
    if case is None:
        raise Open311Error(404, "Токен не найден.")
    return respond("requests", [{"service_request_id": str(case.pk), "token": token}], fmt)
