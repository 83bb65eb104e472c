"""`otklik email poll`: take in the unseen letters of the centre's mailbox."""

from __future__ import annotations

import argparse
import json
from typing import Any

from otklik.cli import CliError


def cmd_email_poll(args: argparse.Namespace) -> int:
    from otklik.cli import _django

    _django()
    from otklik.intake.email.services import MailboxError, poll_mailbox

    try:
        result = poll_mailbox(limit=args.limit)
    except MailboxError as exc:
        raise CliError(str(exc)) from exc
    for reason in result.reasons:
        print(f"Не принято: {reason}")
    print(
        f"Писем: {result.fetched}; новых обращений: {result.created}; уже известных: {result.unchanged}; "
        f"не принято: {result.rejected}"
    )
    print(json.dumps(result.as_dict()))
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "email", help="приём обращений по эл. почте", description="Приём обращений по эл. почте."
    )
    email_sub = p.add_subparsers(dest="email_command", metavar="ДЕЙСТВИЕ")
    email_sub.required = True
    poll = email_sub.add_parser(
        "poll",
        help="забрать новые письма из почтового ящика (IMAP)",
        description="Забрать непрочитанные письма из ящика OTKLIK_IMAP_* и зарегистрировать как обращения. "
        'Последняя строка — JSON {"fetched", "created", "unchanged", "rejected"}.',
    )
    poll.add_argument("--limit", type=int, help="не больше N писем за раз")
    poll.set_defaults(func=cmd_email_poll)
