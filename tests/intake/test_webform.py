"""The public web form, the tracking page and the resident's rating."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Answer, Case, Status
from otklik.intake.models import WebSubmission
from otklik.org.models import Topic
from otklik.quality.models import Rating
from tests.factories import MunicipalityFactory, SettlementFactory, UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def muni(db, settings):
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kotelnikovo"
    muni = MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")
    SettlementFactory(municipality=muni, name="Майоровское сельское поселение")
    return muni


def data(**overrides):
    values = {
        "text": "Не горят фонари на улице Ленина уже две недели, темно и страшно.",
        "address": "ул. Ленина, 12",
    }
    values.update(overrides)
    return values


def submit(client, ip="10.0.0.1", **overrides):
    return client.post(reverse("webform:form"), data(**overrides), REMOTE_ADDR=ip)


def test_form_lists_topics_and_settlements(client, muni):
    body = client.get(reverse("webform:form")).content.decode()
    assert "Сообщить о проблеме" in body and "Котельниковский муниципальный район" in body
    assert "Майоровское сельское поселение" in body and "Дороги" in body and "Не знаю / другое" in body


def test_anonymous_message_is_taken_in_with_a_tracking_link(client, muni):
    settlement = muni.settlements.get()
    topic = Topic.objects.get(code="improvement")
    photo = SimpleUploadedFile("фонарь.png", PNG, content_type="image/png")
    response = submit(client, topic=topic.pk, settlement=settlement.pk, photos=[photo])
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "webform:done", args=[case.tracking_token]
    )
    assert (case.channel, case.kind, case.is_anonymous) == ("web", "appeal", True)
    assert case.topic == topic and case.settlement == settlement and case.address == "ул. Ленина, 12"
    assert [a.name for a in case.attachments.all()] == ["фонарь.png"]
    assert case.registration_number and case.due_at
    done = client.get(response["Location"]).content.decode()
    assert case.registration_number in done and f"/track/{case.tracking_token}/" in done
    assert "ip_hash" in case.raw_payload and "10.0.0.1" not in str(case.raw_payload)
    assert mail.outbox == []


def test_contacts_need_consent_and_then_the_link_is_mailed(client, muni, django_capture_on_commit_callbacks):
    refused = submit(client, name="Иван Петров", email="ivan@example.ru")
    assert refused.status_code == 400 and "дайте согласие" in refused.content.decode()
    assert "две недели" in refused.content.decode()  # the text stays in the form
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, name="Иван Петров", email="ivan@example.ru", consent="on")
    case = Case.objects.get()
    assert case.author_name == "Иван Петров" and not case.is_anonymous
    assert len(mail.outbox) == 1 and f"/track/{case.tracking_token}/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "Опишите проблему."),
        ({"text": "Плохо"}, "хотя бы 10 знаков"),
        ({"email": "нет", "consent": "on"}, "Неверный адрес эл. почты."),
        (
            {"photos": [SimpleUploadedFile("doc.pdf", b"%PDF-1.4", content_type="application/pdf")]},
            "только фотографии",
        ),
        ({"photos": [SimpleUploadedFile("fake.png", b"MZ\x90", content_type="image/png")]}, "программа"),
        ({"website": "http://spam"}, "скрытое поле"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(client, muni, overrides, message):
    response = submit(client, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists() and not WebSubmission.objects.exists()


def test_rate_limit_per_address(client, muni, settings):
    settings.OTKLIK_WEBFORM_PER_HOUR = 2
    assert submit(client).status_code == 302
    assert submit(client).status_code == 302
    limited = submit(client)
    assert limited.status_code == 429
    body = limited.content.decode()
    assert "за последний час отправлено 2" in body and "две недели" in body
    assert submit(client, ip="10.0.0.2").status_code == 302  # another address is not limited
    assert Case.objects.count() == 3


def test_daily_limit(client, muni, settings):
    settings.OTKLIK_WEBFORM_PER_HOUR = 100
    settings.OTKLIK_WEBFORM_PER_DAY = 1
    submit(client)
    assert submit(client).status_code == 429


def answered_case(client, muni):
    submit(client)
    case = Case.objects.get()
    Answer.objects.create(
        case=case,
        text="Фонари заменены 20 ноября, освещение работает.",
        sent_at=timezone.now(),
        author=UserFactory(),
    )
    Answer.objects.create(case=case, text="Черновик, не отправлен", sent_at=None)
    Case.objects.filter(pk=case.pk).update(status=Status.ANSWERED, owner=UserFactory(last_name="Сидоров"))
    case.refresh_from_db()
    return case


def test_tracking_page_shows_status_and_sent_answers_only(client, muni):
    case = answered_case(client, muni)
    body = client.get(reverse("webform:track", args=[case.tracking_token])).content.decode()
    assert "Дан ответ" in body and "Фонари заменены 20 ноября" in body
    assert "Черновик" not in body and "Сидоров" not in body
    assert "Оцените ответ" in body
    assert client.get(reverse("webform:track", args=["nope"])).status_code == 404


def test_resident_rates_the_answer_once(client, muni):
    case = answered_case(client, muni)
    url = reverse("webform:rate", args=[case.tracking_token])
    bad = client.post(url, {"score": "4"})
    assert bad.status_code == 400 and "устраивает ли вас ответ" in bad.content.decode()
    assert client.post(url, {"satisfied": "no", "score": "9"}).status_code == 400
    ok = client.post(url, {"satisfied": "no", "score": "2", "comment": "Фонарь у дома 12 всё ещё не горит"})
    assert ok.status_code == 302
    rating = Rating.objects.get()
    assert (rating.satisfied, rating.score, rating.source) == (False, 2, "tracking")
    assert rating.answer.text.startswith("Фонари заменены")
    page = client.get(reverse("webform:track", args=[case.tracking_token])).content.decode()
    assert "Спасибо, ваша оценка учтена" in page and "Оцените ответ" not in page
    again = client.post(url, {"satisfied": "yes"})
    assert again.status_code == 400 and "уже оценён" in again.content.decode()
    assert Rating.objects.count() == 1


def test_no_rating_before_an_answer(client, muni):
    submit(client)
    case = Case.objects.get()
    page = client.get(reverse("webform:track", args=[case.tracking_token])).content.decode()
    assert "Ответа пока нет" in page and "Оцените ответ" not in page
    response = client.post(reverse("webform:rate", args=[case.tracking_token]), {"satisfied": "yes"})
    assert response.status_code == 400 and not Rating.objects.exists()
