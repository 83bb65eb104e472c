"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Parse the parameters, call a selector or the service, render JSON or XML by the URL's extension;
every refusal is the spec's error list with its HTTP status.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from otklik.api.services import authenticate
from otklik.intake.open311 import selectors
from otklik.intake.open311.render import errors, respond
from otklik.intake.open311.services import Open311Error, create_request
from otklik.territory.models import Municipality

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
#: When this endpoint's behaviour last changed (the discovery document's `changeset`).
CHANGESET = "2026-11-25T00:00:00Z"

View = Callable[..., HttpResponse]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _endpoint(*methods: str) -> Callable[[View], View]:
    """Allowed methods, and every `Open311Error` rendered as the spec's error list in the URL's format."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in (*methods, "HEAD" if "GET" in methods else ""):
                    raise Open311Error(
                        405, f"Метод {request.method} не поддерживается: используйте {', '.join(methods)}."
                    )
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                response = errors(exc.status, exc.description, fmt)
                if exc.status == 405:
                    response["Allow"] = ", ".join(methods)
                return response

        return wrapper

    return decorate


def _param(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name) if request.method == "POST" else None
    return (value or request.GET.get(name) or "").strip()


def _jurisdiction(request: HttpRequest) -> Municipality | None:
    code = _param(request, "jurisdiction_id")
    if not code:
        return None
    municipality = selectors.jurisdiction(code)
    if municipality is None:
        raise Open311Error(404, f"jurisdiction_id: муниципальное образование «{code[:60]}» не найдено.")
    return municipality


@_endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET Service List: the topic tree's services."""
    _jurisdiction(request)
    return respond("services", [selectors.service_dict(t) for t in selectors.service_topics()], fmt)


@_endpoint("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """GET Service Definition."""
    _jurisdiction(request)
    topic = selectors.service_by_code(code)
    if topic is None:
        raise Open311Error(404, f"Услуга «{code[:60]}» не найдена.")
    return respond("service_definition", selectors.service_definition(topic), fmt)


def _moment(value: str, name: str, *, end: bool = False, tz: tzinfo | None = None) -> datetime | None:
    """A W3C date-time (a `+` of the offset may arrive as a space); a bare date is its whole day.

    Without an offset, the time is the jurisdiction's local time (or the installation's).
    """
    if not value:
        return None
    value = value.strip().replace(" ", "+")
    parsed: datetime | None
    try:
        day = parse_date(value) if _DATE.fullmatch(value) else None
        parsed = datetime.combine(day, time.max if end else time.min) if day else parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(
            400, f"{name}: ожидается дата и время в формате W3C, например 2026-11-01T00:00:00Z."
        )
    return parsed if parsed.tzinfo else timezone.make_aware(parsed, tz)


def _positive(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(400, f"{name}: ожидается целое число от 1 до {maximum}.")
    return int(raw)


def _ids(raw: str) -> list[int]:
    ids = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit() or len(part) > 18:
            raise Open311Error(400, f"service_request_id: «{part[:40]}» — не номер заявки.")
        ids.append(int(part))
    if len(ids) > selectors.MAX_IDS:
        raise Open311Error(400, f"service_request_id: не больше {selectors.MAX_IDS} номеров за раз.")
    return ids


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET Service Requests, with the spec's filters and its 90-day, 1,000-request defaults."""
    municipality = _jurisdiction(request)
    ids = _ids(request.GET.get("service_request_id", ""))
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    statuses = [s.strip().lower() for s in request.GET.get("status", "").split(",") if s.strip()]
    if set(statuses) - {"open", "closed"}:
        raise Open311Error(400, "status: допустимы значения open и closed (через запятую).")
    tz = municipality.tz if municipality else None
    start = _moment(request.GET.get("start_date", ""), "start_date", tz=tz)
    end = _moment(request.GET.get("end_date", ""), "end_date", end=True, tz=tz)
    span = timedelta(days=selectors.DEFAULT_DAYS)
    if start and end:
        if start > end:
            raise Open311Error(400, "start_date позже end_date.")
        if end - start > span:
            raise Open311Error(
                400, f"start_date и end_date: промежуток не больше {selectors.DEFAULT_DAYS} дней."
            )
    elif start:
        end = start + span
    elif end:
        start = end - span
    else:
        start = timezone.now() - span
    page = _positive(request, "page", 1, 100_000)
    page_size = _positive(request, "page_size", selectors.MAX_RESULTS, selectors.MAX_RESULTS)
    qs = selectors.filter_requests(
        selectors.public_requests(municipality.pk if municipality else None),
        ids=ids,
        codes=codes,
        start=start,
        end=end,
        statuses=statuses,
    )
    return respond("requests", selectors.requests_page(qs, page=page, page_size=page_size), fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST Service Request: `api_key` is an Otklik API token."""
    user = authenticate(_param(request, "api_key"))
    if user is None:
        raise Open311Error(403, "api_key: ключ не указан, неверен, просрочен или отозван.")
    where = selectors.creation_municipality(user, _param(request, "jurisdiction_id"))
    if isinstance(where, selectors.Refusal):
        raise Open311Error(where.status, where.description)
    data = {k: v for k, v in request.POST.items() if not k.startswith("attribute[")}
    attributes = {
        k[len("attribute[") : -1]: v
        for k, v in request.POST.items()
        if k.startswith("attribute[") and k.endswith("]")
    }
    case = create_request(data, attributes, user=user, municipality=where)
    notice = "Сообщение принято"
    notice += f", регистрационный номер {case.registration_number}." if case.registration_number else "."
    reply = {
        "service_request_id": str(case.pk),
        "token": case.tracking_token,
        "service_notice": notice,
        "account_id": data.get("account_id", "").strip() or None,
    }
    return respond("requests", [reply], fmt)


@_endpoint("GET", "POST")
def _requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


#: GET lists requests, POST (authenticated by `api_key`, not by a session) creates one.
requests: View = csrf_exempt(_requests)


@_endpoint("GET")
def request_detail(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    """GET Service Request: a list of one, as the spec says."""
    municipality = _jurisdiction(request)
    case = (
        selectors.public_request(int(pk), municipality.pk if municipality else None)
        if pk.isdigit() and len(pk) <= 18
        else None
    )
    if case is None:
        raise Open311Error(404, f"Заявка «{pk[:40]}» не найдена.")
    return respond("requests", [selectors.request_dict(case, selectors.latest_answers([case]))], fmt)


@_endpoint("GET")
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """GET service_request_id from a token."""
    municipality = _jurisdiction(request)
    case = selectors.request_for_token(token, municipality.pk if municipality else None)
    if case is None:
        raise Open311Error(404, "Токен не найден.")
    return respond("requests", [{"service_request_id": str(case.pk), "token": token}], fmt)


@_endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service Discovery: where the GeoReport v2 endpoint is and which formats it speaks."""
    base = settings.OTKLIK_BASE_URL + reverse("open311:services", kwargs={"fmt": "json"}).rsplit("/", 1)[0]
    document = {
        "changeset": CHANGESET,
        "contact": "Муниципальный центр управления (МЦУ), платформа «Отклик»",
        "key_service": "Ключ api_key выдаёт администратор «Отклика»: otklik token create.",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond("discovery", document, fmt)
