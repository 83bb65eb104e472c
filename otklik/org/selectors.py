"""Reads about staff and their roles."""

from __future__ import annotations

from typing import Any

from otklik.org.models import Role, RoleAssignment


def role_assignments(user: Any) -> list[RoleAssignment]:
    """The user's role assignments with their scope objects, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_otklik_roles", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user).select_related("municipality", "block", "department")
        )
        user._otklik_roles = cached
    return cached


def role_codes(user: Any) -> set[str]:
    return {a.role for a in role_assignments(user)}


def role_labels(user: Any) -> list[str]:
    labels = []
    for assignment in role_assignments(user):
        label = Role(assignment.role).label
        scope = assignment.block or assignment.department
        labels.append(f"{label} ({scope})" if scope else label)
    return labels


#: Roles that work with residents' personal data (answer them, register, route). Analysts and the
#: regional observer see texts with names, contacts and home addresses masked.
PERSONAL_DATA_ROLES = {
    Role.CURATOR,
    Role.HEAD,
    Role.BLOCK_OWNER,
    Role.SPECIALIST,
    Role.INCIDENT_OFFICER,
    Role.POS_OFFICER,
    Role.REGISTRAR,
    Role.INTEGRATION,
}


def can_see_personal_data(user: Any) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return any(a.role in PERSONAL_DATA_ROLES for a in role_assignments(user))
