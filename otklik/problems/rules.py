"""The rules of recurring problems as pure functions: status graphs, the candidate ranking, weeks, the
before/after windows of a measure and the «did the messages stop?» verdict. No database here;
docs/problems.md writes every definition down and tests/problems/test_rules.py checks them on tables."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

# --- the defaults of the municipality's policy (ProblemPolicy; a missing row means these) -------------


@dataclass(frozen=True)
class Policy:
    """The numbers of the recurring-problems work; ProblemPolicy holds them per municipality."""

    #: The smallest group of similar messages proposed as a candidate problem.
    min_group_size: int = 3
    #: The period (days back from now) in which candidates are looked for.
    candidate_period_days: int = 90
    #: Average-linkage cut: a message belongs to a group when its mean similarity to it is at least this.
    group_similarity: float = 0.2
    #: A new message joins a confirmed problem when its mean similarity to the problem's messages is at
    #: least this.
    join_similarity: float = 0.2
    #: The weight of «the same subtopic» in the similarity (the rest is the text).
    subtopic_weight: float = 0.2
    #: The weight of character n-grams in the text part (the rest is words).
    char_weight: float = 0.5
    #: Messages received in the last N days without a problem are tried against confirmed problems.
    join_window_days: int = 14
    #: Weeks before and after a measure (and after resolution) compared in the effect.
    effect_weeks: int = 4
    #: «Accelerated resolution»: answered in fewer than this many days.
    fast_days: int = 30
    #: After resolution the messages «almost stopped» when the weekly rate fell by at least this share.
    stopped_drop: float = 0.75


DEFAULT_POLICY = Policy()

# --- status graphs ----------------------------------------------------------------------------------

ProblemStatus = Literal["candidate", "confirmed", "dismissed", "resolved", "merged"]

PROBLEM_TRANSITIONS: dict[str, frozenset[str]] = {
    "candidate": frozenset({"confirmed", "dismissed", "merged"}),
    "confirmed": frozenset({"resolved", "merged"}),
    "resolved": frozenset({"confirmed"}),  # the messages came back: reopened
    "dismissed": frozenset({"candidate"}),  # proposed again when it grew (see `should_repropose`)
    "merged": frozenset(),
}

MEASURE_TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"in_progress", "done", "cancelled"}),
    "in_progress": frozenset({"planned", "done", "cancelled"}),
    "done": frozenset({"in_progress"}),  # the evidence was not accepted
    "cancelled": frozenset({"planned"}),
}

#: Measures that still wait for work: these can be overdue.
OPEN_MEASURE_STATUSES = frozenset({"planned", "in_progress"})


class TransitionError(Exception):
    """A change of status the graph does not allow; the message is for the user, in Russian."""


PROBLEM_LABELS = {
    "candidate": "кандидат",
    "confirmed": "подтверждена",
    "dismissed": "отклонена",
    "resolved": "решена",
    "merged": "объединена с другой",
}
MEASURE_LABELS = {
    "planned": "запланировано",
    "in_progress": "выполняется",
    "done": "выполнено",
    "cancelled": "отменено",
}


def check_problem_transition(current: str, target: str) -> None:
    if target not in PROBLEM_TRANSITIONS.get(current, frozenset()):
        raise TransitionError(
            f"Проблему в статусе «{PROBLEM_LABELS.get(current, current)}» нельзя перевести "
            f"в статус «{PROBLEM_LABELS.get(target, target)}»."
        )


def check_measure_transition(current: str, target: str) -> None:
    if current == target:
        return
    if target not in MEASURE_TRANSITIONS.get(current, frozenset()):
        raise TransitionError(
            f"Мероприятие в статусе «{MEASURE_LABELS.get(current, current)}» нельзя перевести "
            f"в статус «{MEASURE_LABELS.get(target, target)}»."
        )


# --- candidates ---------------------------------------------------------------------------------------


def growth_counts(received: Iterable[datetime], now: datetime, weeks: int = 4) -> tuple[int, int]:
    """(messages in the last `weeks` weeks before now, messages in the `weeks` weeks before those)."""
    span = timedelta(weeks=weeks)
    recent = previous = 0
    for moment in received:
        if now - span <= moment < now:
            recent += 1
        elif now - 2 * span <= moment < now - span:
            previous += 1
    return recent, previous


def candidate_score(size: int, recent: int, previous: int) -> int:
    """How high a candidate stands: its size plus its growth (recent − previous four weeks, not below 0)."""
    return size + max(0, recent - previous)


def should_repropose(group: set[int], dismissed: set[int], min_group_size: int) -> bool:
    """Whether a group of cases may be proposed although a candidate with (some of) these cases was
    dismissed: only when at least `min_group_size` of its cases were not in the dismissed candidate —
    the problem has grown by a whole new group since somebody said «not a problem»."""
    if not group & dismissed:
        return True
    return len(group - dismissed) >= min_group_size


def title_for(topic: str, subtopic: str, place: str) -> str:
    """«Вывоз ТКО — х. Майоровский»: a provisional title the owner may edit."""
    what = subtopic or topic or "Повторяющиеся сообщения"
    return f"{what} — {place}" if place else what


# --- weeks and windows ----------------------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of the ISO week that holds `day`."""
    return day - timedelta(days=day.weekday())


