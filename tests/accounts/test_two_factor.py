"""The optional second factor (TOTP, django-otp): set-up with a QR code, the code step of the login, the
compulsory mode for administrators."""

from __future__ import annotations

import time

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from otklik.accounts.views import PENDING
from otklik.audit.models import AuditEvent
from tests.factories import UserFactory

PASSWORD = "correct-horse-42"


def code(device, shift=0):
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + shift)
    return f"{value:0{device.digits}d}"


def wrong(device):
    right = code(device)
    return next(
        c
        for c in (f"{(int(right) + n) % 10**6:06d}" for n in range(1, 50))
        if c not in {code(device, s) for s in (-1, 0, 1)}
    )


def user_with_device(**kwargs):
    user = UserFactory(**kwargs)
    device = TOTPDevice.objects.create(user=user, name="телефон", confirmed=True)
    return user, device


def password_step(client, user, next_url=""):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.username, "password": PASSWORD})


@pytest.mark.django_db
def test_user_without_a_device_logs_in_with_the_password_alone(client):
    user = UserFactory()
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_password_alone_is_not_enough_when_a_device_is_confirmed(client):
    user, _ = user_with_device()
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302
    page = client.get(reverse("login_code"))
    assert "Код подтверждения" in page.content.decode()


@pytest.mark.django_db
def test_right_code_logs_in_and_marks_the_session_verified(client):
    user, device = user_with_device()
    password_step(client, user, next_url="/cases/")
    response = client.post(reverse("login_code"), {"code": code(device)})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert PENDING not in client.session


@pytest.mark.django_db
def test_wrong_code_keeps_the_door_shut_with_a_clear_message(client):
    user, device = user_with_device()
    password_step(client, user)
    response = client.post(reverse("login_code"), {"code": wrong(device)})
    assert response.status_code == 400
    assert "Код не подошёл" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().failures_since_start == 1


@pytest.mark.django_db
def test_letters_in_the_code_are_refused_before_checking(client):
    user, _ = user_with_device()
    password_step(client, user)
    response = client.post(reverse("login_code"), {"code": "12ab56"})
    assert response.status_code == 400
    assert "только из цифр" in response.content.decode()


@pytest.mark.django_db
def test_wrong_codes_count_towards_the_lock_out(client):
    user, device = user_with_device()
    password_step(client, user)
    for _ in range(4):
        client.post(reverse("login_code"), {"code": wrong(device)})
    response = client.post(reverse("login_code"), {"code": wrong(device)})
    assert response.status_code == 429
    assert "Вход временно заблокирован" in response.content.decode()
    assert password_step(client, user).status_code == 429


@pytest.mark.django_db
def test_code_step_expires(client):
    user, device = user_with_device()
    password_step(client, user)
    session = client.session
    session[PENDING] = {**session[PENDING], "at": time.time() - 301}
    session.save()
    response = client.post(reverse("login_code"), {"code": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_code_step_without_a_password_sends_to_the_login(client):
    assert client.get(reverse("login_code"))["Location"] == reverse("login")


@pytest.mark.django_db
def test_setup_page_shows_a_server_drawn_qr_code_and_the_secret(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert "Ключ для ввода вручную" in page
    # The same secret on a second visit, until it is confirmed.
    client.get(reverse("accounts:otp_setup"))
    assert TOTPDevice.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_setup_is_confirmed_by_a_code_and_audited(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=user)
    refused = client.post(reverse("accounts:otp_setup"), {"code": wrong(device)})
    assert refused.status_code == 400 and "Код не подошёл" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post(reverse("accounts:otp_setup"), {"code": code(device)})
    assert response["Location"] == reverse("accounts:account")
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="user.2fa_enable", object_id=str(user.pk)).exists()
    account = client.get(reverse("accounts:account")).content.decode()
    assert "Включена" in account


@pytest.mark.django_db
def test_disabling_needs_a_current_code(client):
    user, device = user_with_device()
    client.force_login(user)
    client.post(reverse("accounts:otp_disable"), {"code": wrong(device)})
    assert TOTPDevice.objects.filter(user=user).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    client.post(reverse("accounts:otp_disable"), {"code": code(device)})
    assert not TOTPDevice.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_second_factor_is_optional_for_staff_by_default(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
@override_settings(OTKLIK_REQUIRE_2FA_FOR_ADMINS=True)
def test_required_second_factor_sends_staff_without_a_device_to_the_setup(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp_setup")
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert "обязательна" in page
    device = TOTPDevice.objects.get(user=admin)
    client.post(reverse("accounts:otp_setup"), {"code": code(device)})
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
@override_settings(OTKLIK_REQUIRE_2FA_FOR_ADMINS=True)
def test_required_second_factor_asks_staff_with_a_device_for_the_code(client):
    admin, device = user_with_device(is_staff=True)
    client.force_login(admin)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"] == reverse("login_code") + "?next=%2Fcases%2F"
    response = client.post(response["Location"], {"code": code(device)})
    assert response["Location"] == "/cases/"
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
@override_settings(OTKLIK_REQUIRE_2FA_FOR_ADMINS=True)
def test_required_second_factor_leaves_other_staff_alone_and_cannot_be_switched_off(client):
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200
    admin, device = user_with_device(is_superuser=True, is_staff=True)
    client.force_login(admin)
    client.post(reverse("login_code"), {"code": code(device)})
    client.post(reverse("accounts:otp_disable"), {"code": code(device, 1)})
    assert TOTPDevice.objects.filter(user=admin).exists()
