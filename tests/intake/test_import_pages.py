import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from otklik.cases.models import Case
from otklik.intake.imports.report import safe_cell
from otklik.intake.models import ImportBatch
from otklik.org.models import Role
from tests.factories import BlockFactory, MunicipalityFactory, RoleFactory

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture
def officer(db):
    muni = MunicipalityFactory(code="kotelnikovo")
    return RoleFactory(role=Role.POS_OFFICER, municipality=muni).user


def upload(client, name, channel="pos"):
    data = (SAMPLES / name).read_bytes()
    return client.post(
        reverse("imports:list"),
        {"channel": channel, "municipality": "kotelnikovo", "file": SimpleUploadedFile(name, data)},
        follow=True,
    )


def test_officer_uploads_an_export_and_sees_the_counts(client, officer):
    client.force_login(officer)
    response = upload(client, "pos_export.xlsx")
    body = response.content.decode()
    assert "Импорт завершён: создано 40" in body and "Все строки файла приняты" in body
    assert Case.objects.filter(channel="pos").count() == 40


def test_rejected_rows_are_listed_and_downloadable_as_xlsx(client, officer):
    client.force_login(officer)
    body = upload(client, "pos_export_with_errors.csv").content.decode()
    assert "нет текста" in body and "Скачать отчёт (XLSX)" in body
    batch = ImportBatch.objects.get()
    response = client.get(reverse("imports:report", args=[batch.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[3]
    assert header[:3] == ("Строка", "Идентификатор", "Причина")
    reasons = [r[2] for r in rows[4:]]
    assert len(reasons) == 5 and "нет текста" in reasons


def test_a_broken_file_is_explained(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("imports:list"),
        {
            "channel": "pos",
            "municipality": "kotelnikovo",
            "file": SimpleUploadedFile("x.csv", "Что-то;Другое\n1;2\n".encode()),
        },
    )
    assert response.status_code == 400
    assert "нет обязательных колонок" in response.content.decode()


def test_specialist_may_not_import(client, db):
    client.force_login(
        RoleFactory(
            role=Role.SPECIALIST,
            department=None,
            block=BlockFactory(),
        ).user
    )
    assert client.get(reverse("imports:list")).status_code == 403


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+7 900", "'+7 900"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("Текст", "Текст"),
        (42, 42),
    ],
)
def test_formula_injection_is_neutralised_in_reports(value, safe):
    assert safe_cell(value) == safe
