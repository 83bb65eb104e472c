"""The deadline watch: at risk, overdue, escalation to the block owner and then the head, digests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.cases import watch
from otklik.cases.models import CaseEvent, Kind, Status
from otklik.notifications.models import Notification
from otklik.org.models import Role
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory, UserFactory

VLG = ZoneInfo("Europe/Volgograd")
# Wednesday 15 October 2025, 10:00 in Volgograd: an ordinary working week.
NOW = datetime(2025, 10, 15, 10, 0, tzinfo=VLG)


@pytest.fixture
def setup(db):
    muni = MunicipalityFactory(at_risk_working_days=2, escalate_to_head_after_working_days=2)
    block = BlockFactory(municipality=muni)
    owner = RoleFactory(role=Role.BLOCK_OWNER, municipality=muni, block=block, user__username="owner").user
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="head").user
    spec = UserFactory(username="spec")
    return {"muni": muni, "block": block, "owner": owner, "head": head, "spec": spec}


def case(setup, due, **kw):
    defaults = {
        "municipality": setup["muni"],
        "block": setup["block"],
        "owner": setup["spec"],
        "status": Status.IN_PROGRESS,
        "received_at": NOW - timedelta(days=20),
        "due_at": due,
    }
    defaults.update(kw)
    return CaseFactory(**defaults)


def kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


@pytest.mark.parametrize(
    ("due", "at_risk"),
    [
        (datetime(2025, 10, 16, 18, 0, tzinfo=VLG), True),  # tomorrow
        (datetime(2025, 10, 17, 18, 0, tzinfo=VLG), True),  # 2nd working day
        (datetime(2025, 10, 20, 18, 0, tzinfo=VLG), False),  # Monday: 3rd working day
        (datetime(2025, 10, 15, 9, 0, tzinfo=VLG), False),  # already overdue, not "at risk"
    ],
)
def test_at_risk_is_counted_in_working_days(setup, due, at_risk):
    c = case(setup, due)
    watch.watch_deadlines(NOW)
    assert Notification.objects.filter(case=c, kind="at_risk", user=setup["spec"]).exists() is at_risk


def test_at_risk_window_spans_the_weekend(setup):
    friday = datetime(2025, 10, 17, 10, 0, tzinfo=VLG)
    c = case(setup, datetime(2025, 10, 21, 18, 0, tzinfo=VLG))  # Tuesday = 2 working days after Friday
    watch.watch_deadlines(friday)
    assert Notification.objects.filter(case=c, kind="at_risk").exists()


def test_running_the_watch_again_notifies_nobody_twice(setup):
    case(setup, datetime(2025, 10, 16, 18, 0, tzinfo=VLG))
    case(setup, datetime(2025, 10, 14, 18, 0, tzinfo=VLG))
    first = watch.watch_deadlines(NOW)
    total = Notification.objects.count()
    second = watch.watch_deadlines(NOW)
    assert first["at_risk"] == 1 and first["overdue"] == 1
    assert second["at_risk"] == 0 and second["overdue"] == 0
    assert Notification.objects.count() == total


def test_overdue_escalates_to_the_block_owner_then_to_the_head(setup):
    c = case(setup, datetime(2025, 10, 14, 18, 0, tzinfo=VLG))  # overdue since yesterday evening
    watch.watch_deadlines(NOW)
    c.refresh_from_db()
    assert c.escalation_level == 1
    assert kinds(setup["spec"]) == ["overdue"]
    assert kinds(setup["owner"]) == ["escalation"]
    assert kinds(setup["head"]) == []
    assert CaseEvent.objects.filter(case=c, type="escalated").count() == 1
    # Two working days later (Friday) the head gets it.
    watch.watch_deadlines(datetime(2025, 10, 16, 10, 0, tzinfo=VLG))
    assert not Notification.objects.filter(user=setup["head"]).exists()
    watch.watch_deadlines(datetime(2025, 10, 17, 10, 0, tzinfo=VLG))
    c.refresh_from_db()
    assert c.escalation_level == 2
    assert kinds(setup["head"]) == ["escalation"]
    assert CaseEvent.objects.filter(case=c, type="escalated").count() == 2


def test_long_overdue_goes_straight_to_the_head(setup):
    c = case(setup, datetime(2025, 10, 1, 18, 0, tzinfo=VLG))
    watch.watch_deadlines(NOW)
    c.refresh_from_db()
    assert c.escalation_level == 2
    assert kinds(setup["head"]) == ["escalation"] and kinds(setup["owner"]) == ["escalation"]


def test_closed_cases_are_left_alone(setup):
    case(setup, datetime(2025, 10, 14, 18, 0, tzinfo=VLG), status=Status.CLOSED)
    assert watch.watch_deadlines(NOW)["overdue"] == 0
    assert not Notification.objects.exists()


def test_incident_without_first_reaction_alerts_the_incident_officer(setup):
    officer = RoleFactory(role=Role.INCIDENT_OFFICER, municipality=setup["muni"]).user
    case(
        setup,
        NOW + timedelta(days=10),
        kind=Kind.INCIDENT,
        channel="incident",
        status=Status.REGISTERED,
        owner=None,
        first_reaction_due_at=NOW - timedelta(hours=1),
    )
    assert watch.watch_deadlines(NOW)["first_reaction"] == 1
    assert kinds(officer) == ["overdue"]


def test_daily_digest_once_a_day_per_person(setup):
    case(setup, datetime(2025, 10, 14, 18, 0, tzinfo=VLG), registration_number="ОГ-25-00007")
    case(setup, datetime(2025, 10, 15, 18, 0, tzinfo=VLG), registration_number="ОГ-25-00008")
    case(setup, datetime(2025, 10, 16, 12, 0, tzinfo=VLG), registration_number="ОГ-25-00009")
    case(setup, datetime(2025, 11, 20, 12, 0, tzinfo=VLG), registration_number="ОГ-25-00010")
    assert watch.send_daily_digests(NOW) == 2  # the specialist and the block owner
    assert watch.send_daily_digests(NOW + timedelta(hours=3)) == 0
    digest = Notification.objects.get(user=setup["spec"], kind="digest")
    assert "Просрочено (1)" in digest.body and "ОГ-25-00007" in digest.body
    assert "Срок сегодня (1)" in digest.body and "ОГ-25-00008" in digest.body
    assert "Срок под угрозой (1)" in digest.body and "ОГ-25-00009" in digest.body
    assert "ОГ-25-00010" not in digest.body
    assert watch.send_daily_digests(NOW + timedelta(days=1)) == 2
