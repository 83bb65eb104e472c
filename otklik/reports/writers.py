"""Writing a `Document` as XLSX (openpyxl), DOCX (python-docx) or PDF (reportlab).

* XLSX: a sheet per kind of table («Сводка», «Блоки», «Виды и каналы», …), each with the header (report,
  period, municipality, as-of and generation time); numbers are numbers with display formats (shares as
  per cent, changes of shares in percentage points), an undefined figure is an empty cell; texts go
  through `safe_cell` (no formula injection).
* DOCX: landscape A4, headings, tables, the charts as PNG images.
* PDF: the same parts laid out by reportlab with the DejaVu fonts shipped inside matplotlib (Cyrillic,
  embedded), page numbers in the footer. No office suite is needed on the server.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from otklik.core.exports import safe_cell
from otklik.reports.document import Chart, Document, Heading, Paragraph, Table, xlsx_header

NUMBER_FORMATS = {
    "count": "0",
    "rate": "0.00",
    "share": "0.0%",
    "days": "0.0",
    "index": "0.0",
    "date": "DD.MM.YYYY",
    "month": "MM.YYYY",
    "d_count": "+0;-0;0",
    "d_rate": "+0.00;-0.00;0.00",
    "d_share": "+0.0%;-0.0%;0.0%",
    "d_days": "+0.0;-0.0;0.0",
    "d_index": "+0.0;-0.0;0.0",
}


def write(doc: Document, fmt: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(doc)
    if fmt == "docx":
        return to_docx(doc)
    if fmt == "pdf":
        return to_pdf(doc)
    raise ValueError(f"unknown format: {fmt}")


# --- XLSX ------------------------------------------------------------------------------------------------


def to_xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    default = wb.active
    sheets: dict[str, Any] = {}
    bold = Font(bold=True)

    def sheet(name: str) -> Any:
        ws = sheets.get(name)
        if ws is not None:
            return ws
        ws = wb.create_sheet(name[:31])
        sheets[name] = ws
        ws.append([safe_cell(doc.title)])
        ws["A1"].font = Font(bold=True, size=14)
        for label, value in xlsx_header(doc)[1:]:
            ws.append([label, safe_cell(value)])
            ws.cell(row=ws.max_row, column=1).font = bold
        ws.column_dimensions["A"].width = 48
        for letter in "BCDEFGHIJKLMNOPQRSTUVWXYZ":
            ws.column_dimensions[letter].width = 15
        return ws

    for table in doc.tables:
        ws = sheet(table.sheet)
        ws.append([])
        ws.append([safe_cell(table.title)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
        ws.append([safe_cell(c.label) for c in table.columns])
        for cell in ws[ws.max_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, values in enumerate(table.rows):
            ws.append([safe_cell(v) if isinstance(v, str) else v for v in values])
            row = ws.max_row
            for c in range(len(values)):
                unit = table.unit_of(r, c)
                if unit in NUMBER_FORMATS:
                    ws.cell(row=row, column=c + 1).number_format = NUMBER_FORMATS[unit]
                if r in table.bold:
                    ws.cell(row=row, column=c + 1).font = bold
        if table.note:
            ws.append([safe_cell(table.note)])
            ws.cell(row=ws.max_row, column=1).font = Font(italic=True)
    wb.remove(default)
    if not sheets:
        ws = sheet("Сводка")
        ws.append([])
        for part in doc.parts:
            if isinstance(part, Paragraph):
                ws.append([safe_cell(part.text)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- DOCX ------------------------------------------------------------------------------------------------


def to_docx(doc: Document) -> bytes:
    from docx import Document as DocxDocument
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    d = DocxDocument()
    section = d.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = d.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    usable = int(section.page_width or 0) - int(section.left_margin or 0) - int(section.right_margin or 0)

    title = d.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.title)
    run.bold = True
    run.font.size = Pt(14)
    if doc.subtitle:
        sub = d.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        sub.add_run(doc.subtitle).bold = True
    for label, value in doc.meta:
        p = d.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)

    for part in doc.parts:
        if isinstance(part, Heading):
            d.add_heading(part.text, level=part.level)
        elif isinstance(part, Paragraph):
            d.add_paragraph(part.text)
        elif isinstance(part, Chart):
            d.add_picture(io.BytesIO(part.png), width=Cm(24))
            caption = d.add_paragraph(part.title)
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(part, Table) and part.in_document:
            _docx_table(d, part, usable)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _docx_table(d: Any, table: Table, usable: int) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    caption = d.add_paragraph()
    caption.paragraph_format.keep_with_next = True
    caption.add_run(table.title).bold = True
    grid = d.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = "Table Grid"
    total_width = sum(c.width for c in table.columns)
    widths = [int(usable * c.width / total_width) for c in table.columns]
    for col, column in enumerate(table.columns):
        cell = grid.rows[0].cells[col]
        cell.width = widths[col]
        para = cell.paragraphs[0]
        run = para.add_run(column.label)
        run.bold = True
        run.font.size = Pt(8)
    for r in range(len(table.rows)):
        cells = grid.rows[r + 1].cells
        for col in range(len(table.columns)):
            cell = cells[col]
            cell.width = widths[col]
            para = cell.paragraphs[0]
            run = para.add_run(table.text(r, col))
            run.font.size = Pt(8)
            run.bold = r in table.bold
            if table.unit_of(r, col) != "text":
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.note:
        note = d.add_paragraph()
        note.add_run(table.note).italic = True


# --- PDF -------------------------------------------------------------------------------------------------

_FONTS_READY = False


def _fonts() -> tuple[str, str]:
    """DejaVu Sans from matplotlib's own data (always there with the charts), registered once."""
    global _FONTS_READY
    if not _FONTS_READY:
        import matplotlib
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(fonts / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
        _FONTS_READY = True
    return "DejaVuSans", "DejaVuSans-Bold"


#: The PDF tables' cells: font size, leading and side padding (points).
CELL_SIZE, CELL_LEADING, CELL_PADDING = 7.5, 9, 3


@cache
def _chart_image() -> type:
    """The flowable of a chart in the PDF, as reportlab's Image draws it (centred, at the given size), its
    PNG read only when its page is drawn: the layout needs only the size. (A class made once, on the
    first PDF: reportlab is imported only for PDFs.)"""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Flowable

    class ChartImage(Flowable):  # type: ignore[misc]
        _fixedWidth = _fixedHeight = 1

        def __init__(self, chart: Chart, width: float, height: float) -> None:
            super().__init__()
            self.chart, self.width, self.height, self.hAlign = chart, width, height, "CENTER"

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return self.width, self.height

        def draw(self) -> None:
            image = ImageReader(io.BytesIO(self.chart.png))
            self.canv.drawImage(image, 0, 0, self.width, self.height, mask="auto")

    return ChartImage


def to_pdf(doc: Document) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Paragraph as Para
    from reportlab.platypus import Table as PdfTable

    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=11.5)
    styles = {
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=14, leading=18, alignment=1),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontName=bold, fontSize=11, leading=14, alignment=1
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=bold,
            fontSize=13,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=bold,
            fontSize=11,
            leading=14,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "caption": ParagraphStyle(
            "caption", parent=base, fontName=bold, fontSize=9, spaceBefore=4, spaceAfter=3
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=CELL_SIZE, leading=CELL_LEADING),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=bold, fontSize=CELL_SIZE, leading=CELL_LEADING
        ),
        "num": ParagraphStyle("num", parent=base, fontSize=CELL_SIZE, leading=CELL_LEADING, alignment=2),
        "num_bold": ParagraphStyle(
            "num_bold", parent=base, fontName=bold, fontSize=CELL_SIZE, leading=CELL_LEADING, alignment=2
        ),
        "note": ParagraphStyle("note", parent=base, fontSize=8, textColor=colors.HexColor("#4f5b66")),
    }

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    out = io.BytesIO()
    page = landscape(A4)
    margin = 1.5 * cm
    template = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=doc.title,
        author="Отклик",
        subject=doc.subtitle,
    )
    usable = page[0] - 2 * margin
    story: list[Any] = [Para(esc(doc.title), styles["title"])]
    if doc.subtitle:
        story.append(Para(esc(doc.subtitle), styles["subtitle"]))
    story.append(Spacer(1, 6))
    for label, value in doc.meta:
        story.append(Para(f"<b>{esc(label)}:</b> {esc(value)}", base))
    for part in doc.parts:
        if isinstance(part, Heading):
            story.append(Para(esc(part.text), styles["h1" if part.level == 1 else "h2"]))
        elif isinstance(part, Paragraph):
            story.append(Para(esc(part.text), base))
        elif isinstance(part, Chart):
            width = 19 * cm
            # Read when its page is drawn: the charts are still being drawn by other processes as the
            # document is laid out (charts.drawing), each waited for only where it goes.
            story.append(KeepTogether([_chart_image()(part, width, width * 0.4)]))
        elif isinstance(part, Table) and part.in_document:
            total_width = sum(c.width for c in part.columns)
            widths = [usable * c.width / total_width for c in part.columns]
            data: list[list[Any]] = [[Para(esc(c.label), styles["cell_bold"]) for c in part.columns]]
            for r in range(len(part.rows)):
                font = bold if r in part.bold else regular
                cells = []
                for c in range(len(part.columns)):
                    text = part.text(r, c)
                    if part.unit_of(r, c) == "text":
                        cells.append(Para(esc(text), styles["cell_bold" if font == bold else "cell"]))
                    elif stringWidth(text, font, CELL_SIZE) <= widths[c] - 2 * CELL_PADDING:
                        # A number that fits its column on one line: drawn as a string, in the same
                        # font, size and place as a right-aligned paragraph, without its markup parser
                        # and line breaking (most of the PDF's time, cell by cell).
                        cells.append(text)
                    else:
                        cells.append(Para(esc(text), styles["num_bold" if font == bold else "num"]))
                data.append(cells)
            commands: list[Any] = [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a96a3")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                # the string cells (numbers): as the "num" paragraph style
                ("FONT", (0, 1), (-1, -1), regular, CELL_SIZE, CELL_LEADING),
                ("ALIGN", (0, 1), (-1, -1), "RIGHT"),
            ]
            for r in part.bold:
                commands.append(("BACKGROUND", (0, r + 1), (-1, r + 1), colors.HexColor("#f3f5f8")))
                commands.append(("FONT", (0, r + 1), (-1, r + 1), bold, CELL_SIZE, CELL_LEADING))
            grid = PdfTable(data, colWidths=widths, repeatRows=1, style=TableStyle(commands))
            story.append(KeepTogether([Para(esc(part.title), styles["caption"]), grid]))
            if part.note:
                story.append(Para(esc(part.note), styles["note"]))

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(colors.HexColor("#4f5b66"))
        canvas.drawString(margin, margin / 2, f"«Отклик» · {doc.title}"[:150])
        canvas.drawRightString(page[0] - margin, margin / 2, f"стр. {canvas.getPageNumber()}")
        canvas.restoreState()

    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
