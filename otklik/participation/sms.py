"""Sending a one-time code by SMS through a pluggable backend.

`OTKLIK_SMS_BACKEND` names the class (a dotted path). The default, `FileSmsBackend`, writes each message
to a file in `OTKLIK_SMS_DIR` (var/sms/) — for development and tests. A real gateway is a class with the
same `send(phone, text)` method that raises `SmsError` when the gateway refuses; docs/participation.md
shows one. An empty setting turns codes by SMS off (residents then confirm by e-mail only).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The message could not be handed over to the gateway."""


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class FileSmsBackend:
    """Writes every message as a JSON file into OTKLIK_SMS_DIR: nothing leaves the machine."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory or settings.OTKLIK_SMS_DIR)

    def send(self, phone: str, text: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = self.directory / f"{stamp}-{secrets.token_hex(4)}.json"
            path.write_text(json.dumps({"to": phone, "text": text}, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            raise SmsError(str(exc)) from exc


def sms_enabled() -> bool:
    return bool(getattr(settings, "OTKLIK_SMS_BACKEND", ""))


def get_backend() -> SmsBackend:
    path = getattr(settings, "OTKLIK_SMS_BACKEND", "")
    if not path:
        raise SmsError("SMS не настроены (OTKLIK_SMS_BACKEND пуст).")
    backend: SmsBackend = import_string(path)()
    return backend
