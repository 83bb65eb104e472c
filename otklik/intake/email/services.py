"""Polling the centre's mailbox over IMAP: every unseen letter becomes an appeal (channel «эл. почта»).

Letters are marked seen (or moved to OTKLIK_IMAP_DONE_FOLDER) only after the cases are committed; a crash
before that means the letters are fetched again next time, and the Message-ID key keeps them from being
taken in twice. A letter that cannot be taken in is flagged and left in the mailbox for a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags

from otklik.intake.email.parse import LetterRejected, parse_letter
from otklik.intake.services import IntakeError, intake
from otklik.territory.models import Municipality

log = logging.getLogger(__name__)


@dataclass
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    ssl: bool = True
    folder: str = "INBOX"
    done_folder: str = ""
    municipality: str = ""

    @classmethod
    def from_settings(cls) -> ImapConfig:
        return cls(
            host=settings.OTKLIK_IMAP_HOST,
            port=settings.OTKLIK_IMAP_PORT,
            user=settings.OTKLIK_IMAP_USER,
            password=settings.OTKLIK_IMAP_PASSWORD,
            ssl=settings.OTKLIK_IMAP_SSL,
            folder=settings.OTKLIK_IMAP_FOLDER,
            done_folder=settings.OTKLIK_IMAP_DONE_FOLDER,
            municipality=settings.OTKLIK_IMAP_MUNICIPALITY or settings.OTKLIK_DEFAULT_MUNICIPALITY,
        )


@dataclass
class PollResult:
    fetched: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "fetched": self.fetched,
            "created": self.created,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class MailboxError(RuntimeError):
    """The mailbox cannot be reached or read; the message is for people, in Russian."""


def _connect(config: ImapConfig) -> Any:
    box = MailBox(config.host, config.port) if config.ssl else MailBoxUnencrypted(config.host, config.port)
    return box.login(config.user, config.password, initial_folder=config.folder)


def poll_mailbox(config: ImapConfig | None = None, *, limit: int | None = None) -> PollResult:
    config = config or ImapConfig.from_settings()
    if not config.host:
        raise MailboxError("Почтовый ящик не настроен: задайте OTKLIK_IMAP_HOST, OTKLIK_IMAP_USER и пароль.")
    municipality = Municipality.objects.filter(code=config.municipality).first()
    if municipality is None:
        raise MailboxError(
            f"Муниципальное образование «{config.municipality}» не найдено (OTKLIK_IMAP_MUNICIPALITY)."
        )
    result = PollResult()
    try:
        mailbox = _connect(config)
    except Exception as exc:
        raise MailboxError(f"Не удалось войти в почтовый ящик {config.user}@{config.host}: {exc}") from exc
    with mailbox:
        messages = list(mailbox.fetch(AND(seen=False), mark_seen=False, limit=limit, bulk=True))
        result.fetched = len(messages)
        items, taken, rejected = [], [], []
        seen_ids: set[str] = set()
        for msg in messages:
            try:
                letter = parse_letter(msg.obj.as_bytes())
                letter.item.normalised()
            except (LetterRejected, IntakeError) as exc:
                rejected.append(msg.uid)
                result.reasons.append(f"«{msg.subject or 'без темы'}» от {msg.from_}: {exc}")
                continue
            taken.append(msg.uid)
            if letter.item.external_id in seen_ids:
                result.unchanged += 1
                continue
            seen_ids.add(letter.item.external_id or "")
            items.append(letter.item)
        outcome = intake(items, municipality=municipality)  # one transaction; committed when it returns
        result.created += outcome.count("created")
        result.unchanged += outcome.count("unchanged") + outcome.count("updated")
        result.rejected = len(rejected)
        if taken:
            if config.done_folder:
                mailbox.folder.exists(config.done_folder) or mailbox.folder.create(config.done_folder)
                mailbox.move(taken, config.done_folder)
            else:
                mailbox.flag(taken, MailMessageFlags.SEEN, True)
        if rejected:
            mailbox.flag(rejected, [MailMessageFlags.FLAGGED, MailMessageFlags.SEEN], True)
    for reason in result.reasons:
        log.warning("Письмо не принято: %s", reason)
    return result


def poll_if_configured() -> PollResult | None:
    """The worker's periodic step: nothing when no mailbox is configured."""
    if not settings.OTKLIK_IMAP_HOST:
        return None
    return poll_mailbox()
