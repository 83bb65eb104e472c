"""Letters to a case's author through the outbox (`AuthorLetter`): the answer, the request to rate it, the
reminder.

A letter is written into the outbox in the transaction that decides to send it — its unique key makes it
exist once however often, and by however many workers, the decision is taken — and is delivered right
after the commit; what the mail server refused is tried again by `otklik worker` with growing pauses.
Delivery claims a letter with a conditional update before talking to the server, so two workers never
send the same letter; a crash between the claim and the server's answer is retried after the pause.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from otklik.cases.models import Answer, Case, Channel, Kind
from otklik.quality.models import AuthorLetter

log = logging.getLogger(__name__)

#: Pauses before the next attempt after the 1st, 2nd, … failed one; then the letter is given up.
RETRY_PAUSES = (
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=12),
    timedelta(days=1),
)
MAX_ATTEMPTS = len(RETRY_PAUSES) + 1
#: Channels whose authors get the answer where they wrote (the platform, the social network), not by us.
ANSWERED_ELSEWHERE = {Channel.POS, Channel.INCIDENT}


def local_date(moment: datetime | None, case: Case) -> str:
    return f"{timezone.localtime(moment, case.municipality.tz):%d.%m.%Y}" if moment else "—"


def case_label(case: Case) -> str:
    return f"№ {case.registration_number}" if case.registration_number else "без номера"


def tracking_link(case: Case) -> str:
    return f"{settings.OTKLIK_BASE_URL}/track/{case.tracking_token}/" if case.tracking_token else ""


def signature(case: Case) -> str:
    return f"{case.municipality.name}, муниципальный центр управления"


def queue_letter(
    case: Case, kind: str, key: str, subject: str, body: str, *, now: datetime | None = None
) -> tuple[AuthorLetter, bool]:
    """Put a letter to the case's author into the outbox unless one with this key is there already.

    Returns (the letter, whether it is new). Call it inside the transaction that decides to write;
    `deliver_after_commit` sends it as soon as that transaction commits.
    """
    existing = AuthorLetter.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    try:
        with transaction.atomic():
            letter = AuthorLetter.objects.create(
                case=case,
                kind=kind,
                key=key[:100],
                to=case.author_email,
                subject=subject[:300],
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
    except IntegrityError:  # another worker wrote it a moment ago
        return AuthorLetter.objects.get(key=key[:100]), False
    return letter, True


def deliver_after_commit(letter: AuthorLetter) -> None:
    """Send the letter once the current transaction commits; a failure is left to the worker's retries."""
    pk = letter.pk
    transaction.on_commit(lambda: deliver([pk]), robust=True)


def deliver(letter_ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Send the given letters that are still due; each one is claimed first, so it goes out once."""
    sent = failed = 0
    connection = None
    for pk in letter_ids:
        moment = now or timezone.now()
        letter = AuthorLetter.objects.filter(
            pk=pk, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=moment
        ).first()
        if letter is None:
            continue
        pause = RETRY_PAUSES[min(letter.attempts, len(RETRY_PAUSES) - 1)]
        # Claimed as sent before it goes out: a crash or a lost connection after the send can't make
        # it go out twice; a failed send gives the claim back for the next attempt.
        claimed = AuthorLetter.objects.filter(pk=pk, sent_at__isnull=True, attempts=letter.attempts).update(
            attempts=letter.attempts + 1, next_attempt_at=moment + pause, sent_at=moment
        )
        if claimed != 1:
            continue  # another worker has it
        connection = connection or get_connection(fail_silently=False)
        message = EmailMessage(
            subject=letter.subject,
            body=letter.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[letter.to],
            connection=connection,
            headers={"X-Otklik-Letter": str(letter.pk)},
        )
        try:
            message.send()
        except Exception as exc:
            failed += 1
            AuthorLetter.objects.filter(pk=pk).update(sent_at=None, error=str(exc)[:500])
            log.warning("letter %s to the author of case %s failed: %s", pk, letter.case_id, exc)
            continue
        sent += 1
        AuthorLetter.objects.filter(pk=pk).update(error="")
    return {"sent": sent, "failed": failed}


def send_pending_letters(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """The worker's job: send the letters that are due (new ones not sent after their commit, retries)."""
    now = now or timezone.now()
    ids = list(
        AuthorLetter.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliver(ids, now=now)


# --- the answer -------------------------------------------------------------------------------------


def answer_letter(answer: Answer) -> tuple[str, str]:
    case = answer.case
    link = tracking_link(case)
    files = answer.attachments.count() if answer.pk else 0
    lines = [
        "Здравствуйте!",
        "",
        f"На ваше обращение {case_label(case)} от {local_date(case.received_at, case)} "
        f"дан ответ ({local_date(answer.sent_at, case)}):",
        "",
        answer.text.strip(),
        "",
    ]
    if files:
        lines.append(
            f"К ответу приложены файлы ({files}): их можно скачать по ссылке ниже."
            if link
            else f"К ответу приложены файлы ({files}): их направят вам отдельно."
        )
    if link:
        lines.append(f"Ответ и ход рассмотрения — по ссылке: {link}")
        lines.append("Не пересылайте эту ссылку посторонним: по ней виден текст вашего обращения.")
    lines += ["", signature(case)]
    return f"Ответ на ваше обращение {case_label(case)}", "\n".join(lines)


def send_answer_to_author(answer: Answer) -> AuthorLetter | None:
    """E-mail a sent answer to the case's author (with the tracking link when the case has one).

    Once per answer: a second call — by a retry, a second worker, a double click — finds the letter of
    the first and sends nothing. Nothing is sent (None) for a draft, a case without the author's e-mail,
    or a ПОС message or social-media incident (their authors read the answer where they wrote). The
    letter goes out after the caller's transaction commits; the worker retries a refused one.
    """
    if answer.sent_at is None:
        return None
    case = Case.objects.select_related("municipality").get(pk=answer.case_id)
    if not case.author_email or case.channel in ANSWERED_ELSEWHERE or case.kind == Kind.INCIDENT:
        return None
    answer.case = case
    subject, body = answer_letter(answer)
    letter, created = queue_letter(case, AuthorLetter.Kind.ANSWER, f"answer:{answer.pk}", subject, body)
    if created:
        deliver_after_commit(letter)
    return letter
