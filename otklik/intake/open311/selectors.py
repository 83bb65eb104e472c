"""What Open311 clients may read: the service list (the topic tree) and public service requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from otklik.cases.models import Case, Status
from otklik.nlp.pii import mask_contacts
from otklik.nlp.services import masked_text
from otklik.org.models import Topic

CLOSED_STATUSES = {Status.ANSWERED, Status.CLOSED, Status.REDIRECTED, Status.NO_ANSWER}
MAX_RESULTS = 1000
DEFAULT_DAYS = 90


def public_channels() -> list[str]:
    """Channels whose cases are listed publicly; by default only what Open311 clients reported."""
    raw = getattr(settings, "OTKLIK_OPEN311_PUBLIC_CHANNELS", "open311")
    return [c.strip() for c in raw.split(",") if c.strip()]


def service_topics() -> list[Topic]:
    """Services are the subtopics, plus the top-level topics that have no subtopics of their own."""
    topics = list(Topic.objects.filter(is_active=True).select_related("parent"))
    parents = {t.parent_id for t in topics if t.parent_id}
    return [t for t in topics if t.parent_id or t.pk not in parents]


def service_dict(topic: Topic) -> dict[str, Any]:
    group = topic.parent.name if topic.parent_id else topic.name
    return {
        "service_code": topic.code,
        "service_name": topic.name,
        "description": f"{group}: {topic.name}" if topic.parent_id else topic.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys([topic.code.split(".")[0], group.lower()])),
        "group": group,
    }


def service_by_code(code: str) -> Topic | None:
    return next((t for t in service_topics() if t.code == code), None)


def public_requests(municipality_id: int | None = None) -> QuerySet[Case]:
    qs = Case.objects.filter(channel__in=public_channels()).select_related(
        "topic", "subtopic", "block", "department"
    )
    if municipality_id is not None:
        qs = qs.filter(municipality_id=municipality_id)
    return qs


def filter_requests(
    qs: QuerySet[Case],
    *,
    ids: list[int] | None = None,
    codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: list[str] | None = None,
) -> QuerySet[Case]:
    if ids:
        return qs.filter(pk__in=ids).order_by("-received_at", "-pk")
    if codes:
        qs = qs.filter(Q(subtopic__code__in=codes) | Q(subtopic__isnull=True, topic__code__in=codes))
    if start:
        qs = qs.filter(received_at__gte=start)
    if end:
        qs = qs.filter(received_at__lte=end)
    if statuses and set(statuses) != {"open", "closed"}:
        if "closed" in statuses:
            qs = qs.filter(status__in=CLOSED_STATUSES)
        else:
            qs = qs.exclude(status__in=CLOSED_STATUSES)
    return qs.order_by("-received_at", "-pk")


def _w3c(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def request_dict(case: Case, answers: dict[int, str]) -> dict[str, Any]:
    """One service request as the spec names its fields; no personal data of the author."""
    service = case.subtopic or case.topic
    coords = (case.location or {}).get("coordinates") or [None, None]
    raw = case.raw_payload or {}
    return {
        "service_request_id": str(case.pk),
        "status": "closed" if case.status in CLOSED_STATUSES else "open",
        "status_notes": mask_contacts(answers.get(case.pk, "")) or case.get_status_display(),
        "service_name": service.name if service else None,
        "service_code": service.code if service else None,
        "description": masked_text(case),
        "agency_responsible": (case.block.name if case.block else None)
        or (case.department.name if case.department else None),
        "service_notice": None,
        "requested_datetime": _w3c(case.received_at),
        "updated_datetime": _w3c(case.updated_at),
        "expected_datetime": _w3c(case.due_at),
        "address": case.address or None,
        "address_id": raw.get("address_id") or None,
        "zipcode": None,
        "lat": coords[1],
        "long": coords[0],
        "media_url": raw.get("media_url") or None,
    }


def latest_answers(cases: list[Case]) -> dict[int, str]:
    from otklik.cases.models import Answer

    out: dict[int, str] = {}
    for case_id, text in (
        Answer.objects.filter(case__in=cases).order_by("case_id", "pk").values_list("case_id", "text")
    ):
        out[case_id] = text
    return out
