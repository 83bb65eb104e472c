"""The operator's 59-ФЗ registration form, the municipality's number format and the acknowledgement."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document

from otklik.audit.models import AuditEvent
from otklik.cases.models import Case, CaseDeadline
from otklik.intake.fz59.forms import parse_co_authors
from otklik.org.models import Role
from tests.factories import MunicipalityFactory, RoleFactory, SettlementFactory, topic

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def muni(db):
    return MunicipalityFactory(code="kotelnikovo", registration_number_format="{prefix}/{n:04d}-{yyyy}")


@pytest.fixture
def clerk(muni):
    return RoleFactory(role=Role.REGISTRAR, municipality=muni).user


def form_data(**overrides):
    data = {
        "channel": "paper",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "last_name": "Петров",
        "first_name": "Иван",
        "patronymic": "Сергеевич",
        "postal_address": "404354, г. Котельниково, ул. Ленина, д. 5, кв. 12",
        "email": "",
        "phone": "",
        "text": "Прошу отремонтировать дорогу по улице Ленина: ямы глубиной до 20 см, ломают подвеску.",
        "co_authors": "",
        "address": "ул. Ленина",
    }
    data.update(overrides)
    return data


def test_registrar_registers_a_paper_appeal_with_number_deadlines_and_attachment(client, clerk, muni):
    settlement = SettlementFactory(municipality=muni, name="Котельниковское городское поселение")
    client.force_login(clerk)
    assert client.get(reverse("fz59:new")).status_code == 200
    data = form_data(settlement=settlement.pk, topic=topic("roads").pk)
    data["attachments"] = [SimpleUploadedFile("скан письма.pdf", PDF, content_type="application/pdf")]
    response = client.post(reverse("fz59:new"), data)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    year = timezone.localtime(case.registered_at, muni.tz).year
    assert case.registration_number == f"ОГ/0001-{year}"
    assert (case.kind, case.channel) == ("appeal", "paper")
    assert case.author_name == "Петров Иван Сергеевич" and not case.is_anonymous
    assert case.author_address.startswith("404354")
    assert case.topic.code == "roads" and case.settlement == settlement
    assert case.tracking_token
    stages = set(CaseDeadline.objects.filter(case=case).values_list("stage", flat=True))
    assert "answer" in stages and case.due_at > case.registered_at + timedelta(days=29)
    assert [a.name for a in case.attachments.all()] == ["скан письма.pdf"]
    assert AuditEvent.objects.filter(action="intake.batch", actor=clerk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Уведомление о регистрации (DOCX)" in page
    second = client.post(reverse("fz59:new"), form_data())
    assert second.status_code == 302
    assert Case.objects.order_by("pk").last().registration_number == f"ОГ/0002-{year}"


def test_collective_appeal_keeps_its_co_authors(client, clerk):
    client.force_login(clerk)
    co = "Иванова Анна Петровна; ул. Ленина, 7\nСидоров Пётр; sidorov@example.ru\n\n"
    assert client.post(reverse("fz59:new"), form_data(co_authors=co)).status_code == 302
    case = Case.objects.get()
    assert case.co_authors == [
        {"name": "Иванова Анна Петровна", "address": "ул. Ленина, 7"},
        {"name": "Сидоров Пётр", "email": "sidorov@example.ru"},
    ]
    assert "Соавторы" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"last_name": "", "first_name": ""}, "59-ФЗ требует фамилию и имя автора"),
        ({"postal_address": "", "email": ""}, "Укажите почтовый адрес или адрес эл. почты"),
        ({"text": ""}, "Введите текст обращения."),
        ({"email": "не-почта"}, "Неверный адрес эл. почты."),
        ({"received_at": "2099-01-01T10:00"}, "не может быть в будущем"),
        ({"received_at": "вчера"}, "Дата в формате ДД.ММ.ГГГГ ЧЧ:ММ."),
        ({"co_authors": "Иванова"}, "Строка 1: укажите фамилию и имя соавтора"),
        ({"co_authors": "Иванова Анна; a@b"}, "Строка 1: неверный адрес эл. почты"),
    ],
)
def test_invalid_forms_are_refused_with_the_reason_and_keep_the_input(client, clerk, overrides, message):
    client.force_login(clerk)
    response = client.post(reverse("fz59:new"), form_data(**overrides))
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert "ямы глубиной до 20 см" in body or overrides.get("text") == ""
    assert not Case.objects.exists()


def test_a_disallowed_file_refuses_the_whole_form(client, clerk):
    client.force_login(clerk)
    data = form_data(
        attachments=[SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/x")]
    )
    response = client.post(reverse("fz59:new"), data)
    assert response.status_code == 400
    assert "такой тип файлов прикладывать нельзя" in response.content.decode()
    assert not Case.objects.exists()


def test_anonymous_appeal_is_registered_and_marked(client, clerk):
    client.force_login(clerk)
    data = form_data(last_name="", first_name="", patronymic="", postal_address="", anonymous="on")
    assert client.post(reverse("fz59:new"), data).status_code == 302
    case = Case.objects.get()
    assert case.is_anonymous and case.registration_number


def test_acknowledgement_docx_names_number_dates_and_is_mailed(
    client, clerk, muni, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("fz59:new"), form_data(channel="email", email="petrov@example.ru"))
    case = Case.objects.get()
    response = client.get(reverse("fz59:acknowledgement", args=[case.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    due = timezone.localtime(case.due_at, muni.tz).strftime("%d.%m.%Y")
    assert "УВЕДОМЛЕНИЕ" in text and case.registration_number in text
    assert f"не позднее {due}" in text and "Уважаемый(ая) Иван Сергеевич!" in text
    assert "электронная почта" in text and f"/track/{case.tracking_token}/" in text
    assert len(mail.outbox) == 1
    letter = mail.outbox[0]
    assert letter.to == ["petrov@example.ru"] and case.registration_number in letter.subject
    assert letter.attachments[0][0].endswith(".docx")


def test_only_registering_roles_see_the_form(client, muni):
    specialist = RoleFactory(role=Role.SPECIALIST, municipality=muni).user
    client.force_login(specialist)
    response = client.get(reverse("fz59:new"))
    assert response.status_code == 403
    assert "Регистрировать обращения могут" in response.content.decode()
    assert "Регистрация обращения" not in client.get(reverse("home")).content.decode()


def test_head_of_another_municipality_cannot_download_the_acknowledgement(client, clerk):
    client.force_login(clerk)
    client.post(reverse("fz59:new"), form_data())
    case = Case.objects.get()
    stranger = RoleFactory(role=Role.HEAD, municipality=MunicipalityFactory()).user
    client.force_login(stranger)
    assert client.get(reverse("fz59:acknowledgement", args=[case.pk])).status_code == 404


def test_registrar_sees_appeals_but_not_messages(clerk, muni):
    from otklik.cases.selectors import visible_cases
    from tests.factories import CaseFactory

    appeal = CaseFactory(municipality=muni, kind="appeal", channel="paper")
    CaseFactory(municipality=muni, kind="message", channel="pos")
    assert list(visible_cases(clerk)) == [appeal]


def test_parse_co_authors_table():
    assert parse_co_authors("") == []
    assert parse_co_authors("Иванов Иван") == [{"name": "Иванов Иван"}]
    assert parse_co_authors("  Иванов Иван ; ivan@example.ru ") == [
        {"name": "Иванов Иван", "email": "ivan@example.ru"}
    ]
