"""The cases' daily tally (PostgreSQL): kept right by the database whatever writes the cases, folded by
the worker, and giving the dashboard the same figures as counting the cases; SQLite counts the cases."""

from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik import cli
from otklik.analytics.models import CaseTally, CaseTallyDelta
from otklik.analytics.selectors import _tally_fits, dashboard, tally_check
from otklik.analytics.services import compact_tallies, rebuild_tallies, tally_kept
from otklik.cases.models import Case, Status
from otklik.core.fastsql import copy_rows
from otklik.intake.services import IntakeItem, intake
from otklik.org.models import Role, Topic
from otklik.quality.models import Rating
from otklik.territory.models import Municipality
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory, SettlementFactory

pytestmark = pytest.mark.django_db
PG = "postgresql"


@pytest.fixture
def region(db):
    rng = random.Random(7)
    munis = [MunicipalityFactory(code=f"m{i}", population=5000) for i in range(2)]
    places = {m.pk: [SettlementFactory(municipality=m, population=1000) for _ in range(3)] for m in munis}
    topics = list(Topic.objects.filter(parent__isnull=True, is_active=True)[:4])
    now = timezone.now()
    cases = []
    for i in range(90):
        muni = munis[i % 2]
        received = now - timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 23))
        case = CaseFactory(
            municipality=muni,
            settlement=rng.choice([*places[muni.pk], None]),
            topic=rng.choice([*topics, None]),
            received_at=received,
            registered_at=received + timedelta(hours=2),
            due_at=received + timedelta(days=rng.choice([5, 30])),
            status=rng.choice([Status.REGISTERED, Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED]),
        )
        if case.status in (Status.ANSWERED, Status.CLOSED):
            case.answered_at = received + timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
            case.save()
            if rng.random() < 0.6:
                Rating.objects.create(
                    case=case, satisfied=rng.random() < 0.5, source="tracking", created_at=now
                )
        cases.append(case)
    curator = RoleFactory(role=Role.CURATOR, municipality=None).user
    head = RoleFactory(role=Role.HEAD, municipality=munis[0]).user
    return {
        "munis": munis,
        "places": places,
        "topics": topics,
        "cases": cases,
        "curator": curator,
        "head": head,
    }


def _figures(board: Any) -> dict[str, Any]:
    return {
        "areas": [(a.key, a.count) for a in board.areas],
        "matrix": [[c["n"] for c in row["cells"]] for row in board.matrix],
        "trend": board.trend,
        "kpi": {k: v for k, v in board.kpi.items() if k != "links"},
        "growing": [(g["topic"], g["settlement"], g["now"], g["before"]) for g in board.growing],
    }


