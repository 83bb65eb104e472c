"""Middleware of the API token's shorter chain (otklik.wsgi)."""

from __future__ import annotations

from collections.abc import Callable

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
