"""Checks of a discussion's documents: PDF, DOCX or ODT by name and by content, size, no programs — the
same kind of check as `otklik.cases.uploads.check_upload`, for the formats of official documents."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from otklik.cases.uploads import check_upload

DOCUMENT_EXTENSIONS = ("pdf", "docx", "odt")
MAX_DOCUMENT_SIZE = 20 * 1024 * 1024
_ODT_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.text"
_EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"#!")


def check_document(upload: Any) -> str | None:
    """Why the file cannot be published with a discussion (a Russian sentence), or None."""
    name = upload.name or "без имени"
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext not in DOCUMENT_EXTENSIONS:
        return f"Файл «{name}»: к обсуждению прикладываются документы PDF, DOCX или ODT."
    if upload.size is not None and upload.size > MAX_DOCUMENT_SIZE:
        return f"Файл «{name}» больше 20 МБ: уменьшите его или разделите на части."
    if ext in ("pdf", "docx") and (upload.size or 0) <= 10 * 1024 * 1024:
        return check_upload(upload)
    if not upload.size:
        return f"Файл «{name}» пустой."
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if head.startswith(_EXECUTABLE_SIGNATURES):
        return f"Файл «{name}» — программа или сценарий, а не документ; прикладывать его нельзя."
    ok = {
        "pdf": b"%PDF" in head,
        "docx": head.startswith(b"PK\x03\x04"),
        "odt": head.startswith(b"PK\x03\x04") and _ODT_MIMETYPE in head,
    }[ext]
    if not ok:
        return f"Файл «{name}» не является файлом {ext.upper()}: содержимое не совпадает с расширением."
    return None
