"""Letters to the author through the outbox: the answer once per answer, retries, one sender per letter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from otklik.cases.models import Answer
from otklik.quality.delivery import MAX_ATTEMPTS, deliver, send_answer_to_author, send_pending_letters
from otklik.quality.models import AuthorLetter
from tests.factories import MunicipalityFactory
from tests.quality.satisfaction import ANSWER, make_case

BASE = "https://otklik.example.ru"


@pytest.fixture
def muni(db, settings):
    settings.OTKLIK_BASE_URL = BASE
    return MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")


def answer_of(case):
    return Answer.objects.select_related("case").get(case=case)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """send_answer_to_author as the caller's transaction commits (the letter goes out after the commit)."""

    def call(answer):
        with django_capture_on_commit_callbacks(execute=True):
            return send_answer_to_author(answer)

    return call


def test_the_answer_is_e_mailed_with_the_tracking_link(muni, send):
    case = make_case(muni, closed=False)
    letter = send(answer_of(case))
    assert letter is not None and letter.kind == "answer" and letter.key == f"answer:{answer_of(case).pk}"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ivan@example.ru"]
    assert sent.subject == f"Ответ на ваше обращение № {case.registration_number}"
    assert ANSWER in sent.body
    assert f"{BASE}/track/{case.tracking_token}/" in sent.body
    assert sent.extra_headers["X-Otklik-Letter"] == str(letter.pk)
    assert AuthorLetter.objects.get().sent_at is not None


def test_the_answer_is_sent_once_however_often_it_is_asked(muni, send):
    case = make_case(muni, closed=False)
    answer = answer_of(case)
    first = send(answer)
    assert send(answer) == first
    assert send_pending_letters() == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1 and AuthorLetter.objects.count() == 1


def test_without_a_tracking_link_the_letter_holds_the_answer_only(muni, send):
    case = make_case(muni, closed=False, token=False)
    answer = answer_of(case)
    answer.attachments.create(case=case, file=SimpleUploadedFile("акт.pdf", b"%PDF"), name="акт.pdf")
    send(answer)
    body = mail.outbox[0].body
    assert ANSWER in body and "/track/" not in body and "приложены файлы (1)" in body


@pytest.mark.parametrize(
    ("kind", "channel", "email"),
    [
        ("appeal", "paper", ""),  # no e-mail address
        ("message", "pos", "ivan@example.ru"),  # the platform delivers its answers itself
        ("incident", "incident", "ivan@example.ru"),
    ],
)
def test_nothing_is_sent_where_we_do_not_answer_by_e_mail(muni, send, kind, channel, email):
    case = make_case(muni, closed=False, kind=kind, channel=channel, email=email)
    assert send(answer_of(case)) is None
    assert mail.outbox == [] and not AuthorLetter.objects.exists()


def test_a_draft_is_not_sent(muni, send):
    case = make_case(muni, closed=False)
    draft = Answer.objects.create(case=case, text="Черновик ответа", sent_at=None)
    assert send(draft) is None
    assert mail.outbox == []


def test_a_refused_letter_is_retried_by_the_worker_and_then_given_up(muni, send, monkeypatch):
    case = make_case(muni, closed=False)

    def refuse(self, messages):
        raise ConnectionRefusedError("SMTP недоступен")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    letter = send(answer_of(case))
    letter.refresh_from_db()
    assert letter.sent_at is None and letter.attempts == 1 and "SMTP недоступен" in letter.error
    now = timezone.now()
    assert send_pending_letters(now) == {"sent": 0, "failed": 0}  # not due yet: the pause runs
    monkeypatch.undo()
    assert send_pending_letters(now + timedelta(minutes=6)) == {"sent": 1, "failed": 0}
    letter.refresh_from_db()
    assert letter.sent_at is not None and letter.attempts == 2 and letter.error == ""
    assert len(mail.outbox) == 1

    other = make_case(muni, closed=False)
    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    given_up = send(answer_of(other))
    later = timezone.now()
    for _ in range(MAX_ATTEMPTS + 2):
        later += timedelta(days=2)
        send_pending_letters(later)
    given_up.refresh_from_db()
    assert given_up.attempts == MAX_ATTEMPTS and given_up.sent_at is None


def test_a_letter_claimed_by_another_worker_is_not_sent_again(muni):
    case = make_case(muni, closed=False)
    letter = AuthorLetter.objects.create(
        case=case,
        kind="answer",
        key="answer:test",
        to="ivan@example.ru",
        subject="Ответ",
        body="Текст",
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    # Another worker claimed it a moment ago (its attempt counter moved on, the lease runs).
    AuthorLetter.objects.filter(pk=letter.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert deliver([letter.pk]) == {"sent": 0, "failed": 0}
    assert mail.outbox == []
