"""Reads of the audit log and of the personal-data access log, within the reader's scope."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from otklik.audit.models import AuditEvent, PersonalDataAccess
from otklik.cases.models import Case
from otklik.cases.selectors import visible_cases
from otklik.org.models import Role
from otklik.org.selectors import role_assignments

AUDIT_ROLES = {Role.HEAD, Role.CURATOR}


def can_read_audit(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or {a.role for a in role_assignments(user)} & AUDIT_ROLES)


def reads_everything(user: Any) -> bool:
    """Superusers and region-wide curators or heads read the whole log; others only about their cases."""
    if user.is_superuser:
        return True
    return any(a.role in AUDIT_ROLES and a.municipality_id is None for a in role_assignments(user))


def find_case(user: Any, text: str) -> Case | None:
    """A visible case by its registration number or its id."""
    text = (text or "").strip()
    if not text:
        return None
    qs = visible_cases(user)
    found = qs.filter(registration_number=text).first()
    if found is None and text.isdigit():
        found = qs.filter(pk=int(text)).first()
    return found


def _bounds(start: date | None, end: date | None) -> Q:
    tz = timezone.get_current_timezone()
    q = Q()
    if start:
        q &= Q(at__gte=timezone.make_aware(datetime.combine(start, time.min), tz))
    if end:
        q &= Q(at__lt=timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))
    return q


def audit_events(
    user: Any,
    *,
    actor: str = "",
    case: Case | None = None,
    action: str = "",
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if not reads_everything(user):
        ids = visible_cases(user).annotate(key=Cast("pk", CharField())).values("key")
        qs = qs.filter(object_type="cases.case", object_id__in=ids)
    if actor:
        qs = qs.filter(actor_label__icontains=actor.strip())
    if case is not None:
        qs = qs.filter(Q(object_type="cases.case", object_id=str(case.pk)) | Q(after__case=case.pk))
    if action:
        qs = qs.filter(action__startswith=action.strip())
    return qs.filter(_bounds(start, end)).order_by("-at", "-id")


def personal_data_accesses(
    user: Any,
    *,
    actor: str = "",
    case: Case | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[PersonalDataAccess]:
    qs = PersonalDataAccess.objects.select_related("case")
    if not reads_everything(user):
        qs = qs.filter(case__in=visible_cases(user).values("pk"))
    if actor:
        qs = qs.filter(user_id__in=_users_matching(actor))
    if case is not None:
        qs = qs.filter(case=case)
    return qs.filter(_bounds(start, end)).order_by("-at", "-id")


def _users_matching(text: str) -> QuerySet[Any]:
    from otklik.org.models import User

    text = text.strip()
    return User.objects.filter(
        Q(username__icontains=text) | Q(last_name__icontains=text) | Q(first_name__icontains=text)
    ).values("pk")


def action_names() -> list[str]:
    return sorted(set(AuditEvent.objects.values_list("action", flat=True).distinct()[:500]))
