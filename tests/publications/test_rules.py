"""The content plan's status graph and who may move a post along it; the retry pauses of the sender job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from otklik.publications import rules
from otklik.publications.rules import APPROVE, EDIT, SYSTEM, TransitionError

E, A, S = {EDIT}, {APPROVE}, {SYSTEM}


@pytest.mark.parametrize(
    ("current", "target", "caps", "allowed"),
    [
        ("draft", "planned", E, True),
        ("draft", "approved", E | A, False),  # nobody skips the approval step
        ("planned", "approved", A, True),
        ("planned", "approved", E, False),  # an editor does not approve
        ("planned", "draft", E, True),
        ("planned", "draft", A, True),
        ("approved", "published", S, True),
        ("approved", "published", E, True),  # marked by hand with a link
        ("approved", "published", A, False),
        ("approved", "planned", E, True),
        ("approved", "cancelled", A, True),
        ("published", "cancelled", E | A, False),
        ("published", "draft", E | A, False),
        ("cancelled", "draft", E, True),
        ("cancelled", "approved", E | A, False),
        ("draft", "planned", set(), False),
    ],
)
def test_who_moves_a_post_where(current, target, caps, allowed):
    if allowed:
        rules.check(current, target, caps)
    else:
        with pytest.raises(TransitionError):
            rules.check(current, target, caps)


def test_the_refusal_to_approve_names_the_head():
    with pytest.raises(TransitionError, match="только руководитель МЦУ"):
        rules.check("planned", "approved", {EDIT})


NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failed", "pause"),
    [
        (1, timedelta(minutes=5)),
        (2, timedelta(minutes=15)),
        (3, timedelta(hours=1)),
        (4, timedelta(hours=3)),
        (5, None),
    ],
)
def test_the_sender_retries_with_growing_pauses_then_stops(failed, pause):
    expected = None if pause is None else NOW + pause
    assert rules.next_attempt(failed, NOW) == expected
