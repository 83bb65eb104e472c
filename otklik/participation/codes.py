"""The one-time code flow shared by polls and discussions: a resident gives an e-mail (or a mobile number),
gets a 6-digit code, types it in; the verified contact then stays in the session for a while.

The code goes out synchronously — by Django's mail for an e-mail, through the SMS backend for a phone —
so the resident learns at once when the mail server or the gateway fails, and nothing is stored then.
Only digests are kept: of the code (to check it) and of the contact (to limit codes per contact).
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from otklik.participation import identity, ratelimit
from otklik.participation.models import ContactCode
from otklik.participation.sms import SmsError, get_backend, sms_enabled

log = logging.getLogger(__name__)

SESSION_KEY = "otklik_participation"
#: How long a verified contact lets the resident vote and comment without a new code.
VERIFIED_FOR = timedelta(hours=2)
#: Codes one contact may receive in an hour (a resident's mistakes, not a mail bomb).
CODES_PER_CONTACT_HOUR = 3


class CodeError(Exception):
    """The code could not be sent or checked; the message is for the resident."""


def key() -> str:
    """The key of the contact hashes: OTKLIK_PARTICIPATION_KEY, else SECRET_KEY. Changing it in the
    middle of a poll would let residents vote again (their hashes change)."""
    return str(getattr(settings, "OTKLIK_PARTICIPATION_KEY", "") or settings.SECRET_KEY)


def hash_of(kind: str, normalised: str) -> str:
    return identity.contact_hash(kind, normalised, key())


@dataclass(frozen=True)
class VerifiedContact:
    kind: str
    contact: str  # normalised; kept in the session only
    hash: str
    masked: str


@dataclass(frozen=True)
class PendingCode:
    pk: int
    kind: str
    contact: str
    masked: str


def _message(code: str, municipality_name: str) -> tuple[str, str]:
    minutes = int(identity.CODE_TTL.total_seconds() // 60)
    subject = f"Код подтверждения: {code}"
    body = (
        "Здравствуйте!\n\n"
        f"Ваш код для участия в опросе или обсуждении: {code}\n"
        f"Код действует {minutes} минут. Введите его на странице, где вы его запросили.\n\n"
        "Если вы не запрашивали код, просто удалите это письмо.\n\n"
        f"{municipality_name}, муниципальный центр управления"
    )
    return subject, body


def request_code(text: str, *, ip_hash: str, municipality_name: str, phones: bool = True) -> PendingCode:
    """Send a new code to the contact the resident typed. Raises identity.ContactError for a bad contact,
    RateLimited for too many requests, CodeError when the code could not be sent."""
    kind, normalised = identity.parse_contact(text, phones=phones and sms_enabled())
    contact_hash = hash_of(kind, normalised)
    now = timezone.now()
    code = identity.new_code()
    with transaction.atomic():
        ratelimit.check_and_count(ratelimit.CODE, ip_hash)
        recent = ContactCode.objects.filter(
            contact_hash=contact_hash, created_at__gte=now - timedelta(hours=1)
        ).count()
        if recent >= CODES_PER_CONTACT_HOUR:
            raise CodeError(
                f"На этот адрес за час уже отправлено кодов: {recent}. Проверьте папку «Спам» "
                "или попробуйте позже."
            )
        row = ContactCode.objects.create(
            contact_hash=contact_hash,
            kind=kind,
            digest="",
            created_at=now,
            expires_at=now + identity.CODE_TTL,
            ip_hash=ip_hash,
        )
        row.digest = identity.code_digest(code, str(row.pk), key())
        row.save(update_fields=["digest"])
        _send(kind, normalised, code, municipality_name)
    return PendingCode(row.pk, kind, normalised, identity.mask_contact(kind, normalised))


def _send(kind: str, normalised: str, code: str, municipality_name: str) -> None:
    """Hand the code over now; a failure undoes the code (the caller's transaction) with a clear message."""
    subject, body = _message(code, municipality_name)
    if kind == identity.EMAIL:
        try:
            send_mail(subject, body, None, [normalised])
        except Exception as exc:
            log.warning("participation: the code e-mail could not be sent: %s", exc)
            raise CodeError(
                "Не удалось отправить письмо с кодом: почтовый сервер администрации сейчас недоступен. "
                "Попробуйте через несколько минут."
            ) from exc
        return
    try:
        get_backend().send(normalised, f"Код: {code}. Действует 15 минут. {municipality_name}")
    except SmsError as exc:
        log.warning("participation: the code SMS could not be sent: %s", exc)
        raise CodeError(
            "Не удалось отправить SMS с кодом. Попробуйте позже или укажите адрес электронной почты."
        ) from exc


def check_code(pending: PendingCode, typed: str, *, now: datetime | None = None) -> VerifiedContact:
    """The verified contact when `typed` is the code; else CodeError (the attempt is counted, and stays
    counted whatever the caller does next)."""
    now = now or timezone.now()
    row = ContactCode.objects.filter(pk=pending.pk).first()
    if row is None:
        raise CodeError("Код не найден. Запросите новый код.")
    state = identity.CodeState(row.expires_at, row.attempts, row.used_at is not None)
    problem = identity.code_problem(state, now)
    if problem:
        raise CodeError(problem)
    digits = identity.clean_code(typed)
    # One attempt more, counted in its own committed update whatever the result.
    ContactCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    expected = row.digest
    given = identity.code_digest(digits, str(row.pk), key()) if digits else ""
    if not digits or not _same(given, expected):
        left = identity.attempts_left(row.attempts + 1)
        if not left:
            raise CodeError(f"Код введён неверно {identity.CODE_MAX_ATTEMPTS} раз. Запросите новый код.")
        if not digits:
            raise CodeError(f"Введите шесть цифр кода из сообщения. Осталось попыток: {left}.")
        raise CodeError(f"Код неверный. Проверьте цифры; осталось попыток: {left}.")
    used = ContactCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    if used != 1:
        raise CodeError("Этот код уже использован. Запросите новый.")
    return VerifiedContact(pending.kind, pending.contact, row.contact_hash, pending.masked)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- the session ------------------------------------------------------------------------------------


def _state(session: Any) -> dict[str, Any]:
    value = session.get(SESSION_KEY)
    return dict(value) if isinstance(value, dict) else {}


def remember_pending(session: Any, pending: PendingCode) -> None:
    state = _state(session)
    state["pending"] = {
        "pk": pending.pk,
        "kind": pending.kind,
        "contact": pending.contact,
        "masked": pending.masked,
    }
    session[SESSION_KEY] = state


def pending_code(session: Any) -> PendingCode | None:
    data = _state(session).get("pending")
    if not isinstance(data, dict):
        return None
    try:
        return PendingCode(int(data["pk"]), str(data["kind"]), str(data["contact"]), str(data["masked"]))
    except (KeyError, TypeError, ValueError):
        return None


def remember_verified(session: Any, contact: VerifiedContact, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    session[SESSION_KEY] = {
        "verified": {
            "kind": contact.kind,
            "contact": contact.contact,
            "hash": contact.hash,
            "masked": contact.masked,
            "at": now.isoformat(),
        }
    }
    session.cycle_key()


def verified_contact(session: Any, *, now: datetime | None = None) -> VerifiedContact | None:
    """The contact verified in this session, while it is fresh (VERIFIED_FOR)."""
    data = _state(session).get("verified")
    if not isinstance(data, dict):
        return None
    try:
        at = datetime.fromisoformat(str(data["at"]))
        contact = VerifiedContact(
            str(data["kind"]), str(data["contact"]), str(data["hash"]), str(data["masked"])
        )
    except (KeyError, TypeError, ValueError):
        return None
    if (now or timezone.now()) - at > VERIFIED_FOR:
        return None
    return contact


def forget(session: Any) -> None:
    session.pop(SESSION_KEY, None)
