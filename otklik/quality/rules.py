"""Satisfaction rules as pure functions: when a negative rating reopens a case, how a platform's rating
text reads. No database here; the services pass plain values in."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol

SCORES = range(1, 6)
#: A score at or above this counts as "satisfied" when the source gives only a score (CSAT: 4 and 5).
SATISFIED_FROM_SCORE = 4


class ReopenPolicy(Protocol):
    """The part of `QualityPolicy` the reopening rule reads."""

    reopen_on_unsatisfied: bool
    reopen_kinds: list[str]
    reopen_max_score: int
    reopen_window_days: int
    reopen_max_times: int


def should_reopen(
    policy: ReopenPolicy,
    *,
    kind: str,
    satisfied: bool,
    score: int | None,
    days_since_answer: int,
    times_reopened_by_rating: int,
) -> bool:
    """Whether a rating reopens the case under the municipality's policy.

    It does when the policy reopens on negative ratings at all, the case is of a kind the policy names,
    the author is not satisfied and — if they gave a score — the score is not above `reopen_max_score`,
    the rating came within `reopen_window_days` of the answer, and ratings have reopened the case fewer
    than `reopen_max_times` times so far. A satisfied author never reopens, whatever the score.
    """
    if not policy.reopen_on_unsatisfied or kind not in (policy.reopen_kinds or []):
        return False
    if satisfied:
        return False
    if score is not None and score > policy.reopen_max_score:
        return False
    if days_since_answer > policy.reopen_window_days:
        return False
    return times_reopened_by_rating < policy.reopen_max_times


@dataclass(frozen=True)
class ParsedRating:
    satisfied: bool
    score: int | None = None


class UnknownRating(ValueError):
    """A rating text that is neither a score nor a known verdict; the message is in Russian."""


_SCORE = re.compile(r"^([0-9]+)(?:[.,]0+)?(?:\s*(?:из|/)\s*5)?(?:\s*(?:балл\w*|звезд\w*))?$")
_STARS = re.compile(r"^[★⭐]{1,5}$")
_VERDICTS = {
    "удовлетворен": True,
    "удовлетворена": True,
    "удовлетворены": True,
    "положительная": True,
    "положительно": True,
    "да": True,
    "не удовлетворен": False,
    "не удовлетворена": False,
    "не удовлетворены": False,
    "неудовлетворительно": False,
    "отрицательная": False,
    "отрицательно": False,
    "нет": False,
}


def _words(text: str) -> str:
    text = text.replace("ё", "е").replace("Ё", "Е").casefold()
    return " ".join(text.strip(" .!\t\r\n").split())


def parse_rating(value: object) -> ParsedRating | None:
    """A feedback platform's rating cell → satisfied/score; None for an empty cell.

    «5», «4 из 5», «4/5», «4,0», «★★★» — a score (satisfied when 4 or 5); «Удовлетворен»,
    «Не удовлетворен», «Положительная», «Отрицательная», «Да», «Нет» — a verdict without a score.
    Anything else raises UnknownRating.
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value != int(value) or int(value) not in SCORES:
            raise UnknownRating(f"оценка «{value}» не от 1 до 5")
        score = int(value)
        return ParsedRating(satisfied=score >= SATISFIED_FROM_SCORE, score=score)
    text = _words(str(value))
    if not text:
        return None
    if _STARS.match(text):
        score = len(text)
        return ParsedRating(satisfied=score >= SATISFIED_FROM_SCORE, score=score)
    match = _SCORE.match(text)
    if match:
        score = int(match.group(1))
        if score not in SCORES:
            raise UnknownRating(f"оценка «{str(value).strip()[:40]}» не от 1 до 5")
        return ParsedRating(satisfied=score >= SATISFIED_FROM_SCORE, score=score)
    if text in _VERDICTS:
        return ParsedRating(satisfied=_VERDICTS[text])
    raise UnknownRating(f"оценка «{str(value).strip()[:40]}» не распознана")
