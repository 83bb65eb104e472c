"""The public web form, the tracking page and the resident's rating."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from otklik.cases.models import Answer, Case, Status
from otklik.cases.services import answer_case
from otklik.intake.models import WebSubmission
from otklik.intake.webform import services as webform_services
from otklik.intake.webform.services import ip_hash
from otklik.org.models import Topic
from otklik.quality.models import Rating
from tests.factories import MunicipalityFactory, SettlementFactory, UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
TEXT = "Не горят фонари на улице Ленина уже две недели, темно и страшно."


@pytest.fixture
def muni(db, settings, tmp_path):
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kotelnikovo"
    settings.OTKLIK_BASE_URL = "https://otklik.example.ru"
    settings.MEDIA_ROOT = tmp_path
    muni = MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")
    SettlementFactory(municipality=muni, name="Майоровское сельское поселение")
    return muni


def png(name="фонарь.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def submit(client, ip="10.0.0.1", url=None, forwarded_for=None, **overrides):
    values = {"text": TEXT, "address": "ул. Ленина, 12", **overrides}
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(url or reverse("webform:form"), values, REMOTE_ADDR=ip, **extra)


# --- the form ------------------------------------------------------------------------------------


def test_form_lists_top_level_topics_and_the_municipalitys_settlements(client, muni):
    SettlementFactory(name="Поселение другого района")
    response = client.get(reverse("webform:form"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Сообщить о проблеме" in body and "Котельниковский муниципальный район" in body
    assert "Майоровское сельское поселение" in body and "Поселение другого района" not in body
    assert "Дороги" in body and "Другое / не знаю" in body
    subtopic = Topic.objects.filter(parent__isnull=False).first()
    assert subtopic is None or f">{subtopic.name}<" not in body
    assert 'for="id_text"' in body and 'for="id_consent"' in body  # every control has a label


def test_form_of_another_municipality_by_query_or_path(client, muni):
    other = MunicipalityFactory(code="zhutovo", name="Октябрьский муниципальный район")
    SettlementFactory(municipality=other, name="Жутовское сельское поселение")
    by_query = client.get(reverse("webform:form") + "?mo=zhutovo").content.decode()
    assert "Октябрьский муниципальный район" in by_query and "Жутовское" in by_query
    assert "Майоровское" not in by_query
    assert submit(client, url=reverse("webform:form_for", args=["zhutovo"])).status_code == 302
    assert Case.objects.get().municipality == other
    assert client.get(reverse("webform:form") + "?mo=nowhere").status_code == 404


def test_anonymous_appeal_is_taken_in_with_a_tracking_link(client, muni):
    settlement = muni.settlements.get()
    topic = Topic.objects.get(code="improvement")
    response = submit(client, topic=topic.pk, settlement=settlement.pk, photos=[png(), png("2.jpg")])
    assert response.status_code == 400  # a PNG named .jpg is not a JPEG
    response = submit(
        client,
        topic=topic.pk,
        settlement=settlement.pk,
        photos=[png(), SimpleUploadedFile("2.jpg", JPEG, content_type="image/jpeg")],
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webform:done", args=[case.tracking_token])
    # 59-ФЗ names the site form among the ways to send an appeal (docs/DOMAIN.md).
    assert (case.channel, case.kind, case.is_anonymous) == ("web", "appeal", True)
    assert case.topic == topic and case.settlement == settlement and case.address == "ул. Ленина, 12"
    assert sorted(a.name for a in case.attachments.all()) == ["2.jpg", "фонарь.png"]
    assert case.attachments.get(name="фонарь.png").file.read() == PNG
    assert case.registration_number.startswith("ОГ-") and case.due_at and case.tracking_token
    assert case.raw_payload["category"] == topic.name and case.raw_payload["consent"] is False
    assert case.raw_payload["ip_hash"] == ip_hash("10.0.0.1") and "10.0.0.1" not in str(case.raw_payload)
    assert WebSubmission.objects.get().case == case
    done = client.get(response["Location"]).content.decode()
    assert case.registration_number in done
    assert f"https://otklik.example.ru/track/{case.tracking_token}/" in done
    assert "ответ по существу по закону № 59-ФЗ в таком случае не обязателен" in done
    assert mail.outbox == []


def test_contacts_need_consent(client, muni):
    refused = submit(client, name="Петров Иван Сергеевич", phone="+7 900 000-00-00")
    body = refused.content.decode()
    assert refused.status_code == 400 and "дайте согласие на обработку персональных данных" in body
    assert "две недели" in body and "Петров Иван Сергеевич" in body  # what was typed stays in the form
    assert not Case.objects.exists()


def test_with_contacts_and_consent_the_link_is_mailed(client, muni, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, name="Петров Иван Сергеевич", email="ivan@example.ru", consent="on")
    case = Case.objects.get()
    assert (case.author_name, case.author_email, case.is_anonymous) == (
        "Петров Иван Сергеевич",
        "ivan@example.ru",
        False,
    )
    assert case.raw_payload["consent"] is True and "152-ФЗ" in case.raw_payload["consent_text"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ivan@example.ru"] and case.registration_number in message.subject
    assert f"https://otklik.example.ru/track/{case.tracking_token}/" in message.body
    done = client.get(response["Location"]).content.decode()
    assert "iv•••@example.ru" in done and "ivan@example.ru" not in done


def test_name_without_email_is_anonymous_under_59fz(client, muni):
    submit(client, name="Петров Иван", phone="89000000000", consent="on")
    case = Case.objects.get()
    assert case.is_anonymous and case.author_phone == "89000000000"


def test_mail_failure_does_not_lose_the_appeal(
    client, muni, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise ConnectionRefusedError("smtp is down")

    monkeypatch.setattr(webform_services, "send_mail", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = submit(client, name="Петров Иван", email="ivan@example.ru", consent="on")
    assert response.status_code == 302 and Case.objects.count() == 1
    assert "could not e-mail the tracking link" in caplog.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "Опишите проблему."),
        ({"text": "Плохо"}, "хотя бы 10 знаков"),
        ({"text": "я" * 5001}, "длиннее 5 000 знаков"),
        ({"email": "нет", "consent": "on"}, "Проверьте адрес электронной почты"),
        (
            {"photos": [SimpleUploadedFile("doc.pdf", b"%PDF-1.4", content_type="application/pdf")]},
            "можно приложить только фотографии JPG или PNG",
        ),
        ({"photos": [SimpleUploadedFile("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic")]}, "формате HEIC"),
        ({"photos": [SimpleUploadedFile("fake.png", b"MZ\x90", content_type="image/png")]}, "программа"),
        ({"photos": [png(f"{n}.png") for n in range(6)]}, "не больше 5 фотографий"),
        ({"website": "http://spam.example"}, "скрытое служебное поле"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(client, muni, overrides, message):
    response = submit(client, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists() and not WebSubmission.objects.exists()


def test_a_rejected_photo_keeps_the_form_filled_and_asks_for_the_photos_again(client, muni):
    settlement = muni.settlements.get()
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = submit(client, settlement=settlement.pk, photos=[png(), bad])
    body = response.content.decode()
    assert response.status_code == 400 and "virus.exe" in body
    assert "две недели" in body and 'value="ул. Ленина, 12"' in body
    assert f'<option value="{settlement.pk}" selected>' in body
    assert "приложите их заново" in body
    assert 'aria-invalid="true"' in body and 'href="#id_photos"' in body


# --- the limit -----------------------------------------------------------------------------------


def test_hourly_limit_per_address(client, muni, settings):
    settings.OTKLIK_WEBFORM_PER_HOUR = 2
    assert submit(client).status_code == 302
    assert submit(client).status_code == 302
    limited = submit(client, address="у школы № 2")
    assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 3600
    body = limited.content.decode()
    assert "за последний час отправлено обращений: 2" in body
    assert "две недели" in body and "у школы № 2" in body  # nothing typed is lost
    assert submit(client, ip="10.0.0.2").status_code == 302  # another address is not limited
    assert Case.objects.count() == 3 and WebSubmission.objects.count() == 3


def test_daily_limit(client, muni, settings):
    settings.OTKLIK_WEBFORM_PER_HOUR = 100
    settings.OTKLIK_WEBFORM_PER_DAY = 1
    assert submit(client).status_code == 302
    limited = submit(client)
    assert limited.status_code == 429 and "за сутки" in limited.content.decode()


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, muni, settings):
    settings.OTKLIK_WEBFORM_PER_HOUR = 1
    settings.OTKLIK_TRUSTED_PROXIES = False
    assert submit(client, forwarded_for="1.1.1.1").status_code == 302
    assert submit(client, forwarded_for="2.2.2.2").status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_counts_not_what_the_client_claims(client, muni, settings):
    settings.OTKLIK_WEBFORM_PER_HOUR = 1
    settings.OTKLIK_TRUSTED_PROXIES = 1
    proxy = "127.0.0.1"
    assert submit(client, ip=proxy, forwarded_for="203.0.113.5").status_code == 302
    # The same resident forging a left-most entry: the proxy appended the real address on the right.
    spoofed = submit(client, ip=proxy, forwarded_for="198.51.100.1, 203.0.113.5")
    assert spoofed.status_code == 429
    assert submit(client, ip=proxy, forwarded_for="203.0.113.6").status_code == 302
    assert WebSubmission.objects.filter(ip_hash=ip_hash("203.0.113.5")).count() == 1


def test_addresses_are_stored_only_as_keyed_hashes(muni, settings):
    first = ip_hash("10.0.0.1")
    assert len(first) == 64 and first != ip_hash("10.0.0.2")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    assert ip_hash("10.0.0.1") != first


# --- tracking and rating -------------------------------------------------------------------------


def answered_case(client, muni):
    assert submit(client, name="Петров Иван", email="ivan@example.ru", phone="+79001112233", consent="on")
    case = Case.objects.get()
    official = UserFactory(last_name="Сидоров", first_name="Пётр", patronymic="Ильич")
    answer_case(
        case.pk,
        "Фонари заменены 20 ноября, освещение на улице Ленина работает.",
        actor=official,
        attachments=[SimpleUploadedFile("акт.pdf", b"%PDF-1.4 act", content_type="application/pdf")],
    )
    Answer.objects.create(case=case, text="Черновик, не отправлен", sent_at=None)
    case.refresh_from_db()
    assert case.status == Status.ANSWERED
    return case


def test_tracking_page_shows_status_dates_and_sent_answers_only(client, muni, django_assert_max_num_queries):
    case = answered_case(client, muni)
    url = reverse("webform:track", args=[case.tracking_token])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Дан ответ" in body and case.registration_number in body
    assert "Фонари заменены 20 ноября" in body and "акт.pdf" in body and "Срок рассмотрения" in body
    assert "Черновик" not in body and "Сидоров" not in body and "Пётр" not in body
    assert "ivan@example.ru" not in body and "+79001112233" not in body and "Петров" not in body
    assert "Оцените ответ" in body
    assert response["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_answer_files_are_downloaded_by_the_link_but_not_other_files(client, muni):
    case = answered_case(client, muni)
    act = case.attachments.get(name="акт.pdf")
    response = client.get(reverse("webform:file", args=[case.tracking_token, act.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 act"
    submit(client, ip="10.0.0.9", photos=[png()])
    other = Case.objects.exclude(pk=case.pk).get()
    photo = other.attachments.get()
    assert client.get(reverse("webform:file", args=[case.tracking_token, photo.pk])).status_code == 404
    assert client.get(reverse("webform:file", args=[other.tracking_token, photo.pk])).status_code == 404


def test_unknown_token_is_a_russian_404(client, muni):
    for url in (
        reverse("webform:track", args=["nope"]),
        reverse("webform:done", args=["nope"]),
        reverse("webform:track", args=["x" * 200]),
    ):
        response = client.get(url)
        assert response.status_code == 404 and "Обращение не найдено" in response.content.decode()
    assert client.post(reverse("webform:rate", args=["nope"]), {"satisfied": "yes"}).status_code == 404


def test_no_rating_before_an_answer(client, muni):
    submit(client)
    case = Case.objects.get()
    page = client.get(reverse("webform:track", args=[case.tracking_token])).content.decode()
    assert "Ответа пока нет" in page and "Оцените ответ" not in page and "Зарегистрировано" in page
    response = client.post(reverse("webform:rate", args=[case.tracking_token]), {"satisfied": "yes"})
    assert (
        response.status_code == 400 and "только обращение, по которому дан ответ" in response.content.decode()
    )
    assert not Rating.objects.exists()


def test_resident_rates_the_answer_once(client, muni):
    case = answered_case(client, muni)
    url = reverse("webform:rate", args=[case.tracking_token])
    unanswered = client.post(url, {"score": "4"})
    assert unanswered.status_code == 400 and "устраивает ли вас ответ" in unanswered.content.decode()
    for bad in ("9", "0", "-1", "пять", "٣"):
        response = client.post(url, {"satisfied": "no", "score": bad, "comment": "Не горит"})
        assert response.status_code == 400 and "от 1 до 5" in response.content.decode()
        assert "Не горит" in response.content.decode()  # the comment is kept
    too_long = client.post(url, {"satisfied": "no", "comment": "ж" * 2001})
    assert too_long.status_code == 400 and "Комментарий длиннее" in too_long.content.decode()
    assert not Rating.objects.exists()

    ok = client.post(url, {"satisfied": "no", "score": "2", "comment": "Фонарь у дома 12 всё ещё не горит"})
    assert ok.status_code == 302 and ok["Location"] == reverse("webform:track", args=[case.tracking_token])
    rating = Rating.objects.get()
    assert (rating.satisfied, rating.score, rating.source) == (False, 2, Rating.Source.TRACKING)
    assert rating.answer.text.startswith("Фонари заменены")
    page = client.get(reverse("webform:track", args=[case.tracking_token])).content.decode()
    assert "Спасибо, ваша оценка учтена" in page and "Оцените ответ" not in page
    assert "оценка 2 из 5" in page and "всё ещё не горит" in page

    again = client.post(url, {"satisfied": "yes"})
    assert again.status_code == 400 and "уже оценён" in again.content.decode()
    assert Rating.objects.count() == 1


def test_rating_without_a_score_is_accepted(client, muni):
    case = answered_case(client, muni)
    response = client.post(reverse("webform:rate", args=[case.tracking_token]), {"satisfied": "yes"})
    assert response.status_code == 302
    assert (Rating.objects.get().satisfied, Rating.objects.get().score) == (True, None)
