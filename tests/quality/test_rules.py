"""The satisfaction rules: when a rating reopens a case, how a platform's rating text reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from otklik.quality.models import QualityPolicy
from otklik.quality.rules import ParsedRating, UnknownRating, parse_rating, should_reopen


@dataclass
class Policy:
    reopen_on_unsatisfied: bool = True
    reopen_kinds: list[str] = field(default_factory=lambda: ["message"])
    reopen_max_score: int = 2
    reopen_window_days: int = 30
    reopen_max_times: int = 1


# (policy changes, kind, satisfied, score, days since the answer, times reopened by rating) → reopen?
REOPEN_TABLE = [
    ({}, "message", False, None, 0, 0, True),
    ({}, "message", False, 1, 3, 0, True),
    ({}, "message", False, 2, 30, 0, True),  # the window's last day still counts
    ({}, "message", False, 3, 1, 0, False),  # above reopen_max_score: dissatisfied, but not enough
    ({}, "message", True, 1, 1, 0, False),  # satisfied never reopens, whatever the score
    ({}, "message", True, None, 1, 0, False),
    ({}, "message", False, 1, 31, 0, False),  # came after the window
    ({}, "message", False, 1, 1, 1, False),  # reopened by a rating once already
    ({}, "appeal", False, 1, 1, 0, False),  # 59-ФЗ appeals are not in the default kinds
    ({}, "incident", False, 1, 1, 0, False),
    ({"reopen_kinds": ["message", "appeal"]}, "appeal", False, 1, 1, 0, True),
    ({"reopen_kinds": []}, "message", False, 1, 1, 0, False),
    ({"reopen_on_unsatisfied": False}, "message", False, 1, 1, 0, False),
    ({"reopen_max_score": 3}, "message", False, 3, 1, 0, True),
    ({"reopen_max_score": 5}, "message", False, 5, 1, 0, True),
    ({"reopen_max_times": 2}, "message", False, 1, 1, 1, True),
    ({"reopen_max_times": 2}, "message", False, 1, 1, 2, False),
    ({"reopen_max_times": 0}, "message", False, 1, 1, 0, False),
    ({"reopen_window_days": 0}, "message", False, 1, 0, 0, True),
    ({"reopen_window_days": 0}, "message", False, 1, 1, 0, False),
]


@pytest.mark.parametrize(("changes", "kind", "satisfied", "score", "days", "times", "expected"), REOPEN_TABLE)
def test_should_reopen(changes, kind, satisfied, score, days, times, expected):
    policy = Policy(**changes)
    result = should_reopen(
        policy,
        kind=kind,
        satisfied=satisfied,
        score=score,
        days_since_answer=days,
        times_reopened_by_rating=times,
    )
    assert result is expected


def test_the_model_defaults_reopen_an_unsatisfied_platform_message_once():
    policy = QualityPolicy()  # unsaved: the defaults a municipality without its own rules gets
    common = {"satisfied": False, "score": 1, "days_since_answer": 2}
    assert should_reopen(policy, kind="message", times_reopened_by_rating=0, **common)
    assert not should_reopen(policy, kind="message", times_reopened_by_rating=1, **common)
    assert not should_reopen(policy, kind="appeal", times_reopened_by_rating=0, **common)


PARSE_TABLE = [
    ("5", ParsedRating(True, 5)),
    ("4", ParsedRating(True, 4)),
    ("3", ParsedRating(False, 3)),
    ("1", ParsedRating(False, 1)),
    (" 2 ", ParsedRating(False, 2)),
    ("4 из 5", ParsedRating(True, 4)),
    ("2 из 5", ParsedRating(False, 2)),
    ("4/5", ParsedRating(True, 4)),
    ("5,0", ParsedRating(True, 5)),
    ("3.0", ParsedRating(False, 3)),
    ("5 баллов", ParsedRating(True, 5)),
    ("★★★★", ParsedRating(True, 4)),
    (5, ParsedRating(True, 5)),
    (2.0, ParsedRating(False, 2)),
    ("Удовлетворен", ParsedRating(True)),
    ("удовлетворён", ParsedRating(True)),
    ("Удовлетворена.", ParsedRating(True)),
    ("Не удовлетворен", ParsedRating(False)),
    ("НЕ  УДОВЛЕТВОРЁН", ParsedRating(False)),
    ("Положительная", ParsedRating(True)),
    ("Отрицательная", ParsedRating(False)),
    ("Да", ParsedRating(True)),
    ("Нет", ParsedRating(False)),
    ("", None),
    ("   ", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), PARSE_TABLE)
def test_parse_rating(value, expected):
    assert parse_rating(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("6", "не от 1 до 5"),
        ("0", "не от 1 до 5"),
        ("6 из 5", "не от 1 до 5"),
        (7, "не от 1 до 5"),
        (4.5, "не от 1 до 5"),
        (float("nan"), "не от 1 до 5"),
        ("отлично", "«отлично» не распознана"),
        ("Частично удовлетворен", "не распознана"),
        ("٣", "не распознана"),  # a digit of another script is not a score
        (True, "не распознана"),
        ("x" * 100, "«" + "x" * 40 + "» не распознана"),
    ],
)
def test_unknown_rating_text_is_refused_with_a_reason(value, reason):
    with pytest.raises(UnknownRating) as info:
        parse_rating(value)
    assert reason in str(info.value)
