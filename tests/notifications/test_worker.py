"""`otklik worker`: periodic jobs are queued once per slot and the queue is run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik import cli
from otklik.cases.models import Status
from otklik.notifications.models import Notification, PeriodicRun
from otklik.notifications.worker import enqueue_due_jobs
from tests.factories import CaseFactory, UserFactory


@pytest.mark.django_db
def test_each_job_is_queued_once_per_slot(settings):
    settings.OTKLIK_DIGEST_HOUR = 0
    now = timezone.now()
    first = enqueue_due_jobs(now)
    assert set(first) == {
        "watch_deadlines",
        "daily_digest",
        "send_surveys",
        "remind_surveys",
        "send_author_letters",
        "attach_problem_cases",
        "escalate_measures",
        "propose_problems",
        "close_participation",
        "publish_posts",
        "compact_tallies",
        "weekly_summary",
        "monthly_reports",
        "send_emails",
    }
    assert enqueue_due_jobs(now) == []  # a second worker in the same slot queues nothing
    later = enqueue_due_jobs(now + timedelta(seconds=settings.OTKLIK_WATCH_INTERVAL + 1))
    assert "watch_deadlines" in later and "daily_digest" not in later
    assert PeriodicRun.objects.filter(job="daily_digest").count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_the_watch_from_the_queue(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = UserFactory(email="spec@example.ru")
    case = CaseFactory(
        owner=owner,
        status=Status.IN_PROGRESS,
        received_at=timezone.now() - timedelta(days=30),
        due_at=timezone.now() - timedelta(days=1),
    )
    assert cli.main(["worker", "--once"]) == 0
    assert Notification.objects.filter(user=owner, case=case, kind="overdue").exists()
    from django.core import mail

    assert any("Просрочено" in m.subject for m in mail.outbox)
    assert cli.main(["worker", "--once"]) == 0  # same slot: nothing new
    assert Notification.objects.filter(user=owner, kind="overdue").count() == 1


def test_worker_rejects_a_bad_interval(capsys):
    assert cli.main(["worker", "--interval", "0"]) == 1
    assert "--interval" in capsys.readouterr().err
