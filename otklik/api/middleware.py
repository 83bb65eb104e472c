"""Middleware of the API token's shorter chain (otklik.wsgi)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse


class AnonymousUntilTokenMiddleware:
    """`request.user` is nobody until the API checks the token (no session is read on this chain): a
    wrong token is then refused as without a session, with 401."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = AnonymousUser()
        return self.get_response(request)


class FixedPolicyCSPMiddleware:
    """django-csp's Content-Security-Policy headers on the API's answers, built once for the settings in
    force. django-csp builds the policy anew at every response (≈ 2.5 % of a token call's CPU), for the
    views that change it or put a nonce in it; an API answer does neither (no decorator, no template), so
    its policy is the same every time. Set as django-csp sets it: not over a header the response has,
    not on a response marked exempt, not under a prefix the settings exclude."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._source: tuple[Any, Any] | None = None  # the two settings the policies were built from
        self._built: list[tuple[str, str, tuple[str, ...], str]] = []

    def _policies(self) -> list[tuple[str, str, tuple[str, ...], str]]:
        """(header, policy, excluded prefixes, exemption flag) of each policy the settings give; built
        again only when a setting is another object (tests override them)."""
        source = (
            getattr(settings, "CONTENT_SECURITY_POLICY", None),
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None),
        )
        if self._source is None or any(a is not b for a, b in zip(source, self._source, strict=True)):
            enforced, report_only = source[0] or {}, source[1] or {}
            self._built = [
                (header, policy, tuple(config.get("EXCLUDE_URL_PREFIXES") or ()), flag)
                for header, config, flag, policy in (
                    (HEADER, enforced, "_csp_exempt", build_policy()),
                    (HEADER_REPORT_ONLY, report_only, "_csp_exempt_ro", build_policy(report_only=True)),
                )
                if policy
            ]
            self._source = source
        return self._built

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):  # Django's debug pages: as django-csp
            return response
        for header, policy, excluded, flag in self._policies():
            if (
                header not in response
                and getattr(response, flag, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[header] = policy
        return response
