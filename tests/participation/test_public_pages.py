"""The residents' pages through the test client: the list, a poll's code flow and one vote, a discussion's
comment, documents, the tracking-link box, and the transparency page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from otklik.participation import services
from otklik.participation.models import Ballot, Comment, ModerationReason, Poll
from tests.factories import MunicipalityFactory, SettlementFactory
from tests.participation.helpers import officer, poll_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def muni(settings):
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kotelnikovo"
    m = MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")
    SettlementFactory(municipality=m, name="Котельниковское городское поселение")
    SettlementFactory(municipality=m, name="Майоровское сельское поселение")
    return m


@pytest.fixture
def poll(muni):
    return poll_with_questions(muni, officer(muni), title="Новый парк")


def verify(client, url, email="ivanova@mail.ru"):
    response = client.post(url, {"action": "code", "contact": email})
    assert response.status_code == 302, response.content.decode()[:2000]
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    response = client.post(url, {"action": "verify", "code": code})
    assert response.status_code == 302
    return code


def ballot_data(poll, settlement, single="Да"):
    q = {x.order: x for x in poll.questions.prefetch_related("options")}
    return {
        "action": "vote",
        "settlement": settlement.pk,
        f"q{q[1].pk}": q[1].options.get(text=single).pk,
        f"q{q[2].pk}": [q[2].options.get(text="Парк").pk],
        f"q{q[3].pk}": "4",
        f"q{q[4].pk}": "Больше скамеек",
    }


def test_the_list_shows_open_polls_and_an_empty_state(client, muni):
    response = client.get("/polls/")
    assert response.status_code == 200
    assert "Сейчас нет открытых опросов и обсуждений" in response.content.decode()
    poll_with_questions(muni, officer(muni), title="Новый парк")
    draft = poll_with_questions(muni, officer(muni), title="Черновик опроса", publish=False)
    page = client.get("/polls/").content.decode()
    assert "Новый парк" in page and draft.title not in page
    assert client.get(f"/polls/{draft.slug}/").status_code == 404


def test_a_resident_votes_once_through_the_code_flow(client, poll, muni):
    url = f"/polls/{poll.slug}/"
    page = client.get(url).content.decode()
    assert "Получить код" in page and "Отправить ответы" not in page
    response = client.post(url, {"action": "code", "contact": "Ivanova@Mail.ru"})
    assert response.status_code == 302 and response["Location"].endswith("#identity")
    assert "iv•••@mail.ru" in client.get(url).content.decode()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = client.post(url, {"action": "verify", "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "осталось попыток: 4" in wrong.content.decode()
    assert client.post(url, {"action": "verify", "code": code}).status_code == 302
    page = client.get(url).content.decode()
    assert "Отправить ответы" in page and "Адрес подтверждён" in page
    town = muni.settlements.get(name__startswith="Котельниковское")
    response = client.post(url, ballot_data(poll, town))
    assert response.status_code == 302 and response["Location"].endswith("#thanks")
    assert "Спасибо, ваш голос учтён" in client.get(url).content.decode()
    assert Ballot.objects.filter(poll=poll).count() == 1
    # The same browser posts the form again (another tab, the back button): refused, clearly.
    again = client.post(url, ballot_data(poll, town, single="Нет"))
    assert again.status_code == 409
    assert "Вы уже проголосовали в этом опросе" in again.content.decode()
    # Coming back later: the page says so at once and shows no form.
    page = client.get(url).content.decode()
    assert "Вы уже проголосовали в этом опросе" in page and "Отправить ответы" not in page
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_another_browser_with_the_address_written_differently_is_told_at_once(client, poll, muni):
    from django.test import Client

    town = muni.settlements.first()
    verify(client, f"/polls/{poll.slug}/", "ivanova@mail.ru")
    client.post(f"/polls/{poll.slug}/", ballot_data(poll, town))
    other = Client()
    verify(other, f"/polls/{poll.slug}/", " IVANOVA+2@mail.ru ")
    page = other.get(f"/polls/{poll.slug}/").content.decode()
    assert "Вы уже проголосовали в этом опросе" in page and "Отправить ответы" not in page


def test_form_errors_keep_the_answers_and_name_the_question(client, poll, muni):
    url = f"/polls/{poll.slug}/"
    verify(client, url)
    data = ballot_data(poll, muni.settlements.first())
    q1 = poll.questions.get(order=1)
    del data[f"q{q1.pk}"]
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ответы не отправлены" in page and "Ответьте на этот вопрос" in page
    assert "Больше скамеек" in page
    assert not Ballot.objects.exists()


def test_voting_without_a_verified_address_is_refused(client, poll, muni):
    response = client.post(f"/polls/{poll.slug}/", ballot_data(poll, muni.settlements.first()))
    assert response.status_code == 400 and "Сначала подтвердите адрес" in response.content.decode()


def test_the_honeypot_stops_a_bot(client, poll):
    response = client.post(f"/polls/{poll.slug}/", {"action": "code", "contact": "a@mail.ru", "website": "x"})
    assert response.status_code == 400 and not mail.outbox


def test_too_many_code_requests_get_429(client, poll, settings):
    settings.OTKLIK_CODE_PER_HOUR = 1
    client.post(f"/polls/{poll.slug}/", {"action": "code", "contact": "a@mail.ru"})
    response = client.post(f"/polls/{poll.slug}/", {"action": "code", "contact": "b@mail.ru"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "слишком много запросов кода" in response.content.decode()


def test_a_closed_poll_shows_its_results_and_no_form(client, poll, muni):
    services.close_poll(poll, actor=None)
    page = client.get(f"/polls/{poll.slug}/").content.decode()
    assert "Итоги" in page and "Получить код" not in page
    assert 'id="results-data"' in page


def test_the_tracking_box_opens_the_existing_tracking_page(client, muni):
    assert client.get("/polls/check/", {"token": "abc_DEF-123"})["Location"] == "/track/abc_DEF-123/"
    link = "https://otklik.example/track/abc_DEF-123/"
    assert client.get("/polls/check/", {"token": link})["Location"] == "/track/abc_DEF-123/"
    bad = client.get("/polls/check/", {"token": "<script>"})
    assert bad.status_code == 400 and "Вставьте ссылку из письма" in bad.content.decode()


@pytest.fixture
def discussion(muni):
    actor = officer(muni)
    now = timezone.now()
    d = services.create_discussion(
        actor=actor,
        municipality=muni,
        title="Правила благоустройства",
        description="Проект новых правил благоустройства.",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=10),
    )
    services.add_document(
        d, actor=actor, title="Проект правил", upload=SimpleUploadedFile("pravila.pdf", b"%PDF-1.4 rules")
    )
    return services.publish_discussion(d, actor=actor)


def test_a_resident_comments_and_sees_it_after_moderation(client, discussion):
    url = f"/discussions/{discussion.slug}/"
    page = client.get(url).content.decode()
    assert "Проект правил" in page and "Опубликованных комментариев пока нет" in page
    verify(client, url, "Petrov@mail.ru")
    response = client.post(
        url,
        {"action": "comment", "author_name": "Пётр, ул. Ленина", "text": "Предлагаю добавить велодорожки."},
    )
    assert response.status_code == 302
    assert "комментарий получен" in client.get(url).content.decode()
    comment = Comment.objects.get()
    assert comment.status == "pending" and "petrov" not in comment.contact_hash
    assert "велодорожки" not in client.get(url).content.decode()
    services.moderate_comment(comment, actor=None, publish=True)
    assert "велодорожки" in client.get(url).content.decode()


def test_a_short_comment_is_refused_with_the_reason(client, discussion):
    url = f"/discussions/{discussion.slug}/"
    verify(client, url)
    response = client.post(url, {"action": "comment", "author_name": "Анна", "text": "Нет"})
    assert response.status_code == 400 and "слишком короткий" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_document_downloads_as_an_attachment(client, discussion, settings, tmp_path):
    doc = discussion.documents.get()
    response = client.get(f"/discussions/{discussion.slug}/documents/{doc.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 rules"


def test_a_draft_discussion_is_not_public(client, muni):
    now = timezone.now()
    d = services.create_discussion(
        actor=None,
        municipality=muni,
        title="Тайное",
        description="…",
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )
    assert client.get(f"/discussions/{d.slug}/").status_code == 404


def test_the_anonymous_navigation_links_the_public_pages(client, muni):
    page = client.get("/polls/").content.decode()
    assert 'href="/polls/"' in page and 'href="/transparency/"' in page
    assert "Опросы и обсуждения" in page and "Итоги квартала" in page


def test_comment_rejection_reasons_exist_as_data():
    assert ModerationReason.objects.filter(is_active=True).count() >= 5


def test_a_poll_slug_cannot_shadow_the_check_page(muni):
    poll = poll_with_questions(muni, officer(muni), title="Check")
    assert poll.slug == "check-2"
    assert Poll.objects.filter(slug="check").count() == 0
    assert reverse("participation_public:poll", args=[poll.slug]) == "/polls/check-2/"
