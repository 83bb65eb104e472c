"""The `otklik` command as an operator runs it: a real process against a fresh database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

OTKLIK = str(Path(sys.executable).with_name("otklik"))
SUBCOMMANDS = [["serve"], ["migrate"], ["demo"], ["demo", "load"], ["createadmin"]]


def run(
    *args: str, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OTKLIK, *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_top_level_help_lists_the_subcommands():
    result = run("--help")
    assert result.returncode == 0
    for name in ("serve", "migrate", "demo", "createadmin"):
        assert name in result.stdout
    assert "Отклик" in result.stdout


@pytest.mark.parametrize("args", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(args):
    result = run(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: otklik " + " ".join(args))


def test_unknown_subcommand_fails_with_usage():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr or "недопустим" in result.stderr


def test_bad_port_fails_with_one_line_reason(fresh_env):
    result = run("serve", "--port", "70000", "--no-migrate", env=fresh_env)
    assert result.returncode == 1
    assert result.stderr.strip() == "otklik: ошибка: неверный порт 70000"


def test_database_error_is_one_line(tmp_path):
    env = dict(os.environ, DATABASE_URL="postgres://nobody@127.0.0.1:1/none", OTKLIK_VAR_DIR=str(tmp_path))
    result = run("migrate", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("otklik: ошибка базы данных:")


def test_createadmin_checks_the_password_policy(fresh_env):
    assert run("migrate", env=fresh_env).returncode == 0
    weak = run("createadmin", "--username", "boss", "--password", "12345", env=fresh_env)
    assert weak.returncode == 1
    assert weak.stderr.startswith("otklik: ошибка: пароль не подходит")
    ok = run("createadmin", "--username", "boss", "--password", "Kotelnikovo-2026!", env=fresh_env)
    assert ok.returncode == 0, ok.stderr
    again = run("createadmin", "--username", "boss", "--password", "Kotelnikovo-2026!", env=fresh_env)
    assert again.returncode == 1 and "уже существует" in again.stderr


def test_createadmin_without_password_and_terminal_explains_what_to_do(fresh_env):
    fresh_env.pop("OTKLIK_ADMIN_PASSWORD", None)
    result = subprocess.run(
        [OTKLIK, "createadmin"],
        capture_output=True,
        text=True,
        env=fresh_env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 1
    assert "OTKLIK_ADMIN_PASSWORD" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_make_run_sequence_migrates_loads_demo_and_serves(fresh_env):
    """What `make run` does after installing: migrate, load the demo if empty, start the server."""
    assert run("migrate", env=fresh_env).returncode == 0
    loaded = run("demo", "load", "--if-empty", "--cases", "60", env=fresh_env)
    assert loaded.returncode == 0, loaded.stderr
    for username in (
        "admin",
        "curator",
        "head",
        "block_housing",
        "spec_housing",
        "incident",
        "pos",
        "analyst",
        "observer",
    ):
        assert f"{username} " in loaded.stdout
    again = run("demo", "load", "--if-empty", env=fresh_env)
    assert again.returncode == 0 and "не загружался повторно" in again.stdout

    port = _free_port()
    env = dict(fresh_env, OTKLIK_PORT=str(port), OTKLIK_WORKERS="1")
    server = subprocess.Popen(
        [OTKLIK, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        server.stdout.read() if server.stdout else "server did not start"
                    ) from None
                time.sleep(0.3)
        assert status == 200 and '"ok"' in body
        status, body = _get(f"http://127.0.0.1:{port}/login/")
        assert status == 200 and "Вход в систему" in body
        status, css = _get(f"http://127.0.0.1:{port}/static/otklik/app.css")
        assert status == 200 and "--brand" in css
        status, js = _get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")
        assert status == 200 and "htmx" in js
    finally:
        server.terminate()
        server.wait(timeout=30)
