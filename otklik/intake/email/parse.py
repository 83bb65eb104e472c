"""A letter (RFC 822 bytes) → an intake item: sender, subject, plain text, attachments. Pure, no I/O."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header, make_header
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from imap_tools import MailMessage

from otklik.cases.uploads import MAX_FILE_SIZE, check_upload
from otklik.intake.services import IntakeItem

MAX_ATTACHMENTS = 20


class LetterRejected(ValueError):
    """A letter that cannot become an appeal; the reason is for people, in Russian."""


class _Text(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


@dataclass
class Letter:
    item: IntakeItem
    rejected_files: list[str] = field(default_factory=list)


def message_id(msg: MailMessage, raw: bytes) -> str:
    value = (msg.headers.get("message-id") or ("",))[0].strip().strip("<>").strip()
    return value[:100] if value else "sha256:" + hashlib.sha256(raw).hexdigest()[:64]


def _received(msg: MailMessage) -> datetime:
    date = msg.date
    if date is None or date.year < 2000:
        return timezone.now()
    if date.tzinfo is None:
        date = timezone.make_aware(date)
    return min(date, timezone.now())


def sender_of(msg: MailMessage) -> tuple[str, str]:
    """(name, e-mail) of the sender, also when a client encoded the whole From header as one word."""
    value = msg.from_values
    if value is not None and value.email:
        return value.name or "", value.email
    header = (msg.headers.get("from") or ("",))[0]
    try:
        decoded = str(make_header(decode_header(header)))
    except (ValueError, LookupError):
        decoded = header
    name, address = parseaddr(decoded)
    return name, address if "@" in address else ""


def parse_letter(raw: bytes) -> Letter:
    msg = MailMessage.from_bytes(raw)
    text = (msg.text or "").strip()
    if not text and msg.html:
        text = html_to_text(msg.html)
    attachments: list[tuple[str, bytes]] = []
    rejected: list[str] = []
    for part in msg.attachments:
        if not part.filename:
            continue  # inline pictures of a signature and the like
        if len(attachments) >= MAX_ATTACHMENTS:
            rejected.append(f"«{part.filename}»: больше {MAX_ATTACHMENTS} вложений")
            continue
        payload: bytes = part.payload
        if len(payload) > MAX_FILE_SIZE:
            rejected.append(f"«{part.filename}»: больше 10 МБ")
            continue
        problem = check_upload(SimpleUploadedFile(part.filename, payload))
        if problem:
            rejected.append(problem)
            continue
        attachments.append((part.filename, payload))
    if not text and not attachments:
        raise LetterRejected("Пустое письмо: нет ни текста, ни вложений, которые можно принять.")
    if not text:
        text = "Обращение во вложении: " + ", ".join(name for name, _ in attachments) + "."
    if rejected:
        text += "\n\n[Не приняты вложения: " + "; ".join(rejected) + "]"
    name, address = sender_of(msg)
    raw_payload: dict[str, Any] = {
        "message_id": message_id(msg, raw),
        "from": msg.from_,
        "to": list(msg.to),
        "subject": msg.subject,
        "date": msg.date_str,
        "attachments": [name for name, _ in attachments],
        "rejected_attachments": rejected,
    }
    item = IntakeItem(
        channel="email",
        kind="appeal",
        text=text,
        title=msg.subject or "",
        received_at=_received(msg),
        external_id=message_id(msg, raw),
        author_name=name,
        author_email=address,
        attachments=attachments,
        raw=raw_payload,
    )
    return Letter(item, rejected)
