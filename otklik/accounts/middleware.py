"""With OTKLIK_REQUIRE_2FA_FOR_ADMINS, staff and superusers work only in a session confirmed by a code."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from otklik.accounts.services import confirmed_device


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(settings, "OTKLIK_REQUIRE_2FA_FOR_ADMINS", False):
            user = getattr(request, "user", None)
            if (
                user is not None
                and user.is_authenticated
                and (user.is_staff or user.is_superuser)
                and not user.is_verified()
                and not self._exempt(request.path_info)
            ):
                if confirmed_device(user) is not None:
                    return redirect(f"{reverse('login_code')}?{urlencode({'next': request.get_full_path()})}")
                return redirect("accounts:otp_setup")
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        free = [
            reverse("accounts:otp_setup"),
            reverse("login_code"),
            reverse("logout"),
            reverse("login"),
            settings.STATIC_URL,
        ]
        return any(path.startswith(p) for p in free)
