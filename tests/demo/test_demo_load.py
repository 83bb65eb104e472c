"""`otklik demo load` on an empty database: the district, its staff and two years of cases."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db.models import Count

from otklik import cli
from otklik.cases.models import Answer, Case, CaseDeadline, CaseEvent, Channel, Kind, Status
from otklik.org.models import Block, Role, RoleAssignment, Topic, User
from otklik.territory.models import Municipality, Settlement

ANCHOR = date(2026, 6, 30)


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_load_fills_an_empty_database(capsys):
    assert not Municipality.objects.exists()
    assert cli.main(["demo", "load", "--anchor", ANCHOR.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "Котельниковский муниципальный район" in out
    assert "пароль: otklik-demo" in out

    muni = Municipality.objects.get(code="kotelnikovo")
    assert muni.timezone == "Europe/Volgograd"
    settlements = Settlement.objects.filter(municipality=muni)
    assert settlements.count() == 14
    assert settlements.filter(kind="urban").get().name == "Котельниковское городское поселение"
    assert 30_000 <= muni.population <= 40_000

    cases = Case.objects.filter(municipality=muni)
    assert cases.count() == 2400

    by_topic = dict(cases.values_list("topic__code").annotate(n=Count("id")))
    assert set(by_topic) == {t.code for t in Topic.objects.filter(parent__isnull=True)}
    assert by_topic["housing"] > by_topic["other"]

    by_settlement = dict(cases.values_list("settlement__code").annotate(n=Count("id")))
    assert set(by_settlement) - {None} == set(settlements.values_list("code", flat=True))
    assert max(by_settlement, key=lambda k: by_settlement[k] if k else -1) == "kotelnikovskoe"

    by_status = dict(cases.values_list("status").annotate(n=Count("id")))
    assert set(by_status) == set(Status.values)
    assert by_status[Status.CLOSED] > cases.count() / 2

    assert set(cases.values_list("channel", flat=True)) == set(Channel.values)
    assert set(cases.values_list("kind", flat=True)) == set(Kind.values)

    first = cases.order_by("received_at").first().received_at.astimezone(muni.tz).date()
    last = cases.order_by("-received_at").first().received_at.astimezone(muni.tz).date()
    assert ANCHOR - timedelta(days=731) <= first <= ANCHOR - timedelta(days=700)
    assert ANCHOR - timedelta(days=3) <= last <= ANCHOR

    # Every case has a timeline starting with its receipt; answered and closed cases have an answer.
    assert CaseEvent.objects.filter(type="received").count() == 2400
    answered = cases.filter(status__in=[Status.ANSWERED, Status.CLOSED])
    assert Answer.objects.filter(case__in=answered).values("case").distinct().count() == answered.count()
    assert not cases.filter(status__in=[Status.ASSIGNED, Status.IN_PROGRESS], owner__isnull=True).exists()
    # Closed cases with a reopening on the way: the reopened share of past quarters is not zero.
    assert CaseEvent.objects.filter(type="status", to_status="reopened", case__status=Status.CLOSED).exists()
    assert not cases.filter(status=Status.NO_ANSWER, no_answer_reason="").exists()
    assert cases.filter(channel=Channel.POS, external_id__isnull=True).count() == 0
    # Stored stage deadlines agree with the case's answer deadline.
    registered = cases.exclude(registered_at=None)
    assert CaseDeadline.objects.filter(case__in=registered, stage__in=["answer", "extension"]).count() == (
        registered.count()
    )
    sample = CaseDeadline.objects.filter(stage="answer").select_related("case").first()
    assert sample.due_at == sample.case.due_at and sample.rule_text

    # The act's structure: each significant topic is in a block with an owner; one user per role.
    for topic in Topic.objects.filter(parent__isnull=True, is_significant=True):
        block = Block.objects.get(municipality=muni, topics=topic)
        assert block.owner is not None
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_demo_load_twice_is_refused_with_a_reason(capsys):
    assert cli.main(["demo", "load", "--cases", "20", "--anchor", "2026-01-15"]) == 0
    capsys.readouterr()
    assert cli.main(["demo", "load", "--cases", "20"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("otklik: ошибка:") and "уже загружен" in err
    assert err.count("\n") == 1
    assert Case.objects.count() == 20


@pytest.mark.django_db
def test_demo_load_if_empty_keeps_existing_data(capsys):
    assert cli.main(["demo", "load", "--cases", "10", "--anchor", "2026-01-15"]) == 0
    assert cli.main(["demo", "load", "--if-empty"]) == 0
    assert "не загружался повторно" in capsys.readouterr().out
    assert Case.objects.count() == 10


@pytest.mark.django_db
def test_demo_load_rejects_a_bad_anchor_date(capsys):
    assert cli.main(["demo", "load", "--anchor", "31.12.2025"]) == 1
    assert "ГГГГ-ММ-ДД" in capsys.readouterr().err
    assert not Municipality.objects.exists()


def test_demo_accounts_cover_every_role():
    from otklik.demo.services import demo_accounts

    accounts = demo_accounts()
    roles = Counter(a["role"] for a in accounts)
    assert {label for _, label in Role.choices} <= set(roles)
    assert len({a["username"] for a in accounts}) == len(accounts)
