"""Template tags of the quality app: the state of the phone-rating panel on the case page."""

from __future__ import annotations

from typing import Any

from django import template

from otklik.cases.models import Case
from otklik.quality.selectors import PhonePanel, phone_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def phone_rating_panel(context: dict[str, Any], case: Case) -> PhonePanel:
    """`{% phone_rating_panel case as panel %}`: may the user enter a phone rating, and is there one."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return phone_panel(user, case)
