"""HTTP benchmark of case creation: `python -m bench.http [--workers 3] [--seconds 20] [--connections 16]`.

Starts the production server as shipped (`otklik serve`: gunicorn, `--workers` processes) on a free port of
loopback against the current database (fill it with `python -m bench.generate`), and drives
`POST /api/v1/cases` with wrk (Debian's package `wrk`; `make bench` installs it) — every request a
different resident's message in Russian, through the whole intake path (classification, territory,
dedupe, deadlines, routing, audit) with an integration token. Then it reads each worker's resident memory
(the NLP models loaded by then) from /proc, and removes the cases it created.

The reference, in the same run: the same number of case rows INSERTed straight into the database, one
statement and one commit a row over one connection (what the database alone does for a case). Prints
requests/s, p50/p95, errors, memory per worker, and a JSON line. Goals: ≥ 300 requests/s on 2 cores,
no errors; ≤ 500 MB per worker.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench._common import (
    children,
    database_cpu_seconds,
    emit,
    per_unit_ms,
    rusage_seconds,
    setup_django,
    tree_cpu_seconds,
    vacuum,
    vendor,
)

LUA = r"""
local counter = 0
local streets = {"Ленина", "Мира", "Гагарина", "Садовая", "Школьная", "Молодёжная", "Советская"}
local problems = {
  "Не вывозят мусор с контейнерной площадки уже неделю",
  "Во дворе огромная яма на дороге, машины бьют колёса",
  "Не горит уличное освещение, вечером идти страшно",
  "В квартире холодные батареи, отопление не работает",
  "Нет воды с утра, никто не предупредил об отключении",
  "Автобус по маршруту не пришёл по расписанию, ждали час",
  "В поликлинике не записаться к терапевту, телефон не отвечает",
}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer __TOKEN__"
request = function()
  counter = counter + 1
  local text = problems[(counter % #problems) + 1] .. ". Адрес: ул. " .. streets[(counter % #streets) + 1]
    .. ", д. " .. ((counter * 7) % 90 + 1) .. ". Обращение № " .. counter .. "-" .. math.random(1, 1000000)
  return wrk.format(nil, "/api/v1/cases", nil, '{"text": "' .. text .. '", "kind": "message"}')
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"Сервер не ответил за {seconds:.0f} с: {url}")


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def _direct_inserts(n: int, municipality_id: int) -> float:
    """n case rows INSERTed one by one, a commit each, over one connection; seconds. Removed afterwards."""
    from django.db import connection, transaction
    from django.utils import timezone

    from otklik.cases.models import Case

    table = connection.ops.quote_name(Case._meta.db_table)
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    started = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            case = Case(
                municipality_id=municipality_id,
                kind="message",
                channel="api",
                text=f"Не вывозят мусор, ул. Ленина, д. {i % 90 + 1}. Прямая вставка {i}",
                received_at=timezone.now(),
                tracking_token=f"bench-http-{time.time_ns()}-{i}",
            )
            values = [f.get_db_prep_save(f.pre_save(case, True), connection) for f in fields]
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)
    seconds = time.perf_counter() - started
    Case.objects.filter(tracking_token__startswith="bench-http-").delete()
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=3, help="процессов gunicorn (по умолчанию 3)")
    parser.add_argument("--seconds", type=int, default=20, help="длительность нагрузки")
    parser.add_argument("--connections", type=int, default=16, help="одновременных соединений wrk")
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("Нет wrk: apt-get install wrk (make bench ставит его сам).")
    setup_django()
    from django.db.models import Max

    from otklik.api.models import ApiToken
    from otklik.api.services import issue_token
    from otklik.cases.models import Case
    from otklik.org.models import Role, RoleAssignment

    integration = (
        RoleAssignment.objects.filter(role__in=[Role.INTEGRATION, Role.HEAD], municipality__isnull=False)
        .select_related("user", "municipality")
        .order_by("role", "pk")
        .first()
    )
    if integration is None:
        raise SystemExit(
            "Нет пользователя МО, от имени которого создавать обращения: python -m bench.generate."
        )
    token_obj, token = issue_token("bench.http", integration.user)
    before = Case.objects.count()
    last_id = Case.objects.aggregate(m=Max("id"))["m"] or 0
    port = _free_port()
    otklik = str(Path(sys.executable).with_name("otklik"))
    server = subprocess.Popen(
        [otklik, "serve", "--no-migrate", "--workers", str(args.workers), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    result: dict[str, Any] = {}
    web = client = 0.0
    database: float | None = None
    try:
        _wait_up(f"http://127.0.0.1:{port}/api/v1/openapi.json", 90)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA.replace("__TOKEN__", token))
        base = [wrk, "-t1", f"-c{args.connections}", "--timeout", "10s", "-s", script.name]
        # Warm-up: every worker loads its models on its first case.
        subprocess.run([*base, "-d5s", f"http://127.0.0.1:{port}"], capture_output=True, check=False)
        web, database = tree_cpu_seconds(server.pid), database_cpu_seconds()
        client = rusage_seconds(own=False)  # wrk's runs so far
        run = subprocess.run(
            [*base, f"-d{args.seconds}s", f"http://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            check=False,
        )
        web = tree_cpu_seconds(server.pid) - web
        database = None if database is None else (database_cpu_seconds() or 0.0) - database
        client = rusage_seconds(own=False) - client
        os.unlink(script.name)
        line = next((x for x in run.stdout.splitlines() if x.startswith("WRK ")), None)
        if line is None:
            raise SystemExit(f"wrk не выдал итог:\n{run.stdout}\n{run.stderr}")
        result = json.loads(line[4:])
        workers = children(server.pid)
        result["worker_rss_mb"] = sorted(round(_rss_mb(p), 1) for p in workers)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        ApiToken.objects.filter(pk=token_obj.pk).delete()
    created = Case.objects.count() - before
    # The benchmark's cases go again (their audit records stay: the log is append-only).
    Case.objects.filter(pk__gt=last_id, channel="api", text__contains="Обращение № ").delete()
    errors = result["connect"] + result["read"] + result["write"] + result["status"] + result["timeout"]
    rps = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    direct_n = max(200, min(created, 5000))
    direct_seconds = _direct_inserts(direct_n, integration.municipality_id)
    vacuum()  # the database as it was for whatever runs next
    direct_rps = direct_n / direct_seconds if direct_seconds else float("inf")
    worst_rss = max(result["worker_rss_mb"], default=0.0)
    print(f"База: {vendor()}; gunicorn, процессов {args.workers}; wrk, соединений {args.connections}.")
    print(
        f"POST /api/v1/cases: {rps:.0f} запросов/с, p50 {result['p50_ms']} мс, p95 {result['p95_ms']} мс; "
        f"ошибок {errors}; создано обращений {created}."
    )
    cpu = {
        "web": per_unit_ms(web, result["requests"]),
        "database": per_unit_ms(database, result["requests"]),
        "load_generator": per_unit_ms(client, result["requests"]),
    }
    print(
        f"Процессор на запрос: веб-процессы {cpu['web']} мс, PostgreSQL "
        + (f"{cpu['database']} мс" if cpu["database"] is not None else "— (не на этой машине)")
        + f", wrk {cpu['load_generator']} мс."
    )
    print(f"Память процессов: {result['worker_rss_mb']} МБ.")
    print(f"Прямые INSERT строк обращений (по одному с фиксацией): {direct_rps:.0f} в секунду; отношение "
          f"{direct_rps / rps if rps else float('inf'):.1f}.")  # fmt: skip
    emit(
        {
            "bench": "http_create",
            "vendor": vendor(),
            "workers": args.workers,
            "connections": args.connections,
            "requests": result["requests"],
            "created": created,
            "requests_per_second": round(rps, 1),
            "p50_ms": result["p50_ms"],
            "p95_ms": result["p95_ms"],
            "errors": errors,
            "worker_rss_mb": result["worker_rss_mb"],
            "cpu_ms_per_request": cpu,
            "direct_inserts_per_second": round(direct_rps, 1),
            "ratio": round(direct_rps / rps, 2) if rps else None,
            "goal_rps": 300,
            "goal_met": rps >= 300 and errors == 0,
            "goal_rss_mb": 500,
            "rss_goal_met": 0 < worst_rss <= 500,
        }
    )


if __name__ == "__main__":
    main()
