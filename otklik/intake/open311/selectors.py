"""What Open311 clients may read: the service list (the topic tree) and public service requests.

Public means: a *message* (kind «сообщение», not a 59-ФЗ appeal nor a social-media incident) that came
through one of the channels in `OTKLIK_OPEN311_PUBLIC_CHANNELS`. Whatever that setting says, channels
that only ever carry 59-ФЗ appeals or incidents are never listed, and the author's name, e-mail, phone
and postal address never leave the server; names and contacts inside texts are masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from otklik.cases.models import Answer, Case, Channel, Kind, Status
from otklik.org.models import Topic
from otklik.territory.models import Municipality

#: Statuses an Open311 client sees as `closed`; every other status is `open`.
CLOSED_STATUSES = (Status.ANSWERED, Status.CLOSED, Status.REDIRECTED, Status.NO_ANSWER)
#: The spec's defaults: at most 1,000 requests, from the last 90 days; a date range spans ≤ 90 days.
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
#: At most this many ids in one `service_request_id` list.
MAX_IDS = 1000
#: Channels that carry 59-ФЗ appeals (paper, e-mail, reception, phone) or incidents: never public.
NEVER_PUBLIC = frozenset({Channel.PAPER, Channel.EMAIL, Channel.RECEPTION, Channel.PHONE, Channel.INCIDENT})
#: `status_notes` when the case has no sent answer yet.
STATUS_NOTES = {
    Status.RECEIVED: "Сообщение получено.",
    Status.REGISTERED: "Сообщение зарегистрировано и передано ответственным.",
    Status.ASSIGNED: "Назначен исполнитель.",
    Status.IN_PROGRESS: "Ответственные работают над проблемой.",
    Status.ANSWERED: "Дан ответ.",
    Status.CLOSED: "Рассмотрение завершено.",
    Status.REDIRECTED: "Вопрос не в ведении администрации: сообщение перенаправлено по принадлежности.",
    Status.REOPENED: "Рассмотрение возобновлено.",
    Status.NO_ANSWER: "Рассмотрено без ответа.",
}
_FLAT = re.compile(r"(?i),?\s*(?<!\w)кв(?:артира)?\.?\s*№?\s*\d+\s*[а-яa-z]?(?!\w)")


def public_channels() -> list[str]:
    """Channels whose messages are listed publicly (`OTKLIK_OPEN311_PUBLIC_CHANNELS`, default `open311`)."""
    raw = getattr(settings, "OTKLIK_OPEN311_PUBLIC_CHANNELS", "open311")
    return [c.strip() for c in raw.split(",") if c.strip() and c.strip() not in NEVER_PUBLIC]


def jurisdiction(code: str) -> Municipality | None:
    """The municipality an Open311 `jurisdiction_id` names (its code), or None."""
    return Municipality.objects.filter(code=code).first() if code else None


# --- services ---------------------------------------------------------------------------------


def service_topics() -> list[Topic]:
    """Services: every active subtopic of an active topic, and every active topic without subtopics.

    A top-level topic with subtopics is a `group`, not a service.
    """
    topics = [
        t
        for t in Topic.objects.filter(is_active=True).select_related("parent").order_by("order", "code")
        if t.parent_id is None or t.parent.is_active
    ]
    parents = {t.parent_id for t in topics if t.parent_id}
    services = [t for t in topics if t.parent_id or t.pk not in parents]
    group_order = {t.pk: (t.order, t.code) for t in topics if t.parent_id is None}
    return sorted(
        services,
        key=lambda t: (
            group_order.get(t.parent_id or t.pk, (0, "")),
            t.parent_id is not None,
            t.order,
            t.code,
        ),
    )


def service_by_code(code: str) -> Topic | None:
    return next((t for t in service_topics() if t.code == code), None) if code else None


def service_dict(topic: Topic) -> dict[str, Any]:
    group = topic.parent.name if topic.parent_id else topic.name
    words = [topic.name.lower(), group.lower(), *topic.code.split(".")]
    return {
        "service_code": topic.code,
        "service_name": topic.name,
        "description": f"{group}: {topic.name}" if topic.parent_id else topic.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(words)),
        "group": group,
    }


def service_definition(topic: Topic) -> dict[str, Any]:
    """Otklik asks no extra attributes: the list is empty, as `metadata: false` promises."""
    return {"service_code": topic.code, "attributes": []}


# --- creating: where a token's request goes ---------------------------------------------------


@dataclass
class Refusal:
    """Why a token user may not post where asked: the HTTP status and a Russian description."""

    status: int
    description: str


def creation_municipality(user: Any, code: str) -> Municipality | Refusal:
    """Where a request posted with the user's token goes, as the API decides it (`_creation_municipality`).

    `jurisdiction_id` if given (the user needs a creating role there); otherwise the one municipality of
    the user's creating roles; for a region-wide role (or a superuser) the installation's default
    (`OTKLIK_DEFAULT_MUNICIPALITY`). Several municipalities and no `jurisdiction_id` — ask for it.
    """
    from otklik.api.api import CREATE_ROLES
    from otklik.org.selectors import role_assignments

    allowed = [a for a in role_assignments(user) if a.role in CREATE_ROLES]
    if not allowed and not user.is_superuser:
        return Refusal(403, "api_key: у владельца ключа нет роли, позволяющей подавать сообщения.")
    if code:
        municipality = jurisdiction(code)
        if municipality is None:
            return Refusal(404, f"jurisdiction_id: муниципальное образование «{code}» не найдено.")
        if user.is_superuser or any(a.municipality_id in (None, municipality.pk) for a in allowed):
            return municipality
        return Refusal(403, f"api_key: подавать сообщения в «{municipality.name}» с этим ключом нельзя.")
    own = {a.municipality_id: a.municipality for a in allowed if a.municipality_id}
    region_wide = user.is_superuser or any(a.municipality_id is None for a in allowed)
    if len(own) == 1 and not region_wide:
        only: Municipality = next(iter(own.values()))
        return only
    if region_wide and not own:
        default = jurisdiction(getattr(settings, "OTKLIK_DEFAULT_MUNICIPALITY", ""))
        if default is not None:
            return default
    return Refusal(
        400, "jurisdiction_id: укажите код муниципального образования — ключ действует в нескольких."
    )


# --- service requests -------------------------------------------------------------------------


def public_requests(municipality_id: int | None = None) -> QuerySet[Case]:
    """Cases an Open311 client may see, with what `request_dict` reads."""
    qs = Case.objects.filter(channel__in=public_channels(), kind=Kind.MESSAGE).select_related(
        "topic", "subtopic", "block", "department"
    )
    if municipality_id is not None:
        qs = qs.filter(municipality_id=municipality_id)
    return qs


def public_request(pk: int, municipality_id: int | None = None) -> Case | None:
    case: Case | None = public_requests(municipality_id).filter(pk=pk).first()
    return case


def request_for_token(token: str, municipality_id: int | None = None) -> Case | None:
    if not token or len(token) > 64:
        return None
    case: Case | None = public_requests(municipality_id).filter(tracking_token=token).first()
    return case


def filter_requests(
    qs: QuerySet[Case],
    *,
    ids: list[int] | None = None,
    codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: list[str] | None = None,
) -> QuerySet[Case]:
    """The spec's filters; `ids` overrides all the others. Newest first."""
    if ids:
        return qs.filter(pk__in=ids).order_by("-received_at", "-pk")
    if codes:
        qs = qs.filter(Q(subtopic__code__in=codes) | Q(subtopic__isnull=True, topic__code__in=codes))
    if start:
        qs = qs.filter(received_at__gte=start)
    if end:
        qs = qs.filter(received_at__lte=end)
    wanted = set(statuses or [])
    if wanted == {"closed"}:
        qs = qs.filter(status__in=CLOSED_STATUSES)
    elif wanted == {"open"}:
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    return qs.order_by("-received_at", "-pk")