def weeks_between(first: date, last: date) -> list[date]:
    """The Mondays of every week from the week of `first` to the week of `last`, inclusive."""
    if last < first:
        return []
    start, end = week_start(first), week_start(last)
    return [start + timedelta(weeks=i) for i in range((end - start).days // 7 + 1)]


def weekly_counts(days: Iterable[date], first: date, last: date) -> list[tuple[date, int]]:
    """(Monday, number of `days` in that week) for every week from `first` to `last`; days outside are
    not counted."""
    weeks = weeks_between(first, last)
    counts = dict.fromkeys(weeks, 0)
    for d in days:
        monday = week_start(d)
        if monday in counts:
            counts[monday] += 1
    return [(w, counts[w]) for w in weeks]


@dataclass(frozen=True)
class Window:
    """A half-open span [start, end) of time and how many weeks of it have passed by `asof`."""

    start: datetime
    end: datetime
    weeks: float  # elapsed weeks (≤ the window's length)

    @property
    def complete(self) -> bool:
        return self.weeks >= (self.end - self.start) / timedelta(weeks=1) - 1e-9


def before_after(moment: datetime, weeks: int, asof: datetime) -> tuple[Window, Window]:
    """The `weeks` weeks before a moment and the `weeks` weeks after it (the part of it already passed)."""
    span = timedelta(weeks=weeks)
    before = Window(moment - span, moment, float(weeks))
    passed = min(max(asof - moment, timedelta(0)), span)
    after = Window(moment, moment + span, passed / timedelta(weeks=1))
    return before, after


def per_week(count: int, weeks: float) -> float | None:
    """A rate per week; None when less than one week has passed (too early to say)."""
    if weeks < 1:
        return None
    return count / weeks


# --- did the messages stop? ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    code: Literal["stopped", "dropped", "continued", "pending", "no_data"]
    text: str
    tone: Literal["ok", "warn", "danger", "neutral"]


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def messages_words(n: int) -> str:
    """«1 сообщение», «3 сообщения», «5 сообщений»."""
    return f"{n} {_plural(n, 'сообщение', 'сообщения', 'сообщений')}"


def stopped_verdict(before: int, after: int, days_after: int, weeks: int, drop: float) -> Verdict:
    """Whether the messages stopped after a problem was marked resolved.

    `before` and `after` count the problem's messages in the `weeks` weeks before and after resolution;
    `days_after` is how many days of the after-window have passed. Within the window the verdict is
    «pending» unless a message has already come. After it: «stopped» when none came; «dropped» when the
    count fell by at least `drop` (a share, 0.75 = by three quarters); «continued» otherwise.
    """
    window_days = 7 * weeks
    if days_after < window_days:
        if after:
            return Verdict(
                "continued",
                f"Сообщения не прекратились: после решения пришло уже {messages_words(after)} "
                f"(прошло {days_after} из {window_days} дн.).",
                "danger",
            )
        return Verdict(
            "pending",
            f"Проверка идёт: прошло {days_after} из {window_days} дн. после решения, новых сообщений нет.",
            "neutral",
        )
    if after == 0:
        return Verdict(
            "stopped",
            f"Сообщения прекратились: за {weeks} нед. после решения новых сообщений нет "
            f"(за {weeks} нед. до решения — {before}).",
            "ok",
        )
    if before > 0 and after <= math.floor(before * (1 - drop) + 1e-9):
        fell = round(100 * (before - after) / before)
        return Verdict(
            "dropped",
            f"Сообщений стало заметно меньше: {after} за {weeks} нед. после решения против {before} "
            f"за {weeks} нед. до (−{fell} %), но они не прекратились.",
            "warn",
        )
    return Verdict(
        "continued",
        f"Сообщения не прекратились: {after} за {weeks} нед. после решения (за {weeks} нед. до — {before}).",
        "danger",
    )


def trend_sentence(recent: int, previous: int, weeks: int) -> str:
    """For a problem not yet resolved: the last weeks against the weeks before them."""
    if recent == previous == 0:
        return f"За последние {2 * weeks} нед. новых сообщений не было."
    if recent > previous:
        change = "больше"
    elif recent < previous:
        change = "меньше"
    else:
        change = "столько же"
    return (
        f"За последние {weeks} нед. — {messages_words(recent)}, за {weeks} нед. до этого — {previous}: "
        f"{change}."
    )


# --- accelerated resolution -------------------------------------------------------------------------


def is_fast(days: float, fast_days: int) -> bool:
    """Answered «in under N days»: strictly fewer than N days (fractional) from receipt to answer."""
    return days < fast_days


def share_or_none(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def ranked(values: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """By count, larger first; by name on equal counts."""
    return sorted(values, key=lambda kv: (-kv[1], kv[0]))
