"""Who a resident is for the one-vote rule: a normalised contact (e-mail or mobile phone) or a resident id
of the federal feedback platform, stored as a keyed hash; and the one-time codes that prove a contact.

Pure functions: no database, no settings except the key passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

#: A one-time code: six digits, valid for 15 minutes, at most 5 attempts to type it.
CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5

EMAIL = "email"
PHONE = "phone"
PLATFORM = "platform"

#: Mail services whose mailbox names ignore dots (Gmail) or treat dots and hyphens alike (Yandex);
#: the second domain of each pair is the same service's other name.
_GMAIL = {"gmail.com", "googlemail.com"}
_YANDEX = {"yandex.ru", "ya.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua", "narod.ru"}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ContactError(ValueError):
    """The text is not an e-mail address or a mobile number; the message is for the resident."""


def normalise_email(value: str) -> str:
    """One spelling per mailbox: lower case, no spaces, no «+tag»; Gmail without dots in the name,
    Yandex with hyphens read as dots, each service under one domain name; an internationalised domain in
    its ASCII (punycode) form.

    «Ivan.Petrov+vote@GMail.com » and «ivanpetrov@googlemail.com» are the same mailbox: they give the same
    string, so one resident cannot vote twice by writing the address differently.
    """
    text = "".join(value.split()).lower()
    if not _EMAIL_RE.match(text):
        raise ContactError("Проверьте адрес электронной почты: например, ivanova@mail.ru.")
    local, _, domain = text.rpartition("@")
    domain = domain.rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ContactError("Проверьте адрес электронной почты: домен записан с ошибкой.") from exc
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        domain = "gmail.com"
        local = local.replace(".", "")
    elif domain in _YANDEX:
        domain = "yandex.ru"
        local = local.replace("-", ".")
    if not local or "." not in domain:
        raise ContactError("Проверьте адрес электронной почты: например, ivanova@mail.ru.")
    return f"{local}@{domain}"


def normalise_phone(value: str) -> str:
    """A Russian mobile number as +7XXXXXXXXXX: «8 (904) 123-45-67», «+7 904 1234567» and «9041234567»
    are one number."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 10 and digits.startswith("9"):
        digits = "7" + digits
    elif len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    if len(digits) != 11 or not digits.startswith("79"):
        raise ContactError("Укажите номер мобильного телефона: например, +7 904 123-45-67.")
    return "+" + digits


def parse_contact(value: str, *, phones: bool = True) -> tuple[str, str]:
    """(kind, normalised contact) for what the resident typed: an e-mail if it has «@», else a phone."""
    text = value.strip()
    if not text:
        raise ContactError(
            "Укажите адрес электронной почты или номер мобильного телефона."
            if phones
            else "Укажите адрес электронной почты."
        )
    if "@" in text:
        return EMAIL, normalise_email(text)
    if not phones:
        raise ContactError("Укажите адрес электронной почты: например, ivanova@mail.ru.")
    return PHONE, normalise_phone(text)


def contact_hash(kind: str, normalised: str, key: str) -> str:
    """A keyed hash of a contact or a platform id: equal for equal contacts, useless without the key."""
    return hmac.new(key.encode(), f"participation:{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


def platform_id(value: str) -> str:
    """A platform resident id as the platform writes it, trimmed; «00123» and «123» stay different."""
    return "".join(str(value).split())


def mask_contact(kind: str, normalised: str) -> str:
    """What the page shows of a verified contact: «iv•••@mail.ru», «+7 904 •••-••-67»."""
    if kind == EMAIL:
        local, _, domain = normalised.partition("@")
        return f"{local[:2]}•••@{domain}"
    if kind == PHONE and len(normalised) == 12:
        return f"+7 {normalised[2:5]} •••-••-{normalised[-2:]}"
    return "•••"


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def code_digest(code: str, salt: str, key: str) -> str:
    return hmac.new(key.encode(), f"code:{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def clean_code(value: str) -> str:
    """The digits the resident typed («123 456», «123-456» → «123456»); empty when it is not 6 digits."""
    digits = re.sub(r"[\s-]", "", value)
    return digits if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit() else ""


@dataclass(frozen=True)
class CodeState:
    expires_at: datetime
    attempts: int
    used: bool


def code_problem(state: CodeState, now: datetime) -> str:
    """Why a code can no longer be checked (a sentence for the resident), or "" when it can."""
    if state.used:
        return "Этот код уже использован. Запросите новый."
    if now >= state.expires_at:
        minutes = int(CODE_TTL.total_seconds() // 60)
        return f"Код действует {minutes} минут, и это время прошло. Запросите новый код."
    if state.attempts >= CODE_MAX_ATTEMPTS:
        return f"Код введён неверно {CODE_MAX_ATTEMPTS} раз. Запросите новый код."
    return ""


def attempts_left(attempts: int) -> int:
    return max(CODE_MAX_ATTEMPTS - attempts, 0)
