"""The WSGI application (gunicorn's `otklik.wsgi:application`).

A call authenticated by an API token (`/api/…` with `Authorization: Bearer …`) goes through a shorter
middleware chain, `API_TOKEN_MIDDLEWARE`: the security headers, the refusal of NUL characters and the
common checks stay; the session, CSRF, locale (Russian only), messages, the second factor, the
municipality's time zone and the login lock-out go — each is about a person's session in a browser,
none of them is read by a token's call (the token is checked by the API itself, after the middleware,
and a session user's time zone never applied to it). On a case created over the API that chain was
≈ 5 % of the web process's CPU. Every other request goes through the whole `MIDDLEWARE`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
_full = get_wsgi_application()


def _token_handler() -> Any:
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    whole = settings.MIDDLEWARE
    settings.MIDDLEWARE = settings.API_TOKEN_MIDDLEWARE  # read once, by the handler's constructor
    try:
        return WSGIHandler()
    finally:
        settings.MIDDLEWARE = whole


_token = _token_handler()


def is_token_call(environ: dict[str, Any]) -> bool:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    return environ.get("PATH_INFO", "").startswith("/api/") and auth[:7].lower() == "bearer "


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    handler = _token if is_token_call(environ) else _full
    return handler(environ, start_response)  # type: ignore[no-any-return]