def _views(region: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    today = timezone.localdate()
    tz = region["munis"][0].tz
    quarter = {"start": today - timedelta(days=89), "end": today, "tz": tz}
    year = {"start": today - timedelta(days=364), "end": today, "tz": tz}  # by month
    return [
        (region["curator"], {"municipality": None, "topic": None, **quarter}),
        (region["curator"], {"municipality": None, "topic": None, **year}),
        (region["curator"], {"municipality": None, "topic": region["topics"][0], **quarter}),
        (region["curator"], {"municipality": region["munis"][1], "topic": None, **quarter}),
        (region["head"], {"municipality": region["munis"][0], "topic": None, **quarter}),
        (region["head"], {"municipality": region["munis"][0], "topic": region["topics"][1], **year}),
    ]


def assert_tally_right(region: dict[str, Any]) -> None:
    """The tally agrees with the cases key by key, and every view's figures from it equal the counted."""
    if connection.vendor != PG:
        assert tally_check() == {"keys": 0, "differ": 0}
        return
    found = tally_check()
    assert found["differ"] == 0 and found["keys"] > 0
    for user, view in _views(region):
        # A view whose days are not all its municipalities' own (one of them moved to another zone) is
        # counted from the cases by the default choice; the others read the tally.
        shown = [view["municipality"]] if view["municipality"] else list(Municipality.objects.all())
        source = "tally" if _tally_fits(user, shown, view["tz"]) else "auto"
        from_tally = _figures(dashboard(user, source=source, **view))
        counted = _figures(dashboard(user, source="cases", **view))
        assert from_tally == counted, view
        assert from_tally["kpi"]["total"] > 0


def test_the_dashboard_reads_the_tally_on_postgresql_and_counts_cases_elsewhere(region):
    munis, tz = region["munis"], region["munis"][0].tz
    assert tally_kept() == (connection.vendor == PG)
    assert _tally_fits(region["curator"], munis, tz) == (connection.vendor == PG)
    # Another zone than the municipalities' own days, or a user who sees only part of them: the cases.
    assert not _tally_fits(region["curator"], munis, zoneinfo.ZoneInfo("Asia/Vladivostok"))
    assert not _tally_fits(region["head"], munis, tz)
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as ctx:
        board = dashboard(
            region["curator"],
            municipality=None,
            topic=None,
            start=today - timedelta(days=89),
            end=today,
            tz=tz,
        )
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert ("analytics_case_tally" in sql) == (connection.vendor == PG)
    assert ("quality_rating" in sql) == (connection.vendor != PG)  # ratings come with the tally
    lo = timezone.make_aware(datetime.combine(today - timedelta(days=89), time.min), tz)
    assert board.kpi["total"] == sum(1 for c in region["cases"] if c.received_at >= lo)
    assert_tally_right(region)


def test_every_way_of_writing_cases_keeps_the_tally(region):
    munis, places, topics, cases = region["munis"], region["places"], region["topics"], region["cases"]
    now = timezone.now()
    # Many rows in one statement, and by COPY (the import's way on PostgreSQL).
    made = [
        Case(
            municipality=munis[1],
            settlement=places[munis[1].pk][i % 3],
            topic=topics[i % 4],
            kind="message",
            channel="pos",
            text="Яма на дороге",
            status=Status.REGISTERED,
            received_at=now - timedelta(days=i % 40, hours=3),
            due_at=now + timedelta(days=10),
        )
        for i in range(120)
    ]
    if connection.vendor == PG:
        with connection.cursor() as cursor:
            copy_rows(cursor, made[:60])
    else:
        Case.objects.bulk_create(made[:60])
    Case.objects.bulk_create(made[60:])
    assert_tally_right(region)
    # Through intake: on PostgreSQL each case written by the one statement that numbers it, its events
    # and deadlines by WITH queries of that statement.
    for text in ("Яма на дороге у школы", "Не вывозят мусор"):
        item = IntakeItem(channel="api", kind="message", text=text, received_at=now - timedelta(hours=2))
        intake([item.normalised()], municipality=munis[0])
    assert_tally_right(region)
    # Saved one by one: status, answer, reclassification, another settlement, another day, another
    # municipality.
    a, b, c, d, e = cases[:5]
    a.status, a.answered_at = Status.ANSWERED, a.received_at + timedelta(days=2)
    a.save()
    b.topic = topics[3] if b.topic != topics[3] else topics[0]
    b.save()
    c.settlement = None
    c.save()
    d.received_at -= timedelta(days=20)
    d.due_at = d.received_at + timedelta(days=30)
    d.save()
    e.municipality, e.settlement = munis[1 - (munis.index(e.municipality))], None
    e.save()
    # Fields the tally does not depend on: nothing is appended.
    before = CaseTallyDelta.objects.count()
    Case.objects.filter(pk=a.pk).update(title="Новый заголовок", version=5)
    assert CaseTallyDelta.objects.count() == before
    # Bulk updates, ratings written, changed and removed, cases removed with their ratings.
    Case.objects.filter(municipality=munis[0], status=Status.REGISTERED).update(status=Status.IN_PROGRESS)
    Case.objects.filter(topic=topics[2]).update(topic=topics[1])
    rated = [x for x in cases if x.ratings.exists()]
    Rating.objects.create(case=cases[10], satisfied=True, source="phone", created_at=now)
    Rating.objects.filter(case=rated[0]).update(satisfied=True)
    Rating.objects.filter(case=rated[1]).delete()
    Case.objects.filter(pk__in=[rated[2].pk, cases[20].pk]).delete()
    assert_tally_right(region)
    # Rolled back: nothing stays.
    before = CaseTallyDelta.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        CaseFactory(municipality=munis[0], received_at=now)
        raise RuntimeError
    assert CaseTallyDelta.objects.count() == before
    assert_tally_right(region)


def test_the_compaction_folds_the_delta_and_drops_emptied_rows(region):
    munis, cases = region["munis"], region["cases"]
    if connection.vendor != PG:
        assert compact_tallies() == {"tally_rows_folded": 0, "tally_rows_dropped": 0}
        assert CaseTally.objects.count() == 0 and CaseTallyDelta.objects.count() == 0
        return
    appended = CaseTallyDelta.objects.count()
    assert appended > 0  # the fixture's writes
    done = compact_tallies()
    assert done["tally_rows_folded"] == appended and CaseTallyDelta.objects.count() == 0
    keys = CaseTally.objects.values_list("municipality_id", "day", "settlement_id", "topic_id")
    assert len(set(keys)) == len(keys)  # one row a key
    assert_tally_right(region)
    # Every case of one key moved to another municipality: the emptied row goes at the next pass.
    lone = cases[0]
    same = Case.objects.filter(
        municipality=lone.municipality,
        settlement=lone.settlement,
        topic=lone.topic,
        received_at__date=timezone.localtime(lone.received_at, lone.municipality.tz).date(),
    )
    rows_before = CaseTally.objects.count()
    same.update(municipality=munis[1] if lone.municipality == munis[0] else munis[0], settlement=None)
    done = compact_tallies()
    assert done["tally_rows_dropped"] >= 1
    assert not CaseTally.objects.filter(total=0, ratings=0, answered=0, open=0).exists()
    assert CaseTally.objects.count() <= rows_before
    assert_tally_right(region)


def test_a_municipality_s_new_time_zone_rebuilds_its_days(region):
    muni = region["munis"][0]
    muni.timezone = "Asia/Vladivostok"  # +7 hours against Volgograd: some cases move to the next day
    muni.save()
    assert_tally_right(region)
    if connection.vendor == PG:
        # Its own head's view now runs on Vladivostok's days, and still reads the tally.
        muni.refresh_from_db()
        assert _tally_fits(region["head"], [muni], muni.tz)
        today = timezone.localdate()
        view = {"municipality": muni, "topic": None, "start": today - timedelta(days=89), "end": today}
        assert _figures(dashboard(region["head"], source="tally", tz=muni.tz, **view)) == _figures(
            dashboard(region["head"], source="cases", tz=muni.tz, **view)
        )


def test_otklik_tally_checks_compacts_and_rebuilds(region, capsys):
    if connection.vendor != PG:
        assert cli.main(["tally", "check"]) == 1
        assert "только PostgreSQL" in capsys.readouterr().err
        return
    assert cli.main(["tally", "compact"]) == 0
    assert "уплотнена" in capsys.readouterr().out
    assert cli.main(["tally", "check"]) == 0
    assert "сходится" in capsys.readouterr().out
    # A tally gone wrong (written past the triggers) is found, and made right again.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE analytics_case_tally SET total = total + 1"
            " WHERE id = (SELECT min(id) FROM analytics_case_tally)"
        )
    assert cli.main(["tally", "check"]) == 1
    assert "расходится с обращениями в 1 из" in capsys.readouterr().err
    assert cli.main(["tally", "rebuild"]) == 0
    assert "пересчитана" in capsys.readouterr().out
    assert cli.main(["tally", "check"]) == 0
    assert rebuild_tallies() == CaseTally.objects.count()
    assert_tally_right(region)
