"""Issuing, checking and revoking API tokens. Only a hash is stored; the token is shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from otklik.api.models import ApiToken
from otklik.audit.services import record
from otklik.core.fastsql import select_related_with
from otklik.org.models import RoleAssignment
from otklik.org.selectors import remember_roles

TOKEN_PREFIX = "otk_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_token(name: str, user: Any, *, actor: Any = None, days: int | None = None) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name:
        raise ValueError("Укажите название интеграции.")
    if not user.is_active:
        raise ValueError("Пользователь отключён: токен для него выдать нельзя.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=days) if days else None
    obj = ApiToken.objects.create(
        name=name, user=user, prefix=token[:12], token_hash=_hash(token), expires_at=expires
    )
    record(
        "api.token_issue",
        actor=actor,
        obj=obj,
        after={"name": name, "user": user.username},
        actor_label="" if actor else "otklik token",
    )
    return obj, token


@cache
def _token_where() -> str:
    qn = connection.ops.quote_name
    tokens, users = qn(ApiToken._meta.db_table), qn(get_user_model()._meta.db_table)
    return f'{tokens}."token_hash" = %s AND {tokens}."is_active" AND {users}."is_active"'


def authenticate(token: str) -> Any:
    """The user a valid token acts for, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    # Every API request reads the token, its user and the user's roles: one statement built once
    # (otklik.core.fastsql), a row per role.
    found = select_related_with(
        ApiToken, "user", _token_where(), [_hash(token)], children=(RoleAssignment, "user")
    )
    if not found:
        return None
    obj, roles = found[0]
    now = timezone.now()
    if obj.expires_at and obj.expires_at < now:
        return None
    if obj.last_used_at is None or now - obj.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=obj.pk).update(last_used_at=now)
    remember_roles(obj.user, roles)
    return obj.user


@transaction.atomic
def revoke_token(prefix: str, *, actor: Any = None) -> int:
    n = ApiToken.objects.filter(prefix=prefix, is_active=True).update(is_active=False)
    if n:
        record(
            "api.token_revoke",
            actor=actor,
            object_type="api.apitoken",
            object_id=prefix,
            actor_label="" if actor else "otklik token",
        )
    return n
