"""Template helpers of the participation pages: shares as percentages, bar widths without inline styles
(the CSP forbids them: a bar gets one of the classes bar-0 … bar-100, in steps of 5), navigation."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.4286 → «42,9 %»; None → «—»."""
    if value is None:
        return "—"
    text = f"{value * 100:.{digits}f}".replace(".", ",")
    return f"{text}\u00a0%"


@register.filter
def percent_step(value: float | None) -> int:
    """A share as the nearest multiple of 5 percent: the width class of its bar."""
    if not value:
        return 0
    return max(5, min(100, round(value * 20) * 5))


@register.simple_tag
def participation_nav(user: Any) -> dict[str, Any]:
    """Whether the staff navigation shows «Участие» (and the moderation queue's size) and «Публикации»."""
    from otklik.participation import permissions as participation
    from otklik.participation.selectors import pending_count
    from otklik.publications import permissions as publications

    if not getattr(user, "is_authenticated", False):
        return {"participation": False, "publications": False, "pending": 0}
    manage = participation.can_manage(user)
    return {
        "participation": manage,
        "pending": pending_count(user) if manage else 0,
        "publications": publications.can_use(user),
    }
