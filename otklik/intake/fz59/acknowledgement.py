"""The author's acknowledgement of registration (уведомление о регистрации обращения) as a DOCX file."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from otklik.cases.models import Case

SUMMARY_CHARS = 600


def acknowledgement_file_name(case: Case) -> str:
    safe = "".join(
        ch if ch.isalnum() or ch in "-_" else "_" for ch in case.registration_number or str(case.pk)
    )
    return f"uvedomlenie-{safe}.docx"


def _date(value: object, tz: object) -> str:
    if value is None:
        return "—"
    return timezone.localtime(value, tz).strftime("%d.%m.%Y")  # type: ignore[arg-type]


def _addressee(case: Case) -> str:
    parts = case.author_name.split()
    return " ".join(parts[1:3]) if len(parts) >= 2 else case.author_name


def acknowledgement_docx(case: Case) -> bytes:
    tz = case.municipality.tz
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[attr-defined]
    style.font.size = Pt(13)  # type: ignore[attr-defined]

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.add_run(f"{case.municipality.name}\nМуниципальный центр управления").bold = True

    to = doc.add_paragraph()
    to.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    lines = [case.author_name or "Автору обращения"]
    if case.author_address:
        lines.append(case.author_address)
    if case.author_email:
        lines.append(case.author_email)
    to.add_run("\n".join(lines))

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("УВЕДОМЛЕНИЕ\nо регистрации обращения").bold = True

    name = _addressee(case)
    doc.add_paragraph(f"Уважаемый(ая) {name}!" if name else "Уважаемый автор обращения!")
    doc.add_paragraph(
        f"Ваше обращение, поступившее {_date(case.received_at, tz)} "
        f"({case.get_channel_display()}), зарегистрировано {_date(case.registered_at, tz)} "
        f"под номером {case.registration_number}."
    )
    if case.co_authors:
        doc.add_paragraph(
            f"Обращение коллективное: кроме вас, его подписали {len(case.co_authors)} чел. "
            "Ответ будет направлен по адресу, указанному первым."
        )
    doc.add_paragraph(
        "В соответствии с Федеральным законом от 02.05.2006 № 59-ФЗ «О порядке рассмотрения обращений "
        "граждан Российской Федерации» обращение будет рассмотрено в течение 30 дней со дня регистрации"
        + (f" — не позднее {_date(case.due_at, tz)}." if case.due_at else ".")
        + " В исключительных случаях срок может быть продлён не более чем на 30 дней, о чём вам сообщат."
    )
    if case.tracking_token:
        link = f"{settings.OTKLIK_BASE_URL}/track/{case.tracking_token}/"
        doc.add_paragraph(f"Следить за ходом рассмотрения можно по ссылке: {link}")
    doc.add_paragraph("Краткое содержание обращения:").runs[0].italic = True
    summary = case.text if len(case.text) <= SUMMARY_CHARS else case.text[:SUMMARY_CHARS].rstrip() + "…"
    doc.add_paragraph(summary)
    footer = doc.add_paragraph()
    footer.add_run(f"Дата уведомления: {timezone.localtime(timezone.now(), tz).strftime('%d.%m.%Y')}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
