"""Who works with the content plan: the officer for publications and social media («Инцидент»), the head
and the curator of the municipality edit it; only the head approves a post."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from otklik.org.models import Role
from otklik.org.selectors import role_assignments
from otklik.publications import rules
from otklik.publications.models import Post
from otklik.territory.models import Municipality

EDITOR_ROLES = (Role.INCIDENT_OFFICER, Role.HEAD, Role.CURATOR)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def municipality_ids(user: Any) -> set[int] | None:
    """The municipalities whose plan the user works with; None: all."""
    if not _active(user):
        return set()
    if user.is_superuser:
        return None
    ids: set[int] = set()
    for a in role_assignments(user):
        if a.role in EDITOR_ROLES:
            if a.municipality_id is None:
                return None
            ids.add(a.municipality_id)
    return ids


def can_use(user: Any) -> bool:
    ids = municipality_ids(user)
    return ids is None or bool(ids)


def municipalities(user: Any) -> list[Municipality]:
    ids = municipality_ids(user)
    qs = Municipality.objects.all() if ids is None else Municipality.objects.filter(pk__in=ids)
    return list(qs.order_by("name"))


def capabilities(user: Any, municipality_id: int) -> set[str]:
    """What the user may do with the municipality's posts: rules.EDIT, rules.APPROVE."""
    if not _active(user):
        return set()
    caps: set[str] = set()
    if user.is_superuser:
        caps.add(rules.EDIT)
    for a in role_assignments(user):
        if a.municipality_id is not None and a.municipality_id != municipality_id:
            continue
        if a.role in EDITOR_ROLES:
            caps.add(rules.EDIT)
        if a.role == Role.HEAD:
            caps.add(rules.APPROVE)
    return caps


def visible_posts(user: Any) -> QuerySet[Post]:
    ids = municipality_ids(user)
    qs = Post.objects.select_related("municipality", "page", "topic", "approved_by", "problem", "measure")
    return qs if ids is None else qs.filter(municipality_id__in=ids)


def post_for(user: Any, pk: int) -> Post:
    post = visible_posts(user).filter(pk=pk).first()
    if post is None:
        raise Http404("Публикация не найдена.")
    return post
