"""Deadline rules as data: which rule wins, and the due moments on real dates (no database)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.cases.rules import Rule, compute_deadlines, select_rules
from otklik.core.calendar import ProductionCalendar, WorkSchedule

CAL = ProductionCalendar.load()
VLG = ZoneInfo("Europe/Volgograd")
DAY = WorkSchedule(VLG)
DEFAULTS_FILE = Path(__file__).resolve().parents[2] / "otklik" / "cases" / "data" / "deadline_rules.json"
DEFAULT_RULES = [
    Rule(
        kind=r["kind"],
        stage=r["stage"],
        amount=r["amount"],
        unit=r["unit"],
        counts_from=r["from"],
        topic_code=r.get("topic", ""),
    )
    for r in json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
]


def vlg(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=VLG)


@pytest.mark.parametrize(
    ("kind", "topic", "muni", "expected_amount"),
    [
        ("message", "", None, 10),  # kind alone
        ("message", "housing", None, 10),  # topic without its own rule
        ("message", "housing.heating", None, 3),  # the subtopic's rule wins
        ("message", "energy.outage", None, 1),
        ("message", "energy.outage", 7, 2),  # the municipality's own subtopic rule wins over the shared one
        ("message", "energy.voltage", 7, 5),  # the municipality's topic rule
        ("message", "energy.voltage", 8, 10),  # another municipality: the shared kind rule
        ("appeal", "energy.outage", None, 30),  # appeals keep the law's 30 days
    ],
)
def test_most_specific_rule_wins(kind, topic, muni, expected_amount):
    rules = [
        *DEFAULT_RULES,
        Rule("message", "answer", 2, "working_days", "received", "energy.outage", municipality_id=7),
        Rule("message", "answer", 5, "working_days", "received", "energy", municipality_id=7),
    ]
    assert select_rules(rules, kind, topic, muni)["answer"].amount == expected_amount


def test_unknown_kind_is_refused_in_russian():
    with pytest.raises(ValueError, match="Неизвестный вид"):
        select_rules(DEFAULT_RULES, "petition")


def _dues(kind, received, registered=None, topic="", extended=False):
    rules = select_rules(DEFAULT_RULES, kind, topic)
    moments = {"received": received, "registered": registered or received}
    return compute_deadlines(CAL, DAY, rules, moments, extended=extended)


@pytest.mark.parametrize(
    ("kind", "received", "registered", "topic", "stage", "expected"),
    [
        # 59-ФЗ: 30 days from registration; the end on a day off moves to the next working day.
        ("appeal", vlg(2025, 12, 15, 10), None, "", "answer", vlg(2026, 1, 14, 18)),
        ("appeal", vlg(2025, 12, 30, 16), None, "", "registration", vlg(2026, 1, 12, 18)),
        ("appeal", vlg(2025, 12, 30, 16), None, "", "answer", vlg(2026, 1, 29, 18)),
        # Registered three days after receipt: the answer counts from registration.
        ("appeal", vlg(2025, 4, 3, 9), vlg(2025, 4, 7, 11), "", "answer", vlg(2025, 5, 7, 18)),
        ("appeal", vlg(2025, 4, 3, 9), vlg(2025, 4, 7, 11), "", "redirection", vlg(2025, 4, 14, 18)),
        # May holidays 2025 (1–4, 8–11 May off): 10 working days of a feedback-platform message
        # are 29, 30 April, 5, 6, 7, 12, 13, 14, 15, 16 May.
        ("message", vlg(2025, 4, 28, 12), None, "", "answer", vlg(2025, 5, 16, 18)),
        # Urgent subtopic: one working day; received on Friday evening → Monday.
        ("message", vlg(2025, 6, 6, 20), None, "energy.outage", "answer", vlg(2025, 6, 9, 18)),
        # 12–15 June 2025 off (13 June moved from 1 November): 16, 17, 18 June.
        ("message", vlg(2025, 6, 11, 9), None, "housing.water", "answer", vlg(2025, 6, 18, 18)),
        # 4 November 2024 (Nov 3–4 off, Saturday Nov 2 a short working day ending at 17:00).
        ("incident", vlg(2024, 11, 1, 14), None, "", "first_reaction", vlg(2024, 11, 2, 13)),
        ("incident", vlg(2024, 11, 1, 17, 30), None, "", "first_reaction", vlg(2024, 11, 2, 16, 30)),
        ("incident", vlg(2024, 11, 2, 12), None, "", "first_reaction", vlg(2024, 11, 5, 12)),
        # An incident posted late on 30 December 2025: 8 working hours reach past the New Year holidays.
        ("incident", vlg(2025, 12, 30, 16), None, "", "first_reaction", vlg(2026, 1, 12, 15)),
        # Leap year: 30 calendar days from 10 February 2024 cross 29 February.
        ("appeal", vlg(2024, 2, 10, 10), None, "", "answer", vlg(2024, 3, 11, 18)),
    ],
)
def test_due_moments_on_real_dates(kind, received, registered, topic, stage, expected):
    assert _dues(kind, received, registered, topic)[stage] == expected


def test_extension_counts_from_the_answer_deadline():
    dues = _dues("appeal", vlg(2025, 12, 15, 10), extended=True)
    assert dues["answer"] == vlg(2026, 1, 14, 18)
    assert dues["extension"] == vlg(2026, 2, 13, 18)  # 14 Jan + 30 days = 13 Feb (Friday)


def test_extension_is_absent_unless_asked():
    assert "extension" not in _dues("appeal", vlg(2025, 3, 3, 10))


def test_stage_without_its_anchor_is_not_computed():
    rules = select_rules(DEFAULT_RULES, "appeal")
    dues = compute_deadlines(CAL, DAY, rules, {"received": vlg(2025, 3, 3, 10)})
    assert set(dues) == {"registration"}


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["appeal", "message", "incident"]),
    topic=st.sampled_from(["", "housing.heating", "energy.outage", "roads.repair"]),
    moment=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 10, 31)),
    extended=st.booleans(),
)
def test_a_due_date_is_never_on_a_day_off_nor_before_the_start(kind, topic, moment, extended):
    received = moment.replace(tzinfo=VLG)
    for stage, due in _dues(kind, received, topic=topic, extended=extended).items():
        assert due >= received, stage
        local = due.astimezone(VLG)
        assert CAL.is_working_day(local.date()), (stage, local)
        start, end = CAL.working_interval(local.date(), DAY)
        assert start <= local <= end, (stage, local)
