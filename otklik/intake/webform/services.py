"""The public web form: a resident's appeal taken in through the intake service, rate-limited per
client address; the tracking link lets the resident follow it and rate the answer.

A message sent through the administration's site is an appeal under 59-ФЗ (docs/DOMAIN.md: «site
form»), so it gets the appeal series (ОГ-…) and the appeal deadlines. Without a name and an e-mail it
is anonymous in the law's sense: still registered, counted and analysed, but an answer on the merits
is not owed (the officials decide and record it).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from otklik.cases.models import Case
from otklik.intake.models import WebSubmission
from otklik.intake.services import IntakeItem, intake_one
from otklik.territory.models import Municipality

log = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many submissions from one address; the message says when to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    per_hour: int
    per_day: int


def limits() -> Limits:
    return Limits(
        per_hour=int(getattr(settings, "OTKLIK_WEBFORM_PER_HOUR", 5)),
        per_day=int(getattr(settings, "OTKLIK_WEBFORM_PER_DAY", 20)),
    )


def trusted_proxies() -> int:
    """How many reverse proxies of our own stand in front of the app (0: trust no X-Forwarded-For).

    `OTKLIK_TRUSTED_PROXIES` may be a number or a boolean (True = one proxy); the older boolean
    `OTKLIK_TRUSTED_PROXY` is read as well.
    """
    value = getattr(settings, "OTKLIK_TRUSTED_PROXIES", None)
    if value is None:
        value = getattr(settings, "OTKLIK_TRUSTED_PROXY", False)
    if isinstance(value, str):
        value = value.strip().lower()
        value = {"true": 1, "yes": 1, "on": 1, "false": 0, "no": 0, "off": 0, "": 0}.get(value, value)
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def client_ip(request: HttpRequest) -> str:
    """The client's address. X-Forwarded-For is believed only behind trusted proxies, and then only the
    entry our nearest proxy wrote (the right-most ones): what the client put on the left is not checked
    by anybody and would let it pick a new address for every request."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = trusted_proxies()
    if hops:
        chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if chain:
            return chain[-hops] if len(chain) >= hops else chain[0]
    return remote


def ip_hash(ip: str) -> str:
    """A keyed hash of the address: equal for equal addresses, useless without the SECRET_KEY."""
    return hmac.new(settings.SECRET_KEY.encode(), f"webform:{ip}".encode(), hashlib.sha256).hexdigest()


def _lock_address(hashed: str) -> None:
    """Serialise submissions from one address so that parallel requests cannot pass the limit together.

    PostgreSQL: a transaction-level advisory lock on the hash. SQLite (transaction_mode IMMEDIATE in
    settings) already runs one write transaction at a time.
    """
    if connection.vendor == "postgresql":
        # Any string keys the lock (a hex digest in production, other identifiers elsewhere).
        digest = hashlib.blake2b(hashed.encode("utf-8"), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def check_rate(hashed: str) -> None:
    """Raise RateLimited when the address has used up its hourly or daily allowance."""
    limit = limits()
    now = timezone.now()
    day = list(
        WebSubmission.objects.filter(ip_hash=hashed, created_at__gte=now - timedelta(days=1))
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(day) >= limit.per_day:
        wait = day[len(day) - limit.per_day] + timedelta(days=1) - now
        raise RateLimited(
            f"С вашего адреса за сутки отправлено обращений: {len(day)} — это предел. "
            "Попробуйте завтра или позвоните в администрацию.",
            retry_after=max(int(wait.total_seconds()), 60),
        )
    hour = [t for t in day if t >= now - timedelta(hours=1)]
    if len(hour) >= limit.per_hour:
        wait = hour[len(hour) - limit.per_hour] + timedelta(hours=1) - now
        minutes = max(int(wait.total_seconds() // 60) + 1, 1)
        raise RateLimited(
            f"С вашего адреса за последний час отправлено обращений: {len(hour)} — это предел. "
            f"Попробуйте снова через {minutes} мин.",
            retry_after=minutes * 60,
        )


def build_item(data: dict[str, Any], photos: list[Any], *, hashed: str, consent_text: str) -> IntakeItem:
    topic, settlement = data.get("topic"), data.get("settlement")
    name = (data.get("name") or "").strip()
    email = (data.get("email") or "").strip()
    phone = (data.get("phone") or "").strip()
    consent = bool(data.get("consent")) and bool(name or email or phone)
    return IntakeItem(
        channel="web",
        kind="appeal",  # Kind.APPEAL
        text=data["text"],
        received_at=timezone.now(),
        category=topic.name if topic else "",
        topic_code=topic.code if topic else "",
        settlement=settlement.name if settlement else "",
        address=data.get("address") or "",
        author_name=name,
        author_email=email,
        author_phone=phone,
        # 59-ФЗ: without a name and an address for the answer (for the site form: an e-mail) the appeal
        # is anonymous — counted and analysed, no answer on the merits owed.
        is_anonymous=not (name and email),
        attachments=[(f.name, _read(f)) for f in photos],
        raw={
            "form": "web",
            "topic": topic.code if topic else "",
            "category": topic.name if topic else "",
            "settlement": settlement.name if settlement else "",
            "address": data.get("address") or "",
            "contacts_given": sorted(k for k, v in (("name", name), ("email", email), ("phone", phone)) if v),
            "photos": [f.name for f in photos],
            # 152-ФЗ: what the resident agreed to and when (the case's received_at), kept with the case.
            "consent": consent,
            "consent_text": consent_text if consent else "",
            "ip_hash": hashed,
        },
    )


def _read(upload: Any) -> bytes:
    upload.seek(0)
    return bytes(upload.read())


def submit(
    data: dict[str, Any],
    photos: list[Any],
    *,
    ip: str,
    municipality: Municipality,
    consent_text: str = "",
) -> Case:
    """Take a resident's appeal in; raises RateLimited before anything is stored."""
    hashed = ip_hash(ip)
    item = build_item(data, photos, hashed=hashed, consent_text=consent_text)
    with transaction.atomic():
        _lock_address(hashed)
        check_rate(hashed)
        case = intake_one(item, municipality=municipality, tracking=True)
        WebSubmission.objects.create(ip_hash=hashed, created_at=timezone.now(), case=case)
        if case.author_email:
            transaction.on_commit(lambda: send_tracking_link(case.pk))
    return case


def tracking_url(case: Case) -> str:
    return f"{settings.OTKLIK_BASE_URL}/track/{case.tracking_token}/"


def send_tracking_link(case_pk: int) -> bool:
    """E-mail the registration number and the tracking link; a failure is logged, never raised."""
    case = Case.objects.select_related("municipality").get(pk=case_pk)
    if not case.author_email:
        return False
    due = (
        f"Срок рассмотрения — до {timezone.localtime(case.due_at, case.municipality.tz):%d.%m.%Y}.\n"
        if case.due_at
        else ""
    )
    try:
        send_mail(
            subject=f"Ваше обращение принято: № {case.registration_number}",
            message=(
                "Здравствуйте!\n\n"
                f"Ваше обращение принято и зарегистрировано под номером {case.registration_number}.\n"
                f"{due}"
                f"Следить за рассмотрением, прочитать ответ и оценить его: {tracking_url(case)}\n\n"
                "Не пересылайте эту ссылку посторонним: по ней виден текст вашего обращения.\n\n"
                f"{case.municipality.name}, муниципальный центр управления"
            ),
            from_email=None,
            recipient_list=[case.author_email],
        )
    except Exception:  # mail trouble must not lose the appeal
        log.exception("webform: could not e-mail the tracking link of %s", case.registration_number)
        return False
    return True
