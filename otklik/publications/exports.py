"""The content plan for a period as XLSX."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.utils import timezone

from otklik.publications.models import Post

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = (
    "Дата и время",
    "Официальная страница",
    "Тема",
    "Заголовок",
    "Текст",
    "Состояние",
    "Согласовал",
    "Опубликовано",
    "Ссылка",
    "Проблема",
    "Мероприятие",
)


def plan_workbook(posts: list[Post], *, start: date, end: date, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Контент-план"
    ws.append([f"Контент-план: {title}, {start:%d.%m.%Y} — {end:%d.%m.%Y}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(list(HEADERS))
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    def local(moment: Any, tz: Any) -> str:
        return f"{timezone.localtime(moment, tz):%d.%m.%Y %H:%M}" if moment else ""

    for p in posts:
        tz = p.municipality.tz
        ws.append(
            [
                local(p.planned_at, tz),
                str(p.page),
                p.topic.name if p.topic else "",
                p.title,
                p.text,
                p.get_status_display(),
                p.approved_by.short_name or p.approved_by.username if p.approved_by else "",
                local(p.published_at, tz),
                p.published_url,
                p.problem.title if p.problem else "",
                p.measure.title if p.measure else "",
            ]
        )
        ws.cell(row=ws.max_row, column=5).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGHIJK", (17, 30, 18, 40, 60, 16, 20, 17, 40, 30, 30), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
