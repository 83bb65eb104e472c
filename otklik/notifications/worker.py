"""`otklik worker`: puts the periodic jobs on the task queue when their slot comes, and runs the queue."""

from __future__ import annotations

import logging
import signal
import socket
import time
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from otklik.notifications.services import claim_slot, slot_of

log = logging.getLogger("otklik.worker")


def enqueue_due_jobs(now: datetime | None = None) -> list[str]:
    """Enqueue each periodic job whose current slot has not been claimed by any worker yet."""
    from otklik.cases.tasks import (
        attach_problem_cases_task,
        close_participation_task,
        compact_tallies_task,
        daily_digest_task,
        escalate_measures_task,
        monthly_reports_task,
        poll_mailbox_task,
        propose_problems_task,
        publish_posts_task,
        remind_surveys_task,
        send_author_letters_task,
        send_emails_task,
        send_surveys_task,
        watch_deadlines_task,
        weekly_summary_task,
    )

    now = now or timezone.now()
    interval = settings.OTKLIK_WATCH_INTERVAL
    queued = []
    if claim_slot("watch_deadlines", slot_of(now, interval)):
        watch_deadlines_task.enqueue()
        queued.append("watch_deadlines")
    local = timezone.localtime(now)
    if local.hour >= settings.OTKLIK_DIGEST_HOUR and claim_slot("daily_digest", local.date().isoformat()):
        daily_digest_task.enqueue()
        queued.append("daily_digest")
    if settings.OTKLIK_IMAP_HOST and claim_slot("poll_mailbox", slot_of(now, settings.OTKLIK_IMAP_INTERVAL)):
        poll_mailbox_task.enqueue()
        queued.append("poll_mailbox")
    # Residents: ask to rate the answers of closed cases, remind once, send what the outbox still holds.
    if claim_slot("send_surveys", slot_of(now, interval)):
        send_surveys_task.enqueue()
        queued.append("send_surveys")
    if claim_slot("remind_surveys", slot_of(now, 3600)):
        remind_surveys_task.enqueue()
        queued.append("remind_surveys")
    if claim_slot("send_author_letters", slot_of(now, min(interval, 60))):
        send_author_letters_task.enqueue()
        queued.append("send_author_letters")
    # Recurring problems: new messages join confirmed problems, overdue measures are escalated, and every
    # morning (with the digest) the search for candidate problems runs.
    if claim_slot("attach_problem_cases", slot_of(now, interval)):
        attach_problem_cases_task.enqueue()
        queued.append("attach_problem_cases")
    if claim_slot("escalate_measures", slot_of(now, interval)):
        escalate_measures_task.enqueue()
        queued.append("escalate_measures")
    if local.hour >= settings.OTKLIK_DIGEST_HOUR and claim_slot("propose_problems", local.date().isoformat()):
        propose_problems_task.enqueue()
        queued.append("propose_problems")
    # Participation: polls and discussions whose period has ended are closed; approved posts whose time
    # has come go out through the publication sender.
    if claim_slot("close_participation", slot_of(now, interval)):
        close_participation_task.enqueue()
        queued.append("close_participation")
    if claim_slot("publish_posts", slot_of(now, min(interval, 60))):
        publish_posts_task.enqueue()
        queued.append("publish_posts")
    # Reports: the heads' summary of last week on the first pass of each week after the digest hour, and
    # the blocks' reports of last month on the first pass of each month (a worker that was down catches up).
    if local.hour >= settings.OTKLIK_DIGEST_HOUR:
        week = local.isocalendar()
        if claim_slot("weekly_summary", f"{week.year}-W{week.week:02d}"):
            weekly_summary_task.enqueue()
            queued.append("weekly_summary")
        if claim_slot("monthly_reports", f"{local:%Y-%m}"):
            monthly_reports_task.enqueue()
            queued.append("monthly_reports")
    # The dashboard's tally: the triggers' delta folded in (PostgreSQL; nothing to do on SQLite).
    if claim_slot("compact_tallies", slot_of(now, min(interval, 60))):
        compact_tallies_task.enqueue()
        queued.append("compact_tallies")
    # E-mail goes out after the jobs that create notifications (same batch, queue order).
    if claim_slot("send_emails", slot_of(now, min(interval, 60))):
        send_emails_task.enqueue()
        queued.append("send_emails")
    return queued


def requeue_stale_tasks(now: datetime | None = None) -> int:
    """Tasks still "running" `OTKLIK_TASK_STALE_MINUTES` after they started lost their worker (killed, its
    machine restarted): put them back on the queue so that a worker runs them again. The tasks are safe to
    run twice: letters and e-mails are claimed one by one before sending, a report run restarts only when
    it is abandoned too. Returns how many were put back."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.OTKLIK_TASK_STALE_MINUTES)
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    names = list(stale.values_list("task_path", flat=True)[:20])
    count = stale.update(status=TaskResultStatus.READY, started_at=None, run_after=now)
    if count:
        log.warning("worker: %d abandoned task(s) put back on the queue: %s", count, ", ".join(names))
    return count


def run_queue(worker_id: str | None = None) -> None:
    """Run every task waiting in the queue, then return."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=(worker_id or f"{socket.gethostname()}-worker")[:64],
        excluded_queue_names=[],
    ).run()


class _Stop:
    requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        log.info("worker: stopping after the current step")
        self.requested = True


def run_worker(*, once: bool = False, interval: float | None = None, **_: Any) -> None:
    stop = _Stop()
    if not once:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    pause = settings.OTKLIK_WATCH_INTERVAL if interval is None else interval
    pause = min(pause, 30)
    while True:
        close_old_connections()
        try:
            requeue_stale_tasks()
            queued = enqueue_due_jobs()
            if queued:
                log.info("worker: queued %s", ", ".join(queued))
            run_queue()
        except Exception:
            log.exception("worker: step failed, retrying")
            close_old_connections()
            if once:
                raise
        if once or stop.requested:
            return
        slept = 0.0
        while slept < pause and not stop.requested:
            time.sleep(1)
            slept += 1
        if stop.requested:
            return
