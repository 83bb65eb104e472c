"""Retention of personal data (152-ФЗ): when the storage term of a finished case has passed, its
author's data, attachments and unmasked texts are removed; the anonymised case stays for statistics
(topic, place, dates, status, the masked text). Logs holding personal data are trimmed too.

`otklik purge [--dry-run]` runs it; an installation runs it daily (cron or systemd timer).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases.models import FINAL_STATUSES, Answer, Attachment, Case

BATCH = 200


def _due_cases(now: datetime, days: int) -> Any:
    return Case.objects.filter(
        status__in=FINAL_STATUSES,
        closed_at__lt=now - timedelta(days=days),
        personal_data_removed_at__isnull=True,
    ).order_by("pk")


def _anonymise(case: Case, now: datetime) -> int:
    """Remove one case's personal data; returns the number of files removed."""
    from otklik.nlp.pii import mask_personal_data
    from otklik.quality.models import Rating

    masked = case.text_masked or mask_personal_data(case.text)
    case.author_name = case.author_email = case.author_phone = case.author_address = ""
    case.co_authors = []
    case.text = masked or "—"
    case.text_masked = masked
    case.title = mask_personal_data(case.title) if case.title else ""
    case.raw_payload = {"personal_data_removed": True}
    case.personal_data_removed_at = now
    case.save(
        update_fields=[
            "author_name",
            "author_email",
            "author_phone",
            "author_address",
            "co_authors",
            "text",
            "text_masked",
            "title",
            "raw_payload",
            "personal_data_removed_at",
            "updated_at",
        ]
    )
    for answer in Answer.objects.filter(case=case):
        answer.text = mask_personal_data(answer.text) or "—"
        answer.save(update_fields=["text", "updated_at"])
    for rating in Rating.objects.filter(case=case).exclude(comment=""):
        rating.comment = mask_personal_data(rating.comment)
        rating.save(update_fields=["comment"])
    files = 0
    for attachment in Attachment.objects.filter(case=case):
        attachment.file.delete(save=False)
        attachment.delete()
        files += 1
    return files


def purge(
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    pd_days: int | None = None,
    log_days: int | None = None,
) -> dict[str, int]:
    """Remove what the retention terms say; returns what was (or, with dry_run, would be) removed."""
    from otklik.audit.models import PersonalDataAccess
    from otklik.intake.models import ImportRejection, WebSubmission
    from otklik.quality.models import AuthorLetter, SatisfactionSurvey

    now = now or timezone.now()
    pd_days = settings.OTKLIK_PD_RETENTION_DAYS if pd_days is None else pd_days
    log_days = settings.OTKLIK_LOG_RETENTION_DAYS if log_days is None else log_days
    log_edge = now - timedelta(days=log_days)
    pd_edge = now - timedelta(days=pd_days)
    logs = {
        "access_log": PersonalDataAccess.objects.filter(at__lt=log_edge),
        "import_rejections": ImportRejection.objects.filter(batch__started_at__lt=log_edge),
        # the rate limit needs a day of history; the hashed addresses go after a month
        "web_submissions": WebSubmission.objects.filter(created_at__lt=now - timedelta(days=30)),
        "author_letters": AuthorLetter.objects.filter(created_at__lt=pd_edge),
        "surveys": SatisfactionSurvey.objects.filter(created_at__lt=pd_edge, rating__isnull=True),
    }
    report = {"cases": _due_cases(now, pd_days).count(), "files": 0}
    report.update({name: qs.count() for name, qs in logs.items()})
    if dry_run:
        return report
    report["files"] = 0
    while True:
        batch = list(_due_cases(now, pd_days)[:BATCH])
        if not batch:
            break
        with transaction.atomic():
            for case in batch:
                report["files"] += _anonymise(case, now)
    for qs in logs.values():
        qs.delete()
    record("retention.purge", actor_label="otklik purge", after=report)
    return report
