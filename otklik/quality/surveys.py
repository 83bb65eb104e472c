"""Asking the author to rate the answer after the case is closed, and reminding them once.

A survey is opened once per answer (the unique constraint on case + answer), when the case is closed
and has an answer that was sent, by the way the author wrote to us:

* the author gave an e-mail address → a letter with the link to the one-page form (`/rate/<token>/`);
* otherwise, the case has a tracking link → the tracking page shows the rating form (nothing is sent);
* ПОС messages are rated on the platform (the ratings arrive with the import), social-media incidents
  are not surveyed, and a case with neither an e-mail nor a tracking link cannot be asked.

Closing a case opens its survey right after the commit (`survey_after_close`); the worker's
`send_surveys` job catches up with everything else (a failed hook, cases closed by an import or the
API). `remind_surveys` sends a single reminder `reminder_after_days` after the letter when no rating
came — only by e-mail, never twice.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Answer, Case, Channel, Kind, Status
from otklik.quality.delivery import case_label, deliver, local_date, queue_letter, signature
from otklik.quality.models import AuthorLetter, Rating, SatisfactionSurvey
from otklik.quality.selectors import policy_for
from otklik.territory.models import Municipality

log = logging.getLogger(__name__)

#: Cases closed longer ago than this are not surveyed (nor, at the first run, the whole archive).
SURVEY_WITHIN_DAYS = 14
#: A reminder later than this many days after its due day is not sent any more (the worker was down).
REMIND_GRACE_DAYS = 7
BATCH = 200
NOT_SURVEYED_CHANNELS = (Channel.POS, Channel.INCIDENT)


def survey_delivery(case: Case) -> str | None:
    """How the author of this case is asked to rate the answer; None when they are not asked."""
    if case.channel in NOT_SURVEYED_CHANNELS or case.kind == Kind.INCIDENT:
        return None
    if case.author_email:
        return SatisfactionSurvey.Delivery.EMAIL
    if case.tracking_token:
        return SatisfactionSurvey.Delivery.LINK
    return None


def new_token() -> str:
    return secrets.token_urlsafe(24)


def survey_url(survey: SatisfactionSurvey) -> str:
    return f"{settings.OTKLIK_BASE_URL}{reverse('quality:form', args=[survey.token])}"


def survey_letter(survey: SatisfactionSurvey, *, reminder: bool = False) -> tuple[str, str]:
    case = survey.case
    label = case_label(case)
    if reminder:
        subject = f"Напоминание: оцените ответ на обращение {label}"
        opening = (
            f"Несколько дней назад мы просили вас оценить ответ на ваше обращение {label} "
            f"от {local_date(case.received_at, case)}. Оценки пока нет — если у вас найдётся минута, "
            "пожалуйста, ответьте:"
        )
        closing = "Это единственное напоминание: больше писем с этой просьбой не будет."
    else:
        subject = f"Оцените ответ на ваше обращение {label}"
        opening = (
            f"Рассмотрение вашего обращения {label} от {local_date(case.received_at, case)} завершено. "
            "Пожалуйста, оцените ответ — это одна короткая страница:"
        )
        closing = (
            "Устроил ли вас ответ, оценка от 1 до 5 и комментарий помогут нам работать лучше. "
            "Если ответ вас не устроил, обращение может быть рассмотрено повторно."
        )
    body = "\n".join(
        [
            "Здравствуйте!",
            "",
            opening,
            survey_url(survey),
            "",
            closing,
            "Не пересылайте эту ссылку посторонним.",
            "",
            signature(case),
        ]
    )
    return subject, body


def open_survey(case: Case, answer: Answer, *, now: datetime | None = None) -> SatisfactionSurvey | None:
    """Open the survey of a closed case's answer and put its letter into the outbox (e-mail delivery).

    None when the case is not to be surveyed, the answer is already rated, or a survey of this answer
    exists (another worker, a rerun). Call inside a transaction; deliver the letter after the commit.
    """
    delivery = survey_delivery(case)
    if delivery is None or case.status != Status.CLOSED or answer.sent_at is None:
        return None
    if Rating.objects.filter(case=case, answer=answer).exists():
        return None
    now = now or timezone.now()
    try:
        with transaction.atomic():
            survey = SatisfactionSurvey.objects.create(
                case=case, answer=answer, token=new_token(), delivery=delivery, created_at=now, sent_at=now
            )
    except IntegrityError:  # the survey of this answer exists already
        return None
    survey.case = case
    if delivery == SatisfactionSurvey.Delivery.EMAIL:
        subject, body = survey_letter(survey)
        queue_letter(case, AuthorLetter.Kind.SURVEY, f"survey:{survey.pk}", subject, body, now=now)
    return survey


def _letters_of(surveys: list[SatisfactionSurvey], kind: str) -> list[int]:
    keys = [f"{'survey' if kind == AuthorLetter.Kind.SURVEY else 'survey-reminder'}:{s.pk}" for s in surveys]
    return list(AuthorLetter.objects.filter(key__in=keys, sent_at__isnull=True).values_list("pk", flat=True))


def survey_after_close(case_id: int) -> None:
    """The close hook: open the case's survey once the closing transaction has committed."""
    transaction.on_commit(lambda: _survey_closed_case(case_id), robust=True)


