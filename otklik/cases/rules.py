"""The legal deadline rules as pure functions: which rule applies, and when a stage is due.

A rule says: for items of a kind (and optionally a topic or subtopic, a municipality), the stage is due
`amount` `unit`s after the moment it counts from. The most specific rule wins: subtopic over topic over
kind alone, and a municipality's own rule over the installation-wide one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from otklik.core.calendar import ProductionCalendar, WorkSchedule

KINDS = ("appeal", "message", "incident")
STAGES = ("registration", "redirection", "first_reaction", "answer", "extension")
UNITS = ("calendar_days", "working_days", "working_hours")
#: Moments a stage may count from. "answer_due" is the answer deadline before an extension.
ANCHORS = ("received", "registered", "answer_due")

STAGE_LABELS = {
    "registration": "регистрация",
    "redirection": "перенаправление по компетенции",
    "first_reaction": "первая реакция",
    "answer": "ответ по существу",
    "extension": "ответ после продления",
}
UNIT_LABELS = {
    "calendar_days": "календарных дней",
    "working_days": "рабочих дней",
    "working_hours": "рабочих часов",
}
ANCHOR_LABELS = {
    "received": "поступления",
    "registered": "регистрации",
    "answer_due": "прежнего срока ответа",
}


class RuleLike(Protocol):
    kind: str
    stage: str
    amount: float
    unit: str
    counts_from: str

    @property
    def municipality_id(self) -> int | None: ...

    @property
    def topic_code(self) -> str: ...


@dataclass(frozen=True)
class Rule:
    """A rule as plain data (the database model satisfies the same protocol)."""

    kind: str
    stage: str
    amount: float
    unit: str
    counts_from: str
    topic_code: str = ""  # "" for every topic, "housing" for a topic, "housing.heating" for a subtopic
    municipality_id: int | None = None


def specificity(rule: RuleLike) -> tuple[int, int]:
    topic_level = 2 if "." in rule.topic_code else (1 if rule.topic_code else 0)
    return (topic_level, 1 if rule.municipality_id is not None else 0)


def applies(rule: RuleLike, kind: str, topic_code: str, municipality_id: int | None) -> bool:
    if rule.kind != kind:
        return False
    if rule.municipality_id is not None and rule.municipality_id != municipality_id:
        return False
    if not rule.topic_code:
        return True
    return topic_code == rule.topic_code or topic_code.startswith(rule.topic_code + ".")


def select_rules(
    rules: Iterable[RuleLike], kind: str, topic_code: str = "", municipality_id: int | None = None
) -> dict[str, RuleLike]:
    """The winning rule for every stage that has one, for an item of this kind and (sub)topic code."""
    if kind not in KINDS:
        raise ValueError(f"Неизвестный вид: {kind}. Допустимо: {', '.join(KINDS)}")
    best: dict[str, RuleLike] = {}
    for rule in rules:
        if not applies(rule, kind, topic_code, municipality_id):
            continue
        current = best.get(rule.stage)
        if current is None or specificity(rule) > specificity(current):
            best[rule.stage] = rule
    return best


def due(calendar: ProductionCalendar, schedule: WorkSchedule, rule: RuleLike, start: datetime) -> datetime:
    """When a stage is due under `rule`, counted from `start`."""
    if rule.amount < 0:
        raise ValueError("Срок не может быть отрицательным")
    if rule.unit == "calendar_days":
        return calendar.add_calendar_days(start, int(rule.amount), schedule)
    if rule.unit == "working_days":
        return calendar.add_working_days(start, int(rule.amount), schedule)
    if rule.unit == "working_hours":
        return calendar.add_working_hours(start, float(rule.amount), schedule)
    raise ValueError(f"Неизвестная единица срока: {rule.unit}")


def compute_deadlines(
    calendar: ProductionCalendar,
    schedule: WorkSchedule,
    rules: Mapping[str, RuleLike],
    moments: Mapping[str, datetime],
    *,
    extended: bool = False,
) -> dict[str, datetime]:
    """Due moments of every stage whose anchor moment is known.

    `moments` holds "received" and, once known, "registered". The extension stage is computed only when
    `extended` is set; it counts from the answer deadline by default.
    """
    result: dict[str, datetime] = {}
    for stage in STAGES:
        rule = rules.get(stage)
        if rule is None or (stage == "extension" and not extended):
            continue
        start = result.get("answer") if rule.counts_from == "answer_due" else moments.get(rule.counts_from)
        if start is None:
            continue
        result[stage] = due(calendar, schedule, rule, start)
    return result
