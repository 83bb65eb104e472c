"""The files of deploy/ stay true to the code: the environment example lists exactly the variables the
application reads, the systemd units run commands that exist, nginx lets an allowed import through."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from django.conf import settings

from otklik.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
#: os.environ.get("X"…), os.environ["X"], os.getenv("X"…), env_bool("X"…), env_list("X"…)
READ = re.compile(
    r"""(?:os\.environ\.get|os\.environ\[|os\.getenv|env_bool|env_list)\(?\s*["']([A-Z][A-Z0-9_]*)["']"""
)
NOT_THE_APPS = {"DJANGO_SETTINGS_MODULE", "GUNICORN_CMD_ARGS"}


def test_the_environment_example_lists_every_variable_the_application_reads():
    read = set()
    for path in (ROOT / "otklik").rglob("*.py"):
        read |= set(READ.findall(path.read_text(encoding="utf-8")))
    read -= NOT_THE_APPS
    example = (DEPLOY / "otklik.env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", example, flags=re.M)) - NOT_THE_APPS
    assert {"DATABASE_URL", "OTKLIK_REPLICA_DATABASE_URL", "OTKLIK_SECRET_KEY"} <= read
    assert sorted(read - listed) == [], "read by the application but missing from deploy/otklik.env.example"
    assert sorted(listed - read) == [], "in deploy/otklik.env.example but never read"


def test_the_units_run_existing_commands():
    parser = build_parser()
    commands = {
        name for a in parser._actions if isinstance(a, argparse._SubParsersAction) for name in a.choices
    }
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {
        "otklik-web.service",
        "otklik-worker@.service",
        "otklik-backup.service",
    }
    for unit in units:
        used = re.findall(r"^ExecStart=.*?/otklik (\w+)", unit.read_text(encoding="utf-8"), flags=re.M)
        assert used and set(used) <= commands, unit.name
    for timer in ("otklik-backup.timer", "otklik-purge.timer"):
        assert (DEPLOY / "systemd" / timer).is_file()


def test_nginx_lets_an_allowed_import_through_and_serves_no_uploads():
    conf = (DEPLOY / "nginx" / "otklik.conf").read_text(encoding="utf-8")
    imports = re.search(r"location /imports/ \{[^}]*client_max_body_size (\d+)m;", conf)
    assert imports and int(imports.group(1)) > settings.OTKLIK_IMPORT_MAX_MB
    general = re.search(r"^    client_max_body_size (\d+)m;", conf, flags=re.M)
    assert general and int(general.group(1)) >= 5 * 10  # five attachments of 10 MB
    assert re.search(r"location /media/ \{\s*return 404;", conf)
    assert "Strict-Transport-Security" in conf and "X-Forwarded-Proto" in (
        DEPLOY / "nginx" / "otklik-proxy.conf"
    ).read_text(encoding="utf-8")
