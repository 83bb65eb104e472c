"""Reads about staff and their roles."""

from __future__ import annotations

from typing import Any

from otklik.org.models import Role, RoleAssignment, Topic


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


def topic_choices() -> list[Any]:
    """Topics grouped under their top-level topic, for a select with optgroups."""
    topics = list(Topic.objects.filter(is_active=True))
    children: dict[int, list[Topic]] = {}
    for t in topics:
        if t.parent_id:
            children.setdefault(t.parent_id, []).append(t)
    choices: list[Any] = [("", "— определить автоматически —")]
    for top in (t for t in topics if not t.parent_id):
        group = [(top.pk, f"{top.name} — в целом")] + [(c.pk, c.name) for c in children.get(top.pk, [])]
        choices.append((top.name, group))
    return choices
