"""The pure rules of recurring problems, on hand-computed tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.nlp.similar import streets_of
from otklik.problems import rules

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        ("candidate", "confirmed", True),
        ("candidate", "dismissed", True),
        ("candidate", "merged", True),
        ("candidate", "resolved", False),  # only a confirmed problem is resolved
        ("confirmed", "resolved", True),
        ("confirmed", "dismissed", False),
        ("confirmed", "merged", True),
        ("resolved", "confirmed", True),  # reopened
        ("resolved", "merged", False),
        ("dismissed", "confirmed", False),
        ("merged", "confirmed", False),
    ],
)
def test_problem_status_graph(current, target, ok):
    if ok:
        rules.check_problem_transition(current, target)
    else:
        with pytest.raises(rules.TransitionError):
            rules.check_problem_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        ("planned", "in_progress", True),
        ("planned", "done", True),
        ("planned", "cancelled", True),
        ("in_progress", "done", True),
        ("in_progress", "planned", True),
        ("done", "in_progress", True),  # the evidence was not accepted
        ("done", "cancelled", False),
        ("cancelled", "planned", True),
        ("cancelled", "done", False),
        ("planned", "planned", True),  # no change
    ],
)
def test_measure_status_graph(current, target, ok):
    if ok:
        rules.check_measure_transition(current, target)
    else:
        with pytest.raises(rules.TransitionError, match="нельзя"):
            rules.check_measure_transition(current, target)


@pytest.mark.parametrize(
    ("days_ago", "recent", "previous"),
    [
        ([], 0, 0),
        ([1, 2, 27], 3, 0),
        ([28, 29, 55], 1, 2),  # exactly four weeks ago still counts as recent
        ([56, 57, 90], 0, 1),  # exactly eight weeks ago is the first moment of the previous four weeks
        ([0.5, 30, 40, 60], 1, 2),
    ],
)
def test_growth_counts_last_four_weeks_against_the_four_before(days_ago, recent, previous):
    received = [NOW - timedelta(days=d) for d in days_ago]
    assert rules.growth_counts(received, NOW) == (recent, previous)


@pytest.mark.parametrize(
    ("size", "recent", "previous", "score"),
    [(8, 6, 2, 12), (7, 2, 2, 7), (7, 1, 5, 7), (3, 3, 0, 6), (0, 0, 0, 0)],
)
def test_candidate_score_is_size_plus_growth_never_below_size(size, recent, previous, score):
    assert rules.candidate_score(size, recent, previous) == score


@pytest.mark.parametrize(
    ("group", "dismissed", "again"),
    [
        ({1, 2, 3}, {1, 2, 3}, False),  # the same cases
        ({1, 2, 3}, {1, 2, 3, 4}, False),  # fewer
        ({1, 2, 3, 4, 5}, {1, 2, 3}, False),  # two new: not a whole group yet
        ({1, 2, 3, 4, 5, 6}, {1, 2, 3}, True),  # three new
        ({7, 8, 9}, {1, 2, 3}, True),  # unrelated
    ],
)
def test_a_dismissed_group_comes_back_only_when_it_grew_by_a_whole_group(group, dismissed, again):
    assert rules.should_repropose(group, dismissed, 3) is again


@pytest.mark.parametrize(
    ("topic", "subtopic", "place", "title"),
    [
        ("Твёрдые коммунальные отходы", "Вывоз ТКО", "х. Майоровский", "Вывоз ТКО — х. Майоровский"),
        (
            "Дороги",
            "",
            "Пимено-Чернянское сельское поселение",
            "Дороги — Пимено-Чернянское сельское поселение",
        ),
        ("", "", "", "Повторяющиеся сообщения"),
    ],
)
def test_provisional_title(topic, subtopic, place, title):
    assert rules.title_for(topic, subtopic, place) == title


def test_weeks_start_on_monday_and_count_every_week_even_empty():
    # 2026-03-04 is a Wednesday; its week starts on Monday 2 March.
    assert rules.week_start(date(2026, 3, 4)) == date(2026, 3, 2)
    assert rules.week_start(date(2026, 3, 2)) == date(2026, 3, 2)
    counts = rules.weekly_counts(
        [date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 20), date(2026, 2, 1)],
        date(2026, 3, 4),
        date(2026, 3, 19),
    )
    assert counts == [(date(2026, 3, 2), 2), (date(2026, 3, 9), 0), (date(2026, 3, 16), 1)]
    assert rules.weeks_between(date(2026, 3, 10), date(2026, 3, 1)) == []


def test_before_and_after_windows_of_a_measure():
    done = datetime(2026, 3, 1, tzinfo=UTC)
    before, after = rules.before_after(done, 4, asof=done + timedelta(days=10))
    assert (before.start, before.end, before.weeks) == (done - timedelta(weeks=4), done, 4.0)
    assert (after.start, after.end) == (done, done + timedelta(weeks=4))
    assert after.weeks == pytest.approx(10 / 7) and not after.complete
    _, later = rules.before_after(done, 4, asof=done + timedelta(days=60))
    assert later.weeks == 4.0 and later.complete


@pytest.mark.parametrize(
    ("count", "weeks", "rate"), [(8, 4.0, 2.0), (3, 1.5, 2.0), (5, 0.9, None), (0, 4.0, 0.0)]
)
def test_a_weekly_rate_needs_at_least_a_week(count, weeks, rate):
    assert rules.per_week(count, weeks) == rate


@pytest.mark.parametrize(
    ("before", "after", "days", "code", "tone", "words"),
    [
        (12, 0, 28, "stopped", "ok", "Сообщения прекратились"),
        (12, 0, 40, "stopped", "ok", "за 4 нед. до решения — 12"),
        (12, 3, 28, "dropped", "warn", "−75 %"),  # a drop of exactly three quarters
        (12, 4, 28, "continued", "danger", "не прекратились: 4"),
        (0, 2, 30, "continued", "danger", "не прекратились"),
        (5, 0, 10, "pending", "neutral", "прошло 10 из 28 дн."),
        (5, 1, 10, "continued", "danger", "уже 1 сообщение"),
    ],
)
def test_did_the_messages_stop_after_resolution(before, after, days, code, tone, words):
    verdict = rules.stopped_verdict(before, after, days, 4, 0.75)
    assert (verdict.code, verdict.tone) == (code, tone)
    assert words in verdict.text


@pytest.mark.parametrize(
    ("recent", "previous", "words"),
    [
        (0, 0, "не было"),
        (5, 2, "5 сообщений, за 4 нед. до этого — 2: больше"),
        (1, 3, "меньше"),
        (2, 2, "столько же"),
    ],
)
def test_trend_sentence_for_an_open_problem(recent, previous, words):
    assert words in rules.trend_sentence(recent, previous, 4)


@pytest.mark.parametrize(
    ("n", "words"), [(1, "1 сообщение"), (3, "3 сообщения"), (11, "11 сообщений"), (22, "22 сообщения")]
)
def test_messages_words(n, words):
    assert rules.messages_words(n) == words


@pytest.mark.parametrize(("days", "fast"), [(0.0, True), (29.99, True), (30.0, False), (45, False)])
def test_fast_means_strictly_under_the_threshold(days, fast):
    assert rules.is_fast(days, 30) is fast


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        ("Площадка на улице Центральной завалена", {"центральный"}),
        ("Ул. Ленина: яма напротив аптеки", {"ленин"}),
        ("по ул. Школьная и пер. Садовый", {"школьный", "садовый"}),
        ("Ямы на Ленина после зимы", set()),  # no street word: not read as a street
        ("Жители улицы Школьной просят", {"школьный"}),
        ("", set()),
    ],
)
def test_streets_named_in_a_message(text, streets):
    assert streets_of(text) == streets
