"""Registering a 59-ФЗ appeal entered by an operator, and the author's acknowledgement of registration."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from otklik.cases.models import Case, Kind
from otklik.intake.fz59.acknowledgement import acknowledgement_docx, acknowledgement_file_name
from otklik.intake.services import IntakeItem, intake_one

log = logging.getLogger(__name__)


def full_name(last: str, first: str, patronymic: str) -> str:
    return " ".join(p.strip() for p in (last, first, patronymic) if p and p.strip())


def register_appeal(data: dict[str, Any], files: list[Any], *, actor: Any) -> Case:
    """Take the operator's form in as an appeal: number, deadlines, routing, audit — then e-mail the
    acknowledgement to the author when they gave an e-mail address."""
    municipality = data["municipality"]
    anonymous = bool(data.get("anonymous"))
    topic = data.get("topic")
    settlement = data.get("settlement")
    item = IntakeItem(
        channel=data["channel"],
        kind=Kind.APPEAL,
        text=data["text"],
        received_at=data["received_at"],
        author_name=full_name(
            data.get("last_name", ""), data.get("first_name", ""), data.get("patronymic", "")
        ),
        author_email=data.get("email", ""),
        author_phone=data.get("phone", ""),
        author_address=data.get("postal_address", ""),
        is_anonymous=anonymous,
        co_authors=data.get("co_authors") or [],
        address=data.get("address", ""),
        settlement=settlement.name if settlement else "",
        topic_code=topic.code if topic else "",
        attachments=[(f.name, f.read()) for f in files],
        raw={
            "form": "fz59",
            "channel": data["channel"],
            "received_at": data["received_at"].isoformat(),
            "anonymous": anonymous,
            "topic": topic.code if topic else "",
            "settlement": settlement.name if settlement else "",
            "attachments": [f.name for f in files],
            "co_authors": len(data.get("co_authors") or []),
        },
    )
    case = intake_one(item, municipality=municipality, actor=actor, tracking=True)
    if case.author_email and not case.is_anonymous:
        transaction.on_commit(lambda: send_acknowledgement(case.pk))
    return case


def send_acknowledgement(case_pk: int) -> bool:
    """E-mail the acknowledgement (DOCX attached) to the author; a failure is logged, never raised."""
    case = Case.objects.select_related("municipality").get(pk=case_pk)
    if not case.author_email:
        return False
    message = EmailMessage(
        subject=f"Ваше обращение зарегистрировано: № {case.registration_number}",
        body=(
            f"Здравствуйте!\n\nВаше обращение зарегистрировано под номером {case.registration_number}. "
            "Уведомление о регистрации — во вложении.\n\n"
            f"Следить за рассмотрением: {settings.OTKLIK_BASE_URL}/track/{case.tracking_token}/\n\n"
            f"{case.municipality.name}, муниципальный центр управления"
        ),
        to=[case.author_email],
    )
    message.attach(
        acknowledgement_file_name(case),
        acknowledgement_docx(case),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    try:
        message.send()
    except Exception:  # mail trouble must not undo a registration
        log.exception("Не удалось отправить уведомление о регистрации %s", case.registration_number)
        return False
    return True