def _survey_closed_case(case_id: int) -> None:
    case = Case.objects.select_related("municipality").filter(pk=case_id).first()
    if case is None:
        return
    answer = case.answers.filter(sent_at__isnull=False).order_by("-sent_at", "-pk").first()
    if answer is None:
        return
    with transaction.atomic():
        survey = open_survey(case, answer)
    if survey is not None:
        deliver(_letters_of([survey], AuthorLetter.Kind.SURVEY))


def _latest_sent_answer(case: str) -> Subquery:
    """The id of the latest sent answer of the case referred to by `case` (an outer field)."""
    return Subquery(
        Answer.objects.filter(case=OuterRef(case), sent_at__isnull=False)
        .order_by("-sent_at", "-pk")
        .values("pk")[:1]
    )


def _sent_request() -> QuerySet[AuthorLetter]:
    """The survey's own request letter (the outer survey's key), sent."""
    key = Concat(Value("survey:"), Cast(OuterRef("pk"), output_field=CharField()))
    return AuthorLetter.objects.filter(key=key, sent_at__isnull=False)


def surveys_due(now: datetime, limit: int = BATCH) -> list[Case]:
    """Closed cases whose latest sent answer has neither a survey nor a rating yet (bounded, oldest first)."""
    cases = (
        Case.objects.filter(status=Status.CLOSED, closed_at__gte=now - timedelta(days=SURVEY_WITHIN_DAYS))
        .exclude(channel__in=NOT_SURVEYED_CHANNELS)
        .exclude(kind=Kind.INCIDENT)
        .filter(~Q(author_email="") | Q(tracking_token__isnull=False))
        .annotate(latest_answer_id=_latest_sent_answer("pk"))
        .filter(latest_answer_id__isnull=False)
        .exclude(
            Exists(
                SatisfactionSurvey.objects.filter(case=OuterRef("pk"), answer=OuterRef("latest_answer_id"))
            )
        )
        .exclude(Exists(Rating.objects.filter(case=OuterRef("pk"), answer=OuterRef("latest_answer_id"))))
        .select_related("municipality")
        .order_by("closed_at", "pk")
    )
    return list(cases[:limit])


def send_surveys(now: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """The worker's job: open the surveys of recently closed cases and e-mail their links.

    Safe to run again and on two workers at once: a survey is unique per answer, a letter per survey.
    """
    now = now or timezone.now()
    counts = {"email": 0, "link": 0}
    opened: list[SatisfactionSurvey] = []
    due = surveys_due(now, limit)
    answers = Answer.objects.in_bulk([c.latest_answer_id for c in due])  # type: ignore[attr-defined]
    for case in due:
        answer = answers[case.latest_answer_id]  # type: ignore[attr-defined]
        with transaction.atomic():
            survey = open_survey(case, answer, now=now)
        if survey is not None:
            counts[survey.delivery] += 1
            opened.append(survey)
    sent = deliver(_letters_of(opened, AuthorLetter.Kind.SURVEY), now=now) if opened else {}
    return {**counts, "sent": sent.get("sent", 0), "failed": sent.get("failed", 0)}


def remind_surveys(now: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """The worker's job: one reminder by e-mail when no rating came `reminder_after_days` after the survey.

    The survey's `reminder_sent_at` is claimed with a conditional update, so a reminder is sent once —
    never a second one, whatever runs again. No reminder when the case has no e-mail address (a survey
    shown on the tracking page only), a newer answer replaced the surveyed one, or the case is being
    considered again.
    """
    now = now or timezone.now()
    reminded: list[SatisfactionSurvey] = []
    for muni in Municipality.objects.all().order_by("pk"):
        if len(reminded) >= limit:
            break
        due = now - timedelta(days=policy_for(muni).reminder_after_days)
        candidates = (
            SatisfactionSurvey.objects.filter(
                case__municipality=muni,
                case__status=Status.CLOSED,
                rating__isnull=True,
                reminder_sent_at__isnull=True,
                answer__isnull=False,
                sent_at__lte=due,
                sent_at__gte=due - timedelta(days=REMIND_GRACE_DAYS),
            )
            .exclude(case__author_email="")
            .annotate(latest_answer_id=_latest_sent_answer("case"))
            .filter(answer_id=F("latest_answer_id"))
            .exclude(Exists(Rating.objects.filter(case=OuterRef("case"), answer=OuterRef("answer"))))
            # A request still waiting in the outbox (the mail server was down) is not followed by a reminder.
            .filter(Q(delivery=SatisfactionSurvey.Delivery.LINK) | Exists(_sent_request()))
            .select_related("case__municipality")
            .order_by("sent_at", "pk")[: limit - len(reminded)]
        )
        for survey in candidates:
            with transaction.atomic():
                claimed = SatisfactionSurvey.objects.filter(
                    pk=survey.pk, reminder_sent_at__isnull=True
                ).update(reminder_sent_at=now)
                if claimed != 1:
                    continue
                subject, body = survey_letter(survey, reminder=True)
                queue_letter(
                    survey.case,
                    AuthorLetter.Kind.REMINDER,
                    f"survey-reminder:{survey.pk}",
                    subject,
                    body,
                    now=now,
                )
            reminded.append(survey)
    sent = deliver(_letters_of(reminded, AuthorLetter.Kind.REMINDER), now=now) if reminded else {}
    return {"reminded": len(reminded), "sent": sent.get("sent", 0), "failed": sent.get("failed", 0)}
