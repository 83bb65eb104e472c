"""PostgreSQL connections plan with random_page_cost 1.1 (OTKLIK_PG_RANDOM_PAGE_COST), sent with each
connection; a value given in DATABASE_URL wins; a wrong value stops the start with the reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_connections_plan_as_on_ssd(db):
    if connection.vendor != "postgresql":
        assert "options" not in connection.settings_dict.get("OPTIONS", {})  # nothing to send to SQLite
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'otklik.settings'; django.setup(); "
        "from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True
    )


def test_the_value_is_configurable_and_checked():
    url = "postgres://u@127.0.0.1:5432/x"
    assert _settings_with({"DATABASE_URL": url}).stdout.strip() == "-c random_page_cost=1.1"
    chosen = _settings_with({"DATABASE_URL": url, "OTKLIK_PG_RANDOM_PAGE_COST": "2"})
    assert chosen.stdout.strip() == "-c random_page_cost=2"
    assert _settings_with({"DATABASE_URL": url, "OTKLIK_PG_RANDOM_PAGE_COST": ""}).stdout.strip() == ""
    wrong = _settings_with({"DATABASE_URL": url, "OTKLIK_PG_RANDOM_PAGE_COST": "быстро"})
    assert wrong.returncode != 0 and "нужно положительное число" in wrong.stderr
    sqlite = _settings_with({"DATABASE_URL": "sqlite:////tmp/otklik-planner-test.sqlite3"})
    assert sqlite.stdout.strip() == ""
