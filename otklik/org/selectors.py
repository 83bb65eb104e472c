"""Reads about staff and their roles."""

from __future__ import annotations

import copy
from typing import Any

from otklik.core.fastsql import select
from otklik.core.stampcache import StampedCache
from otklik.org.models import Block, Department, Role, RoleAssignment, Topic
from otklik.territory.models import Municipality

#: Municipalities, blocks and departments by id, kept per process (otklik.core.stampcache): the scope
#: objects of role assignments, read on every request.
scope_cache = StampedCache("role_scopes", [Municipality, Block, Department])


def _load_scopes() -> tuple[dict[int, Municipality], dict[int, Block], dict[int, Department]]:
    return (
        {m.pk: m for m in Municipality.objects.all()},
        {b.pk: b for b in Block.objects.all()},
        {d.pk: d for d in Department.objects.all()},
    )


def role_assignments(user: Any) -> list[RoleAssignment]:
    """The user's role assignments with their scope objects (municipality, block, department), cached on
    the user object for the request. The assignments are read on every request (a role taken away
    counts at once), by a statement built once (otklik.core.fastsql: this runs on every request) — or
    with the user by the API token's own statement (`remember_roles`); the scope objects are copies of
    the process's cached ones."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_otklik_roles", None)
    if cached is None:
        cached = remember_roles(user, select(RoleAssignment, '"user_id" = %s', [user.pk]))
    return cached


def remember_roles(user: Any, assignments: list[RoleAssignment]) -> list[RoleAssignment]:
    """Keep the user's role assignments, read just now, for the request: `role_assignments` gives them
    back, sorted and with their scope objects, without reading them again."""
    kept = sorted(assignments, key=lambda a: (a.role, a.pk))
    if kept:
        names = ("municipality", "block", "department")
        scopes = list(zip(names, scope_cache.get("all", _load_scopes), strict=True))
        for a in kept:
            for field, by_id in scopes:
                # One made a moment ago in another process is not cached yet: read when used.
                if (found := by_id.get(getattr(a, f"{field}_id"))) is not None:
                    setattr(a, field, copy.copy(found))
    user._otklik_roles = kept
    return kept


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
