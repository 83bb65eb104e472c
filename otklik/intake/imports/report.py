"""The rejected-rows report of an import as XLSX (values that look like formulas are neutralised)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from otklik.core.exports import safe_cell
from otklik.intake.models import ImportBatch


def rejections_xlsx(batch: ImportBatch) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Отклонённые строки"
    ws.append(["Импорт", batch.pk, "Файл", safe_cell(batch.file_name), "Канал", batch.channel])
    ws.append(
        [
            "Создано",
            batch.created,
            "Обновлено",
            batch.updated,
            "Без изменений",
            batch.unchanged,
            "Отклонено",
            batch.rejected,
        ]
    )
    ws.append([])
    fields = sorted({key for r in batch.rejections.all() for key in r.raw})
    header = ["Строка", "Идентификатор", "Причина", *fields]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in batch.rejections.order_by("row", "id"):
        ws.append(
            [
                r.row,
                safe_cell(r.external_id),
                safe_cell(r.reason),
                *[safe_cell(r.raw.get(f, "")) for f in fields],
            ]
        )
    if batch.warnings:
        ws2 = wb.create_sheet("Предупреждения")
        for warning in batch.warnings:
            ws2.append([safe_cell(warning)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
