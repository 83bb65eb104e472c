"""Tokens of the systems that call the HTTP API. Each acts as its own technical user with roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    name = models.CharField("интеграция", max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="действует от имени",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="Технический пользователь; его роли определяют, что видит и может интеграция.",
    )
    prefix = models.CharField("начало токена", max_length=12, db_index=True)
    token_hash = models.CharField("хеш токена", max_length=64, unique=True)
    is_active = models.BooleanField("действует", default=True)
    created_at = models.DateTimeField("выдан", auto_now_add=True)
    expires_at = models.DateTimeField("действует до", null=True, blank=True)
    last_used_at = models.DateTimeField("последнее использование", null=True, blank=True)

    class Meta:
        verbose_name = "токен API"
        verbose_name_plural = "токены API"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
