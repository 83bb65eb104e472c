"""What the public sees of a case: the status in plain words, dates, answers — nothing internal
(no owner, no department, no notes, no drafts, no author of an answer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from otklik.cases.models import Answer, Case, Status
from otklik.quality.models import Rating
from otklik.quality.services import can_rate
from otklik.territory.models import Municipality

TOKEN_MAX = 64

PUBLIC_STATUS = {
    Status.RECEIVED: ("Получено", "Обращение получено и ждёт регистрации."),
    Status.REGISTERED: ("Зарегистрировано", "Обращение зарегистрировано и передано ответственным."),
    Status.ASSIGNED: ("Назначен исполнитель", "Исполнитель назначен и скоро приступит к работе."),
    Status.IN_PROGRESS: ("В работе", "Ответственные разбираются с проблемой."),
    Status.ANSWERED: ("Дан ответ", "По обращению дан ответ — он ниже."),
    Status.CLOSED: ("Рассмотрено", "Рассмотрение завершено. Ответ — ниже."),
    Status.REDIRECTED: (
        "Перенаправлено",
        "Вопрос не в ведении администрации: обращение перенаправлено в организацию, "
        "которая может его решить.",
    ),
    Status.REOPENED: ("Рассматривается повторно", "Рассмотрение возобновлено."),
    Status.NO_ANSWER: (
        "Рассмотрено без ответа",
        "По закону № 59-ФЗ ответ на такое обращение не даётся, но оно учтено в работе администрации.",
    ),
}


def municipality_for(code: str | None = None) -> Municipality | None:
    """The municipality a form is for: by code (`?mo=` or the path), else the installation's default."""
    if code:
        return Municipality.objects.filter(code=code).first()
    default = settings.OTKLIK_DEFAULT_MUNICIPALITY
    return Municipality.objects.filter(code=default).first() or Municipality.objects.order_by("pk").first()


@dataclass
class PublicView:
    case: Case
    label: str
    explanation: str
    answers: list[Answer]
    due_at: datetime | None
    photos: int
    rating: Rating | None
    can_rate: bool


def tracked_case(token: str) -> PublicView | None:
    """The case behind a tracking token, with what its author may see; None for an unknown token."""
    if not token or len(token) > TOKEN_MAX:
        return None
    case = (
        Case.objects.select_related("municipality", "topic", "settlement")
        .filter(tracking_token=token)
        .first()
    )
    if case is None:
        return None
    label, explanation = PUBLIC_STATUS.get(Status(case.status), (case.get_status_display(), ""))
    answers = list(
        case.answers.filter(sent_at__isnull=False).prefetch_related("attachments").order_by("sent_at", "pk")
    )
    latest = answers[-1] if answers else None
    rating = (
        Rating.objects.filter(case=case, answer=latest).order_by("-created_at").first() if latest else None
    )
    photos = case.attachments.filter(answer__isnull=True).count()
    rateable = rating is None and can_rate(case)
    if rateable:
        explanation += " Пожалуйста, оцените ответ."
    return PublicView(
        case=case,
        label=label,
        explanation=explanation,
        answers=answers,
        due_at=case.due_at,
        photos=photos,
        rating=rating,
        can_rate=rateable,
    )


def mask_email(email: str) -> str:
    """«ivanova@mail.ru» → «iv•••@mail.ru»: enough for the author to recognise, little for others."""
    local, at, domain = email.partition("@")
    if not at:
        return ""
    return f"{local[:2]}•••@{domain}"
