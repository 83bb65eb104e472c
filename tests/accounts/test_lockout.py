"""Lock-out after repeated failed logins (django-axes, database handler): per user name and address."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse

from otklik.audit.models import AuditEvent
from otklik.cli import main
from tests.factories import UserFactory

PASSWORD = "correct-horse-42"


def attempt(client, username, password, addr="127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr)


def fail_times(client, username, times, addr="127.0.0.1"):
    for _ in range(times):
        attempt(client, username, "wrong-password", addr)


@pytest.mark.django_db
def test_five_failures_lock_even_the_right_password_out_with_a_russian_page(client):
    user = UserFactory()
    fail_times(client, user.username, 5)
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Вход временно заблокирован" in text
    assert "30 минут" in text
    assert "otklik unlock" in text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_four_failures_still_let_the_right_password_in_and_the_count_starts_again(client):
    user = UserFactory()
    fail_times(client, user.username, 4)
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    client.post(reverse("logout"))
    fail_times(client, user.username, 4)
    assert attempt(client, user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_lock_holds_for_that_address_only(client):
    user = UserFactory()
    fail_times(client, user.username, 5, addr="10.0.0.5")
    assert attempt(client, user.username, PASSWORD, addr="10.0.0.5").status_code == 429
    assert attempt(client, user.username, PASSWORD, addr="10.0.0.6").status_code == 302


@pytest.mark.django_db
def test_lock_ends_after_the_cool_off_time(client):
    user = UserFactory()
    fail_times(client, user.username, 5)
    assert attempt(client, user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31)
    )
    assert attempt(client, user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=2)
def test_failure_limit_comes_from_the_setting(client):
    user = UserFactory()
    fail_times(client, user.username, 2)
    assert attempt(client, user.username, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_otklik_unlock_lifts_the_lock_and_is_audited(client, capsys):
    user = UserFactory(username="bykova")
    fail_times(client, "bykova", 5)
    assert attempt(client, "bykova", PASSWORD).status_code == 429
    assert main(["unlock", "bykova"]) == 0
    assert "Блокировка входа для «bykova» снята" in capsys.readouterr().out
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.filter(action="user.unlock", object_id="bykova").exists()
    assert attempt(client, user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_otklik_unlock_of_an_unknown_user_is_a_clear_error(capsys):
    assert main(["unlock", "nobody"]) == 1
    assert "пользователь «nobody» не найден" in capsys.readouterr().err


@pytest.mark.django_db
def test_admin_login_goes_through_the_same_login_page(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    # Posting to the admin's own form does not try the password (no way around the lock-out).
    response = client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_locked_admin_cannot_reach_the_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    fail_times(client, admin.username, 5)
    response = client.post(
        reverse("login") + "?next=/admin/", {"username": admin.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_lockout_settings_come_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'otklik.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), s.AXES_HANDLER)"
    )
    env = {**os.environ, "OTKLIK_LOGIN_FAILURES": "3", "OTKLIK_LOCKOUT_MINUTES": "45"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["3", "2700", "axes.handlers.database.AxesDatabaseHandler"]
