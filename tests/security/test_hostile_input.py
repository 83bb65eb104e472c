"""Hostile and broken input through the forms, the API and the pages: a clear error and never a 500;
HTML and scripts in texts, titles, names and answers are shown as text."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from otklik.api.services import issue_token
from otklik.cases.models import Attachment, Case, Kind, Status
from otklik.cases.services import answer_case
from otklik.cases.uploads import check_upload
from otklik.core.exports import safe_cell
from otklik.org.models import Role, Topic
from tests.factories import (
    BlockFactory,
    CaseFactory,
    DepartmentFactory,
    MunicipalityFactory,
    RoleFactory,
    SettlementFactory,
)

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
HOSTILE = f"{SCRIPT}{IMG}"
MEGABYTE = "я" * (1024 * 1024)


def assert_escaped(body: str) -> None:
    assert SCRIPT not in body and IMG not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=" in body


@pytest.fixture
def district(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kot"
    muni = MunicipalityFactory(code="kot")
    settlement = SettlementFactory(municipality=muni, name="Поселение " + HOSTILE)
    department = DepartmentFactory(municipality=muni, name="Отдел " + HOSTILE)
    reviewed = BlockFactory(municipality=muni, name="ЖКХ", answer_review_required=True)
    reviewed.topics.add(Topic.objects.get(code="housing"))
    plain = BlockFactory(municipality=muni, name="Дороги")
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="head").user
    spec = RoleFactory(role=Role.SPECIALIST, municipality=muni, block=reviewed, user__username="spec").user
    plain_spec = RoleFactory(role=Role.SPECIALIST, municipality=muni, block=plain).user
    common = {
        "municipality": muni,
        "kind": Kind.MESSAGE,
        "status": Status.IN_PROGRESS,
        "title": "Заголовок " + HOSTILE,
        "text": "Текст " + HOSTILE + " и вода не идёт",
        "author_name": "Автор " + HOSTILE,
        "settlement": settlement,
        "department": department,
    }
    pending = CaseFactory(block=reviewed, owner=spec, tracking_token="tok-pending", **common)
    answer_case(pending.pk, "Ответ на проверке " + HOSTILE, actor=spec)
    sent = CaseFactory(block=plain, owner=plain_spec, tracking_token="tok-sent", **common)
    answer_case(sent.pk, "Ответ " + HOSTILE + ": трубу заменили 12 марта.", actor=plain_spec)
    return {"muni": muni, "head": head, "pending": pending, "sent": sent, "department": department}


# --- HTML and scripts are shown as text ----------------------------------------------------------


def test_case_page_shows_hostile_texts_escaped(client, district):
    client.force_login(district["head"])
    assert_escaped(client.get(reverse("cases:detail", args=[district["sent"].pk])).content.decode())


def test_inbox_shows_hostile_texts_escaped(client, district):
    client.force_login(district["head"])
    assert_escaped(client.get(reverse("cases:inbox")).content.decode())


def test_home_page_shows_hostile_texts_escaped(client, district):
    client.force_login(district["head"])
    body = client.get(reverse("home")).content.decode()
    assert SCRIPT not in body and IMG not in body


def test_tracking_page_shows_hostile_texts_and_answers_escaped(client, district):
    body = client.get(reverse("webform:track", args=["tok-sent"])).content.decode()
    assert_escaped(body)
    assert "Ответ &lt;script&gt;" in body


def test_review_page_shows_the_hostile_answer_escaped(client, district):
    client.force_login(district["head"])
    answer = district["pending"].answers.get()
    body = client.get(reverse("review:answer", args=[answer.pk])).content.decode()
    assert_escaped(body)
    assert "Ответ на проверке &lt;script&gt;" in body
    queue = client.get(reverse("review:queue")).content.decode()
    assert SCRIPT not in queue and IMG not in queue


def test_ratings_show_hostile_names_escaped(client, district):
    client.force_login(district["head"])
    body = client.get(reverse("analytics:ratings") + "?group=department").content.decode()
    assert SCRIPT not in body and IMG not in body
    card = client.get(reverse("analytics:ratings_department", args=[district["department"].pk]))
    assert_escaped(card.content.decode())


def test_ratings_export_neutralises_a_formula_in_a_name(client, district):
    department = district["department"]
    department.name = '=HYPERLINK("http://evil.example","Отдел")'
    department.save()
    client.force_login(district["head"])
    response = client.get(reverse("analytics:ratings_export") + "?group=department")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "'" + department.name for c in cells)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+7 900", "'+7 900"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("обычный текст", "обычный текст"),
        (-5, -5),
        (None, None),
    ],
)
def test_safe_cell_neutralises_formula_starts_only(value, shown):
    assert safe_cell(value) == shown


# --- limits: a clear error, never a 500 ----------------------------------------------------------


def test_resident_form_refuses_a_megabyte_text_clearly(client, district):
    response = client.post(reverse("webform:form"), {"text": MEGABYTE, "address": "ул. Ленина, 1"})
    assert response.status_code in (200, 400)
    assert "Текст длиннее 5 000 знаков" in response.content.decode()
    assert Case.objects.count() == 2


def test_resident_form_refuses_a_nul_character_clearly(client, district):
    response = client.post(
        reverse("webform:form"), {"text": "Яма\x00 во дворе у дома 5", "address": "ул. Ленина"}
    )
    assert response.status_code in (200, 400)
    assert "Обращение не отправлено" in response.content.decode()
    assert Case.objects.count() == 2


def test_resident_form_keeps_html_as_text(client, district):
    response = client.post(
        reverse("webform:form"),
        {"text": "Во дворе " + HOSTILE + " яма глубиной полметра", "address": "ул. Мира"},
    )
    assert response.status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert HOSTILE in case.text
    assert_escaped(client.get(reverse("webform:track", args=[case.tracking_token])).content.decode())


def test_appeal_registration_refuses_a_megabyte_text_clearly(client, district):
    clerk = RoleFactory(role=Role.REGISTRAR, municipality=district["muni"]).user
    client.force_login(clerk)
    response = client.post(reverse("fz59:new"), {"text": "я" * 100_001, "channel": "paper"})
    assert response.status_code in (200, 400)
    assert "Текст длиннее 100 000 знаков" in response.content.decode()


@pytest.fixture
def api(district, client):
    user = RoleFactory(role=Role.INTEGRATION, municipality=district["muni"]).user
    headers = {"Authorization": f"Bearer {issue_token('ЕДДС', user)[1]}"}

    def post(path, body=None, raw=None):
        data = raw if raw is not None else body
        return client.post(f"/api/v1{path}", data, content_type="application/json", headers=headers)

    def get(path, query=""):
        return client.get(f"/api/v1{path}{query}", headers=headers)

    return post, get


def test_api_refuses_a_megabyte_text_with_a_russian_reason(api):
    post, _ = api
    response = post("/cases", raw=json.dumps({"text": MEGABYTE}, ensure_ascii=False))  # 2 MB of UTF-8
    assert response.status_code == 422
    assert "text: не длиннее 20000 символов" in response.json()["detail"]


def test_api_refuses_a_body_over_the_request_limit(api):
    post, _ = api
    response = post("/cases", raw='{"text": "' + "a" * (3 * 1024 * 1024) + '"}')
    assert response.status_code == 400
    assert "больше 2,5 МБ" in response.json()["detail"]


def test_api_refuses_nul_characters_in_queries_and_bodies(api):
    post, get = api
    response = get("/cases", "?q=%00")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    response = post("/cases", {"text": "яма\x00", "external_id": "x\x00"})
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


def test_inbox_refuses_a_nul_in_the_filter_with_400(client, district):
    client.force_login(district["head"])
    assert client.get(reverse("cases:inbox") + "?q=%00").status_code == 400


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        ("1900-01-01T10:00:00+03:00", "раньше 2000 года"),
        ("2015-06-01T10:00:00+03:00", "Нет данных производственного календаря на 2015 год"),
        ("2300-01-01T10:00:00+03:00", "не может быть в будущем"),
    ],
)
def test_api_refuses_dates_far_in_the_past_or_future(api, moment, reason):
    post, _ = api
    response = post("/cases", {"text": "Яма на дороге у школы", "received_at": moment})
    assert response.status_code == 400
    assert reason in response.json()["detail"]


def test_api_keeps_html_and_formulas_as_text(api):
    post, _ = api
    response = post("/cases", {"text": "=cmd|' /C calc'!A0 " + HOSTILE, "title": HOSTILE})
    assert response.status_code == 201
    case = Case.objects.get(pk=response.json()["id"])
    assert case.text.startswith("=cmd|") and HOSTILE in case.text and case.title == HOSTILE


# --- uploads: checked by type and size, never served as a page -----------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("page.html", b"<html><script>alert(1)</script>", "такой тип файлов прикладывать нельзя"),
        ("drawing.svg", b"<svg onload=alert(1)>", "такой тип файлов прикладывать нельзя"),
        ("photo.jpg", b"<html><script>alert(1)</script>", "не является файлом JPG"),
        ("scan.pdf", b"MZ\x90\x00", "программа или сценарий"),
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024), "больше 10 МБ"),
    ],
)
def test_uploads_are_checked_by_type_content_and_size(name, content, reason):
    assert reason in (check_upload(SimpleUploadedFile(name, content)) or "")


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("answer.pdf", "application/pdf"),
        ("note.txt", "text/plain"),
        ("page.html", "application/octet-stream"),
    ],
)
def test_stored_files_are_sent_as_downloads_with_a_safe_type(client, district, name, content_type):
    case = district["sent"]
    answer = case.answers.get()
    item = Attachment(case=case, answer=answer, name=name)
    item.file.save(name, io.BytesIO(b"%PDF-1.4 <html><script>alert(1)</script>"), save=True)
    client.force_login(district["head"])
    for url in (
        reverse("cases:attachment", args=[case.pk, item.pk]),
        reverse("webform:file", args=["tok-sent", item.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_api_edge_of_the_calendar_dates_are_a_client_error(api, moment):
    post, get = api
    assert post("/cases", {"text": "Яма на дороге у школы", "received_at": moment}).status_code == 400
    query = "?" + urlencode({"received_from": moment, "received_to": moment})
    assert get("/cases", query).status_code in (200, 400, 422)


@pytest.mark.parametrize(
    ("moment", "reason"),
    [("1900-01-01T10:00", "больше года назад"), ("2300-01-01T10:00", "не может быть в будущем")],
)
def test_appeal_registration_refuses_dates_far_away_clearly(client, district, moment, reason):
    client.force_login(RoleFactory(role=Role.REGISTRAR, municipality=district["muni"]).user)
    response = client.post(
        reverse("fz59:new"), {"text": "Прошу отремонтировать дорогу", "received_at": moment}
    )
    assert response.status_code in (200, 400)
    assert reason in response.content.decode()


ODD_QUERIES = [
    "?date_from=0001-01-01&date_to=9999-12-31",
    "?date_from=9999-12-31&date_to=0001-01-01",
    "?date_from=1900-01-01&date_to=2300-12-31",
    "?date_from=not-a-date&page=99999999999999999999999",
    "?page=-1&sort=%3Cscript%3E&order=drop",
    "?q=" + "%D1%8F" * 5000,
]


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize(
    "name", ["cases:inbox", "analytics:dashboard", "analytics:ratings", "audit:log", "review:queue", "home"]
)
def test_pages_answer_odd_filters_without_a_server_error(client, db, name, query):
    client.force_login(RoleFactory(role=Role.HEAD).user)
    response = client.get(reverse(name) + query)
    assert response.status_code in (200, 302, 400, 403), response.status_code
    body = response.content.decode()
    assert "<script>" not in body.split("</head>", 1)[-1].replace("<script src", "")
