"""Overdue measures are escalated like overdue cases: the responsible user, then the block owner, then the
head — each once per level and due date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from otklik.audit.models import AuditEvent
from otklik.notifications.models import Notification
from otklik.org.models import Role
from otklik.problems import services, watch
from otklik.problems.models import Measure, Problem
from tests.factories import BlockFactory, MunicipalityFactory, RoleFactory, UserFactory

VLG = ZoneInfo("Europe/Volgograd")
# Wednesday 15 October 2025, 10:00 in Volgograd: an ordinary working week.
WEDNESDAY = datetime(2025, 10, 15, 10, 0, tzinfo=VLG)
FRIDAY = datetime(2025, 10, 17, 10, 0, tzinfo=VLG)


@pytest.fixture
def setup(db):
    muni = MunicipalityFactory(escalate_to_head_after_working_days=2)
    block = BlockFactory(municipality=muni)
    owner = RoleFactory(role=Role.BLOCK_OWNER, municipality=muni, block=block, user__username="owner").user
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="head").user
    spec = UserFactory(username="spec")
    problem = Problem.objects.create(
        municipality=muni, block=block, title="Нет вывоза ТКО", status="confirmed"
    )
    return {"muni": muni, "owner": owner, "head": head, "spec": spec, "problem": problem}


def measure(setup, due: date, **kw) -> Measure:
    values = {
        "problem": setup["problem"],
        "title": "Дополнительный рейс мусоровоза",
        "responsible_name": "Сидоров П. И.",
        "responsible_user": setup["spec"],
        "start_on": date(2025, 9, 1),
        "due_on": due,
    }
    values.update(kw)
    return Measure.objects.create(**values)


def notes(user) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", "key"))


def test_an_overdue_measure_goes_to_the_responsible_and_the_block_owner(setup):
    m = measure(setup, date(2025, 10, 13))  # Monday: one whole working day overdue by Wednesday
    counts = watch.escalate_measures(WEDNESDAY)
    assert counts == {"overdue": 1, "escalated_block": 1, "escalated_head": 0}
    assert notes(setup["spec"]) == [("overdue", f"measure_overdue:{m.pk}:2025-10-13")]
    assert notes(setup["owner"]) == [("escalation", f"measure_escalation:{m.pk}:2025-10-13:1")]
    assert notes(setup["head"]) == []
    m.refresh_from_db()
    assert m.escalation_level == 1
    note = Notification.objects.get(user=setup["owner"])
    assert note.url == f"/problems/{setup['problem'].pk}/" and "Дополнительный рейс" in note.title
    assert AuditEvent.objects.filter(action="measure.escalate", object_id=str(m.pk)).count() == 1


def test_running_the_watch_again_notifies_nobody_twice(setup):
    measure(setup, date(2025, 10, 13))
    watch.escalate_measures(WEDNESDAY)
    total = Notification.objects.count()
    again = watch.escalate_measures(WEDNESDAY)
    assert again == {"overdue": 0, "escalated_block": 0, "escalated_head": 0}
    assert Notification.objects.count() == total


def test_after_the_working_days_of_the_municipality_the_head_is_told_once(setup):
    m = measure(setup, date(2025, 10, 13))
    watch.escalate_measures(WEDNESDAY)
    friday = watch.escalate_measures(FRIDAY)  # Tue, Wed, Thu: three whole working days ≥ 2
    assert friday["escalated_head"] == 1
    assert notes(setup["head"]) == [("escalation", f"measure_escalation:{m.pk}:2025-10-13:2")]
    assert len(notes(setup["owner"])) == 2  # level 1 and level 2
    assert watch.escalate_measures(FRIDAY)["escalated_head"] == 0
    assert len(notes(setup["head"])) == 1


def test_a_measure_found_late_goes_straight_to_the_head(setup):
    m = measure(setup, date(2025, 10, 1))
    counts = watch.escalate_measures(WEDNESDAY)
    assert counts["escalated_head"] == 1 and counts["escalated_block"] == 0
    m.refresh_from_db()
    assert m.escalation_level == 2
    assert len(notes(setup["head"])) == 1 and len(notes(setup["owner"])) == 1


@pytest.mark.parametrize(
    ("due", "status", "problem_status"),
    [
        (date(2025, 10, 15), "planned", "confirmed"),  # due today: not yet overdue
        (date(2025, 10, 13), "done", "confirmed"),
        (date(2025, 10, 13), "cancelled", "confirmed"),
        (date(2025, 10, 13), "planned", "merged"),
    ],
)
def test_what_is_not_escalated(setup, due, status, problem_status):
    Problem.objects.filter(pk=setup["problem"].pk).update(status=problem_status)
    measure(setup, due, status=status, completed_on=due if status == "done" else None)
    watch.escalate_measures(WEDNESDAY)
    assert Notification.objects.count() == 0


def test_a_new_due_date_starts_escalation_afresh(setup):
    m = measure(setup, date(2025, 10, 13))
    watch.escalate_measures(WEDNESDAY)
    data = services.MeasureData(
        title=m.title, responsible_name=m.responsible_name, start_on=m.start_on, due_on=date(2025, 10, 14)
    )
    services.update_measure(m.pk, data, actor=setup["head"])
    counts = watch.escalate_measures(FRIDAY)  # Wed, Thu: two working days after the new date
    assert counts["escalated_head"] == 1
    assert ("escalation", f"measure_escalation:{m.pk}:2025-10-14:2") in notes(setup["owner"])


def test_without_a_block_owner_the_head_is_told(setup):
    Problem.objects.filter(pk=setup["problem"].pk).update(block=None)
    measure(setup, date(2025, 10, 13), responsible_user=None)
    counts = watch.escalate_measures(WEDNESDAY)
    assert counts == {"overdue": 0, "escalated_block": 1, "escalated_head": 0}
    assert [k for k, _ in notes(setup["head"])] == ["escalation"]
