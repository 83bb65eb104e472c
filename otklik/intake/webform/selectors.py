"""What the public sees of a case: the status in plain words, dates, answers — nothing internal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from otklik.cases.models import Case, Status
from otklik.territory.models import Municipality

PUBLIC_STATUS = {
    Status.RECEIVED: ("Получено", "Сообщение получено и ждёт регистрации."),
    Status.REGISTERED: ("Зарегистрировано", "Сообщение зарегистрировано и передано ответственным."),
    Status.ASSIGNED: ("Назначен исполнитель", "Исполнитель назначен и скоро приступит к работе."),
    Status.IN_PROGRESS: ("В работе", "Ответственные разбираются с проблемой."),
    Status.ANSWERED: ("Дан ответ", "По сообщению дан ответ — он ниже. Пожалуйста, оцените его."),
    Status.CLOSED: ("Рассмотрено", "Рассмотрение завершено. Ответ — ниже."),
    Status.REDIRECTED: (
        "Перенаправлено",
        "Вопрос не в ведении администрации: сообщение перенаправлено по компетенции.",
    ),
    Status.REOPENED: ("Возобновлено", "Рассмотрение возобновлено."),
}


def default_municipality(code: str | None = None) -> Municipality | None:
    code = code or settings.OTKLIK_DEFAULT_MUNICIPALITY
    return Municipality.objects.filter(code=code).first() or (
        None if code != settings.OTKLIK_DEFAULT_MUNICIPALITY else Municipality.objects.order_by("pk").first()
    )


@dataclass
class PublicView:
    case: Case
    label: str
    explanation: str
    answers: list[Any]
    due_at: datetime | None


def tracked_case(token: str) -> PublicView | None:
    if not token or len(token) > 64:
        return None
    case = (
        Case.objects.select_related("municipality", "topic", "settlement")
        .filter(tracking_token=token)
        .first()
    )
    if case is None:
        return None
    label, explanation = PUBLIC_STATUS.get(case.status, (case.get_status_display(), ""))
    if case.status == Status.NO_ANSWER:
        label, explanation = "Рассмотрено без ответа", "По закону ответ на такое обращение не даётся."
    answers = list(
        case.answers.filter(sent_at__isnull=False).prefetch_related("attachments").order_by("sent_at")
    )
    return PublicView(case, label, explanation, answers, case.due_at)
