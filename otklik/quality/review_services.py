"""Answer review: the head or the block owner approves an answer (it goes out) or returns it to its
author with the reason. Every review is recorded with its checklist and the automatic warnings."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases import services as case_services
from otklik.cases.models import Answer, CaseEvent
from otklik.cases.permissions import is_answer_reviewer
from otklik.cases.services import CaseActionError, _begin, _Change, _save, _snapshot
from otklik.notifications.services import notify
from otklik.org.models import Role, RoleAssignment, User
from otklik.quality.formal import CHECKLIST, CHECKLIST_CODES
from otklik.quality.models import AnswerReview
from otklik.quality.review_selectors import answer_warnings

REASON_MAX = 4000
NOT_REVIEWER = "Проверять ответы по этому обращению может руководитель МЦУ или ответственный за блок."


class ReviewError(CaseActionError):
    """A review that cannot be recorded; the message is for the reviewer, in Russian."""


def _pending(answer_id: int, expected_version: int | None) -> tuple[_Change, Answer]:
    answer = Answer.objects.select_related("case").filter(pk=answer_id).first()
    if answer is None:
        raise ReviewError("Ответ не найден.")
    case = _begin(answer.case_id, expected_version)
    answer = Answer.objects.select_for_update(of=("self",)).select_related("author").get(pk=answer_id)
    if answer.review_state != Answer.Review.PENDING:
        raise ReviewError("Этот ответ уже проверен или отозван: обновите страницу.")
    return _Change(case, None, _snapshot(case)), answer


def _checklist(values: dict[str, Any] | None) -> dict[str, bool]:
    values = values or {}
    return {code: bool(values.get(code)) for code in CHECKLIST_CODES}


@transaction.atomic
def approve_answer(
    answer_id: int,
    *,
    actor: User,
    checklist: dict[str, Any],
    expected_version: int | None = None,
    comment: str = "",
) -> AnswerReview:
    """Every checklist item must be confirmed; the answer then goes out as if sent by its author."""
    change, answer = _pending(answer_id, expected_version)
    case = change.case
    if not is_answer_reviewer(actor, case):
        raise ReviewError(
            "Проверять ответы по этому обращению может руководитель МЦУ или ответственный за блок."
        )
    marks = _checklist(checklist)
    unchecked = [label for code, label in CHECKLIST if not marks[code]]
    if unchecked:
        raise ReviewError(
            "Ответ не одобрен: не отмечены пункты чек-листа — "
            + "; ".join(f"«{label}»" for label in unchecked)
            + ". Если ответ им не соответствует, верните его на доработку с указанием причины."
        )
    warnings = [w.as_dict() for w in answer_warnings(answer)]
    change.actor = actor
    review = AnswerReview.objects.create(
        case=case,
        answer=answer,
        reviewer=actor,
        decision=AnswerReview.Decision.APPROVED,
        checklist=marks,
        warnings=warnings,
        reason=(comment or "").strip()[:REASON_MAX],
        created_at=timezone.now(),
    )
    case_services.send_answer(change, answer, review=Answer.Review.APPROVED)
    record(
        "quality.review",
        actor=actor,
        obj=review,
        after={"case": case.pk, "answer": answer.pk, "decision": "approved", "warnings": len(warnings)},
    )
    return review


@transaction.atomic
def reject_answer(
    answer_id: int,
    reason: str,
    *,
    actor: User,
    checklist: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> AnswerReview:
    """Return the answer to its author with the reason; the case stays in work."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Укажите, что нужно исправить в ответе: причина передаётся исполнителю.")
    if len(reason) > REASON_MAX:
        raise ReviewError(f"Причина длиннее {REASON_MAX} символов.")
    change, answer = _pending(answer_id, expected_version)
    case = change.case
    if not is_answer_reviewer(actor, case):
        raise ReviewError(
            "Проверять ответы по этому обращению может руководитель МЦУ или ответственный за блок."
        )
    change.actor = actor
    warnings = [w.as_dict() for w in answer_warnings(answer)]
    review = AnswerReview.objects.create(
        case=case,
        answer=answer,
        reviewer=actor,
        decision=AnswerReview.Decision.REJECTED,
        checklist=_checklist(checklist),
        warnings=warnings,
        reason=reason,
        created_at=timezone.now(),
    )
    answer.review_state = Answer.Review.REJECTED
    answer.save(update_fields=["review_state", "updated_at"])
    _save(
        change,
        "answer_rejected",
        [],
        type=CaseEvent.Type.COMMENT,
        note=f"Ответ возвращён на доработку: {reason}",
        data={"answer": answer.pk, "review": "rejected"},
    )
    record(
        "quality.review",
        actor=actor,
        obj=review,
        after={"case": case.pk, "answer": answer.pk, "decision": "rejected"},
    )
    author = answer.author
    if author is not None and author.pk != actor.pk:
        url = reverse("cases:detail", args=[case.pk])
        transaction.on_commit(
            lambda: notify(
                author,
                "answer_rejected",
                f"answer_rejected:{review.pk}",
                f"Ответ по обращению {case} возвращён на доработку",
                reason,
                case=case,
                url=url,
            ),
            robust=True,
        )
    return review


def reviewers_of(answer: Answer) -> list[User]:
    """Who is asked to check the answer: the block's owners (named and by role); without any, the
    heads of the municipality."""
    case = answer.case
    people: dict[int, User] = {}
    if (
        case.block_id
        and case.block is not None
        and case.block.owner is not None
        and case.block.owner.is_active
    ):
        people[case.block.owner.pk] = case.block.owner
    if case.block_id:
        for a in RoleAssignment.objects.filter(
            role=Role.BLOCK_OWNER, block_id=case.block_id, user__is_active=True
        ).select_related("user"):
            people[a.user.pk] = a.user
    if not people:
        for a in RoleAssignment.objects.filter(
            role=Role.HEAD, municipality_id=case.municipality_id, user__is_active=True
        ).select_related("user"):
            people[a.user.pk] = a.user
    return [p for p in people.values() if p.pk != answer.author_id]


def notify_reviewers(answer_id: int) -> int:
    answer = (
        Answer.objects.select_related("case", "case__block", "case__block__owner")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None or answer.review_state != Answer.Review.PENDING:
        return 0
    url = reverse("review:answer", args=[answer.pk])
    sent = 0
    for person in reviewers_of(answer):
        _, created = notify(
            person,
            "answer_review",
            f"answer_review:{answer.pk}",
            f"Ответ по обращению {answer.case} ждёт проверки",
            answer.text[:300],
            case=answer.case,
            url=url,
        )
        sent += int(created)
    return sent
