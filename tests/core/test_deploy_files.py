"""The files of deploy/ stay true to the code: the environment example lists exactly the variables the
application reads, the systemd units run commands that exist, nginx lets an allowed import through, and
the PostgreSQL settings name the server's own parameters with values it takes."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
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


#: `name = value` with an optional comment, as postgresql.conf takes it.
SETTING = re.compile(r"^\s*([a-z_]+)\s*=\s*([^#\s]+)\s*(?:#.*)?$")
#: Units of PostgreSQL's integer parameters, in kB and in ms.
MEMORY = {"kB": 1, "MB": 1024, "GB": 1024**2, "TB": 1024**3}
TIME = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def postgresql_settings() -> dict[str, str]:
    lines = (DEPLOY / "postgresql" / "otklik.conf").read_text(encoding="utf-8").splitlines()
    found: dict[str, str] = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = SETTING.match(line)
        assert match, f"not a setting: {line!r}"
        assert match.group(1) not in found, f"{match.group(1)} set twice"
        found[match.group(1)] = match.group(2)
    return found


def in_units(value: str, unit: str) -> float:
    """An integer parameter's value ('4GB', '15min', '200') in the parameter's own unit ('8kB', 'MB', 's')."""
    number, written = re.fullmatch(r"(\d+)\s*([a-zA-Z]*)", value).groups()  # type: ignore[union-attr]
    if not written:
        return float(number)
    base = re.fullmatch(r"(\d*)([a-zA-Z]+)", unit)
    assert base, f"{value} given for a parameter without a unit"
    scale, name = int(base.group(1) or 1), base.group(2)
    table = MEMORY if name in MEMORY else TIME
    assert written in table, f"{value}: unit {written!r} is not one of {sorted(table)}"
    return int(number) * table[written] / (scale * table[name])


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("4GB", "8kB", 524_288),
        ("32MB", "kB", 32_768),
        ("8GB", "MB", 8192),
        ("15min", "s", 900),
        ("1000ms", "ms", 1000),
        ("200", "", 200),
    ],
)
def test_postgresql_units_are_read_as_the_server_reads_them(value, unit, expected):
    assert in_units(value, unit) == expected


def test_the_postgresql_settings_are_the_servers_own_with_values_it_takes(db):
    from django.db import connection

    settings_file = postgresql_settings()
    # What the deployment depends on (docs/deploy.md): durable commits, a replica that can stream and
    # read for minutes, room for a region's imports in the WAL.
    assert settings_file["synchronous_commit"] == "on"
    assert settings_file["wal_level"] == "replica"
    assert settings_file["hot_standby_feedback"] == "on"
    assert in_units(settings_file["max_wal_size"], "GB") >= 4
    assert in_units(settings_file["shared_buffers"], "GB") <= 16 / 4  # a quarter of the machine's RAM
    if connection.vendor != "postgresql":
        return  # SQLite: the file's form and the values above only
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, vartype, unit, min_val, max_val, enumvals FROM pg_settings WHERE name = ANY(%s)",
            [list(settings_file)],
        )
        known = {row[0]: row[1:] for row in cursor.fetchall()}
    assert sorted(set(settings_file) - set(known)) == [], "not a parameter of this PostgreSQL"
    for name, value in settings_file.items():
        vartype, unit, low, high, choices = known[name]
        if vartype == "bool":
            assert value in {"on", "off", "true", "false"}, name
        elif vartype == "enum":
            assert value in choices, f"{name} = {value}: not one of {choices}"
        elif vartype == "integer":
            assert float(low) <= in_units(value, unit or "") <= float(high), name
        elif vartype == "real":
            assert float(low) <= float(value) <= float(high), name