def _w3c(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def _point(location: Any) -> tuple[float | None, float | None]:
    """(lat, long) of a GeoJSON point, or (None, None)."""
    if isinstance(location, dict) and location.get("type") == "Point":
        coords = location.get("coordinates")
        if isinstance(coords, list | tuple) and len(coords) >= 2:
            lon, lat = coords[0], coords[1]
            if isinstance(lon, int | float) and isinstance(lat, int | float):
                return float(lat), float(lon)
    return None, None


@lru_cache(maxsize=4096)
def _masked(text: str) -> str:
    from otklik.nlp.pii import mask_personal_data

    return mask_personal_data(text)


def public_address(address: str) -> str:
    """The problem's address without a flat number (a flat is someone's home)."""
    return _FLAT.sub("", address).strip(" ,")


def request_dict(case: Case, answers: dict[int, str]) -> dict[str, Any]:
    """One service request as the spec names its fields; no personal data of the author."""
    from otklik.nlp.services import masked_text

    service = case.subtopic or case.topic
    lat, lon = _point(case.location)
    raw = (case.raw_payload or {}) if case.channel == Channel.OPEN311 else {}
    answer = answers.get(case.pk, "")
    agency = case.block or case.department
    return {
        "service_request_id": str(case.pk),
        "status": "closed" if case.status in CLOSED_STATUSES else "open",
        "status_notes": _masked(answer) if answer else STATUS_NOTES.get(Status(case.status), ""),
        "service_name": service.name if service else None,
        "service_code": service.code if service else None,
        "description": masked_text(case),
        "agency_responsible": agency.name if agency else None,
        "service_notice": None,
        "requested_datetime": _w3c(case.received_at),
        "updated_datetime": _w3c(case.updated_at),
        "expected_datetime": _w3c(case.due_at),
        "address": public_address(case.address) or None,
        "address_id": raw.get("address_id") or None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": raw.get("media_url") or None,
    }


def latest_answers(cases: list[Case]) -> dict[int, str]:
    """The text of each case's latest *sent* answer (drafts never leave the office)."""
    out: dict[int, str] = {}
    if not cases:
        return out
    rows = (
        Answer.objects.filter(case__in=[c.pk for c in cases], sent_at__isnull=False)
        .order_by("case_id", "sent_at", "pk")
        .values_list("case_id", "text")
    )
    for case_id, text in rows:
        out[case_id] = text
    return out


def requests_page(qs: QuerySet[Case], *, page: int = 1, page_size: int = MAX_RESULTS) -> list[dict[str, Any]]:
    """One page of requests as the spec's dicts, in two queries (plus a one-off masking write per case)."""
    offset = (page - 1) * page_size
    cases = list(qs[offset : offset + page_size])
    answers = latest_answers(cases)
    return [request_dict(c, answers) for c in cases]
