"""The `timestamptz` loader of PostgreSQL connections (otklik.core.pgtime): the same values as Django's own
loader, faster."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.utils import timezone
from psycopg.postgres import types

from otklik.cases.models import Case
from otklik.core.pgtime import loader_for
from tests.factories import CaseFactory

TIMESTAMPTZ = types["timestamptz"].oid
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def _django_loader(zone: object) -> BaseTzLoader:
    class Loader(BaseTzLoader):
        timezone = zone

    return Loader(TIMESTAMPTZ)


TEXTS = [
    b"2026-12-01 13:23:22.862976+00",
    b"2026-12-01 13:23:22+00",
    b"2026-12-01 13:23:22.5+00",
    b"2026-03-29 01:59:59.999999+00",
    b"0001-01-01 00:00:00+00",
    b"9999-12-31 23:59:59.999999+00",
    b"1900-06-01 10:00:00+03",  # another session time zone: Django's loader
    b"1900-01-01 00:00:00+02:30:17",
    b"2026-12-01 16:23:22.1-05",
]

FAILING = [
    b"infinity",
    b"-infinity",
    b"0044-03-15 12:00:00+00 BC",
    b"12/01/2026 13:23:22.86 UTC",  # DateStyle SQL
    b"",
]


@pytest.mark.parametrize("zone", [UTC, MOSCOW, None])
@pytest.mark.parametrize("text", TEXTS)
def test_the_loader_gives_what_djangos_loader_gives(text, zone):
    ours, theirs = loader_for(zone)(TIMESTAMPTZ), _django_loader(zone)
    for data in (text, memoryview(text)):
        got, expected = ours.load(data), theirs.load(data)
        assert got == expected
        assert type(got) is type(expected) is datetime
        assert got.tzinfo is expected.tzinfo is zone
        assert got.isoformat() == expected.isoformat()


@pytest.mark.parametrize("zone", [UTC, MOSCOW])
@pytest.mark.parametrize("text", FAILING)
def test_a_value_python_cannot_hold_fails_as_with_djangos_loader(text, zone):
    with pytest.raises(psycopg.DataError) as ours:
        loader_for(zone)(TIMESTAMPTZ).load(text)
    with pytest.raises(psycopg.DataError) as theirs:
        _django_loader(zone).load(text)
    assert str(ours.value) == str(theirs.value)


def test_the_fast_path_is_taken_for_utc_values():
    """Django's loader (and psycopg's parser under it) is not called for a UTC value at +00."""
    loader = loader_for(UTC)(TIMESTAMPTZ)
    loader._load_method = None  # psycopg's parser: would fail if called
    assert loader.load(b"2026-12-01 13:23:22.862976+00") == datetime(2026, 12, 1, 13, 23, 22, 862976, UTC)
    with pytest.raises(TypeError):
        loader.load(b"2026-12-01 16:23:22+03")


def test_one_loader_class_a_zone():
    assert loader_for(UTC) is loader_for(UTC)
    assert loader_for(UTC).timezone is UTC
    assert loader_for(MOSCOW) is not loader_for(UTC)


@pytest.mark.django_db
def test_moments_read_back_as_written():
    """Moments go to the database and come back the same, at UTC; on PostgreSQL every connection of
    Otklik's backend reads them with the fast loader, and they are what Django's loader makes of the
    server's text."""
    moments = [
        timezone.now(),
        datetime(2024, 2, 29, 23, 59, 59, 999999, UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=MOSCOW),
        datetime(1901, 1, 1, tzinfo=MOSCOW),  # local mean time: an offset with seconds
    ]
    cases = [CaseFactory(received_at=m, due_at=m + timedelta(days=30)) for m in moments]
    rows = list(
        Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk").values_list("received_at", "due_at")
    )
    for (received, due), moment in zip(rows, moments, strict=True):
        assert received == moment and due == moment + timedelta(days=30)
        assert received.tzinfo is due.tzinfo is UTC
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        return
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, psycopg.pq.Format.TEXT)
    assert loader is loader_for(connection.timezone) is loader_for(UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT received_at, received_at::text FROM cases_case WHERE id = ANY(%s) ORDER BY id",
            [[c.pk for c in cases]],
        )
        served = cursor.fetchall()
    theirs = _django_loader(connection.timezone)
    assert [value for value, _ in served] == [theirs.load(text.encode()) for _, text in served] == moments
