"""The roadmap (дорожная карта) as XLSX and DOCX in the usual table form:

№ п/п · мероприятие · ответственный (должность, ФИО) · организация · срок начала · срок исполнения ·
статус / отметка о выполнении · подтверждение выполнения.

Only the problem and its measures go into the files: no residents' names, no texts of cases.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from otklik.core.exports import safe_cell
from otklik.problems.models import Measure, MeasureStatus, Problem

HEADERS = (
    "№ п/п",
    "Наименование мероприятия",
    "Ответственный исполнитель (должность, ФИО)",
    "Организация",
    "Срок начала",
    "Срок исполнения",
    "Статус / отметка о выполнении",
    "Подтверждение выполнения",
)
TITLE = "ПЛАН МЕРОПРИЯТИЙ («дорожная карта»)"


def file_name(problem: Problem, ext: str) -> str:
    return f"dorozhnaya-karta-{problem.pk}.{ext}"


def status_mark(m: Measure, today: date) -> str:
    """«выполнено 10.03.2026», «выполняется, срок истёк», «запланировано»…"""
    if m.status == MeasureStatus.DONE and m.completed_on:
        return f"выполнено {m.completed_on:%d.%m.%Y}"
    label = m.get_status_display()
    if m.is_open and m.due_on < today:
        return f"{label}, срок истёк"
    return str(label)


def evidence_mark(m: Measure) -> str:
    parts = [m.evidence]
    if m.evidence_name:
        parts.append(f"файл: {m.evidence_name}")
    return "; ".join(p for p in parts if p)


def rows(measures: list[Measure], today: date) -> list[list[Any]]:
    return [
        [
            i,
            m.title,
            m.responsible_label,
            m.organisation_label,
            m.start_on,
            m.due_on,
            status_mark(m, today),
            evidence_mark(m),
        ]
        for i, m in enumerate(measures, start=1)
    ]


def preamble(problem: Problem) -> list[tuple[str, str]]:
    return [
        ("Проблема", problem.title),
        ("Муниципальное образование", problem.municipality.name),
        ("Тема", " / ".join(str(t) for t in (problem.topic, problem.subtopic) if t is not None) or "—"),
        ("Место", problem.place or "—"),
        ("Отраслевой блок", str(problem.block) if problem.block_id else "—"),
        ("Категория коренной причины", problem.get_cause_category_display() or "не определена"),
        ("Коренная причина", problem.root_cause or "анализ не заполнен"),
    ]


def roadmap_xlsx(problem: Problem, measures: list[Measure], now: datetime | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    now = now or timezone.now()
    local = timezone.localtime(now, problem.municipality.tz)
    wb = Workbook()
    ws = wb.active
    ws.title = "Дорожная карта"
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"по устранению причин повторяющихся обращений: {problem.title}"])
    ws["A2"].font = Font(bold=True)
    for label, value in preamble(problem):
        ws.append([label, safe_cell(value)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.append(["Сформировано", f"{local:%d.%m.%Y %H:%M}"])
    ws.append([])
    ws.append(list(HEADERS))
    head = ws.max_row
    thin = Side(style="thin", color="888888")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[head]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = border
    for values in rows(measures, local.date()):
        ws.append([safe_cell(v) for v in values])
        r = ws.max_row
        for col in range(1, len(HEADERS) + 1):
            cell = ws.cell(row=r, column=col)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = border
        ws.cell(row=r, column=5).number_format = "DD.MM.YYYY"
        ws.cell(row=r, column=6).number_format = "DD.MM.YYYY"
    if not measures:
        ws.append(["", "Мероприятия не запланированы"])
    for letter, width in zip("ABCDEFGH", (7, 48, 32, 28, 13, 14, 24, 36), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(row=head + 1, column=1)
    ws.print_title_rows = f"{head}:{head}"
    ws.page_setup.orientation = "landscape"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def roadmap_docx(problem: Problem, measures: list[Measure], now: datetime | None = None) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    now = now or timezone.now()
    local = timezone.localtime(now, problem.municipality.tz)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[attr-defined]
    style.font.size = Pt(11)  # type: ignore[attr-defined]

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.add_run(f"{TITLE}\nпо устранению причин повторяющихся обращений:\n{problem.title}").bold = True
    for label, value in preamble(problem)[1:]:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)

    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows(measures, local.date()):
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = f"{value:%d.%m.%Y}" if isinstance(value, date) else str(value)
    if not measures:
        cells = table.add_row().cells
        cells[1].text = "Мероприятия не запланированы"
    widths = (Cm(1.2), Cm(7), Cm(4.5), Cm(4), Cm(2.3), Cm(2.3), Cm(3), Cm(4))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    doc.add_paragraph(f"Сформировано {local:%d.%m.%Y %H:%M}.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
