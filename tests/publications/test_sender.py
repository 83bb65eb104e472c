"""The publishing job: approved posts whose time has come go out through the sender — the file sender
(JSON in var/publications) or the webhook sender (checked against a local HTTP server) — once, with
retries after a failure."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from otklik.audit.models import AuditEvent
from otklik.org.models import Role
from otklik.publications import services
from otklik.publications.models import Post
from otklik.publications.senders import SenderError, WebhookSender
from tests.publications.helpers import post, staff

pytestmark = pytest.mark.django_db


def approved(municipality, *, when):
    officer = staff(municipality, Role.INCIDENT_OFFICER)
    p = services.transition(post(municipality, officer, when=when), "planned", actor=officer)
    return services.transition(p, "approved", actor=staff(municipality, Role.HEAD))


@pytest.fixture
def files(settings, tmp_path):
    settings.OTKLIK_PUBLICATION_SENDER = "otklik.publications.senders.FileSender"
    settings.OTKLIK_PUBLICATION_DIR = str(tmp_path)
    return tmp_path


def test_the_file_sender_publishes_approved_posts_whose_time_came(municipality, files):
    now = timezone.now()
    due = approved(municipality, when=now - timedelta(minutes=1))
    later = approved(municipality, when=now + timedelta(hours=1))
    draft = post(municipality, when=now - timedelta(hours=1))
    assert services.publish_due(now) == {"sent": 1, "failed": 0}
    (written,) = list(files.glob("*.json"))
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["id"] == due.pk and data["title"] == due.title and data["text"] == due.text
    assert data["page"] == {
        "name": "Администрация ВКонтакте",
        "network": "vk",
        "url": "https://vk.com/kotelnikovo_adm",
    }
    due.refresh_from_db()
    assert (due.status, due.published_url, due.published_by) == ("published", due.page.url, None)
    assert Post.objects.get(pk=later.pk).status == "approved"
    assert Post.objects.get(pk=draft.pk).status == "draft"
    event = AuditEvent.objects.get(action="publications.post_published", object_id=str(due.pk))
    assert event.actor_label == "публикация по расписанию"
    assert services.publish_due(now) == {"sent": 0, "failed": 0}  # once
    assert len(list(files.glob("*.json"))) == 1


def test_a_post_claimed_by_another_worker_is_not_sent_twice(municipality, files):
    now = timezone.now()
    due = approved(municipality, when=now - timedelta(minutes=1))
    Post.objects.filter(pk=due.pk).update(send_claimed_at=now - timedelta(minutes=1))
    assert services.publish_due(now) == {"sent": 0, "failed": 0}
    # A claim older than the timeout is a crashed worker's: the post goes out.
    assert services.publish_due(now + services.CLAIM_TIMEOUT + timedelta(minutes=2)) == {
        "sent": 1,
        "failed": 0,
    }


class Broken:
    def send(self, payload):
        raise SenderError("сервер ответил 502")


def test_a_failed_sending_is_retried_later_and_then_left_to_a_person(municipality, settings):
    settings.OTKLIK_PUBLICATION_SENDER = "tests.publications.test_sender.Broken"
    now = timezone.now()
    due = approved(municipality, when=now - timedelta(minutes=1))
    assert services.publish_due(now) == {"sent": 0, "failed": 1}
    due.refresh_from_db()
    assert (due.status, due.send_attempts, due.send_error) == ("approved", 1, "сервер ответил 502")
    assert due.next_attempt_at == now + timedelta(minutes=5) and due.send_claimed_at is None
    assert services.publish_due(now + timedelta(minutes=1)) == {"sent": 0, "failed": 0}  # waits for the pause
    moment = now
    for _ in range(4):
        moment += timedelta(hours=4)
        services.publish_due(moment)
    due.refresh_from_db()
    assert (due.send_attempts, due.next_attempt_at) == (5, None)
    assert services.publish_due(moment + timedelta(days=1)) == {"sent": 0, "failed": 0}


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict, dict]] = []
    status = 200
    answer = b'{"url": "https://vk.com/wall-123_456"}'

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), json.loads(body)))
        self.send_response(Receiver.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(Receiver.answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Receiver.received = []
    Receiver.status = 200
    httpd = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/hook"
    httpd.shutdown()
    httpd.server_close()


def test_the_webhook_sender_posts_json_and_keeps_the_link(municipality, settings, server):
    settings.OTKLIK_PUBLICATION_SENDER = "otklik.publications.senders.WebhookSender"
    settings.OTKLIK_PUBLICATION_WEBHOOK_URL = server
    settings.OTKLIK_PUBLICATION_WEBHOOK_TOKEN = "s3cret"
    now = timezone.now()
    due = approved(municipality, when=now - timedelta(minutes=1))
    assert services.publish_due(now) == {"sent": 1, "failed": 0}
    ((headers, body),) = Receiver.received
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["Content-Type"].startswith("application/json")
    assert (body["id"], body["title"], body["page"]["url"]) == (
        due.pk,
        due.title,
        "https://vk.com/kotelnikovo_adm",
    )
    due.refresh_from_db()
    assert (due.status, due.published_url) == ("published", "https://vk.com/wall-123_456")


def test_the_webhook_sender_reports_a_refusal(server):
    Receiver.status = 500
    with pytest.raises(SenderError, match="500"):
        WebhookSender(url=server, token="", timeout=5).send({"id": 1})


def test_the_webhook_sender_reports_an_unreachable_server():
    with pytest.raises(SenderError, match="недоступен"):
        WebhookSender(url="http://127.0.0.1:9/hook", token="", timeout=2).send({"id": 1})


def test_the_webhook_sender_needs_an_address():
    with pytest.raises(SenderError, match="OTKLIK_PUBLICATION_WEBHOOK_URL"):
        WebhookSender(url="", token="", timeout=2).send({"id": 1})
