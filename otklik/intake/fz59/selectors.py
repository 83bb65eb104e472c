"""Who may register 59-ФЗ appeals, and where."""

from __future__ import annotations

from typing import Any

from otklik.org.models import Role
from otklik.org.selectors import role_assignments
from otklik.territory.models import Municipality, Settlement

REGISTER_ROLES = {Role.HEAD, Role.CURATOR, Role.REGISTRAR}


def can_register_appeals(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        a.role in REGISTER_ROLES for a in role_assignments(user)
    )


def registration_municipalities(user: Any) -> list[Municipality]:
    """The municipalities in which the user may register appeals (all of them for region-wide roles)."""
    assignments = [a for a in role_assignments(user) if a.role in REGISTER_ROLES]
    if getattr(user, "is_superuser", False) or any(a.municipality_id is None for a in assignments):
        return list(Municipality.objects.order_by("name"))
    ids = {a.municipality_id for a in assignments}
    return list(Municipality.objects.filter(pk__in=ids).order_by("name"))


def settlements_of(municipalities: list[Municipality]) -> list[Settlement]:
    return list(
        Settlement.objects.filter(municipality__in=municipalities)
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )
