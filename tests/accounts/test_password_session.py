"""Password policy on the password change page, session expiry, secure cookies and headers, CSRF."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from otklik.audit.models import AuditEvent
from tests.factories import UserFactory

PASSWORD = "correct-horse-42"


@pytest.mark.real_hashers
@pytest.mark.django_db
def test_passwords_are_stored_with_argon2():
    user = UserFactory()
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.django_db
def test_password_page_shows_the_policy(client):
    client.force_login(UserFactory())
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "Требования к паролю" in page
    assert "10 символов" in page
    assert "только из цифр" in page


@pytest.mark.django_db
def test_short_or_common_password_is_refused_in_russian(client):
    user = UserFactory()
    client.force_login(user)
    data = {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    response = client.post(reverse("accounts:password_change"), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "слишком короткий" in text.lower() or "как минимум 10" in text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_wrong_current_password_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    new = "Volga-river-2026"
    data = {"old_password": "not-it", "new_password1": new, "new_password2": new}
    response = client.post(reverse("accounts:password_change"), data)
    assert "Текущий пароль введён неверно" in response.content.decode()


@pytest.mark.django_db
def test_password_change_keeps_the_session_and_is_audited(client):
    user = UserFactory()
    client.force_login(user)
    new = "Volga-river-2026"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = client.post(reverse("accounts:password_change"), data)
    assert response["Location"] == reverse("accounts:account")
    assert client.get(reverse("home")).status_code == 200
    user.refresh_from_db()
    assert user.check_password(new)
    assert AuditEvent.objects.filter(action="user.password_change", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_login_session_lasts_the_configured_time_and_ends_with_the_browser(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert cookie["httponly"]
    session = Session.objects.get(session_key=cookie.value)
    lifetime = session.expire_date - timezone.now()
    assert (
        timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
        < lifetime
        <= timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )


@pytest.mark.django_db
def test_expired_session_leads_back_to_the_login(client):
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_https_setting_turns_on_secure_cookies_hsts_and_the_redirect():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'otklik.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER[0])"
    )
    env = {**os.environ, "OTKLIK_HTTPS": "true"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True", "31536000", "HTTP_X_FORWARDED_PROTO"]


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True)
def test_https_responses_carry_hsts_and_plain_http_is_redirected(client):
    assert client.get(reverse("login"), secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    response = client.get(reverse("login"))
    assert response.status_code == 301 and response["Location"].startswith("https://")


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get(reverse("login"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.django_db
def test_forms_refuse_a_post_without_the_csrf_token():
    user = UserFactory()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 403
    strict.force_login(user)
    assert strict.post(reverse("accounts:password_change"), {}).status_code == 403
    assert strict.post(reverse("logout")).status_code == 403


@pytest.mark.django_db
def test_api_with_a_session_needs_the_csrf_token_too():
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory(is_superuser=True))
    response = strict.post("/api/v1/cases", {"text": "x"}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    # A call that presents a token is the token's: a wrong one is refused as such, the session not tried.
    response = strict.post(
        "/api/v1/cases", {"text": "x"}, content_type="application/json", HTTP_AUTHORIZATION="Bearer otk_x"
    )
    assert response.status_code == 401


def test_only_token_authenticated_endpoints_skip_the_csrf_middleware():
    from django.urls import URLResolver, get_resolver

    def walk(resolver, prefix=""):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.callback

    exempt = {path for path, view in walk(get_resolver()) if getattr(view, "csrf_exempt", False)}
    # The API checks CSRF itself for session logins (ninja's django_auth); Open311 takes an api_key.
    assert all(path.startswith(("api/v1/", "open311/v2/")) for path in exempt), exempt
