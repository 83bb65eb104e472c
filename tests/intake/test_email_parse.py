"""Letters of every common shape → intake items (no server needed)."""

from __future__ import annotations

from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

import pytest

from otklik.intake.email.parse import LetterRejected, html_to_text, parse_letter

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def letter(
    body="Прошу отремонтировать дорогу на ул. Ленина.", charset="utf-8", subtype="plain", cte=None, **headers
):
    msg = MIMEText(body, subtype, charset)
    if cte == "base64":
        pass  # MIMEText picks base64 for utf-8 by default
    msg["From"] = headers.get("from_", formataddr((str(Header("Петров Иван", charset)), "petrov@example.ru")))
    msg["To"] = "mcu@example.ru"
    msg["Subject"] = str(Header(headers.get("subject", "Дорога"), charset))
    msg["Date"] = headers.get("date", "Mon, 23 Nov 2026 10:15:00 +0300")
    if headers.get("message_id", True):
        msg["Message-ID"] = headers.get("mid", "<abc-123@example.ru>")
    return msg


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251", "koi8-r"])
def test_cyrillic_in_every_common_charset(db, charset):
    parsed = parse_letter(letter(charset=charset).as_bytes()).item
    assert parsed.text == "Прошу отремонтировать дорогу на ул. Ленина."
    assert parsed.title == "Дорога"
    assert (parsed.author_name, parsed.author_email) == ("Петров Иван", "petrov@example.ru")
    assert (
        parsed.external_id == "abc-123@example.ru" and parsed.channel == "email" and parsed.kind == "appeal"
    )
    assert parsed.received_at.isoformat() == "2026-11-23T10:15:00+03:00"


def test_quoted_printable_body(db):
    from email import charset as cs

    qp_charset = cs.Charset("utf-8")
    qp_charset.body_encoding = cs.QP
    msg = MIMEText("", "plain", qp_charset)
    msg.set_payload("Нет воды третий день = совсем", qp_charset)
    for key, value in letter().items():
        if key.lower() not in ("content-type", "mime-version", "content-transfer-encoding"):
            msg[key] = value
    assert b"quoted-printable" in msg.as_bytes()
    assert parse_letter(msg.as_bytes()).item.text == "Нет воды третий день = совсем"


def test_html_only_letter_becomes_plain_text(db):
    html = "<html><head><style>p{}</style></head><body><p>Нет&nbsp;света</p><p>на <b>ул. Мира</b></p></body>"
    assert parse_letter(letter(html, subtype="html").as_bytes()).item.text == "Нет света\n\nна ул. Мира"
    assert html_to_text("<div>один<br>два</div><script>x()</script>") == "один\nдва"


def test_attachments_are_kept_and_bad_ones_are_noted(db):
    msg = MIMEMultipart()
    for k, v in letter().items():
        if k.lower() not in ("content-type", "mime-version", "content-transfer-encoding"):
            msg[k] = v
    msg.attach(MIMEText("Текст письма", "plain", "utf-8"))
    pdf = MIMEApplication(PDF, "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "заявление.pdf"))
    msg.attach(pdf)
    exe = MIMEApplication(b"MZ\x90\x00", "octet-stream")
    exe.add_header("Content-Disposition", "attachment", filename="virus.exe")
    msg.attach(exe)
    inline = MIMEImage(PNG, "png")
    inline.add_header("Content-Disposition", "inline")
    msg.attach(inline)
    parsed = parse_letter(msg.as_bytes())
    assert [name for name, _ in parsed.item.attachments] == ["заявление.pdf"]
    assert parsed.item.attachments[0][1] == PDF
    assert len(parsed.rejected_files) == 1 and "virus.exe" in parsed.rejected_files[0]
    assert "[Не приняты вложения:" in parsed.item.text and parsed.item.text.startswith("Текст письма")


def test_letter_with_only_an_attachment(db):
    msg = MIMEMultipart()
    msg["From"], msg["Subject"], msg["Message-ID"] = "a@example.ru", "Скан", "<x@y>"
    pdf = MIMEApplication(PDF, "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename="scan.pdf")
    msg.attach(pdf)
    assert parse_letter(msg.as_bytes()).item.text == "Обращение во вложении: scan.pdf."


def test_empty_letter_is_rejected(db):
    with pytest.raises(LetterRejected, match="Пустое письмо"):
        parse_letter(letter(body="   ").as_bytes())


def test_without_message_id_the_key_is_the_content_hash(db):
    raw = letter(message_id=False).as_bytes()
    first, again = parse_letter(raw).item, parse_letter(raw).item
    assert first.external_id.startswith("sha256:") and first.external_id == again.external_id
