"""Recording residents' ratings of answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases.models import Answer, Case, CaseEvent, Status
from otklik.quality.models import Rating

RATEABLE = {Status.ANSWERED, Status.CLOSED}
COMMENT_MAX = 2000


class RatingError(ValueError):
    """A rating that cannot be accepted; the message is for the resident, in Russian."""


def latest_answer(case: Case) -> Answer | None:
    """The latest answer sent to the author (drafts are not rated)."""
    return case.answers.filter(sent_at__isnull=False).order_by("-sent_at", "-pk").first()


def can_rate(case: Case) -> bool:
    """A resident may rate once per answer, after the answer was given."""
    if case.status not in RATEABLE:
        return False
    answer = latest_answer(case)
    return not Rating.objects.filter(case=case, answer=answer).exists()


@transaction.atomic
def rate(
    case: Case,
    *,
    satisfied: bool,
    score: int | None = None,
    comment: str = "",
    source: str = Rating.Source.TRACKING,
    actor: Any = None,
    at: datetime | None = None,
) -> Rating:
    """Record a rating of the latest answer. One rating per answer; a new answer may be rated again."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if case.status not in RATEABLE:
        raise RatingError("Оценить можно только обращение, по которому дан ответ.")
    if score is not None and not 1 <= score <= 5:
        raise RatingError("Оценка должна быть от 1 до 5.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise RatingError(f"Комментарий длиннее {COMMENT_MAX} символов.")
    answer = latest_answer(case)
    if Rating.objects.filter(case=case, answer=answer).exists():
        raise RatingError("Этот ответ уже оценён. Спасибо!")
    when = at or timezone.now()
    rating = Rating.objects.create(
        case=case,
        answer=answer,
        satisfied=satisfied,
        score=score,
        comment=comment,
        source=source,
        entered_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=when,
    )
    verdict = "удовлетворён" if satisfied else "не удовлетворён"
    CaseEvent.objects.create(
        case=case,
        at=when,
        actor=rating.entered_by,
        type=CaseEvent.Type.COMMENT,
        note=f"Оценка ответа: {verdict}"
        + (f", {score} из 5" if score else "")
        + (f". «{comment}»" if comment else ""),
        data={"rating": rating.pk, "satisfied": satisfied, "score": score, "source": source},
    )
    record(
        "quality.rate",
        actor=actor,
        obj=rating,
        after={"case": case.pk, "satisfied": satisfied, "score": score, "source": source},
        actor_label="" if actor else "житель",
    )
    return rating
