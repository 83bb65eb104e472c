"""Creating notifications and delivering them by e-mail."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from otklik.notifications.models import Notification

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 5


def notify(
    user: Any, kind: str, key: str, title: str, body: str = "", *, case: Any = None, url: str = ""
) -> tuple[Notification | None, bool]:
    """Create the notification unless this person already has one with this key. Returns (it, created)."""
    if user is None:
        return None, False
    existing = Notification.objects.filter(user=user, key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, case=case, kind=kind, key=key[:200], title=title[:300], body=body, url=url[:500]
            ), True
    except IntegrityError:  # another worker created it a moment ago
        return Notification.objects.get(user=user, key=key[:200]), False


def mark_read(user: Any, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def absolute_url(path: str) -> str:
    return f"{settings.OTKLIK_BASE_URL}{path}" if path.startswith("/") else path


def send_pending_emails(limit: int = 500) -> dict[str, int]:
    """E-mail the notifications not yet e-mailed to people who have an address.

    Each one is first claimed by a committed update (`emailed_at` set only if still empty), then sent;
    a failed send gives the claim back with the error. So two workers never send the same message,
    and a crash or a lost database connection never sends one twice: at worst the one message in
    flight at a crash is marked sent without having gone out (logged).
    """
    sent = failed = 0
    connection = get_connection(fail_silently=False)
    pending = list(
        Notification.objects.filter(emailed_at__isnull=True, email_attempts__lt=MAX_EMAIL_ATTEMPTS)
        .exclude(user__email="")
        .select_related("user")
        .order_by("id")[:limit]
    )
    for note in pending:
        claimed = Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now(), email_attempts=note.email_attempts + 1, email_error=""
        )
        if not claimed:
            continue  # another worker took it
        message = EmailMessage(
            subject=f"[Отклик] {note.title}",
            body=note.body + (f"\n\n{absolute_url(note.url)}" if note.url else ""),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[note.user.email],
            connection=connection,
            headers={"X-Otklik-Notification": str(note.pk)},
        )
        try:
            message.send()
        except Exception as exc:
            failed += 1
            Notification.objects.filter(pk=note.pk).update(emailed_at=None, email_error=str(exc)[:500])
            log.warning("e-mail for notification %s failed: %s", note.pk, exc)
            continue
        sent += 1
    return {"sent": sent, "failed": failed}


def claim_slot(job: str, slot: str) -> bool:
    """True exactly once per (job, slot) across all workers."""
    from otklik.notifications.models import PeriodicRun

    try:
        with transaction.atomic():
            PeriodicRun.objects.create(job=job, slot=slot)
    except IntegrityError:
        return False
    return True


def slot_of(moment: datetime, seconds: int) -> str:
    epoch = int(moment.timestamp()) // max(1, seconds) * max(1, seconds)
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()
