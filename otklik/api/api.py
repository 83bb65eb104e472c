"""The HTTP API, version 1 (Django Ninja). OpenAPI 3 at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import Field

from otklik.api.services import authenticate
from otklik.cases import services
from otklik.cases.lifecycle import TransitionError
from otklik.cases.models import OPEN_STATUSES, Case, NoAnswerReason
from otklik.cases.permissions import can
from otklik.cases.selectors import case_for_user, sees_all_of, visible_cases
from otklik.core.batch import StatementBatch
from otklik.core.calendar import CalendarError
from otklik.intake.enrich import Gazetteer, topics_by_code, topics_by_id
from otklik.intake.services import IntakeError, IntakeItem, intake
from otklik.org.models import Topic
from otklik.territory.models import Municipality, Settlement


class TokenAuth(HttpBearer):
    """`Authorization: Bearer otk_…` — a token issued with `otklik token create`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """A staff member's session (the web interface's own calls), CSRF-checked on writes. Not tried for a
    call that presents a token: a wrong, revoked or expired token answers 401, not the session's CSRF
    refusal (403), whatever the method. (The name is ninja's own: the OpenAPI document's security
    scheme keeps it.)"""

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            return None
        return super().__call__(request)


api = NinjaAPI(
    title="Отклик API",
    version="1",
    description=(
        "API платформы «Отклик» для информационных систем: обращения и сообщения, действия жизненного "
        "цикла. Авторизация: заголовок `Authorization: Bearer <токен интеграции>` (выдаётся командой "
        '`otklik token create`) или сессия сотрудника. Ошибки: JSON `{"detail": "…"}` с кодом 4xx.'
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(services.ConflictError)
def on_conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 409, str(exc))


@api.exception_handler(TransitionError)
def on_transition(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 409, str(exc))


@api.exception_handler(services.CaseActionError)
def on_action(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 400, str(exc))


@api.exception_handler(CalendarError)
def on_calendar(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A moment in a year the production calendar has no data for: deadlines cannot be computed.
    return _error(request, 400, f"{exc}: сроки не вычислить.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, str(exc) or "Недостаточно прав для этого действия.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "Не найдено.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 401, "Нужна авторизация: заголовок Authorization: Bearer <токен>.")


def _russian(error: dict[str, Any]) -> str:
    """The reason of one validation error in Russian (pydantic's English text for the rare others)."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    known = {
        "missing": "обязательное поле",
        "string_too_long": f"не длиннее {ctx.get('max_length')} символов",
        "string_too_short": f"не короче {ctx.get('min_length')} символов",
        "string_type": "нужна строка",
        "int_parsing": "нужно целое число",
        "int_type": "нужно целое число",
        "int_from_float": "нужно целое число",
        "float_parsing": "нужно число",
        "float_type": "нужно число",
        "bool_parsing": "нужно true или false",
        "bool_type": "нужно true или false",
        "greater_than_equal": f"не меньше {ctx.get('ge')}",
        "less_than_equal": f"не больше {ctx.get('le')}",
        "datetime_parsing": "нужны дата и время ISO 8601, например 2026-03-01T10:00:00+03:00",
        "datetime_from_date_parsing": "нужны дата и время ISO 8601, например 2026-03-01T10:00:00+03:00",
        "datetime_type": "нужны дата и время ISO 8601, например 2026-03-01T10:00:00+03:00",
        "literal_error": f"допустимые значения: {ctx.get('expected')}",
        "enum": f"допустимые значения: {ctx.get('expected')}",
        "json_invalid": "тело запроса не является корректным JSON",
        "model_attributes_type": "нужен объект JSON",
        "dict_type": "нужен объект JSON",
    }
    return known.get(kind, str(error.get("msg", "")))


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', [])[1:]) or 'тело запроса'}: {_russian(e)}"
        for e in exc.errors
    )
    return api.create_response(
        request, {"detail": f"Неверные данные: {details}", "errors": exc.errors}, status=422
    )


class DeadlineOut(Schema):
    stage: str
    due_at: datetime
    met_at: datetime | None
    rule: str = Field(alias="rule_text")


class EventOut(Schema):
    at: datetime
    type: str
    from_status: str
    to_status: str
    note: str
    actor: str | None = None

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.get_username() if obj.actor_id else None


class AuthorOut(Schema):
    name: str
    email: str
    phone: str
    address: str
    anonymous: bool


def _pd_access(context: Any) -> bool:
    from otklik.org.selectors import can_see_personal_data

    request = (context or {}).get("request")
    return request is not None and can_see_personal_data(request.user)


def _shown_text(case: Case, personal_data: bool) -> str:
    from otklik.nlp.services import masked_text

    return case.text if personal_data else masked_text(case)


def _author(case: Case, personal_data: bool) -> dict[str, Any] | None:
    if not personal_data:
        return None
    return {
        "name": case.author_name,
        "email": case.author_email,
        "phone": case.author_phone,
        "address": case.author_address,
        "anonymous": case.is_anonymous,
    }


class CaseOut(Schema):
    id: int
    version: int
    municipality: str
    kind: str
    channel: str
    external_id: str | None
    registration_number: str
    status: str
    title: str
    text: str
    topic: str | None
    subtopic: str | None
    settlement: str | None
    block: str | None
    owner: str | None
    received_at: datetime
    registered_at: datetime | None
    due_at: datetime | None
    is_extended: bool
    answered_at: datetime | None
    closed_at: datetime | None
    deadlines: list[DeadlineOut]
    events: list[EventOut]
    author: AuthorOut | None = Field(
        None,
        description="Автор; null для ролей без доступа к персональным данным (тогда и текст замаскирован).",
    )

    @staticmethod
    def resolve_municipality(obj: Case) -> str:
        return obj.municipality.code

    @staticmethod
    def resolve_text(obj: Case, context: Any) -> str:
        return _shown_text(obj, _pd_access(context))

    @staticmethod
    def resolve_author(obj: Case, context: Any) -> dict[str, Any] | None:
        return _author(obj, _pd_access(context))

    @staticmethod
    def resolve_topic(obj: Case) -> str | None:
        return obj.topic.code if obj.topic_id else None

    @staticmethod
    def resolve_subtopic(obj: Case) -> str | None:
        return obj.subtopic.code if obj.subtopic_id else None

    @staticmethod
    def resolve_settlement(obj: Case) -> str | None:
        return obj.settlement.code if obj.settlement_id else None

    @staticmethod
    def resolve_block(obj: Case) -> str | None:
        return obj.block.code if obj.block_id else None

    @staticmethod
    def resolve_owner(obj: Case) -> str | None:
        return obj.owner.get_username() if obj.owner_id else None

    @staticmethod
    def resolve_deadlines(obj: Case) -> list[Any]:
        return list(obj.deadlines.all())

    @staticmethod
    def resolve_events(obj: Case) -> list[Any]:
        return list(obj.events.all())


class Versioned(Schema):
    version: int = Field(
        ..., ge=1, description="Версия обращения, которую видел клиент (защита от перезаписи)."
    )


class AssignIn(Versioned):
    owner: str = Field(..., min_length=1, description="Имя пользователя исполнителя.")


class AnswerIn(Versioned):
    text: str = Field(..., min_length=1, max_length=100_000)


class ReasonIn(Versioned):
    reason: str = Field(..., min_length=1, max_length=5000)


class RedirectIn(Versioned):
    to_body: str = Field(..., min_length=1, max_length=500)
    reason: str = Field("", max_length=5000)


class NoAnswerIn(Versioned):
    reason: NoAnswerReason
    comment: str = Field("", max_length=5000)


class Error(Schema):
    detail: str


class AuthorIn(Schema):
    name: str = Field("", max_length=300)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=500)


class PointIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)


class CaseIn(Schema):
    text: str = Field(..., min_length=1, max_length=20000)
    kind: Literal["appeal", "message", "incident"] = "message"
    external_id: str | None = Field(
        None, max_length=100, description="Номер в вашей системе: повтор не создаёт дубль."
    )
    external_url: str = Field("", max_length=1000)
    title: str = Field("", max_length=300)
    received_at: datetime | None = Field(
        None, description="Момент поступления с часовым поясом; по умолчанию — сейчас."
    )
    municipality: str | None = Field(None, description="Код муниципального образования; по умолчанию — ваше.")
    topic: str = Field("", max_length=60, description="Код темы или подтемы, например housing.heating.")
    settlement: str = Field("", max_length=200, description="Поселение или населённый пункт.")
    address: str = Field("", max_length=500)
    location: PointIn | None = None
    author: AuthorIn = Field(default_factory=AuthorIn)


class CaseListItem(Schema):
    id: int
    version: int
    municipality: str
    kind: str
    channel: str
    external_id: str | None
    registration_number: str
    status: str
    title: str
    topic: str | None
    settlement: str | None
    owner: str | None
    received_at: datetime
    due_at: datetime | None
    answered_at: datetime | None

    resolve_municipality = staticmethod(lambda obj: obj.municipality.code)
    resolve_topic = staticmethod(lambda obj: obj.topic.code if obj.topic_id else None)
    resolve_settlement = staticmethod(lambda obj: obj.settlement.code if obj.settlement_id else None)
    resolve_owner = staticmethod(lambda obj: obj.owner.get_username() if obj.owner_id else None)


#: The columns `CaseListItem` reads (the list's query fetches no others).
LIST_COLUMNS = (
    "id",
    "version",
    "municipality__code",
    "kind",
    "channel",
    "external_id",
    "registration_number",
    "status",
    "title",
    "topic__code",
    "settlement__code",
    "owner__username",
    "received_at",
    "due_at",
    "answered_at",
)


class CasePage(Schema):
    items: list[CaseListItem]
    next_cursor: str | None = Field(
        None, description="Передайте в параметр cursor, чтобы получить следующую страницу."
    )


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}


def _case(request: HttpRequest, pk: int, action: str | None = None) -> Case:
    case = case_for_user(request.user, pk)
    if action is not None and not can(request.user, action, case):
        raise PermissionDenied("Это действие вам недоступно для этого обращения.")
    return case


def _log_pd(request: HttpRequest, case_ids: list[int], batch: StatementBatch | None = None) -> None:
    """Responses carry the author and the unmasked text to roles with access: log that access."""
    from otklik.audit.services import log_personal_data_access
    from otklik.org.selectors import can_see_personal_data

    if can_see_personal_data(request.user):
        log_personal_data_access(request.user, case_ids, "api", batch=batch)


def _fresh(request: HttpRequest, pk: int) -> Case:
    case = case_for_user(request.user, pk)
    _log_pd(request, [case.pk])
    return case


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def _created(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The response to the case the intake has just created, from what the intake holds in memory (its
    events and deadlines, the cached topics): what `_fresh` would read back, without the five queries.
    Built as `CaseOut` dumps a case — the same keys and values (tests/api/test_create_response.py) —
    without the schema's attribute-by-attribute resolution, which cost more than the rest of the answer.
    Moments are given in UTC, as read back from the database."""
    topics = topics_by_id()
    topic, subtopic = topics.get(case.topic_id or 0), topics.get(case.subtopic_id or 0)
    settlement = Gazetteer.of(case.municipality).settlements_by_id.get(case.settlement_id)
    # Created in id order: the list's order stands for the ids (the «at», «id» order of the case page).
    events = [e for _, _, e in sorted((e.at, i, e) for i, e in enumerate(case._intake_events))]  # type: ignore[attr-defined]
    deadlines = getattr(case, "_deadlines", [])
    deadlines = [d for _, _, d in sorted((_utc(d.due_at), i, d) for i, d in enumerate(deadlines))]
    personal_data = _pd_access({"request": request})
    document = {
        "id": case.pk,
        "version": case.version,
        "municipality": case.municipality.code,
        "kind": case.kind,
        "channel": case.channel,
        "external_id": case.external_id,
        "registration_number": case.registration_number,
        "status": case.status,
        "title": case.title,
        "text": _shown_text(case, personal_data),
        "topic": topic.code if topic is not None else None,
        "subtopic": subtopic.code if subtopic is not None else None,
        "settlement": settlement.code if settlement is not None else None,
        "block": case.block.code if case.block_id else None,
        "owner": case.owner.get_username() if case.owner_id else None,
        "received_at": _utc(case.received_at),
        "registered_at": _utc(case.registered_at),
        "due_at": _utc(case.due_at),
        "is_extended": case.is_extended,
        "answered_at": _utc(case.answered_at),
        "closed_at": _utc(case.closed_at),
        "deadlines": [
            {"stage": d.stage, "due_at": _utc(d.due_at), "met_at": _utc(d.met_at), "rule": d.rule_text}
            for d in deadlines
        ],
        "events": [
            {
                "at": _utc(e.at),
                "type": e.type,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "actor": e.actor.get_username() if e.actor_id else None,
            }
            for e in events
        ],
        "author": _author(case, personal_data),
    }
    return document


CREATE_ROLES = {"head", "curator", "pos_officer", "incident_officer", "integration"}


def _creation_municipality(user: Any, code: str | None) -> Municipality:
    from otklik.org.selectors import role_assignments

    allowed = [a for a in role_assignments(user) if a.role in CREATE_ROLES]
    if code:
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise services.CaseActionError(f"Муниципальное образование «{code}» не найдено.")
        if not (user.is_superuser or any(a.municipality_id in (None, municipality.pk) for a in allowed)):
            raise PermissionDenied("Создавать обращения в этом муниципальном образовании вам нельзя.")
        return municipality
    own = [a.municipality for a in allowed if a.municipality_id]
    if len({m.pk for m in own}) == 1:
        return own[0]
    if not allowed and not user.is_superuser:
        raise PermissionDenied("Создавать обращения вам нельзя: нет подходящей роли.")
    raise services.CaseActionError(
        "Укажите municipality: у вас доступ к нескольким муниципальным образованиям."
    )


@api.post(
    "/cases",
    response={200: CaseOut, 201: CaseOut, **ERRORS},
    tags=["Обращения"],
    summary="Создать обращение или сообщение (повтор external_id возвращает существующее)",
)
def create_case(request: HttpRequest, body: CaseIn) -> Any:
    municipality = _creation_municipality(request.user, body.municipality)
    if body.topic and body.topic not in topics_by_code():
        raise services.CaseActionError(f"Тема «{body.topic}» не найдена.")
    received = body.received_at or timezone.now()
    if received.tzinfo is None:
        received = received.replace(tzinfo=municipality.tz)
    if received > timezone.now() + timedelta(minutes=5):
        raise services.CaseActionError("Момент поступления не может быть в будущем.")
    if received < EARLIEST:
        raise services.CaseActionError("Момент поступления раньше 2000 года: проверьте дату.")
    location = (
        {"type": "Point", "coordinates": [body.location.lon, body.location.lat]} if body.location else None
    )
    item = IntakeItem(
        channel="api",
        kind=body.kind,
        text=body.text,
        received_at=received,
        external_id=body.external_id,
        external_url=body.external_url,
        title=body.title,
        topic_code=body.topic,
        settlement=body.settlement,
        address=body.address,
        author_name=body.author.name,
        author_email=body.author.email,
        author_phone=body.author.phone,
        author_address=body.author.address,
        location=location,
        raw=body.model_dump(exclude={"text"}, mode="json"),
    )
    try:
        item.normalised()
    except IntakeError as exc:
        raise services.CaseActionError(str(exc)) from exc
    # One transaction (one commit) for the case and the note that its author's data went back to the
    # caller; the case and the rows nobody reads back (events, deadlines, audit, that note) go in one
    # round trip, the registration number given by the database as it writes the case.
    batch = StatementBatch()
    with transaction.atomic():
        result = intake([item], municipality=municipality, actor=request.user, batch=batch)
        outcome, case = result.outcomes[0]
        created = outcome == "created"
        # A role that sees only another channel's cases may not see the one it created (the case stays
        # created); only for such a role is the database asked, once the case is written.
        shown = created and sees_all_of(request.user, case.municipality_id)
        if shown:
            _log_pd(request, [case.pk], batch)
        batch.flush()
        if created and not shown and visible_cases(request.user).filter(pk=case.pk).exists():
            shown = True
            _log_pd(request, [case.pk])
    if shown:
        return api.create_response(request, _created(request, case), status=201)
    if created:
        raise Http404("Обращение не найдено.")
    return Status(200, _fresh(request, case.pk))


#: Moments the API takes: a case received before 2000 is a typing error (imports refuse it too), and
#: years 1 and 9999 with an offset would leave the range of datetime when turned to UTC.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _bounded(moment: datetime) -> datetime:
    """A filter bound kept where it can be turned to UTC; it selects the same cases."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.get_current_timezone())
    return min(max(moment, EARLIEST), LATEST)


def _encode_cursor(case: Case) -> str:
    raw = f"{case.received_at.isoformat()}|{case.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, pk = base64.urlsafe_b64decode(padded.encode()).decode().rsplit("|", 1)
        return datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise services.CaseActionError(
            "Неверный cursor: используйте значение next_cursor из ответа."
        ) from exc


@api.get(
    "/cases",
    response={200: CasePage, **ERRORS},
    tags=["Обращения"],
    summary="Список обращений с фильтрами и курсорной пагинацией",
)
def list_cases(
    request: HttpRequest,
    municipality: str | None = None,
    kind: Literal["appeal", "message", "incident"] | None = None,
    channel: str | None = None,
    status: str | None = Query(None, description="Статус или несколько через запятую."),
    topic: str | None = Query(None, description="Код темы или подтемы."),
    settlement: str | None = Query(None, description="Код поселения."),
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    overdue: bool | None = None,
    q: str | None = Query(None, max_length=200, description="Поиск по тексту и номеру."),
    order: Literal["-received_at", "received_at"] = "-received_at",
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
) -> Any:
    # Only the columns a list item shows: the texts and the source's JSON stay in the database.
    qs = (
        visible_cases(request.user)
        .select_related("municipality", "topic", "settlement", "owner")
        .only(*LIST_COLUMNS)
    )
    # Codes are turned into ids first (one small query each): the planner then estimates the cases of one
    # settlement or topic from its statistics and takes the (settlement|topic, received_at) index.
    if municipality:
        qs = qs.filter(municipality_id__in=_ids(Municipality.objects.filter(code=municipality)))
    if kind:
        qs = qs.filter(kind=kind)
    if channel:
        qs = qs.filter(channel=channel)
    if status:
        qs = qs.filter(status__in=[s.strip() for s in status.split(",") if s.strip()])
    if topic:
        topic_ids = _ids(Topic.objects.filter(code=topic))
        qs = qs.filter(Q(topic_id__in=topic_ids) | Q(subtopic_id__in=topic_ids))
    if settlement:
        qs = qs.filter(settlement_id__in=_ids(Settlement.objects.filter(code=settlement)))
    if received_from:
        qs = qs.filter(received_at__gte=_bounded(received_from))
    if received_to:
        qs = qs.filter(received_at__lt=_bounded(received_to))
    if overdue is not None:
        late = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if q:
        qs = qs.filter(Q(text__icontains=q) | Q(title__icontains=q) | Q(registration_number__icontains=q))
    descending = order.startswith("-")
    if cursor:
        moment, pk = _decode_cursor(cursor)
        if descending:
            qs = qs.filter(Q(received_at__lt=moment) | Q(received_at=moment, pk__lt=pk))
        else:
            qs = qs.filter(Q(received_at__gt=moment) | Q(received_at=moment, pk__gt=pk))
    qs = qs.order_by("-received_at", "-pk") if descending else qs.order_by("received_at", "pk")
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    _log_pd(request, [r.pk for r in rows])
    return {"items": rows, "next_cursor": _encode_cursor(rows[-1]) if more and rows else None}


def _ids(qs: QuerySet[Any]) -> list[int]:
    """The ids of a small reference queryset (a code is unique: none or one)."""
    return list(qs.values_list("pk", flat=True)[:10])


@api.get(
    "/cases/{case_id}", response={200: CaseOut, **ERRORS}, tags=["Обращения"], summary="Карточка обращения"
)
def get_case(request: HttpRequest, case_id: int) -> Any:
    return _fresh(request, case_id)


@api.post(
    "/cases/{case_id}/register",
    response={200: CaseOut, **ERRORS},
    tags=["Действия"],
    summary="Зарегистрировать: номер, сроки, маршрутизация",
)
def register(request: HttpRequest, case_id: int, body: Versioned) -> Any:
    _case(request, case_id, "register")
    services.register_case(case_id, actor=request.user, expected_version=body.version)
    return _fresh(request, case_id)


@api.post(
    "/cases/{case_id}/assign",
    response={200: CaseOut, **ERRORS},
    tags=["Действия"],
    summary="Назначить исполнителя",
)
def assign(request: HttpRequest, case_id: int, body: AssignIn) -> Any:
    _case(request, case_id, "assign")
    owner = get_user_model().objects.filter(username=body.owner, is_active=True).first()
    if owner is None:
        raise services.CaseActionError(f"Пользователь «{body.owner}» не найден или отключён.")
    services.assign_case(case_id, owner, actor=request.user, expected_version=body.version)
    return _fresh(request, case_id)


@api.post(
    "/cases/{case_id}/take", response={200: CaseOut, **ERRORS}, tags=["Действия"], summary="Взять в работу"
)
def take(request: HttpRequest, case_id: int, body: Versioned) -> Any:
    _case(request, case_id, "take")
    services.take_case(case_id, actor=request.user, expected_version=body.version)
    return _fresh(request, case_id)


@api.post(
    "/cases/{case_id}/answer",
    response={200: CaseOut, **ERRORS},
    tags=["Действия"],
    summary="Дать ответ по существу",
    description=(
        "Если отраслевой блок обращения требует проверки ответов, ответ ждёт проверки руководителем МЦУ "
        "или ответственным за блок: статус остаётся «в работе», в истории — событие с data.review = "
        "«pending». Автору ответ уходит после одобрения."
    ),
)
def answer(request: HttpRequest, case_id: int, body: AnswerIn) -> Any:
    _case(request, case_id, "answer")
    services.answer_case(case_id, body.text, actor=request.user, expected_version=body.version)
    return _fresh(request, case_id)


@api.post(
    "/cases/{case_id}/extend",
    response={200: CaseOut, **ERRORS},
    tags=["Действия"],
    summary="Продлить срок ответа (один раз)",
)
def extend(request: HttpRequest, case_id: int, body: ReasonIn) -> Any:
    _case(request, case_id, "extend")
    services.extend_deadline(case_id, body.reason, actor=request.user, expected_version=body.version)
    return _fresh(request, case_id)


@api.post(
    "/cases/{case_id}/redirect",
    response={200: CaseOut, **ERRORS},
    tags=["Действия"],
    summary="Перенаправить по компетенции",
)
def redirect(request: HttpRequest, case_id: int, body: RedirectIn) -> Any:
    _case(request, case_id, "redirect")
    services.redirect_case(
        case_id, body.to_body, body.reason, actor=request.user, expected_version=body.version
    )
    return _fresh(request, case_id)


@api.post("/cases/{case_id}/close", response={200: CaseOut, **ERRORS}, tags=["Действия"], summary="Закрыть")
def close(request: HttpRequest, case_id: int, body: Versioned) -> Any:
    _case(request, case_id, "close")
    services.close_case(case_id, actor=request.user, expected_version=body.version)
    return _fresh(request, case_id)


@api.post(
    "/cases/{case_id}/reopen",
    response={200: CaseOut, **ERRORS},
    tags=["Действия"],
    summary="Возобновить (отрицательная оценка, отклонённый ответ)",
)
def reopen(request: HttpRequest, case_id: int, body: ReasonIn) -> Any:
    _case(request, case_id, "reopen")
    services.reopen_case(case_id, body.reason, actor=request.user, expected_version=body.version)
    return _fresh(request, case_id)


@api.post(
    "/cases/{case_id}/no-answer",
    response={200: CaseOut, **ERRORS},
    tags=["Действия"],
    summary="Оставить обращение без ответа по существу (59-ФЗ)",
)
def no_answer(request: HttpRequest, case_id: int, body: NoAnswerIn) -> Any:
    _case(request, case_id, "no_answer")
    services.leave_without_answer(
        case_id, body.reason.value, body.comment, actor=request.user, expected_version=body.version
    )
    return _fresh(request, case_id)
