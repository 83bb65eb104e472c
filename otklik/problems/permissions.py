"""Who sees which problems and who may decide on them.

* Seeing: the municipality-wide roles (curator, head, analyst, regional observer, integration) see every
  problem of their municipality; a block owner and a block's specialist see the problems of their block;
  anybody sees a problem one of whose cases they may see, and the measures they are responsible for.
* Deciding (confirm, dismiss, merge, split, move cases, root cause, roadmap, resolve): the owner of the
  problem's block, the head and the curator of its municipality (and a superuser).
* A measure's responsible official may also move their own measure along and attach its evidence.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from otklik.cases.selectors import visible_cases
from otklik.org.models import Role
from otklik.org.selectors import role_assignments
from otklik.problems.models import Measure, Problem, ProblemCase

#: Roles that see every problem of their municipality.
MUNICIPALITY_WIDE = (Role.CURATOR, Role.HEAD, Role.ANALYST, Role.OBSERVER, Role.INTEGRATION)
#: Roles that decide on every problem of their municipality.
DECIDERS = (Role.CURATOR, Role.HEAD)


def problem_scope_q(user: Any) -> Q | None:
    """The filter of problems the user may see; None means everything (superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for a in role_assignments(user):
        if a.role in MUNICIPALITY_WIDE:
            q |= Q(municipality_id=a.municipality_id) if a.municipality_id else Q(pk__isnull=False)
        elif a.role in (Role.BLOCK_OWNER, Role.SPECIALIST) and a.block_id:
            q |= Q(block_id=a.block_id)
    through_cases = ProblemCase.objects.filter(case__in=visible_cases(user)).values("problem_id")
    responsible = Measure.objects.filter(responsible_user_id=user.pk).values("problem_id")
    return q | Q(pk__in=through_cases) | Q(pk__in=responsible)


def visible_problems(user: Any) -> QuerySet[Problem]:
    q = problem_scope_q(user)
    qs = Problem.objects.all()
    return qs if q is None else qs.filter(q)


def problem_for_user(user: Any, pk: int) -> Problem:
    """The problem with what its page shows, or Http404 — a hidden one answers like a missing one."""
    try:
        return (
            visible_problems(user)
            .select_related(
                "municipality",
                "topic",
                "subtopic",
                "settlement",
                "locality",
                "block__owner",
                "confirmed_by",
                "resolved_by",
                "dismissed_by",
                "created_by",
                "merged_into",
            )
            .get(pk=pk)
        )
    except Problem.DoesNotExist:
        raise Http404("Проблема не найдена.") from None


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def can_decide(user: Any, problem: Problem) -> bool:
    """Confirm, dismiss, merge, split, move cases, edit the root cause and the roadmap, resolve."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    if problem.block_id and problem.block is not None and problem.block.owner_id == user.pk:
        return True
    for a in role_assignments(user):
        if a.role in DECIDERS and (a.municipality_id is None or a.municipality_id == problem.municipality_id):
            return True
        if a.role == Role.BLOCK_OWNER and problem.block_id and a.block_id == problem.block_id:
            return True
    return False


def can_decide_in(user: Any, municipality_id: int) -> bool:
    """Start the search for candidates in a municipality: its head or curator."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return any(
        a.role in DECIDERS and (a.municipality_id is None or a.municipality_id == municipality_id)
        for a in role_assignments(user)
    )


def can_update_measure(user: Any, measure: Measure) -> bool:
    """Change a measure's status and evidence: whoever decides on the problem, or its responsible user."""
    if not _active(user):
        return False
    return measure.responsible_user_id == user.pk or can_decide(user, measure.problem)
