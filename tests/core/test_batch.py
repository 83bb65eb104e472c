"""StatementBatch on PostgreSQL: a request's few rows as one prepared statement (data-modifying WITH
queries), more rows or a table twice as the multi-statement script; the rows written either way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik.audit.models import AuditEvent, PersonalDataAccess
from otklik.cases.models import Case, CaseEvent
from otklik.core.batch import ONE_STATEMENT_ROWS, Numbered, StatementBatch, _fits_one_statement
from otklik.core.fastsql import take_ids
from tests.factories import CaseFactory, MunicipalityFactory, UserFactory


def _rows(*spec: tuple[type, int, bool]) -> list[tuple[type, list, bool]]:
    return [(model, [model() for _ in range(n)], ignore) for model, n, ignore in spec]


@pytest.mark.parametrize(
    ("rows", "numbered", "prepared", "one"),
    [
        ([(CaseEvent, 2, False), (PersonalDataAccess, 1, True)], 0, True, True),
        ([(CaseEvent, 2, False), (AuditEvent, 1, False)], 1, True, True),
        ([], 3, True, True),
        ([(CaseEvent, 1, False)], 0, True, True),
        # prepared statements off (a pooler in transaction mode): the script
        ([(CaseEvent, 2, False), (PersonalDataAccess, 1, True)], 1, False, False),
        # a table twice: two INSERTs of one statement would share a snapshot
        ([(PersonalDataAccess, 1, False), (PersonalDataAccess, 1, True)], 0, True, False),
        ([(Case, 1, False)], 1, True, False),
        # an import's rows
        ([(CaseEvent, ONE_STATEMENT_ROWS - 2, False)], 1, True, True),
        ([(CaseEvent, ONE_STATEMENT_ROWS - 1, False)], 1, True, False),
        ([(CaseEvent, ONE_STATEMENT_ROWS, False)], 0, True, False),
    ],
)
def test_which_flushes_go_as_one_statement(rows, numbered, prepared, one):
    entry = (
        Numbered([Case() for _ in range(numbered)], (1, "ПОС", 2026), ("ПОС-", "0", 5, ""))
        if numbered
        else None
    )
    with override_settings(OTKLIK_PG_PREPARED_STATEMENTS=prepared):
        assert _fits_one_statement(_rows(*rows), entry) is one


@pytest.mark.django_db
def test_a_requests_rows_are_written_by_one_statement_with_their_conflicts_ignored():
    case = CaseFactory()
    user = UserFactory()
    at = timezone.now() - timedelta(hours=1)
    today = timezone.localdate()
    PersonalDataAccess.objects.create(user=user, case=case, via="api", day=today, at=at)
    batch = StatementBatch()
    notes = ["«Первая» 50 % o'clock; --", "$1 вторая", "третья %s"]
    with transaction.atomic():
        batch.add(
            [CaseEvent(case=case, at=at, type=CaseEvent.Type.COMMENT, note=n, data={"n": n}) for n in notes]
        )
        batch.add(
            [PersonalDataAccess(user_id=user.pk, case_id=case.pk, via="api", day=today, at=at)],
            ignore_conflicts=True,
        )
        batch.add([AuditEvent(at=at, action="test.batch", object_type="cases.case", object_id=str(case.pk))])
        with CaptureQueriesContext(connection) as ctx:
            batch.flush()
    stored = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("note", "data"))
    assert stored == [(n, {"n": n}) for n in notes]
    assert PersonalDataAccess.objects.filter(case=case).count() == 1  # the repeat ignored
    assert AuditEvent.objects.filter(action="test.batch", object_id=str(case.pk)).count() == 1
    if connection.vendor == "postgresql":
        (sent,) = ctx.captured_queries
        assert sent["sql"].startswith('WITH r0 AS (INSERT INTO "cases_caseevent"')
        assert "«Первая»" not in sent["sql"]  # the values went apart from the statement


@pytest.mark.django_db
def test_numbered_cases_and_their_rows_go_in_one_statement_the_same_each_time():
    """The cases' events refer to cases written by the same statement (the foreign key is checked at its
    end); a second flush of the same shape reuses the statement the server prepared."""
    if (
        connection.vendor != "postgresql"
    ):  # numbers at the write are PostgreSQL's (the SQLite path: intake tests)
        with pytest.raises(ValueError):
            StatementBatch().add_numbered([Case()], (1, "ПОС", 2026), ("ПОС-", "0", 5, ""))
        return
    muni = MunicipalityFactory()
    numbers = []
    for round_ in range(2):
        cases = [
            Case(
                municipality=muni,
                kind="message",
                channel="api",
                text=f"Текст {round_}-{i}",
                received_at=timezone.now(),
            )
            for i in range(2)
        ]
        with transaction.atomic():
            take_ids(cases)
            batch = StatementBatch()
            batch.add(
                [CaseEvent(case_id=c.pk, at=timezone.now(), type=CaseEvent.Type.RECEIVED) for c in cases]
            )
            batch.add_numbered(cases, (muni.pk, "ПОС", 2026), ("ПОС-26-", "0", 5, ""))
            with CaptureQueriesContext(connection) as ctx:
                batch.flush()
        (sent,) = ctx.captured_queries
        assert sent["sql"].startswith('WITH n AS (INSERT INTO "cases_registrationcounter"')
        numbers += [c.registration_number for c in cases]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'WITH n AS%%'")
            assert cursor.fetchone()[0] == 1  # prepared once, bound the second time
    assert numbers == ["ПОС-26-00001", "ПОС-26-00002", "ПОС-26-00003", "ПОС-26-00004"]
    stored = Case.objects.filter(municipality=muni).order_by("pk")
    assert [c.registration_number for c in stored] == numbers
    assert CaseEvent.objects.filter(case__municipality=muni).count() == 4


@pytest.mark.django_db
def test_a_failing_row_fails_the_whole_statement_with_djangos_error():
    from django.db import IntegrityError

    case, user = CaseFactory(), UserFactory()
    row = {
        "user_id": user.pk,
        "case_id": case.pk,
        "via": "api",
        "day": timezone.localdate(),
        "at": timezone.now(),
    }
    PersonalDataAccess.objects.create(**row)
    batch = StatementBatch()
    batch.add([CaseEvent(case_id=case.pk, at=timezone.now(), type=CaseEvent.Type.RECEIVED)])
    batch.add([PersonalDataAccess(**row)])  # the same person, case, way and day again, not ignored
    with pytest.raises(IntegrityError), transaction.atomic():
        batch.flush()
    assert not CaseEvent.objects.filter(case=case).exists()
