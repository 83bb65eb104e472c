"""The deadline watch: marks cases at risk and overdue, escalates, and builds the daily digest.

Run by `otklik worker` as a periodic job. Every notification has a key, so running the watch again
(another worker, a restart, a rerun after a crash) never notifies anyone twice about the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases import deadline_engine
from otklik.cases.models import OPEN_STATUSES, Case, CaseEvent, Kind
from otklik.cases.routing import head_of_centre
from otklik.notifications.models import Notification
from otklik.notifications.services import notify
from otklik.org.models import Role, RoleAssignment
from otklik.territory.models import Municipality


def case_url(case: Case) -> str:
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        return f"/admin/cases/case/{case.pk}/change/"


def _label(case: Case) -> str:
    return case.registration_number or f"№ {case.pk}"


def _local(moment: datetime, muni: Municipality) -> str:
    return f"{timezone.localtime(moment, muni.tz):%d.%m.%Y %H:%M}"


def watch_deadlines(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    totals: dict[str, int] = defaultdict(int)
    for muni in Municipality.objects.all():
        for key, value in _watch_municipality(muni, now).items():
            totals[key] += value
    return dict(totals)


def _block_owners(muni: Municipality) -> dict[int, Any]:
    return {
        a.block_id: a.user
        for a in RoleAssignment.objects.filter(role=Role.BLOCK_OWNER, municipality=muni, user__is_active=True)
        .select_related("user")
        .order_by("-id")
    }


def _watch_municipality(muni: Municipality, now: datetime) -> dict[str, int]:
    counts = {"at_risk": 0, "overdue": 0, "escalated_block": 0, "escalated_head": 0, "first_reaction": 0}
    horizon = deadline_engine.at_risk_horizon(muni, now)
    calendar = deadline_engine.production_calendar()
    head = head_of_centre(muni.pk)
    owners = _block_owners(muni)
    open_cases = Case.objects.filter(municipality=muni, status__in=OPEN_STATUSES).select_related(
        "owner", "block"
    )

    for case in open_cases.filter(due_at__gte=now, due_at__lte=horizon):
        who = case.owner or owners.get(case.block_id) or head
        _, created = notify(
            who,
            Notification.Kind.AT_RISK,
            f"at_risk:{case.pk}:{case.due_at.isoformat()}",
            f"Срок под угрозой: {_label(case)} — ответить до {_local(case.due_at, muni)}",
            f"{case.title or case.text[:200]}",
            case=case,
            url=case_url(case),
        )
        counts["at_risk"] += created

    for case in open_cases.filter(due_at__lt=now):
        due_key = case.due_at.isoformat()
        if case.owner is not None:
            _, created = notify(
                case.owner,
                Notification.Kind.OVERDUE,
                f"overdue:{case.pk}:{due_key}",
                f"Просрочено: {_label(case)} — срок истёк {_local(case.due_at, muni)}",
                f"{case.title or case.text[:200]}",
                case=case,
                url=case_url(case),
            )
            counts["overdue"] += created
        level = case.escalation_level
        target = level
        if level < 1:
            target = 1
        # Whole working days that have passed since the deadline (today does not count until it is over).
        yesterday = timezone.localtime(now, muni.tz).date() - timedelta(days=1)
        overdue_days = calendar.working_days_between(
            timezone.localtime(case.due_at, muni.tz).date(), yesterday
        )
        if overdue_days >= muni.escalate_to_head_after_working_days:
            target = 2
        if target > level:
            _escalate(case, level, target, owners.get(case.block_id), head, muni, now)
            counts["escalated_block" if target == 1 else "escalated_head"] += 1

    # Incidents: the first public reaction is due within working hours.
    for case in open_cases.filter(
        kind=Kind.INCIDENT,
        first_reaction_due_at__lt=now,
        answered_at__isnull=True,
        status__in=("received", "registered", "assigned"),
    ):
        officer = _incident_officer(muni) or head
        due = _local(case.first_reaction_due_at, muni)
        _, created = notify(
            officer,
            Notification.Kind.OVERDUE,
            f"first_reaction:{case.pk}",
            f"Нет первой реакции на инцидент {_label(case)} (срок {due})",
            case.text[:300],
            case=case,
            url=case_url(case),
        )
        counts["first_reaction"] += created
    return counts


def _incident_officer(muni: Municipality) -> Any:
    a = (
        RoleAssignment.objects.filter(role=Role.INCIDENT_OFFICER, municipality=muni, user__is_active=True)
        .select_related("user")
        .first()
    )
    return a.user if a else None


@transaction.atomic
def _escalate(
    case: Case, level: int, target: int, block_owner: Any, head: Any, muni: Municipality, now: datetime
) -> None:
    updated = Case.objects.filter(pk=case.pk, escalation_level=level).update(
        escalation_level=target, version=F("version") + 1
    )
    if not updated:  # another worker escalated it meanwhile
        return
    recipients = []
    if target >= 1 and block_owner is not None:
        recipients.append(block_owner)
    if target >= 2 and head is not None:
        recipients.append(head)
    if not recipients and head is not None:
        recipients.append(head)
    due = _local(case.due_at, muni) if case.due_at else "—"
    for person in recipients:
        notify(
            person,
            Notification.Kind.ESCALATION,
            f"escalation:{case.pk}:{case.due_at.isoformat()}:{target}",
            f"Эскалация: {_label(case)} просрочено (срок {due})",
            f"Исполнитель: {case.owner or 'не назначен'}. {case.title or case.text[:200]}",
            case=case,
            url=case_url(case),
        )
    to = "руководителю МЦУ" if target == 2 else "ответственному за блок"
    CaseEvent.objects.create(
        case=case,
        at=now,
        type=CaseEvent.Type.ESCALATED,
        note=f"Просрочено: передано на контроль {to}.",
        data={"level": target, "recipients": [p.pk for p in recipients]},
    )
    record(
        "case.escalate",
        obj=case,
        before={"escalation_level": level},
        after={"escalation_level": target},
        actor_label="наблюдение за сроками",
    )


def _digest_line(case: Case, muni: Municipality) -> str:
    due = _local(case.due_at, muni) if case.due_at else "—"
    return f"  {_label(case)} — до {due} — {case.title or case.text[:80]}"


def send_daily_digests(now: datetime | None = None) -> int:
    """One digest a day per person who owns open cases or a block: overdue, due today, at risk."""
    now = now or timezone.now()
    created = 0
    for muni in Municipality.objects.all():
        today = timezone.localtime(now, muni.tz).date()
        horizon = deadline_engine.at_risk_horizon(muni, now)
        end_of_day = timezone.make_aware(
            datetime.combine(today + timedelta(days=1), datetime.min.time()), muni.tz
        )
        open_cases = list(
            Case.objects.filter(
                municipality=muni, status__in=OPEN_STATUSES, due_at__lte=max(horizon, end_of_day)
            )
            .select_related("owner", "block")
            .order_by("due_at")
        )
        owners = _block_owners(muni)
        per_person: dict[Any, list[Case]] = defaultdict(list)
        for case in open_cases:
            if case.owner is not None:
                per_person[case.owner].append(case)
            block_owner = owners.get(case.block_id)
            if block_owner is not None and block_owner != case.owner:
                per_person[block_owner].append(case)
        for person, cases in per_person.items():
            sections: dict[str, list[Case]] = {"Просрочено": [], "Срок сегодня": [], "Срок под угрозой": []}
            for c in cases:
                if c.due_at < now:
                    sections["Просрочено"].append(c)
                elif c.due_at < end_of_day:
                    sections["Срок сегодня"].append(c)
                else:
                    sections["Срок под угрозой"].append(c)
            lines = []
            for title, chosen in sections.items():
                if chosen:
                    lines.append(f"{title} ({len(chosen)}):")
                    lines += [
                        f"  {_label(c)} — до {_local(c.due_at, muni)} — {c.title or c.text[:80]}"
                        for c in chosen
                    ]
            _, was_created = notify(
                person,
                Notification.Kind.DIGEST,
                f"digest:{muni.pk}:{today.isoformat()}",
                f"Сводка на {today:%d.%m.%Y}: {len(cases)} обращ. требуют внимания",
                "\n".join(lines),
                url="/",
            )
            created += was_created
    return created
