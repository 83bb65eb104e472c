"""Who runs polls and discussions: the ПОС officer, the head and the curator of the municipality (or
region-wide), and a superuser. Officers of another municipality see nothing of them."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from otklik.org.models import Role
from otklik.org.selectors import role_assignments
from otklik.territory.models import Municipality

M = TypeVar("M", bound=Model)

PARTICIPATION_ROLES = (Role.POS_OFFICER, Role.HEAD, Role.CURATOR)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def municipality_ids(user: Any) -> set[int] | None:
    """The municipalities whose polls and discussions the user runs; None means all of them."""
    if not _active(user):
        return set()
    if user.is_superuser:
        return None
    ids: set[int] = set()
    for a in role_assignments(user):
        if a.role in PARTICIPATION_ROLES:
            if a.municipality_id is None:
                return None
            ids.add(a.municipality_id)
    return ids


def can_manage(user: Any) -> bool:
    ids = municipality_ids(user)
    return ids is None or bool(ids)


def can_manage_in(user: Any, municipality_id: int) -> bool:
    ids = municipality_ids(user)
    return ids is None or municipality_id in ids


def municipalities(user: Any) -> list[Municipality]:
    ids = municipality_ids(user)
    qs = Municipality.objects.all() if ids is None else Municipality.objects.filter(pk__in=ids)
    return list(qs.order_by("name"))


def scoped(user: Any, qs: QuerySet[M]) -> QuerySet[M]:
    ids = municipality_ids(user)
    return qs if ids is None else qs.filter(Q(municipality_id__in=ids))


def get_scoped(user: Any, qs: QuerySet[M], pk: int) -> M:
    """The object if the user runs its municipality; 404 otherwise (a foreign one looks missing)."""
    obj = scoped(user, qs).filter(pk=pk).first()
    if obj is None:
        raise Http404("Не найдено.")
    return obj
