"""The demo's problems: three confirmed problems of different topics with a roadmap, one resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.org.models import Role
from otklik.problems.demo import load_demo_problems
from otklik.problems.models import Measure, Problem
from tests.factories import RoleFactory
from tests.problems.dataset import seed


@pytest.mark.django_db
def test_demo_problems_tell_the_whole_story():
    now = timezone.now()
    data = seed(now=now)
    RoleFactory(role=Role.HEAD, municipality=data.municipality)
    counts = load_demo_problems(data.municipality, now)
    assert counts == {"candidates": 2, "confirmed": 3}
    worked = list(Problem.objects.exclude(status="candidate").order_by("pk"))
    # The highest candidate of each topic: A (waste, 12), D (housing, 10), C (energy, 8) — not B, E (roads).
    assert {p.topic.code for p in worked} == {"waste", "housing", "energy"}
    assert all(p.cause_category and p.root_cause for p in worked)
    statuses = {p.topic.code: p.status for p in worked}
    assert sorted(statuses.values()) == ["confirmed", "confirmed", "resolved"]
    resolved = next(p for p in worked if p.status == "resolved")
    assert abs(resolved.resolved_at - (now - timedelta(days=30))) < timedelta(seconds=5)
    assert list(resolved.measures.values_list("status", flat=True)) == ["done", "done", "cancelled"]
    today = timezone.localdate(timezone=data.municipality.tz)
    for p in worked:
        if p.status == "confirmed":
            assert list(p.measures.values_list("status", flat=True)) == ["done", "in_progress", "planned"]
            assert p.measures.get(order=1).completed_on == today - timedelta(days=35)
            assert p.measures.get(order=3).due_on == today - timedelta(days=5)  # overdue
    assert Measure.objects.filter(evidence__gt="").count() == 4
