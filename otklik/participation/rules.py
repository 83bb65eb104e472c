"""The rules of polls, discussions and comments as pure functions: the allowed status changes, when a poll
or a discussion takes answers, shares, and the address (slug) of a public page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

DRAFT = "draft"
PUBLISHED = "published"
CLOSED = "closed"

PENDING = "pending"
APPROVED = "published"
REJECTED = "rejected"

#: A poll or a discussion: drafted, published (taking answers or comments in its period), closed.
LIFECYCLE: dict[str, frozenset[str]] = {
    DRAFT: frozenset({PUBLISHED}),
    PUBLISHED: frozenset({CLOSED}),
    CLOSED: frozenset(),
}
#: A comment waits for a moderator, who publishes or rejects it; a moderator may revise the decision
#: while the comment period lasts (a rejected comment published after all, or the reverse).
MODERATION: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, REJECTED}),
    APPROVED: frozenset({REJECTED}),
    REJECTED: frozenset({APPROVED}),
}


class TransitionError(ValueError):
    """A status change that the graph does not allow; the message is for people."""


_LABELS = {DRAFT: "черновик", PUBLISHED: "опубликован", CLOSED: "завершён"}
_COMMENT_LABELS = {PENDING: "ждёт модерации", APPROVED: "опубликован", REJECTED: "отклонён"}


def check_transition(current: str, target: str) -> None:
    if target not in LIFECYCLE.get(current, frozenset()):
        raise TransitionError(
            f"Нельзя перейти из состояния «{_LABELS.get(current, current)}» "
            f"в «{_LABELS.get(target, target)}»."
        )


def check_moderation(current: str, target: str) -> None:
    if target not in MODERATION.get(current, frozenset()):
        raise TransitionError(
            f"Комментарий уже {_COMMENT_LABELS.get(current, current)}: "
            f"перевести его в состояние «{_COMMENT_LABELS.get(target, target)}» нельзя."
        )


@dataclass(frozen=True)
class Window:
    """A period of answers or comments: [starts_at, ends_at)."""

    status: str
    starts_at: datetime
    ends_at: datetime


def phase(window: Window, now: datetime) -> str:
    """draft | upcoming | open | ended | closed."""
    if window.status == DRAFT:
        return "draft"
    if window.status == CLOSED:
        return "closed"
    if now < window.starts_at:
        return "upcoming"
    if now >= window.ends_at:
        return "ended"
    return "open"


def is_open(window: Window, now: datetime) -> bool:
    return phase(window, now) == "open"


def closed_reason(window: Window, now: datetime, *, noun: str = "Опрос") -> str:
    """Why answers are not taken now (a sentence for the resident), or "" when they are."""
    current = phase(window, now)
    if current == "open":
        return ""
    if current == "upcoming":
        return f"{noun} ещё не начался: приходите после его начала."
    if current == "draft":
        return f"{noun} ещё не опубликован."
    return f"{noun} завершён: ответы больше не принимаются."


def share(part: int, whole: int) -> float | None:
    """part / whole as a fraction 0…1; None when there is nothing to divide by."""
    return part / whole if whole else None


def mean(pairs: list[tuple[int, int]]) -> float | None:
    """The mean of scale answers given as (value, count) pairs; None without answers."""
    total = sum(count for _, count in pairs)
    if not total:
        return None
    return sum(value * count for value, count in pairs) / total


_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)
SLUG_MAX = 60
#: Addresses of the public pages themselves (/polls/check/, /polls/mo/…): never a poll's slug.
RESERVED_SLUGS = frozenset({"check", "mo", "new"})


def slug_for(title: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A readable Latin address from a Russian title («Благоустройство парка» → «blagoustroystvo-parka»),
    at most SLUG_MAX characters, made unique against `taken` with «-2», «-3», …"""
    text = title.lower().translate(_TRANSLIT)
    base = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:SLUG_MAX].strip("-") or "opros"
    slug, n = base, 2
    while slug in taken or slug in RESERVED_SLUGS:
        suffix = f"-{n}"
        slug = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


_SETTLEMENT_SUFFIXES = (" городское поселение", " сельское поселение", " территориальный отдел")


def short_settlement(name: str) -> str:
    """«Майоровское сельское поселение» → «Майоровское»: column heads and chart legends stay narrow."""
    for suffix in _SETTLEMENT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
