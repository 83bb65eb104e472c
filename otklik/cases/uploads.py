"""Checks of files attached to cases and answers: type by name and by content, size, count."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

MAX_FILES = 5
MAX_FILE_SIZE = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx", "xlsx", "txt")

#: What the first bytes of a file of each type look like; a renamed program does not pass.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
_EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"#!")


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def _head(upload: Any, size: int = 1024) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def check_upload(upload: Any) -> str | None:
    """Why the file cannot be attached (a Russian sentence), or None when it is fine."""
    name = upload.name or "без имени"
    ext = _extension(name)
    if ext not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(ALLOWED_EXTENSIONS)
        return f"Файл «{name}»: такой тип файлов прикладывать нельзя. Допустимые форматы: {allowed}."
    if upload.size is not None and upload.size > MAX_FILE_SIZE:
        return f"Файл «{name}» больше 10 МБ: уменьшите его или разделите на части."
    if not upload.size:
        return f"Файл «{name}» пустой."
    head = _head(upload)
    if head.startswith(_EXECUTABLE_SIGNATURES):
        return f"Файл «{name}» — программа или сценарий, а не документ; прикладывать его нельзя."
    signatures = _SIGNATURES.get(ext)
    if signatures and not any(head.startswith(s) or (ext == "pdf" and s in head) for s in signatures):
        return f"Файл «{name}» не является файлом {ext.upper()}: содержимое не совпадает с расширением."
    return None


#: What a stored file is sent as: always a download, never a type a browser would render as a page.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
}


def download_response(handle: Any, name: str) -> Any:
    """Send an uploaded file as an attachment with a safe type: an `.html` or `.svg` someone managed to
    store is sent as application/octet-stream, and the browser is told not to sniff nor run anything."""
    from django.http import FileResponse

    content_type = CONTENT_TYPES.get(_extension(name or ""), "application/octet-stream")
    response = FileResponse(handle, as_attachment=True, filename=name or "file", content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
