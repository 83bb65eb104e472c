"""Background tasks (Django tasks API): the deadline watch, e-mail delivery and the daily digest."""

from __future__ import annotations

from django_tasks import task

from otklik.cases import watch
from otklik.notifications.services import send_pending_emails


@task()
def watch_deadlines_task() -> dict[str, int]:
    return watch.watch_deadlines()


@task()
def send_emails_task() -> dict[str, int]:
    return send_pending_emails()


@task()
def daily_digest_task() -> int:
    return watch.send_daily_digests()


@task()
def poll_mailbox_task() -> dict[str, int]:
    from otklik.intake.email.services import poll_if_configured

    result = poll_if_configured()
    return result.as_dict() if result else {}


@task()
def send_surveys_task() -> dict[str, int]:
    from otklik.quality.surveys import send_surveys

    return send_surveys()


@task()
def remind_surveys_task() -> dict[str, int]:
    from otklik.quality.surveys import remind_surveys

    return remind_surveys()


@task()
def send_author_letters_task() -> dict[str, int]:
    from otklik.quality.delivery import send_pending_letters

    return send_pending_letters()


@task()
def propose_problems_task() -> dict[str, int]:
    from otklik.problems.services import propose_everywhere

    return propose_everywhere()


@task()
def attach_problem_cases_task() -> dict[str, int]:
    from otklik.problems.services import attach_matching_cases

    return attach_matching_cases()


@task()
def escalate_measures_task() -> dict[str, int]:
    from otklik.problems.watch import escalate_measures

    return escalate_measures()


@task()
def compact_tallies_task() -> dict[str, int]:
    from otklik.analytics.services import compact_tallies

    return compact_tallies()


@task()
def close_participation_task() -> dict[str, int]:
    from otklik.participation.services import close_expired, forget_old_requests

    return {**close_expired(), **forget_old_requests()}


@task()
def publish_posts_task() -> dict[str, int]:
    from otklik.publications.services import publish_due

    return publish_due()


@task()
def weekly_summary_task() -> dict[str, int]:
    from otklik.reports.services import send_weekly_summaries

    return send_weekly_summaries()


@task()
def monthly_reports_task() -> dict[str, int]:
    from otklik.reports.services import queue_monthly_block_reports

    return queue_monthly_block_reports()
