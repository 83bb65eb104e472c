"""Writing to the audit log. Call inside the same transaction as the write it records."""

from __future__ import annotations

from typing import Any

from django.db import models

from otklik.audit.models import AuditEvent
from otklik.core.batch import StatementBatch
from otklik.core.fastsql import new


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: Any = None,
    after: Any = None,
    actor_label: str = "",
    batch: StatementBatch | None = None,
) -> AuditEvent:
    """Write an audit record; with `batch`, at the batch's flush (the record is returned unsaved)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor_label or actor.get_username()
        actor_obj = actor
    else:
        label = actor_label or "система"
        actor_obj = None
    event = new(
        AuditEvent,
        {
            "actor_label": label,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "before": before,
            "after": after,
        },
        {"actor": actor_obj},
    )
    if batch is not None:
        batch.add([event])
    else:
        event.save(force_insert=True)
    return event


def log_personal_data_access(
    user: Any, case_ids: Any, via: str, *, batch: StatementBatch | None = None
) -> int:
    """Note that `user` saw the personal data of these cases unmasked (once per person, case, way and
    day; repeated views the same day add nothing). Returns the number of cases given. With `batch`, the
    note is written at the batch's flush."""
    from django.utils import timezone

    from otklik.audit.models import PersonalDataAccess

    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    ids = sorted({int(pk) for pk in case_ids})
    if not ids:
        return 0
    now = timezone.now()
    day = timezone.localdate(now)
    rows = [
        new(PersonalDataAccess, {"user_id": user.pk, "case_id": pk, "via": via, "day": day, "at": now})
        for pk in ids
    ]
    target = batch if batch is not None else StatementBatch()  # one statement, without the ORM's compiler
    target.add(rows, ignore_conflicts=True)
    if batch is None:
        target.flush()
    return len(ids)
