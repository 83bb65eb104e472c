"""Rules of polls, discussions and comments: the status graphs, the phases of a period, shares, slugs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from otklik.participation import rules
from otklik.participation.rules import TransitionError, Window

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
END = datetime(2026, 3, 15, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("draft", "published", True),
        ("draft", "closed", False),
        ("published", "closed", True),
        ("published", "draft", False),
        ("closed", "published", False),
        ("closed", "draft", False),
    ],
)
def test_the_lifecycle_of_a_poll_or_discussion(current, target, allowed):
    if allowed:
        rules.check_transition(current, target)
    else:
        with pytest.raises(TransitionError):
            rules.check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("pending", "published", True),
        ("pending", "rejected", True),
        ("published", "rejected", True),
        ("rejected", "published", True),
        ("published", "published", False),
        ("rejected", "pending", False),
        ("published", "pending", False),
    ],
)
def test_the_moderation_of_a_comment(current, target, allowed):
    if allowed:
        rules.check_moderation(current, target)
    else:
        with pytest.raises(TransitionError):
            rules.check_moderation(current, target)


@pytest.mark.parametrize(
    ("status", "now", "phase"),
    [
        ("draft", START + timedelta(days=1), "draft"),
        ("published", START - timedelta(seconds=1), "upcoming"),
        ("published", START, "open"),
        ("published", END - timedelta(seconds=1), "open"),
        ("published", END, "ended"),
        ("closed", START + timedelta(days=1), "closed"),
    ],
)
def test_the_phase_of_a_period(status, now, phase):
    window = Window(status, START, END)
    assert rules.phase(window, now) == phase
    assert rules.is_open(window, now) == (phase == "open")
    assert (rules.closed_reason(window, now) == "") == (phase == "open")


def test_the_reason_names_the_poll_or_the_vote():
    window = Window("closed", START, END)
    assert rules.closed_reason(window, END, noun="Голосование").startswith("Голосование завершён")


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(1, 4, 0.25), (0, 4, 0.0), (3, 3, 1.0), (0, 0, None)]
)
def test_share(part, whole, expected):
    assert rules.share(part, whole) == expected


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [([(1, 1), (5, 1)], 3.0), ([(4, 3), (5, 1)], 4.25), ([(1, 0), (2, 0)], None), ([], None)],
)
def test_the_mean_of_a_scale(pairs, expected):
    assert rules.mean(pairs) == expected


@pytest.mark.parametrize(
    ("title", "taken", "slug"),
    [
        ("Благоустройство парка «Юность»", set(), "blagoustroystvo-parka-yunost"),
        ("Щит и ёжик", set(), "shchit-i-ezhik"),
        ("Опрос 2026", {"opros-2026"}, "opros-2026-2"),
        ("Опрос 2026", {"opros-2026", "opros-2026-2"}, "opros-2026-3"),
        ("!!!", set(), "opros"),
        ("Check", set(), "check-2"),
        ("Мо", set(), "mo-2"),
    ],
)
def test_a_readable_unique_slug(title, taken, slug):
    assert rules.slug_for(title, taken) == slug


def test_a_long_title_gives_a_bounded_slug():
    slug = rules.slug_for("Очень длинное название " * 10, {rules.slug_for("Очень длинное название " * 10)})
    assert len(slug) <= rules.SLUG_MAX and slug.endswith("-2")


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Майоровское сельское поселение", "Майоровское"),
        ("Котельниковское городское поселение", "Котельниковское"),
        ("Пимено-Чернянское сельское поселение", "Пимено-Чернянское"),
        ("Нагавский территориальный отдел", "Нагавский"),
        ("г. Котельниково", "г. Котельниково"),
        ("сельское поселение", "сельское поселение"),
    ],
)
def test_a_settlements_short_name(name, short):
    assert rules.short_settlement(name) == short
