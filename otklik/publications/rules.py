"""The content plan's rules as pure functions: the status graph of a post and who may move it."""

from __future__ import annotations

from datetime import datetime, timedelta

DRAFT = "draft"
PLANNED = "planned"
APPROVED = "approved"
PUBLISHED = "published"
CANCELLED = "cancelled"

EDIT = "edit"  # the officer for publications, the head, the curator
APPROVE = "approve"  # the head of the centre only
SYSTEM = "system"  # the publishing job (or an editor marking a post published by hand)

#: (from, to) → who may make the change.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (DRAFT, PLANNED): frozenset({EDIT}),
    (DRAFT, CANCELLED): frozenset({EDIT}),
    (PLANNED, APPROVED): frozenset({APPROVE}),
    (PLANNED, DRAFT): frozenset({EDIT, APPROVE}),
    (PLANNED, CANCELLED): frozenset({EDIT, APPROVE}),
    (APPROVED, PUBLISHED): frozenset({SYSTEM, EDIT}),
    (APPROVED, PLANNED): frozenset({EDIT, APPROVE}),
    (APPROVED, CANCELLED): frozenset({EDIT, APPROVE}),
    (CANCELLED, DRAFT): frozenset({EDIT}),
}
#: Posts in these statuses may be edited; editing an approved post sends it back for approval.
EDITABLE = frozenset({DRAFT, PLANNED, APPROVED})

LABELS = {
    DRAFT: "черновик",
    PLANNED: "запланирована",
    APPROVED: "согласована",
    PUBLISHED: "опубликована",
    CANCELLED: "отменена",
}


class TransitionError(ValueError):
    """A change the graph or the person's role does not allow; the message is for people."""


def check(current: str, target: str, capabilities: set[str] | frozenset[str]) -> None:
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise TransitionError(
            f"Публикацию в состоянии «{LABELS.get(current, current)}» нельзя перевести "
            f"в «{LABELS.get(target, target)}»."
        )
    if not allowed & set(capabilities):
        if allowed == {APPROVE}:
            raise TransitionError("Согласовать публикацию может только руководитель МЦУ.")
        raise TransitionError("У вас нет права менять состояние этой публикации.")


#: Pauses before the next attempt after the 1st, 2nd, … failed sending; then the post waits for a person.
RETRY_PAUSES = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3))
MAX_ATTEMPTS = len(RETRY_PAUSES) + 1


def next_attempt(failed_attempts: int, now: datetime) -> datetime | None:
    """When to try sending again after `failed_attempts` failures; None: give up (a person must look)."""
    if failed_attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_PAUSES[min(failed_attempts, len(RETRY_PAUSES)) - 1]
