"""Publishing a post through a pluggable sender.

`OTKLIK_PUBLICATION_SENDER` names the class (a dotted path):

* `FileSender` (the default) writes the post as a JSON file into OTKLIK_PUBLICATION_DIR (var/publications/)
  — for development, tests, or an external script that picks the files up;
* `WebhookSender` posts the same JSON to OTKLIK_PUBLICATION_WEBHOOK_URL (with «Authorization: Bearer
  OTKLIK_PUBLICATION_WEBHOOK_TOKEN» when set) — a bridge to the social networks' APIs; a JSON answer
  {"url": "…"} gives the link of the published post.

A sender returns the link of the published post ("" when it has none: the page's address is used) and
raises SenderError when the post did not go out (the job tries again later).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SenderError(Exception):
    """The post was not published; the message goes into the post's «send error»."""


class Sender(Protocol):
    def send(self, payload: dict[str, Any]) -> str: ...


class FileSender:
    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory or settings.OTKLIK_PUBLICATION_DIR)

    def send(self, payload: dict[str, Any]) -> str:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = self.directory / f"post-{payload['id']}-{stamp}.json"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
            tmp.replace(path)  # a reader never sees half a file
        except OSError as exc:
            raise SenderError(f"не удалось записать файл: {exc}") from exc
        return ""


class WebhookSender:
    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = url if url is not None else settings.OTKLIK_PUBLICATION_WEBHOOK_URL
        self.token = token if token is not None else settings.OTKLIK_PUBLICATION_WEBHOOK_TOKEN
        self.timeout = timeout if timeout is not None else settings.OTKLIK_PUBLICATION_WEBHOOK_TIMEOUT

    def send(self, payload: dict[str, Any]) -> str:
        if not self.url:
            raise SenderError("не задан адрес OTKLIK_PUBLICATION_WEBHOOK_URL")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "otklik-publications"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read(100_000)
        except urllib.error.HTTPError as exc:
            raise SenderError(f"сервер ответил {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SenderError(f"сервер недоступен: {exc}") from exc
        try:
            data = json.loads(answer or b"{}")
        except ValueError:
            return ""
        url = data.get("url") if isinstance(data, dict) else None
        return str(url)[:500] if isinstance(url, str) and url.startswith(("http://", "https://")) else ""


def get_sender() -> Sender:
    sender: Sender = import_string(settings.OTKLIK_PUBLICATION_SENDER)()
    return sender
