"""How often one client address may ask for codes, vote and comment — per hour and per day.

The address is the webform's (`client_ip`: X-Forwarded-For only behind OTKLIK_TRUSTED_PROXIES), kept as
its keyed hash; requests from one address are serialised by the webform's lock, so parallel requests
cannot pass the limit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from otklik.intake.webform.services import RateLimited, _lock_address
from otklik.participation.models import Hit

CODE = "code"
VOTE = "vote"
COMMENT = "comment"


@dataclass(frozen=True)
class Limit:
    per_hour: int
    per_day: int
    what: str  # «запросов кода», in the message


def limit_for(action: str) -> Limit:
    if action == CODE:
        hour = int(getattr(settings, "OTKLIK_CODE_PER_HOUR", 10))
        return Limit(hour, hour * 4, "запросов кода")
    if action == VOTE:
        hour = int(getattr(settings, "OTKLIK_VOTE_PER_HOUR", 30))
        return Limit(hour, hour * 4, "голосов")
    hour = int(getattr(settings, "OTKLIK_COMMENT_PER_HOUR", 10))
    return Limit(hour, hour * 3, "комментариев")


def check_and_count(action: str, hashed: str) -> None:
    """Raise RateLimited when the address has used up its allowance; otherwise count this request.
    Call inside the transaction of the write it guards."""
    limit = limit_for(action)
    now = timezone.now()
    _lock_address(hashed)
    day = list(
        Hit.objects.filter(action=action, ip_hash=hashed, created_at__gte=now - timedelta(days=1))
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(day) >= limit.per_day:
        wait = day[len(day) - limit.per_day] + timedelta(days=1) - now
        raise RateLimited(
            f"С вашего адреса за сутки слишком много {limit.what}: {len(day)}. Попробуйте завтра.",
            retry_after=max(int(wait.total_seconds()), 60),
        )
    hour = [t for t in day if t >= now - timedelta(hours=1)]
    if len(hour) >= limit.per_hour:
        wait = hour[len(hour) - limit.per_hour] + timedelta(hours=1) - now
        minutes = max(int(wait.total_seconds() // 60) + 1, 1)
        raise RateLimited(
            f"С вашего адреса за последний час слишком много {limit.what}: {len(hour)}. "
            f"Попробуйте снова через {minutes} мин.",
            retry_after=minutes * 60,
        )
    Hit.objects.create(action=action, ip_hash=hashed, created_at=now)
