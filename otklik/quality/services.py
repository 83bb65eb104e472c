"""Recording residents' ratings of answers, and what a negative one sets off.

A rating given by the author — on the tracking page, through the link of the survey e-mail, or by phone
to an operator — is checked against the municipality's reopening rules (`rules.should_reopen`): when they
say so, a closed case is reopened with a new answer term and its owner is notified. Ratings imported from
the feedback platform (ПОС) never reopen a case here: the platform reconsiders the message itself, and
its new status and answer arrive with the next import.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases.models import Answer, Case, CaseEvent, Status
from otklik.core import fastsql
from otklik.core.batch import StatementBatch
from otklik.quality.models import Rating, SatisfactionSurvey
from otklik.quality.rules import ParsedRating, should_reopen

log = logging.getLogger(__name__)

RATEABLE = {Status.ANSWERED, Status.CLOSED}
COMMENT_MAX = 2000
REOPEN_REASON = "Автор не удовлетворён ответом"
ALREADY_RATED = "Этот ответ уже оценён. Спасибо!"
NOT_RATEABLE = "Оценить можно только обращение, по которому дан ответ."
RECONSIDERING = "Обращение сейчас рассматривается повторно: оценить можно будет новый ответ."
SUPERSEDED = (
    "Этот ответ уже заменён новым ответом по тому же обращению, поэтому оценить его нельзя. "
    "Когда рассмотрение завершится, вы сможете оценить новый ответ."
)


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


def _verdict(satisfied: bool, score: int | None) -> str:
    return ("удовлетворён" if satisfied else "не удовлетворён") + (f", {score} из 5" if score else "")


def times_reopened_by_rating(case: Case) -> int:
    return CaseEvent.objects.filter(case=case, type=CaseEvent.Type.COMMENT, data__reopen=True).count()


def _days_since_answer(case: Case, answer: Answer | None, when: datetime) -> int:
    answered = (answer.sent_at if answer else None) or case.answered_at or case.closed_at or when
    return max((when - answered).days, 0)


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
    survey: SatisfactionSurvey | None = None,
) -> Rating:
    """Record a rating of the latest answer. One rating per answer; a new answer may be rated again.

    `survey`: the survey whose link the rating came through; a rating of an answer that a newer one has
    replaced is refused. Any open survey of the rated answer is linked to the rating. When the policy
    says so (`rules.should_reopen`; never for ratings from ПОС) the case is reopened and its owner told.
    """
    from otklik.quality.selectors import policy_for

    case = Case.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=case.pk)
    answer = latest_answer(case)
    # "Already rated" is said first: the rating may have reopened the case meanwhile.
    if answer is not None and Rating.objects.filter(case=case, answer=answer).exists():
        raise RatingError(ALREADY_RATED)
    if (
        survey is not None
        and survey.answer_id is not None
        and (answer is None or survey.answer_id != answer.pk)
    ):
        raise RatingError(SUPERSEDED)
    if case.status not in RATEABLE:
        raise RatingError(NOT_RATEABLE)
    if answer is None and Rating.objects.filter(case=case, answer=None).exists():
        raise RatingError(ALREADY_RATED)
    if score is not None and not 1 <= score <= 5:
        raise RatingError("Оценка должна быть от 1 до 5.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise RatingError(f"Комментарий длиннее {COMMENT_MAX} символов.")
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
    if answer is not None:
        SatisfactionSurvey.objects.filter(case=case, answer=answer, rating__isnull=True).update(rating=rating)
    reopen = source != Rating.Source.POS and should_reopen(
        policy_for(case.municipality),
        kind=case.kind,
        satisfied=satisfied,
        score=score,
        days_since_answer=_days_since_answer(case, answer, when),
        times_reopened_by_rating=times_reopened_by_rating(case),
    )
    event = CaseEvent.objects.create(
        case=case,
        at=when,
        actor=rating.entered_by,
        type=CaseEvent.Type.COMMENT,
        note=f"Оценка ответа ({rating.get_source_display()}): {_verdict(satisfied, score)}"
        + (f". «{comment}»" if comment else ""),
        data={"rating": rating.pk, "satisfied": satisfied, "score": score, "source": source, "reopen": False},
    )
    record(
        "quality.rate",
        actor=actor,
        obj=rating,
        after={"case": case.pk, "satisfied": satisfied, "score": score, "source": source},
        actor_label="" if actor else "житель",
    )
    if reopen:
        _act_on_negative(case, rating, event)
    return rating


def reopen_reason(rating: Rating) -> str:
    reason = REOPEN_REASON
    if rating.score:
        reason += f" (оценка {rating.score} из 5)"
    if rating.comment:
        comment = rating.comment if len(rating.comment) <= 300 else rating.comment[:300].rstrip() + "…"
        reason += f": «{comment}»"
    return reason + "."


def _act_on_negative(case: Case, rating: Rating, event: CaseEvent) -> None:
    """Reopen a closed case after the author's negative rating and tell its owner; for an answered case
    that is not closed yet, only tell the owner (the answer may still be reworked before closing)."""
    from otklik.cases.lifecycle import TransitionError
    from otklik.cases.routing import head_of_centre
    from otklik.cases.services import CaseActionError, reopen_case
    from otklik.cases.watch import case_url
    from otklik.notifications.models import Notification
    from otklik.notifications.services import notify

    reopened = None
    if case.status == Status.CLOSED:
        try:
            with transaction.atomic():
                reopened = reopen_case(case.pk, reopen_reason(rating), actor=None)
        except (CaseActionError, TransitionError) as exc:
            log.warning("case %s was not reopened after rating %s: %s", case.pk, rating.pk, exc)
    if reopened is not None:
        event.data = {**event.data, "reopen": True}
        event.save(update_fields=["data"])
    label = case.registration_number or f"№ {case.pk}"
    details = f"Оценка автора: {_verdict(rating.satisfied, rating.score)}." + (
        f"\nКомментарий: «{rating.comment}»" if rating.comment else ""
    )
    if reopened is not None:
        due = timezone.localtime(reopened.due_at, case.municipality.tz) if reopened.due_at else None
        title = f"Возобновлено по оценке автора: {label}"
        body = (
            details
            + "\nОбращение возобновлено"
            + (f", новый срок ответа — {due:%d.%m.%Y %H:%M}." if due else ".")
        )
    else:
        title = f"Автор не удовлетворён ответом: {label}"
        body = details + "\nПроверьте ответ, прежде чем закрывать обращение."
    notify(
        case.owner or head_of_centre(case.municipality_id),
        Notification.Kind.NEGATIVE_RATING,
        f"rating:{rating.pk}",
        title,
        body,
        case=case,
        url=case_url(case),
    )


def record_platform_ratings(
    rated: list[tuple[Case, ParsedRating]], *, now: datetime | None = None
) -> dict[str, int]:
    """Ratings that came with a feedback-platform (ПОС) import: one per case's latest answer.

    A rating already imported for that answer is updated when the platform's value changed and left
    alone otherwise; an answer the author already rated through another way is not rated twice. These
    ratings never reopen a case (see the module's docstring). Call inside the import's transaction.
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if not rated:
        return counts
    now = now or timezone.now()
    case_ids = {case.pk for case, _ in rated}
    latest: dict[int, int] = {}
    for case_id, answer_id in (
        Answer.objects.filter(case_id__in=case_ids, sent_at__isnull=False)
        .order_by("case_id", "-sent_at", "-pk")
        .values_list("case_id", "pk")
    ):
        latest.setdefault(case_id, answer_id)
    existing: dict[tuple[int, int | None], list[Rating]] = defaultdict(list)
    for r in Rating.objects.filter(case_id__in=case_ids):
        existing[(r.case_id, r.answer_id)].append(r)
    created: list[Rating] = []
    changed: list[Rating] = []
    events: list[CaseEvent] = []
    for case, parsed in rated:
        answer_id = latest.get(case.pk)
        there = existing.get((case.pk, answer_id), [])
        mine = next((r for r in there if r.source == Rating.Source.POS), None)
        if mine is None and there:
            counts["unchanged"] += 1  # the author rated this answer another way: it counts once
            continue
        if mine is None and answer_id is not None:
            # Rated before its answer reached us: the answer has come, the rating is of it.
            orphans = existing.get((case.pk, None), [])
            mine = next((r for r in orphans if r.source == Rating.Source.POS), None)
            if mine is not None:
                orphans.remove(mine)
                mine.answer_id = answer_id
                existing[(case.pk, answer_id)].append(mine)
                if (mine.satisfied, mine.score) == (parsed.satisfied, parsed.score):
                    changed.append(mine)
                    continue
        if mine is not None:
            if (mine.satisfied, mine.score) == (parsed.satisfied, parsed.score):
                counts["unchanged"] += 1
                continue
            before = _verdict(mine.satisfied, mine.score)
            mine.satisfied, mine.score = parsed.satisfied, parsed.score
            changed.append(mine)
            note = f"Оценка ответа на ПОС изменилась: {before} → {_verdict(parsed.satisfied, parsed.score)}"
        else:
            mine = fastsql.new(
                Rating,
                {
                    "answer_id": answer_id,
                    "satisfied": parsed.satisfied,
                    "score": parsed.score,
                    "source": Rating.Source.POS,
                    "created_at": now,
                },
                {"case": case},
            )
            created.append(mine)
            existing[(case.pk, answer_id)].append(mine)
            note = f"Оценка ответа на ПОС: {_verdict(parsed.satisfied, parsed.score)}"
        data = {"satisfied": parsed.satisfied, "score": parsed.score, "source": Rating.Source.POS}
        events.append(
            fastsql.new(
                CaseEvent,
                {"at": now, "type": CaseEvent.Type.COMMENT, "note": note, "data": data},
                {"case": case},
            )
        )
    fastsql.insert_returning_pk(created)  # their ids go to the audit record
    Rating.objects.bulk_update(changed, ["answer", "satisfied", "score"])
    written = StatementBatch()
    written.add(events)
    written.flush()
    counts["created"], counts["updated"] = len(created), len(changed)
    if created or changed:
        record(
            "quality.import_ratings",
            object_type="quality.rating",
            after={"created": [r.pk for r in created], "updated": [r.pk for r in changed]},
            actor_label="импорт ПОС",
        )
    return counts
