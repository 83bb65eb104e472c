"""Reads for answer review: the reviewer's queue, the automatic warnings of an answer, the history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from otklik.cases.models import Answer, Case
from otklik.cases.selectors import visible_cases
from otklik.org.models import Role
from otklik.org.selectors import role_assignments
from otklik.quality.formal import DEFAULT_CONFIG, FormalConfig, FormalWarning, jaccard, shingles, warnings_for
from otklik.quality.models import AnswerReview

#: How far back and how many sent answers the template check compares with.
TEMPLATE_LOOKBACK_DAYS = 90
TEMPLATE_SAMPLE = 2000
#: Texts at least this similar (word 3-grams, numbers dropped) are "the same text";
#: questions less similar than QUESTION_DIFFERENT are "different questions".
SAME_TEXT = 0.8
QUESTION_DIFFERENT = 0.3


def reviewable_q(user: Any) -> Q:
    """The cases whose answers `user` reviews: the heads' and curators' municipalities, the owners'
    blocks (by role or as the block's named owner)."""
    q = Q(block__owner_id=user.pk)
    for assignment in role_assignments(user):
        if assignment.role in (Role.HEAD, Role.CURATOR):
            q |= (
                Q(pk__isnull=False)
                if assignment.municipality_id is None
                else Q(municipality_id=assignment.municipality_id)
            )
        elif assignment.role == Role.BLOCK_OWNER and assignment.block_id:
            q |= Q(block_id=assignment.block_id)
    return q


def pending_answers(user: Any) -> QuerySet[Answer]:
    """Answers waiting for this reviewer, oldest first (their deadlines run)."""
    cases = visible_cases(user).filter(reviewable_q(user))
    # EXISTS per waiting answer (a few, by the review_state index), each case probed by its key — not
    # `case IN (SELECT …)`, which lists every case the reviewer sees (the navigation counts this on every
    # page).
    return (
        Answer.objects.filter(review_state=Answer.Review.PENDING)
        .filter(Exists(cases.filter(pk=OuterRef("case_id"))))
        .select_related("case", "case__municipality", "case__topic", "case__block", "author")
        .order_by("case__due_at", "created_at")
    )


def pending_answer(case: Case) -> Answer | None:
    return case.answers.filter(review_state=Answer.Review.PENDING).order_by("-created_at").first()


def template_reuse(answer: Answer, *, now: Any = None) -> int:
    """How many other, different questions of the municipality got (nearly) the same text in the last
    TEMPLATE_LOOKBACK_DAYS days."""
    case = answer.case
    mine = shingles(answer.text)
    if len(mine) < 3:
        return 0
    since = (now or timezone.now()) - timedelta(days=TEMPLATE_LOOKBACK_DAYS)
    others = (
        Answer.objects.filter(
            case__municipality_id=case.municipality_id, sent_at__gte=since, sent_at__isnull=False
        )
        .exclude(case_id=case.pk)
        .order_by("-sent_at")
        .values_list("text", "case__text")[:TEMPLATE_SAMPLE]
    )
    question = shingles(case.text)
    count = 0
    for text, other_question in others:
        if jaccard(mine, shingles(text)) >= SAME_TEXT and (
            jaccard(question, shingles(other_question)) < QUESTION_DIFFERENT
        ):
            count += 1
    return count


def answer_warnings(answer: Answer, config: FormalConfig = DEFAULT_CONFIG) -> list[FormalWarning]:
    return warnings_for(answer.text, answer.case.text, template_uses=template_reuse(answer), config=config)


def case_reviews(case: Case) -> list[AnswerReview]:
    return list(
        AnswerReview.objects.filter(case=case).select_related("reviewer").order_by("created_at", "pk")
    )


def reviews_answers(user: Any) -> bool:
    """Whether the user checks answers anywhere (for the navigation)."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = {a.role for a in role_assignments(user)}
    return bool(roles & {Role.HEAD, Role.CURATOR, Role.BLOCK_OWNER}) or user.owned_blocks.exists()


def pending_count(user: Any) -> int | None:
    """The reviewer's number of waiting answers; None for people who do not review."""
    return pending_answers(user).count() if reviews_answers(user) else None
