"""The roadmap watch: overdue measures are escalated like overdue cases (otklik.cases.watch).

A measure is overdue from the day after its due date (dates are the municipality's) while it is planned
or in progress. Then:

* its responsible user (if they work in the system) is told once per due date;
* level 1 at once — the owner of the problem's block (the head if the block has none);
* level 2 after the municipality's `escalate_to_head_after_working_days` whole working days — the head.

Every notification has a key (measure, due date, level), so a rerun notifies nobody twice; moving the due
date starts the escalation afresh (the services reset the level).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases import deadline_engine
from otklik.cases.models import Case
from otklik.cases.routing import head_of_centre
from otklik.notifications.models import Notification
from otklik.notifications.services import notify
from otklik.org.models import Role, RoleAssignment
from otklik.problems import rules
from otklik.problems.models import Measure, Problem, ProblemStatus
from otklik.territory.models import Municipality


def problem_url(problem: Problem) -> str:
    return reverse("problems:detail", args=[problem.pk])


def block_owner(problem: Problem) -> Any:
    """The owner of the problem's block: the role holder, else the block's named owner."""
    if not problem.block_id:
        return None
    assignment = (
        RoleAssignment.objects.filter(role=Role.BLOCK_OWNER, block_id=problem.block_id, user__is_active=True)
        .select_related("user")
        .order_by("-id")
        .first()
    )
    if assignment is not None:
        return assignment.user
    block = problem.block
    return block.owner if block is not None and block.owner_id and block.owner.is_active else None


def escalate_measures(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    totals: Counter[str] = Counter()
    for muni in Municipality.objects.filter(
        problems__measures__status__in=rules.OPEN_MEASURE_STATUSES
    ).distinct():
        totals.update(_escalate_in(muni, now))
    return dict(totals)


def _escalate_in(muni: Municipality, now: datetime) -> dict[str, int]:
    counts = {"overdue": 0, "escalated_block": 0, "escalated_head": 0}
    today = timezone.localtime(now, muni.tz).date()
    calendar = deadline_engine.production_calendar()
    head = head_of_centre(muni.pk)
    overdue = (
        Measure.objects.filter(
            problem__municipality=muni,
            problem__status__in=(ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED),
            status__in=rules.OPEN_MEASURE_STATUSES,
            due_on__lt=today,
        )
        .select_related("problem__block__owner", "responsible_user")
        .order_by("due_on", "id")
    )
    owners: dict[int, Any] = {}
    for m in overdue:
        problem = m.problem
        if m.responsible_user is not None and m.responsible_user.is_active:
            _, created = notify(
                m.responsible_user,
                Notification.Kind.OVERDUE,
                f"measure_overdue:{m.pk}:{m.due_on.isoformat()}",
                f"Просрочено мероприятие дорожной карты: «{_short(m.title)}» (срок {m.due_on:%d.%m.%Y})",
                f"Проблема: {problem.title}.",
                url=problem_url(problem),
            )
            counts["overdue"] += created
        if problem.pk not in owners:
            owners[problem.pk] = block_owner(problem)
        overdue_days = calendar.working_days_between(m.due_on, today - timedelta(days=1))
        target = 2 if overdue_days >= muni.escalate_to_head_after_working_days else 1
        if target > m.escalation_level and _escalate(m, target, owners[problem.pk], head, now):
            counts["escalated_block" if target == 1 else "escalated_head"] += 1
    return counts


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@transaction.atomic
def _escalate(m: Measure, target: int, owner: Any, head: Any, now: datetime) -> bool:
    level = m.escalation_level
    updated = Measure.objects.filter(pk=m.pk, escalation_level=level).update(
        escalation_level=target, updated_at=now
    )
    if not updated:  # another worker escalated it meanwhile
        return False
    recipients = []
    if owner is not None:
        recipients.append(owner)
    if target >= 2 and head is not None and head not in recipients:
        recipients.append(head)
    if not recipients and head is not None:
        recipients.append(head)
    who = m.responsible_label or "не указан"
    for person in recipients:
        notify(
            person,
            Notification.Kind.ESCALATION,
            f"measure_escalation:{m.pk}:{m.due_on.isoformat()}:{target}",
            f"Эскалация: просрочено мероприятие «{_short(m.title)}» (срок {m.due_on:%d.%m.%Y})",
            f"Проблема: {m.problem.title}. Ответственный: {who}.",
            url=problem_url(m.problem),
        )
    record(
        "measure.escalate",
        obj=m,
        before={"escalation_level": level},
        after={"escalation_level": target, "recipients": [p.pk for p in recipients]},
        actor_label="наблюдение за дорожными картами",
    )
    return True


def notify_recurrence(problem: Problem, case: Case) -> None:
    """A new message joined a problem marked resolved: its owner (or the head) should know."""
    person = block_owner(problem) or head_of_centre(problem.municipality_id)
    resolved: date | None = timezone.localtime(problem.resolved_at).date() if problem.resolved_at else None
    when = f" (решена {resolved:%d.%m.%Y})" if resolved else ""
    notify(
        person,
        Notification.Kind.ESCALATION,
        f"problem_recurred:{problem.pk}:{case.pk}",
        f"Проблема снова проявилась: «{_short(problem.title)}»{when}",
        f"Новое сообщение {case.registration_number or '№ ' + str(case.pk)}: {_short(case.text, 300)}",
        case=case,
        url=problem_url(problem),
    )
