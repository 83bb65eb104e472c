"""Faults against real processes: an import killed mid-file and run again, and two operators answering
the same case at the same moment (two processes, one database)."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from tests.test_cli import OTKLIK, run

PYTHON = str(Path(OTKLIK).with_name("python"))
SETUP = (
    "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'otklik.settings')\ndjango.setup()\n"
)
ROWS = 6000

pytestmark = pytest.mark.django_db(transaction=True)


def django_snippet(env: dict[str, str], code: str, *, timeout: int = 120) -> str:
    """Run Python code with the project set up against env's database; returns its stdout."""
    prelude = SETUP
    done = subprocess.run(
        [PYTHON, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def count_rows(env: dict[str, str], sql: str) -> int:
    """`sql` (a SELECT count(*)) against env's database; 0 while the database or its table is missing."""
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            return conn.execute(sql).fetchone()[0]
    path = Path(env["OTKLIK_VAR_DIR"]) / "otklik.sqlite3"
    if not path.exists():
        return 0
    with sqlite3.connect(path, timeout=30) as conn:
        try:
            return conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def count_cases(env: dict[str, str]) -> int:
    return count_rows(env, "SELECT count(*) FROM cases_case")


def wait_for_no_other_sessions(env: dict[str, str], timeout: float = 30) -> None:
    """On PostgreSQL, until no session but this one is connected to env's database."""
    url = env.get("DATABASE_URL")
    if not url:
        return
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        while time.monotonic() < deadline:
            others = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if not others:
                return
            time.sleep(0.05)
    raise AssertionError("the killed import's sessions did not end")


def pos_file(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["ID", "Дата создания", "Категория", "Текст", "Населённый пункт"])
        for i in range(rows):
            writer.writerow(
                [f"pos-{i}", "15.03.2026 10:00", "ЖКХ", f"Сообщение № {i}: не вывозят мусор у дома {i}.", ""]
            )
    return path


def test_an_import_killed_mid_file_and_rerun_takes_every_row_exactly_once(fresh_env, tmp_path):
    env = fresh_env
    assert run("migrate", env=env).returncode == 0
    django_snippet(
        env,
        """
        from otklik.territory.models import Municipality
        Municipality.objects.create(code="kill", name="Район", population=1000, region="Область")
        """,
    )
    source = pos_file(tmp_path / "pos.csv", ROWS)
    job = subprocess.Popen(
        [OTKLIK, "import", "pos", str(source)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 240
    while count_cases(env) == 0 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.poll() is None, "the import finished before it could be killed: make the file larger"
    job.send_signal(signal.SIGKILL)
    job.wait(timeout=30)
    # Its worker processes die with it, but a COMMIT one of them had sent still completes: count once
    # the database has no session of the import left.
    wait_for_no_other_sessions(env)
    taken = count_cases(env)
    assert 0 < taken < ROWS  # whole batches only
    assert taken % 500 == 0

    again = run("import", "pos", str(source), env=env, timeout=600)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert summary["created"] == ROWS - taken and summary["unchanged"] == taken and summary["rejected"] == 0
    assert count_cases(env) == ROWS
    distinct = django_snippet(
        env,
        """
        from otklik.cases.models import Case
        print(Case.objects.values("external_id").distinct().count())
        """,
    )
    assert int(distinct) == ROWS


RACER = """
import sys, time
from pathlib import Path
from otklik.cases import services
from otklik.cases.models import Case
from otklik.org.models import User

case = Case.objects.get(external_id="race")
user = User.objects.get(username=sys.argv[1])
version = case.version
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
try:
    services.answer_case(case.pk, "Ответ по существу от " + user.username + ": фонарь заменён 12.05.2026.",
                         actor=user, expected_version=version)
    print("answered")
except services.ConflictError as exc:
    print("conflict:", exc)
"""


def test_two_operators_answering_at_once_end_with_one_answer_and_a_conflict(fresh_env, tmp_path):
    env = fresh_env
    assert run("migrate", env=env).returncode == 0
    django_snippet(
        env,
        """
        from django.utils import timezone
        from otklik.cases.models import Case
        from otklik.org.models import Role, RoleAssignment, User
        from otklik.territory.models import Municipality
        muni = Municipality.objects.create(code="race", name="Район", population=1000, region="Область")
        for name in ("first", "second"):
            user = User.objects.create_user(name, password="x-x-x-x-x-x-1")
            RoleAssignment.objects.create(user=user, role=Role.HEAD, municipality=muni)
        Case.objects.create(municipality=muni, kind="message", channel="pos", external_id="race",
                            text="Не горит фонарь.", status="in_progress", received_at=timezone.now())
        """,
    )
    go = tmp_path / "go"
    code = SETUP + RACER
    racers = [
        subprocess.Popen(
            [PYTHON, "-c", code, name, str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    time.sleep(3)  # both have read the case and wait at the line
    go.touch()
    outputs = [r.communicate(timeout=120) for r in racers]
    for r, (_out, err) in zip(racers, outputs, strict=True):
        assert r.returncode == 0, err
    results = sorted(out.strip().split(":")[0] for out, _ in outputs)
    assert results == ["answered", "conflict"], outputs
    conflict = next(out for out, _ in outputs if out.startswith("conflict"))
    assert "другой пользователь" in conflict
    answers = django_snippet(
        env,
        """
        from otklik.cases.models import Answer, Case
        case = Case.objects.get(external_id="race")
        print(Answer.objects.filter(case=case).count(), case.status, case.version)
        """,
    )
    assert answers.split() == ["1", "answered", "2"]


NOTES = 25


class SlowInbox:
    """An SMTP server's handler that takes a moment per message, so a fault lands mid-batch."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it so
        import asyncio
        import email

        message = email.message_from_bytes(envelope.content)
        await asyncio.sleep(0.15)
        self.ids.append(message["X-Otklik-Notification"])
        return "250 OK"


def worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [OTKLIK, "worker", "--interval", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def test_a_database_fault_during_the_workers_run_loses_nothing_and_sends_nothing_twice(fresh_env):
    """PostgreSQL: the worker's connections are killed mid-batch (as by a database restart); SQLite:
    the worker itself is killed mid-batch and started again. Every notification goes out, none twice."""
    import logging
    import socket

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").disabled = True
    env = dict(fresh_env)
    assert run("migrate", env=env).returncode == 0
    django_snippet(
        env,
        f"""
        from otklik.notifications.services import notify
        from otklik.org.models import User
        user = User.objects.create_user("spec", email="spec@example.ru", password="x-x-x-x-x-x-1")
        for i in range({NOTES}):
            notify(user, "overdue", f"overdue:{{i}}", f"Просрочено № {{i}}", "Нет отопления")
        """,
    )
    inbox = SlowInbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env.update(
        OTKLIK_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        OTKLIK_EMAIL_HOST="127.0.0.1",
        OTKLIK_EMAIL_PORT=str(port),
        OTKLIK_WATCH_INTERVAL="1",
    )
    first = worker(env)
    second = None
    try:
        deadline = time.monotonic() + 120
        while len(inbox.ids) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(inbox.ids) >= 5, "the worker sent nothing"
        if env.get("DATABASE_URL"):
            import psycopg

            name = env["DATABASE_URL"].rsplit("/", 1)[1]
            url = env["DATABASE_URL"].replace("postgres://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(url, autocommit=True) as conn:
                killed = conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
                    [name],
                ).fetchone()[0]
            assert killed >= 1
        else:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            second = worker(env)
        # Done when every notification went out, or — the one a killed process may take with it
        # claimed but unsent — when none is left to send.
        in_flight = 0 if env.get("DATABASE_URL") else 1
        unsent = "SELECT count(*) FROM notifications_notification WHERE emailed_at IS NULL"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not (
            len(set(inbox.ids)) >= NOTES
            or (len(set(inbox.ids)) >= NOTES - in_flight and count_rows(env, unsent) == 0)
        ):
            time.sleep(0.2)
        time.sleep(3)  # a duplicate would arrive now
        progress = (len(inbox.ids), len(set(inbox.ids)))
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=30)
        controller.stop()
    assert progress[0] == progress[1], f"a notification was e-mailed twice: {inbox.ids}"
    assert len(set(inbox.ids)) >= NOTES - in_flight
    marked = django_snippet(
        env,
        """
        from otklik.notifications.models import Notification
        print(Notification.objects.filter(emailed_at__isnull=True).count())
        """,
    )
    assert int(marked) == 0
