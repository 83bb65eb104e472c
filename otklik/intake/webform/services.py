"""The public web form: a resident's message taken in through the intake service, rate-limited per
client address; the tracking link lets the resident follow it and rate the answer."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from otklik.cases.models import Case
from otklik.intake.models import WebSubmission
from otklik.intake.services import IntakeItem, intake_one
from otklik.territory.models import Municipality

log = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many submissions from one address; the message says when to try again."""


def limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "OTKLIK_WEBFORM_PER_HOUR", 5)),
        int(getattr(settings, "OTKLIK_WEBFORM_PER_DAY", 20)),
    )


def client_ip(request: HttpRequest) -> str:
    """The client's address; X-Forwarded-For is believed only behind a trusted proxy."""
    if getattr(settings, "OTKLIK_TRUSTED_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def ip_hash(ip: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def check_rate(hashed: str) -> None:
    per_hour, per_day = limits()
    now = timezone.now()
    recent = WebSubmission.objects.filter(ip_hash=hashed, created_at__gte=now - timedelta(days=1))
    if recent.count() >= per_day:
        raise RateLimited(f"С вашего адреса сегодня уже отправлено {per_day} сообщений. Попробуйте завтра.")
    if recent.filter(created_at__gte=now - timedelta(hours=1)).count() >= per_hour:
        raise RateLimited(
            f"С вашего адреса за последний час отправлено {per_hour} сообщений. Попробуйте позже."
        )


def submit(data: dict[str, Any], photos: list[Any], *, ip: str, municipality: Municipality) -> Case:
    """Take a resident's message in; raises RateLimited before anything is stored."""
    hashed = ip_hash(ip)
    topic, settlement = data.get("topic"), data.get("settlement")
    name = data.get("name", "").strip()
    email = data.get("email", "").strip()
    item = IntakeItem(
        channel="web",
        text=data["text"],
        received_at=timezone.now(),
        topic_code=topic.code if topic else "",
        settlement=settlement.name if settlement else "",
        address=data.get("address", ""),
        author_name=name,
        author_email=email,
        author_phone=data.get("phone", "").strip(),
        is_anonymous=not (name and email),
        attachments=[(f.name, f.read()) for f in photos],
        raw={
            "form": "web",
            "topic": topic.code if topic else "",
            "settlement": settlement.name if settlement else "",
            "address": data.get("address", ""),
            "photos": [f.name for f in photos],
            "consent": bool(data.get("consent")),
            "ip_hash": hashed,
        },
    )
    with transaction.atomic():
        # Serialise submissions from one address so that parallel requests cannot pass the limit together.
        WebSubmission.objects.select_for_update().filter(ip_hash=hashed).exists()
        check_rate(hashed)
        case = intake_one(item, municipality=municipality, tracking=True)
        WebSubmission.objects.create(ip_hash=hashed, created_at=timezone.now(), case=case)
        if email:
            transaction.on_commit(lambda: send_tracking_link(case.pk))
    return case


def tracking_url(case: Case) -> str:
    return f"{settings.OTKLIK_BASE_URL}/track/{case.tracking_token}/"


def send_tracking_link(case_pk: int) -> bool:
    case = Case.objects.select_related("municipality").get(pk=case_pk)
    try:
        send_mail(
            subject=f"Ваше сообщение принято: № {case.registration_number}",
            message=(
                f"Здравствуйте!\n\nВаше сообщение принято и зарегистрировано под номером "
                f"{case.registration_number}.\n"
                f"Следить за рассмотрением и оценить ответ: {tracking_url(case)}\n\n"
                f"{case.municipality.name}, муниципальный центр управления"
            ),
            from_email=None,
            recipient_list=[case.author_email],
        )
    except Exception:  # mail trouble must not lose the message
        log.exception("Не удалось отправить ссылку для отслеживания %s", case.registration_number)
        return False
    return True
