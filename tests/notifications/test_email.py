"""E-mail delivery against a real SMTP server on loopback (aiosmtpd), once per notification."""

from __future__ import annotations

import logging
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from otklik.notifications.models import Notification
from otklik.notifications.services import notify, send_pending_emails
from tests.factories import UserFactory


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings):
    # aiosmtpd logs from its own thread, which may outlive pytest's captured streams.
    logging.getLogger("mail.log").disabled = True
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.OTKLIK_BASE_URL = "https://mcu.example.ru"
    yield inbox
    controller.stop()


@pytest.mark.django_db
def test_notification_is_mailed_once_with_a_link(smtp):
    user = UserFactory(email="spec@example.ru")
    notify(user, "overdue", "overdue:1", "Просрочено: ОГ-25-00001", "Нет отопления", url="/cases/1/")
    assert send_pending_emails() == {"sent": 1, "failed": 0}
    assert send_pending_emails() == {"sent": 0, "failed": 0}
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "spec@example.ru"
    assert "Просрочено" in str(message["Subject"]) or "=?utf-8?" in str(message["Subject"]).lower()
    body = message.get_payload(decode=True).decode("utf-8")
    assert "Нет отопления" in body and "https://mcu.example.ru/cases/1/" in body
    assert Notification.objects.get().emailed_at is not None


@pytest.mark.django_db
def test_the_same_key_never_notifies_twice(smtp):
    user = UserFactory(email="spec@example.ru")
    assert notify(user, "overdue", "k", "Первое")[1] is True
    assert notify(user, "overdue", "k", "Второе")[1] is False
    send_pending_emails()
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_people_without_an_address_get_the_in_app_notice_only(smtp):
    user = UserFactory(email="")
    notify(user, "overdue", "k", "Без почты")
    assert send_pending_emails() == {"sent": 0, "failed": 0}
    assert Notification.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_down_mail_server_is_retried_later(settings, smtp):
    user = UserFactory(email="spec@example.ru")
    notify(user, "overdue", "k", "Повтор")
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert send_pending_emails() == {"sent": 0, "failed": 1}
    note = Notification.objects.get()
    assert note.emailed_at is None and note.email_attempts == 1 and note.email_error
    settings.EMAIL_PORT = real_port
    assert send_pending_emails() == {"sent": 1, "failed": 0}
    assert len(smtp.messages) == 1
