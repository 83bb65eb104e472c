from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCREENSHOTS = PROJECT_DIR / "var" / "screenshots"


#: Debian's Chromium (never a downloaded browser), headless, as every browser test drives it.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    """Playwright driving Chromium. Its sync API runs an event loop in this thread; Django's ORM calls
    here are not async. The database connections the test opened inside Playwright's context belong to
    that context: they are closed before it is left, or they would outlive the test (the session's last
    one keeps its test database from being dropped)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()
            connections.close_all()


@pytest.fixture
def municipality(db):
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory()


@pytest.fixture
def fresh_env(tmp_path):
    """An environment whose DATABASE_URL points at an empty database of the engine under test."""
    import uuid

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["OTKLIK_VAR_DIR"] = str(tmp_path / "var")
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"otklik_cli_{uuid.uuid4().hex[:10]}"
    conninfo = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_configure(config):
    from django.conf import settings

    # WhiteNoise warns when the collected-static directory is missing; the finders serve files in tests.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    # Persistent connections from live-server threads would keep test databases busy at teardown.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, and at the end a check that no test left a connection to them open:
    on PostgreSQL such a connection keeps the test database from being dropped (pytest-django only warns,
    and the database stays behind). Backends still closing get a few seconds."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        others: list[tuple[int, str]] = []
        for _ in range(50):
            cursor.execute(
                "SELECT pid, left(query, 200) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            others = cursor.fetchall()
            if not others:
                break
            time.sleep(0.1)
    connection.close()
    assert not others, f"connections left open to the test database (pid, last query): {others}"


def pytest_report_header(config):
    from django.conf import settings

    url = os.environ.get("DATABASE_URL", "sqlite default")
    return f"database: {settings.DATABASES['default']['ENGINE']} ({url})"


@pytest.fixture(autouse=True)
def _fresh_reference_caches(settings):
    """Each test starts without the process's cached gazetteers and routing tables (a test's rows are
    rolled back without any signal, and SQLite reuses their ids). Within a test the caches see edits
    through the ORM's signals; the periodic check for other processes' edits (every 2 s by default) is
    left to the tests of the caches themselves, which set the interval — elsewhere a slow moment of a
    test would add a stamp query to a request whose queries the test counts."""
    from otklik.core.stampcache import clear_all

    settings.OTKLIK_CACHE_CHECK_SECONDS = 3600
    clear_all()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2, the installation's hasher, spends about a tenth of a second and 100 MB on every hash; the
    suite creates and logs in thousands of users. Tests hash with MD5 unless marked `real_hashers`
    (those that check the installation's hashing itself)."""
    if request.node.get_closest_marker("real_hashers") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """Transactional tests empty every table afterwards, the migrations' reference data included (topic
    tree, rubricator phrases, deadline rules): put it back before such a test, whatever ran before it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    from otklik.cases.deadline_engine import sync_default_rules
    from otklik.nlp.keywords import sync_keywords
    from otklik.org.services import sync_topics

    sync_topics()
    sync_keywords()
    sync_default_rules()
    yield
