"""E-mail intake against a real IMAP server (dovecot on loopback), not a mock."""

from __future__ import annotations

import imaplib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from otklik.cases.models import Case
from otklik.intake.email.services import ImapConfig, MailboxError, poll_mailbox
from tests.factories import MunicipalityFactory
from tests.intake import dovecot

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def imap():
    # Not under pytest's own temporary folder: dovecot's unprivileged processes must reach the files.
    root = Path(tempfile.mkdtemp(prefix="otklik-dovecot-"))
    server, process = dovecot.start(root)
    yield server
    dovecot.stop(process)
    shutil.rmtree(root, ignore_errors=True)


def config(server, **overrides):
    values = {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "password": server.password,
        "ssl": False,
        "municipality": "kotelnikovo",
    }
    values.update(overrides)
    return ImapConfig(**values)


def deliver(server, msg):
    box = imaplib.IMAP4(server.host, server.port)
    box.login(server.user, server.password)
    box.append("INBOX", None, None, msg.as_bytes())
    box.logout()


def flags(server):
    box = imaplib.IMAP4(server.host, server.port)
    box.login(server.user, server.password)
    box.select("INBOX")
    _, data = box.fetch("1:*", "(FLAGS)")
    box.logout()
    return [line.decode() for line in data if line]


def text_letter(subject, body, mid, sender="Петров Иван <petrov@example.ru>"):
    msg = MIMEText(body, "plain", "utf-8")
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, "mcu@example.ru", subject, mid
    msg["Date"] = "Mon, 23 Nov 2026 10:15:00 +0300"
    return msg


def with_attachment():
    msg = MIMEMultipart()
    msg["From"], msg["Subject"], msg["Message-ID"] = (
        "Сидорова Анна <anna@example.ru>",
        "Жалоба",
        "<m2@example.ru>",
    )
    msg.attach(MIMEText("Прошу разобраться, скан жалобы во вложении.", "plain", "utf-8"))
    pdf = MIMEApplication(PDF, "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename="жалоба.pdf")
    msg.attach(pdf)
    return msg


@pytest.mark.django_db(transaction=True)
def test_letters_become_appeals_once_and_are_marked_seen(imap):
    from otklik.org.services import sync_topics

    sync_topics()
    MunicipalityFactory(code="kotelnikovo")
    deliver(imap, text_letter("Нет воды", "Третий день нет воды на ул. Ленина, 5.", "<m1@example.ru>"))
    deliver(imap, with_attachment())
    deliver(imap, text_letter("Пусто", "  ", "<m3@example.ru>"))

    result = poll_mailbox(config(imap))
    assert result.as_dict() == {"fetched": 3, "created": 2, "unchanged": 0, "rejected": 1}
    water = Case.objects.get(external_id="m1@example.ru")
    assert (water.channel, water.kind, water.author_email) == ("email", "appeal", "petrov@example.ru")
    assert water.title == "Нет воды" and water.registration_number.startswith("ОГ-")
    assert water.topic.code == "housing"
    complaint = Case.objects.get(external_id="m2@example.ru")
    [attachment] = complaint.attachments.all()
    assert attachment.name == "жалоба.pdf" and attachment.file.read() == PDF
    states = flags(imap)
    assert all("\\Seen" in s for s in states)
    assert sum("\\Flagged" in s for s in states) == 1  # the empty letter waits for a person

    assert poll_mailbox(config(imap)).as_dict() == {"fetched": 0, "created": 0, "unchanged": 0, "rejected": 0}
    # The same letter delivered again (a resend, or a crash before it was marked seen) is not taken twice.
    deliver(imap, text_letter("Нет воды", "Третий день нет воды на ул. Ленина, 5.", "<m1@example.ru>"))
    assert poll_mailbox(config(imap)).as_dict() == {"fetched": 1, "created": 0, "unchanged": 1, "rejected": 0}
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_done_folder_and_limit(imap):
    MunicipalityFactory(code="kotelnikovo")
    for n in range(3):
        deliver(imap, text_letter(f"Письмо {n}", f"Текст письма номер {n}", f"<n{n}@example.ru>"))
    first = poll_mailbox(config(imap, done_folder="Обработано"), limit=2)
    assert first.created == 2
    assert poll_mailbox(config(imap, done_folder="Обработано")).created == 1
    box = imaplib.IMAP4(imap.host, imap.port)
    box.login(imap.user, imap.password)
    assert box.select("INBOX")[1] == [b"0"]
    box.logout()


@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_a_clear_error(imap):
    MunicipalityFactory(code="kotelnikovo")
    with pytest.raises(MailboxError, match="Не удалось войти"):
        poll_mailbox(config(imap, password="wrong"))
    with pytest.raises(MailboxError, match="не настроен"):
        poll_mailbox(config(imap, host=""))


def test_cli_poll_prints_the_json_summary(imap, tmp_path):
    otklik = str(Path(sys.executable).with_name("otklik"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "OTKLIK_VAR_DIR": str(tmp_path),
        "OTKLIK_IMAP_HOST": imap.host,
        "OTKLIK_IMAP_PORT": str(imap.port),
        "OTKLIK_IMAP_USER": imap.user,
        "OTKLIK_IMAP_PASSWORD": imap.password,
        "OTKLIK_IMAP_SSL": "false",
        "OTKLIK_MUNICIPALITY": "kotelnikovo",
    }
    assert subprocess.run([otklik, "migrate"], env=env, capture_output=True, timeout=300).returncode == 0
    assert subprocess.run([otklik, "demo", "load"], env=env, capture_output=True, timeout=300).returncode == 0
    deliver(imap, text_letter("Нет света", "Нет света в х. Майоровском", "<cli@example.ru>"))
    result = subprocess.run([otklik, "email", "poll"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "fetched": 1,
        "created": 1,
        "unchanged": 0,
        "rejected": 0,
    }
    env["OTKLIK_IMAP_PASSWORD"] = "wrong"
    failed = subprocess.run([otklik, "email", "poll"], env=env, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1 and "Не удалось войти" in failed.stderr
