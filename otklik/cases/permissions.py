"""Who may do what on a case: role rules × the lifecycle graph, as small functions.

Three questions, asked in this order by the views:

* may the user see the case at all (`otklik.cases.selectors.scope_q`)? If not, the case "does not exist";
* does one of the user's roles grant the action on this case (`role_allows`)? If not — 403;
* does the case's current status allow the action (`lifecycle_allows`)? If not — the action is not offered.

`can()` and `allowed_actions()` combine the three. Only the visibility check touches the database (one
query, skipped when the caller already knows the case is visible); role assignments are cached per user.
"""

from __future__ import annotations

from typing import Any

from otklik.cases.lifecycle import TransitionError, allowed
from otklik.cases.models import Case, Channel, Kind, Status
from otklik.cases.selectors import visible_cases
from otklik.org.models import Role
from otklik.org.selectors import role_assignments

#: Every action, in the order the page offers them.
ACTIONS: tuple[str, ...] = (
    "register",
    "assign",
    "take",
    "answer",
    "extend",
    "redirect",
    "close",
    "reopen",
    "no_answer",
    "rework",
)

ACTION_LABELS: dict[str, str] = {
    "register": "Зарегистрировать",
    "assign": "Назначить исполнителя",
    "take": "Взять в работу",
    "answer": "Ответить",
    "extend": "Продлить срок",
    "redirect": "Перенаправить по компетенции",
    "close": "Закрыть",
    "reopen": "Возобновить",
    "no_answer": "Оставить без ответа",
    "rework": "Вернуть на доработку",
}

_ALL = frozenset(ACTIONS)
_SPECIALIST = frozenset({"take", "answer"})
_CHANNEL_OFFICER = frozenset({"register", "assign", "take", "answer", "close"})
_REGISTRAR = frozenset({"register", "assign", "redirect"})

#: Statuses in which the answer deadline may still be extended.
EXTENDABLE_STATUSES = frozenset({Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED})
#: Statuses from which an answer passes through "in progress" on its way to "answered" (see answer_case).
_ANSWER_VIA_IN_PROGRESS = frozenset({Status.REGISTERED, Status.ASSIGNED, Status.REOPENED})


def _in_municipality(assignment: Any, case: Case) -> bool:
    return assignment.municipality_id is None or assignment.municipality_id == case.municipality_id


def _granted_by(assignment: Any, user: Any, case: Case) -> frozenset[str]:
    """The actions one role assignment grants on this case (before the lifecycle is considered)."""
    role = assignment.role
    if role in (Role.HEAD, Role.CURATOR):
        return _ALL if _in_municipality(assignment, case) else frozenset()
    if role == Role.BLOCK_OWNER:
        return _ALL if assignment.block_id and assignment.block_id == case.block_id else frozenset()
    if role == Role.SPECIALIST:
        own = case.owner_id is not None and case.owner_id == user.pk
        of_department = bool(assignment.department_id) and assignment.department_id == case.department_id
        of_block = bool(assignment.block_id) and assignment.block_id == case.block_id
        return _SPECIALIST if own or of_department or of_block else frozenset()
    if role == Role.INCIDENT_OFFICER:
        ok = _in_municipality(assignment, case) and case.kind == Kind.INCIDENT
        return _CHANNEL_OFFICER if ok else frozenset()
    if role == Role.POS_OFFICER:
        ok = _in_municipality(assignment, case) and case.channel == Channel.POS
        return _CHANNEL_OFFICER if ok else frozenset()
    if role == Role.REGISTRAR:
        ok = _in_municipality(assignment, case) and case.kind == Kind.APPEAL
        return _REGISTRAR if ok else frozenset()
    if role == Role.INTEGRATION:
        return _CHANNEL_OFFICER if _in_municipality(assignment, case) else frozenset()
    return frozenset()  # analyst, observer: read-only


