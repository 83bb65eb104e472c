"""Documents of participation: a poll's results as XLSX, a discussion's final protocol as DOCX."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone

from otklik.core.exports import safe_cell
from otklik.participation import selectors
from otklik.participation.models import Comment, Discussion, Poll, Proposal
from otklik.participation.selectors import PollResults

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _local(moment: Any, tz: Any) -> str:
    return f"{timezone.localtime(moment, tz):%d.%m.%Y %H:%M}" if moment else "—"


def results_file_name(poll: Poll) -> str:
    return f"itogi-{poll.slug}.xlsx"


def results_workbook(results: PollResults) -> bytes:
    """Sheet «Итоги»: every question's options with totals, site and platform counts and the settlements;
    «Свободные ответы»: the texts (no names); «Участники»: for a named poll only, who took part."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    poll = results.poll
    tz = poll.municipality.tz
    bold = Font(bold=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Итоги"
    ws.append([f"{poll.noun}: {poll.title}"])
    ws["A1"].font = Font(bold=True, size=14)
    phase = "окончательные" if poll.status == "closed" else "промежуточные"
    for label, value in (
        ("Муниципальное образование", poll.municipality.name),
        ("Период", f"{_local(poll.starts_at, tz)} — {_local(poll.ends_at, tz)}"),
        ("Итоги", f"{phase}, на {_local(timezone.now(), tz)}"),
        ("Участников на сайте", results.ballots_site),
        ("Участников с платформы (по идентификатору)", results.ballots_platform),
        ("Вид", "анонимный" if poll.is_anonymous else "именной"),
    ):
        ws.append([label, safe_cell(value)])
        ws.cell(row=ws.max_row, column=1).font = bold
    ws.append([])
    ws.append(["Участников по поселениям", "", "", "", *[safe_cell(c.name) for c in results.columns]])
    ws.cell(row=ws.max_row, column=1).font = bold
    ws.append(["", "", "", "", *results.ballots_by_settlement])
    for q in results.questions:
        ws.append([])
        ws.append([safe_cell(f"{q.question.order}. {q.question.text}"), q.question.get_kind_display()])
        ws.cell(row=ws.max_row, column=1).font = bold
        if q.is_text:
            ws.append(["Свободных ответов", q.text_count])
            continue
        head = [
            "Вариант",
            "Всего",
            "Доля",
            "На сайте",
            *[safe_cell(c.name) for c in results.columns],
            "С платформы",
        ]
        ws.append(head)
        for cell in ws[ws.max_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r in q.rows:
            ws.append([safe_cell(r.label), r.total, r.share, r.site, *r.by_settlement, r.platform])
            ws.cell(row=ws.max_row, column=3).number_format = "0.0%"
        ws.append(["Итого", q.total, 1 if q.total else None, None])
        ws.cell(row=ws.max_row, column=1).font = bold
        ws.cell(row=ws.max_row, column=3).number_format = "0.0%"
        if q.mean is not None:
            ws.append(["Средняя оценка", round(q.mean, 2)])
    ws.column_dimensions["A"].width = 48
    for col in "BCDEFGHIJKLMNOP":
        ws.column_dimensions[col].width = 16

    texts = wb.create_sheet("Свободные ответы")
    texts.append(["Вопрос", "Поселение", "Когда", "Ответ"])
    for cell in texts[1]:
        cell.font = bold
    for a in selectors.all_text_answers(poll):
        settlement = a.ballot.settlement.name if a.ballot.settlement else selectors.NONE_COLUMN
        texts.append(
            [f"{a.question.order}. {a.question.text}", settlement, _local(a.ballot.created_at, tz), a.text]
        )
    texts.column_dimensions["A"].width = 40
    texts.column_dimensions["B"].width = 30
    texts.column_dimensions["C"].width = 18
    texts.column_dimensions["D"].width = 80
    if not poll.is_anonymous:
        people = wb.create_sheet("Участники")
        people.append(["Фамилия и имя", "Контакт", "Поселение", "Когда", "Источник"])
        for cell in people[1]:
            cell.font = bold
        for b in poll.ballots.select_related("settlement").order_by("created_at", "pk"):
            people.append(
                [
                    b.name,
                    b.contact,
                    b.settlement.name if b.settlement else selectors.NONE_COLUMN,
                    _local(b.created_at, tz),
                    b.get_source_display(),
                ]
            )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the protocol -----------------------------------------------------------------------------------


def protocol_file_name(discussion: Discussion) -> str:
    return f"protokol-{discussion.slug}.docx"


def _comment_line(c: Comment) -> str:
    where = f", {c.settlement.name}" if c.settlement else ""
    return f"{c.author_name}{where}: {c.text}"


def protocol_docx(discussion: Discussion) -> bytes:
    """The final protocol: the subject, the period, the documents, the comments received and how the
    moderation went (with the reasons of rejections), every proposal with its comments, the decision and
    the administration's response, and the conclusion."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    tz = discussion.municipality.tz
    summary = selectors.moderation_summary(discussion)
    proposals: list[Proposal] = selectors.proposals(discussion)
    ungrouped = list(selectors.ungrouped_comments(discussion))

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[attr-defined]
    style.font.size = Pt(12)  # type: ignore[attr-defined]
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.add_run(f"{discussion.municipality.name}\nМуниципальный центр управления").bold = True
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(f"ПРОТОКОЛ\nобщественного обсуждения\n«{discussion.title}»").bold = True

    doc.add_paragraph(
        f"Приём комментариев: с {_local(discussion.starts_at, tz)} по {_local(discussion.ends_at, tz)}."
    )
    doc.add_paragraph(f"Предмет обсуждения: {discussion.description}")
    documents = list(discussion.documents.all())
    if documents:
        doc.add_paragraph("Документы, представленные на обсуждение:")
        for d in documents:
            doc.add_paragraph(d.title, style="List Bullet")

    doc.add_heading("1. Поступившие комментарии", level=2)
    doc.add_paragraph(
        f"Поступило комментариев: {summary.received}; опубликовано: {summary.published}; "
        f"отклонено при модерации: {summary.rejected}; ожидают модерации: {summary.pending}."
    )
    if summary.by_reason:
        doc.add_paragraph("Причины отклонения (по правилам модерации):")
        for text, n in summary.by_reason:
            doc.add_paragraph(f"{text} — {n}", style="List Bullet")

    doc.add_heading("2. Предложения и ответы администрации", level=2)
    if proposals:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            ("№", "Предложение и комментарии жителей", "Решение", "Ответ администрации"),
            strict=True,
        ):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for p in proposals:
            cells = table.add_row().cells
            cells[0].text = str(p.order)
            cells[1].text = p.summary
            for c in p.comments.all():
                if c.status == Comment.Status.PUBLISHED:
                    cells[1].add_paragraph(f"— {_comment_line(c)}")
            cells[2].text = p.get_decision_display() if p.decision else "решение не принято"
            cells[3].text = p.response or "ответ не подготовлен"
    else:
        doc.add_paragraph("Предложений не поступило.")
    if ungrouped:
        doc.add_paragraph("Опубликованные комментарии, не отнесённые к предложениям:")
        for c in ungrouped:
            doc.add_paragraph(_comment_line(c), style="List Bullet")

    doc.add_heading("3. Итог обсуждения", level=2)
    doc.add_paragraph(discussion.conclusion or "Итог не сформулирован.")
    doc.add_paragraph("")
    doc.add_paragraph(f"Дата составления протокола: {timezone.localtime(timezone.now(), tz):%d.%m.%Y}")
    doc.add_paragraph("Руководитель МЦУ ____________________ / ____________________ /")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
