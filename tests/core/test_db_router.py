"""The read replica: reads inside `use_replica()` go to the "replica" database, writes and every other read
to the primary; without `OTKLIK_REPLICA_DATABASE_URL` everything goes to the primary. The dashboard page and
a report's build read their figures from the replica, the report's run from the primary.

The tests give the installation a second alias, "replica": its own connection to the primary's test
database (a real streaming replica holds the same rows), so the queries each connection ran tell where
the router sent them."""

from __future__ import annotations

import copy
import runpy
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, router
from django.test.utils import CaptureQueriesContext

from otklik.core.db_router import REPLICA, ReplicaRouter, reading_replica, use_replica
from otklik.territory.models import Municipality
from tests.factories import MunicipalityFactory

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "otklik" / "settings.py"
BOTH = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(scope="module")
def replica(django_db_setup: None, django_db_blocker: object) -> Iterator[str]:
    """A "replica" alias for this module's tests: a second connection to the primary's test database."""
    alias_settings = copy.deepcopy(connections["default"].settings_dict)
    alias_settings["TEST"]["MIRROR"] = None  # its own connection, also within a test
    databases = connections.settings
    databases[REPLICA] = alias_settings
    if settings.DATABASES is not databases:
        settings.DATABASES[REPLICA] = alias_settings
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        databases.pop(REPLICA, None)
        settings.DATABASES.pop(REPLICA, None)


def statements(queries: CaptureQueriesContext, verb: str, table: str = "") -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(verb) and table in q["sql"]]


@BOTH
def test_reads_inside_use_replica_go_to_the_replica_and_writes_to_the_primary(replica):
    MunicipalityFactory(code="kot")
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as copy_,
    ):
        with use_replica():
            assert reading_replica()
            assert Municipality.objects.all().db == REPLICA
            found = Municipality.objects.get(code="kot")
            assert found._state.db == REPLICA
            found.name = "Котельниковский район"
            found.save()  # read from the replica, written to the primary
            MunicipalityFactory(code="new")
        assert not reading_replica()
        assert Municipality.objects.filter(code="new").exists()  # outside: the primary
    assert statements(copy_, "SELECT", "territory_municipality")
    assert not statements(copy_, "UPDATE") and not statements(copy_, "INSERT")
    assert statements(primary, "UPDATE", "territory_municipality")
    assert statements(primary, "INSERT", "territory_municipality")
    assert len(statements(primary, "SELECT", "territory_municipality")) == 1  # the one after the block


def test_without_a_replica_everything_goes_to_the_primary(monkeypatch):
    monkeypatch.delitem(settings.DATABASES, REPLICA, raising=False)
    monkeypatch.delitem(connections.settings, REPLICA, raising=False)
    with use_replica():
        assert not reading_replica()
        assert Municipality.objects.all().db == "default"
        assert router.db_for_read(Municipality) == "default"
        assert router.db_for_write(Municipality) == "default"


def test_the_choice_holds_only_where_it_was_made(replica):
    seen = []
    with use_replica():
        with use_replica():
            pass
        assert reading_replica()  # a nested block does not end the outer one
        worker = threading.Thread(target=lambda: seen.append(reading_replica()))
        worker.start()
        worker.join()
    assert seen == [False] and not reading_replica()


def test_writes_and_migrations_only_on_the_primary(replica):
    rules = ReplicaRouter()
    with use_replica():
        assert rules.db_for_write(Municipality) == "default"
        assert rules.db_for_read(Municipality) == REPLICA
    assert rules.db_for_read(Municipality) == "default"
    assert rules.allow_migrate("default", "cases") is True
    assert rules.allow_migrate(REPLICA, "cases") is False


def test_the_replica_alias_is_configured_only_when_its_url_is_set(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("OTKLIK_REPLICA_DATABASE_URL", raising=False)
    plain = runpy.run_path(str(SETTINGS_FILE))
    assert set(plain["DATABASES"]) == {"default"}
    assert plain["DATABASE_ROUTERS"] == ["otklik.core.db_router.ReplicaRouter"]

    monkeypatch.setenv("DATABASE_URL", "postgres://otklik@db-primary:5432/otklik")
    monkeypatch.setenv("OTKLIK_REPLICA_DATABASE_URL", "postgres://otklik_ro@db-replica:5432/otklik")
    both = runpy.run_path(str(SETTINGS_FILE))
    assert both["DATABASES"]["default"]["HOST"] == "db-primary"
    assert both["DATABASES"]["replica"]["HOST"] == "db-replica"
    assert both["DATABASES"]["replica"]["USER"] == "otklik_ro"
    assert both["DATABASES"]["replica"]["TEST"] == {"MIRROR": "default"}


@BOTH
def test_the_dashboard_reads_its_figures_from_the_replica(replica, client):
    from tests.reports import dataset

    region = dataset.build()
    client.force_login(region["head_a"])
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as copy_,
    ):
        response = client.get("/dashboard/?date_from=2026-01-01&date_to=2026-03-31")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Город" in page and "Село" in page
    assert statements(copy_, "SELECT", '"cases_case"')
    assert not statements(primary, "SELECT", '"cases_case"')
    assert statements(primary, "SELECT", '"django_session"')  # the login is checked on the primary
    assert not statements(copy_, "SELECT", '"django_session"')


@BOTH
def test_a_report_run_reads_the_figures_from_the_replica_and_itself_from_the_primary(
    replica, settings, tmp_path
):
    from otklik.reports import services
    from otklik.reports.models import ReportRun, RunStatus
    from tests.reports import dataset

    settings.MEDIA_ROOT = tmp_path / "media"
    region = dataset.build()
    run = services.order_quarterly(
        region["head_a"], year=2026, quarter=1, municipality=region["a"], fmt="xlsx"
    )
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as copy_,
    ):
        services.build_run(run.pk)
    run = ReportRun.objects.get(pk=run.pk)
    assert run.status == RunStatus.DONE and run.summary["received"] == 7
    assert statements(copy_, "SELECT", '"cases_case"')
    assert not statements(primary, "SELECT", '"cases_case"')
    assert statements(primary, "SELECT", '"reports_reportrun"')
    assert statements(primary, "UPDATE", '"reports_reportrun"')  # progress and the result
    assert not statements(copy_, "SELECT", '"reports_reportrun"')
    assert not statements(copy_, "UPDATE") and not statements(copy_, "INSERT")