def granted_actions(user: Any, case: Case) -> frozenset[str]:
    """The actions the user's roles grant on the case, whatever its status."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return frozenset()
    if user.is_superuser:
        return _ALL
    granted: frozenset[str] = frozenset()
    for assignment in role_assignments(user):
        granted |= _granted_by(assignment, user, case)
    return granted


def is_answer_reviewer(user: Any, case: Case) -> bool:
    """The head or curator of the case's municipality, or the owner of its block, checks answers."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if case.block_id and case.block is not None and case.block.owner_id == user.pk:
        return True
    for assignment in role_assignments(user):
        if assignment.role in (Role.HEAD, Role.CURATOR) and _in_municipality(assignment, case):
            return True
        if assignment.role == Role.BLOCK_OWNER and case.block_id and assignment.block_id == case.block_id:
            return True
    return False


def answer_needs_review(user: Any, case: Case) -> bool:
    """Whether an answer by `user` waits for a reviewer before it goes out: the case's block asks for
    review, and the author is not one of its reviewers (a reviewer's own answer goes out directly)."""
    block = case.block if case.block_id else None
    return bool(block is not None and block.answer_review_required and not is_answer_reviewer(user, case))


def role_allows(user: Any, action: str, case: Case) -> bool:
    return action in granted_actions(user, case)


def lifecycle_allows(action: str, case: Case) -> bool:
    """Whether the case's kind and current status allow the action (the lifecycle graph)."""
    try:
        nexts = allowed(case.kind, case.status)
    except TransitionError:
        return False
    status = case.status
    if action == "register":
        return Status.REGISTERED in nexts
    if action == "assign":
        return Status.ASSIGNED in nexts
    if action == "take":
        # "answered → in progress" is a rejection of the answer: that is "rework", not "take".
        return Status.IN_PROGRESS in nexts and status != Status.ANSWERED
    if action == "answer":
        if Status.ANSWERED in nexts:
            return True
        return (
            status in _ANSWER_VIA_IN_PROGRESS
            and Status.IN_PROGRESS in nexts
            and Status.ANSWERED in allowed(case.kind, Status.IN_PROGRESS)
        )
    if action == "extend":
        return not case.is_extended and status in EXTENDABLE_STATUSES
    if action == "redirect":
        return Status.REDIRECTED in nexts
    if action == "close":
        return Status.CLOSED in nexts
    if action == "reopen":
        return Status.REOPENED in nexts
    if action == "no_answer":
        return case.kind == Kind.APPEAL and Status.NO_ANSWER in nexts
    if action == "rework":
        return status == Status.ANSWERED and Status.IN_PROGRESS in nexts
    return False


def is_visible(user: Any, case: Case) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return visible_cases(user).filter(pk=case.pk).exists()


def allowed_actions(user: Any, case: Case, *, visible: bool | None = None) -> list[str]:
    """The actions to offer the user on the case now, in page order.

    Pass `visible=True` when the case was fetched through a scoped selector (`case_for_user`)
    to save the visibility query.
    """
    granted = granted_actions(user, case)
    if not granted:
        return []
    if visible is None:
        visible = is_visible(user, case)
    if not visible:
        return []
    return [a for a in ACTIONS if a in granted and lifecycle_allows(a, case)]


def can(user: Any, action: str, case: Case, *, visible: bool | None = None) -> bool:
    if action not in _ALL:
        return False
    return action in allowed_actions(user, case, visible=visible)


def unavailable_reason(action: str, case: Case) -> str:
    """A Russian explanation of why the lifecycle does not allow the action now."""
    label = ACTION_LABELS.get(action, action)
    status = case.get_status_display()
    if action == "no_answer" and case.kind != Kind.APPEAL:
        return "Оставить без ответа по существу можно только обращение по 59-ФЗ."
    if action == "extend" and case.is_extended:
        return "Срок уже продлевался; повторное продление не допускается."
    return f"Действие «{label}» недоступно: сейчас статус «{status}»."
