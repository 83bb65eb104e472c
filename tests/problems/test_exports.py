"""The roadmap as XLSX and DOCX in the «дорожная карта» table form, opened and checked cell by cell."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from otklik.org.models import Role
from otklik.problems.exports import HEADERS
from otklik.problems.models import Measure, Problem
from tests.factories import DepartmentFactory, MunicipalityFactory, RoleFactory, SettlementFactory

TODAY_AFTER_DUE = datetime(2026, 4, 10, 12, 0)


@pytest.fixture
def problem(db):
    muni = MunicipalityFactory(name="Котельниковский муниципальный район")
    p = Problem.objects.create(
        municipality=muni,
        title="Нет вывоза ТКО, х. Майоровский",
        settlement=SettlementFactory(municipality=muni, name="Майоровское сельское поселение"),
        status="confirmed",
        cause_category="contractor",
        root_cause="Региональный оператор сократил число рейсов.",
    )
    Measure.objects.create(
        problem=p,
        order=1,
        title="Заключить договор на дополнительный рейс",
        responsible_position="начальник отдела ЖКХ",
        responsible_name="Быкова А. В.",
        organisation="ООО «Экоцентр»",
        start_on=date(2026, 3, 1),
        due_on=date(2026, 3, 31),
        status="done",
        completed_on=date(2026, 3, 10),
        evidence="Договор № 12 от 10.03.2026",
        evidence_name="dogovor.pdf",
    )
    Measure.objects.create(
        problem=p,
        order=2,
        title="Установить два контейнера на ул. Садовой",
        responsible_name="Сидоров П. И.",
        department=DepartmentFactory(municipality=muni, name="МКУ «Благоустройство»"),
        start_on=date(2026, 3, 15),
        due_on=date(2026, 4, 1),
    )
    p.head = RoleFactory(role=Role.HEAD, municipality=muni).user
    return p


def test_xlsx_has_the_roadmap_table(client, problem, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: timezone.make_aware(TODAY_AFTER_DUE))
    client.force_login(problem.head)
    response = client.get(f"/problems/{problem.pk}/roadmap.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert f"dorozhnaya-karta-{problem.pk}.xlsx" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "ПЛАН МЕРОПРИЯТИЙ («дорожная карта»)"
    assert "Нет вывоза ТКО, х. Майоровский" in ws["A2"].value
    labels = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(3, 12)}
    assert labels["Муниципальное образование"] == "Котельниковский муниципальный район"
    assert labels["Коренная причина"] == "Региональный оператор сократил число рейсов."
    assert labels["Категория коренной причины"].startswith("неисполнение обязательств")
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "№ п/п")
    assert [ws.cell(row=head, column=c).value for c in range(1, 9)] == list(HEADERS)
    first = [ws.cell(row=head + 1, column=c).value for c in range(1, 9)]
    assert first == [
        1,
        "Заключить договор на дополнительный рейс",
        "начальник отдела ЖКХ, Быкова А. В.",
        "ООО «Экоцентр»",
        datetime(2026, 3, 1),
        datetime(2026, 3, 31),
        "выполнено 10.03.2026",
        "Договор № 12 от 10.03.2026; файл: dogovor.pdf",
    ]
    second = [ws.cell(row=head + 2, column=c).value for c in range(1, 9)]
    assert second[:4] == [
        2,
        "Установить два контейнера на ул. Садовой",
        "Сидоров П. И.",
        "МКУ «Благоустройство»",
    ]
    assert second[6] == "запланировано, срок истёк" and second[7] is None
    assert ws.cell(row=head + 1, column=5).number_format == "DD.MM.YYYY"


def test_docx_has_the_roadmap_table(client, problem):
    client.force_login(problem.head)
    response = client.get(f"/problems/{problem.pk}/roadmap.docx")
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "ПЛАН МЕРОПРИЯТИЙ («дорожная карта»)" in text and "Нет вывоза ТКО, х. Майоровский" in text
    assert "Коренная причина: Региональный оператор сократил число рейсов." in text
    [table] = doc.tables
    assert [c.text for c in table.rows[0].cells] == list(HEADERS)
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "Заключить договор на дополнительный рейс",
        "начальник отдела ЖКХ, Быкова А. В.",
        "ООО «Экоцентр»",
        "01.03.2026",
        "31.03.2026",
        "выполнено 10.03.2026",
        "Договор № 12 от 10.03.2026; файл: dogovor.pdf",
    ]
    assert table.rows[2].cells[3].text == "МКУ «Благоустройство»"
    assert doc.sections[0].page_width > doc.sections[0].page_height  # landscape


def test_an_empty_roadmap_still_exports(client, problem):
    Measure.objects.filter(problem=problem).delete()
    client.force_login(problem.head)
    ws = load_workbook(io.BytesIO(client.get(f"/problems/{problem.pk}/roadmap.xlsx").content)).active
    assert "Мероприятия не запланированы" in [
        ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)
    ]
    doc = Document(io.BytesIO(client.get(f"/problems/{problem.pk}/roadmap.docx").content))
    assert doc.tables[0].rows[1].cells[1].text == "Мероприятия не запланированы"


def test_exports_of_another_municipality_are_not_found(client, problem):
    client.force_login(RoleFactory(role=Role.HEAD, municipality=MunicipalityFactory()).user)
    assert client.get(f"/problems/{problem.pk}/roadmap.xlsx").status_code == 404
    assert client.get(f"/problems/{problem.pk}/roadmap.docx").status_code == 404


def test_a_text_that_looks_like_a_formula_stays_text(client, problem):
    Measure.objects.filter(problem=problem, order=2).update(title='=HYPERLINK("http://evil.example","Акт")')
    client.force_login(problem.head)
    ws = load_workbook(io.BytesIO(client.get(f"/problems/{problem.pk}/roadmap.xlsx").content)).active
    titles = [ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)]
    assert '\'=HYPERLINK("http://evil.example","Акт")' in titles
    assert all(ws.cell(row=r, column=2).data_type != "f" for r in range(1, ws.max_row + 1))
