"""Surveys after closure: who is asked and how, once per answer, by the close hook and the worker; one
reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from otklik.cases.models import Case, Status
from otklik.cases.services import answer_case, close_case, reopen_case
from otklik.notifications.worker import enqueue_due_jobs
from otklik.quality.models import AuthorLetter, QualityPolicy, Rating, SatisfactionSurvey
from otklik.quality.services import rate
from otklik.quality.surveys import open_survey, remind_surveys, send_surveys
from tests.factories import MunicipalityFactory
from tests.quality.satisfaction import make_case

BASE = "https://otklik.example.ru"


@pytest.fixture
def muni(db, settings):
    settings.OTKLIK_BASE_URL = BASE
    return MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")


def test_closing_a_case_e_mails_a_link_to_the_rating_form(muni, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(muni)
    survey = SatisfactionSurvey.objects.get()
    assert (survey.case, survey.answer, survey.delivery) == (case, case.answers.get(), "email")
    assert survey.sent_at is not None and survey.rating is None and len(survey.token) >= 32
    # The answer itself was e-mailed when it was given; then came the request to rate it.
    assert sorted(m.subject for m in mail.outbox) == [
        f"Ответ на ваше обращение № {case.registration_number}",
        f"Оцените ответ на ваше обращение № {case.registration_number}",
    ]
    letter = next(m for m in mail.outbox if m.subject.startswith("Оцените"))
    assert letter.to == ["ivan@example.ru"]
    assert f"{BASE}/rate/{survey.token}/" in letter.body
    assert "Котельниковский муниципальный район" in letter.body
    assert AuthorLetter.objects.get(kind="survey").sent_at is not None


def test_an_author_without_e_mail_is_asked_on_the_tracking_page(muni, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(muni, email="")
    survey = SatisfactionSurvey.objects.get()
    assert (survey.case, survey.delivery) == (case, "link")
    assert mail.outbox == [] and not AuthorLetter.objects.exists()
    page = Client().get(f"/track/{case.tracking_token}/").content.decode()
    assert "Оцените ответ" in page


@pytest.mark.parametrize(
    ("kind", "channel", "email", "token"),
    [
        ("message", "pos", "ivan@example.ru", True),  # rated on the platform, the rating comes by import
        ("incident", "incident", "ivan@example.ru", True),  # social media: no survey
        ("appeal", "paper", "", False),  # neither an e-mail nor a tracking link: nobody to ask
    ],
)
def test_who_is_not_surveyed(muni, django_capture_on_commit_callbacks, kind, channel, email, token):
    with django_capture_on_commit_callbacks(execute=True):
        make_case(muni, kind=kind, channel=channel, email=email, token=token)
    assert send_surveys() == {"email": 0, "link": 0, "sent": 0, "failed": 0}
    assert not SatisfactionSurvey.objects.exists() and mail.outbox == []


def test_the_worker_job_surveys_closed_cases_once(muni):
    first = make_case(muni)  # closed without running the commit hook: the job catches up
    second = make_case(muni, kind="appeal", channel="web", email="")
    assert send_surveys() == {"email": 1, "link": 1, "sent": 1, "failed": 0}
    assert send_surveys() == {"email": 0, "link": 0, "sent": 0, "failed": 0}
    assert {(s.case_id, s.delivery) for s in SatisfactionSurvey.objects.all()} == {
        (first.pk, "email"),
        (second.pk, "link"),
    }
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ivan@example.ru"]


def test_a_second_worker_does_not_open_a_second_survey_of_the_same_answer(muni):
    case = make_case(muni)
    answer = case.answers.get()
    assert open_survey(case, answer) is not None
    assert open_survey(case, answer) is None
    assert SatisfactionSurvey.objects.count() == 1 and AuthorLetter.objects.count() == 1


def test_the_job_is_bounded_and_leaves_the_rest_for_the_next_run(muni):
    for _ in range(3):
        make_case(muni)
    assert send_surveys(limit=2)["email"] == 2
    assert send_surveys(limit=2)["email"] == 1
    assert SatisfactionSurvey.objects.count() == 3 and len(mail.outbox) == 3


def test_only_recently_closed_cases_with_an_unrated_sent_answer_are_surveyed(muni):
    old = make_case(muni)
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=15))
    make_case(muni, closed=False)  # answered, not closed yet
    make_case(muni, answered=False, closed=False)
    rated = make_case(muni)
    rate(rated, satisfied=True, score=5)
    assert send_surveys()["email"] == 0
    assert not SatisfactionSurvey.objects.exists()


def test_a_new_answer_after_reopening_gets_its_own_survey(muni):
    case = make_case(muni)
    send_surveys()
    reopen_case(case.pk, "Жалоба повторилась", actor=None)
    answer_case(case.pk, "Площадку вывезли повторно, добавлен вывоз по субботам.", actor=case.owner)
    close_case(case.pk, actor=case.owner)
    assert send_surveys()["email"] == 1
    latest = case.answers.order_by("-sent_at", "-pk").first()
    assert [s.answer for s in SatisfactionSurvey.objects.order_by("pk")] == [
        case.answers.order_by("sent_at", "pk").first(),
        latest,
    ]
    assert len(mail.outbox) == 2


# --- the reminder ----------------------------------------------------------------------------------


def surveyed(muni, **kwargs):
    case = make_case(muni, **kwargs)
    send_surveys()
    mail.outbox.clear()
    return case, SatisfactionSurvey.objects.get(case=case)


def test_one_reminder_after_the_policy_days_when_no_rating_came(muni):
    case, survey = surveyed(muni)
    assert remind_surveys(survey.sent_at + timedelta(days=2, hours=23))["reminded"] == 0
    later = survey.sent_at + timedelta(days=3, minutes=1)
    assert remind_surveys(later) == {"reminded": 1, "sent": 1, "failed": 0}
    survey.refresh_from_db()
    assert survey.reminder_sent_at == later
    assert len(mail.outbox) == 1
    letter = mail.outbox[0]
    assert letter.subject == f"Напоминание: оцените ответ на обращение № {case.registration_number}"
    assert f"{BASE}/rate/{survey.token}/" in letter.body and "единственное напоминание" in letter.body
    assert remind_surveys(later + timedelta(days=3))["reminded"] == 0  # never a second one
    assert len(mail.outbox) == 1


def test_the_reminder_follows_the_municipality_policy(muni):
    QualityPolicy.objects.create(municipality=muni, reminder_after_days=5)
    _, survey = surveyed(muni)
    assert remind_surveys(survey.sent_at + timedelta(days=4))["reminded"] == 0
    assert remind_surveys(survey.sent_at + timedelta(days=5, minutes=1))["reminded"] == 1


def test_no_reminder_once_rated(muni):
    case, survey = surveyed(muni)
    rate(case, satisfied=True, score=4)
    assert remind_surveys(survey.sent_at + timedelta(days=4))["reminded"] == 0
    assert mail.outbox == []


def test_no_reminder_for_a_survey_on_the_tracking_page_only(muni):
    _, survey = surveyed(muni, kind="appeal", channel="web", email="")
    assert survey.delivery == "link"
    assert remind_surveys(survey.sent_at + timedelta(days=4))["reminded"] == 0


def test_no_reminder_while_the_case_is_considered_again(muni):
    case, survey = surveyed(muni)
    reopen_case(case.pk, "Проверка показала, что вывоз не налажен", actor=None)
    assert remind_surveys(survey.sent_at + timedelta(days=4))["reminded"] == 0
    assert SatisfactionSurvey.objects.get().reminder_sent_at is None


def test_no_reminder_while_the_request_itself_waits_in_the_outbox(muni):
    _, survey = surveyed(muni)
    AuthorLetter.objects.filter(kind="survey").update(sent_at=None)  # the mail server refused it so far
    assert remind_surveys(survey.sent_at + timedelta(days=4))["reminded"] == 0
    AuthorLetter.objects.filter(kind="survey").update(sent_at=survey.sent_at + timedelta(days=3))
    assert remind_surveys(survey.sent_at + timedelta(days=4))["reminded"] == 1


def test_an_e_mail_address_added_later_gets_the_reminder_of_a_tracking_page_survey(muni):
    case, survey = surveyed(muni, kind="appeal", channel="web", email="")
    Case.objects.filter(pk=case.pk).update(author_email="ivan@example.ru")
    assert remind_surveys(survey.sent_at + timedelta(days=4))["reminded"] == 1
    assert mail.outbox[0].to == ["ivan@example.ru"]


def test_no_late_reminder_after_a_long_worker_outage(muni):
    _, survey = surveyed(muni)
    assert remind_surveys(survey.sent_at + timedelta(days=30))["reminded"] == 0


def test_the_worker_queues_the_survey_jobs_once_per_slot(muni, settings):
    now = timezone.now()
    queued = enqueue_due_jobs(now)
    assert {"send_surveys", "remind_surveys", "send_author_letters"} <= set(queued)
    assert not {"send_surveys", "remind_surveys", "send_author_letters"} & set(enqueue_due_jobs(now))


def test_a_rating_through_the_tracking_page_is_linked_to_the_survey(muni):
    case, survey = surveyed(muni)
    rating = rate(case, satisfied=True, score=5, source=Rating.Source.TRACKING)
    survey.refresh_from_db()
    assert survey.rating == rating and case.status == Status.CLOSED
