"""Show times in the user's municipality's time zone (Municipality.timezone)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from otklik.org.selectors import role_assignments


class MunicipalityTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz = None
        for assignment in role_assignments(request.user):
            if assignment.municipality is not None:
                tz = assignment.municipality.tz
                break
        if tz is not None:
            timezone.activate(tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
