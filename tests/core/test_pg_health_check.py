"""The PostgreSQL backend's health check (otklik.core.postgresql): a connection that passed it less than
OTKLIK_PG_HEALTH_CHECK_SECONDS ago passes again without a statement; a connection the server has ended is
found dead at once all the same, and replaced; 0 checks by a statement every time, as Django does."""

from __future__ import annotations

import time
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.backends.postgresql import base as django_base
from django.test import override_settings


def test_postgresql_databases_use_the_backend():
    engine = settings.DATABASES["default"]["ENGINE"]
    if connection.vendor == "postgresql":
        assert (
            engine == "otklik.core.postgresql"
            and type(connections["default"]).__module__ == "otklik.core.postgresql.base"
        )
    else:
        assert engine == "django.db.backends.sqlite3"


@pytest.fixture
def own(db):
    """A second connection to the test database, as a web process holds one between requests."""
    if connection.vendor != "postgresql":
        yield None
        return
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    wrapper.health_check_enabled = True
    yield wrapper
    wrapper.close()


def _new_request(wrapper):
    """What Django does for a connection at the start of a request (`close_old_connections`), then its
    first use; the statement Django's check sends, counted."""
    wrapper.health_check_done = False
    with mock.patch.object(
        django_base.DatabaseWrapper, "is_usable", autospec=True, side_effect=lambda w: real(w)
    ) as check:
        wrapper.close_if_health_check_failed()
        wrapper.ensure_connection()
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
    return check.call_count, pid


def real(wrapper):
    with wrapper.connection.cursor() as cursor:  # Django's own check: SELECT 1
        try:
            cursor.execute("SELECT 1")
        except psycopg.Error:  # as Django's
            return False
    return True


def test_a_connection_in_steady_use_is_not_checked_by_a_statement(own):
    if own is None:
        assert connection.vendor == "sqlite"  # SQLite's connections are not kept between requests
        return
    with override_settings(OTKLIK_PG_HEALTH_CHECK_SECONDS=60):
        first_pid = own.connection.info.backend_pid
        assert [_new_request(own) for _ in range(3)] == [(0, first_pid)] * 3  # just connected: alive
    with override_settings(OTKLIK_PG_HEALTH_CHECK_SECONDS=0):
        assert [_new_request(own) for _ in range(2)] == [(1, first_pid)] * 2  # Django's check every time
    with override_settings(OTKLIK_PG_HEALTH_CHECK_SECONDS=0.2):
        assert _new_request(own) == (0, first_pid)  # checked a moment ago
        time.sleep(0.25)
        assert _new_request(own) == (1, first_pid)  # the window passed: checked by a statement
        assert _new_request(own) == (0, first_pid)


def test_a_connection_the_server_ended_is_replaced_within_the_window(own):
    if own is None:
        assert connection.vendor == "sqlite"
        return
    with override_settings(OTKLIK_PG_HEALTH_CHECK_SECONDS=60):
        old_pid = own.connection.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [old_pid])
        deadline = time.monotonic() + 5
        while own._quiet() and time.monotonic() < deadline:  # the server's farewell arrives
            time.sleep(0.01)
        checks, pid = _new_request(own)
    assert checks == 1 and pid != old_pid  # found dead by the full check, reconnected, the request served


def test_the_window_is_configurable_and_checked():
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'otklik.settings'; django.setup(); "
        "from django.conf import settings; print(settings.OTKLIK_PG_HEALTH_CHECK_SECONDS)"
    )
    root = Path(__file__).resolve().parents[2]

    def run(value):
        env = {**os.environ, "OTKLIK_PG_HEALTH_CHECK_SECONDS": value}
        return subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True)

    assert run("0").stdout.strip() == "0.0" and run("2.5").stdout.strip() == "2.5"
    wrong = run("секунда")
    assert wrong.returncode != 0 and "OTKLIK_PG_HEALTH_CHECK_SECONDS" in wrong.stderr
    assert "неотрицательное число" in wrong.stderr
