"""Shared helpers of the benchmarks: Django set-up, percentiles, timing a request against the same SQL
played straight to the database, and the JSON line every benchmark ends with."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else 0.0,
    }


def captured_selects(fn: Callable[[], Any]) -> tuple[Any, list[tuple[str, Any]]]:
    """Run `fn` once and return its result and the SELECT statements it sent (SQL and parameters)."""
    from django.db import connection

    sent: list[tuple[str, Any]] = []

    def grab(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        result = fn()
    return result, sent


def play(statements: list[tuple[str, Any]]) -> int:
    """The same statements straight to the database with a cursor, every row fetched; the row count."""
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return rows


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


#: The tables a benchmark's run writes to and deletes from again.
CASE_TABLES = ("cases_case", "cases_caseevent", "cases_casedeadline", "cases_answer", "quality_rating")


def vacuum(tables: tuple[str, ...] = CASE_TABLES) -> None:
    """`VACUUM (ANALYZE)` of the tables a benchmark filled and emptied again (PostgreSQL; elsewhere
    nothing): the next benchmark then finds them as autovacuum would leave them — dead rows gone, the
    visibility map set (the covering indexes' index-only scans visit every page of a table without it),
    statistics fresh — rather than measuring this run's leftovers."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.in_atomic_block:  # VACUUM runs outside transactions
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


#: Clock ticks a second of /proc's CPU times.
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[str, int, list[int]] | None:
    """A process's name, parent and the numeric fields of /proc/PID/stat from the state on; None if gone."""
    try:
        raw = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return None
    head, _, rest = raw.rpartition(")")
    fields = rest.split()
    return head.partition("(")[2], int(fields[1]), [int(f) if f.lstrip("-").isdigit() else 0 for f in fields]


def _processes() -> dict[int, tuple[str, int, list[int]]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            found[int(entry.name)] = stat
    return found


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid`: a server's workers."""
    return [child for child, (_, parent, _) in _processes().items() if parent == pid]


def rusage_seconds(*, own: bool = True) -> float:
    """CPU time (user + system) of the ended children this process waited for (an import's workers, wrk)
    and, with `own`, of this process too, in seconds."""
    import resource

    who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) if own else (resource.RUSAGE_CHILDREN,)
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, who))


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a live process and its live descendants: a server and its workers."""
    processes = _processes()
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, (_, parent, _) in processes.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    # utime and stime are the 12th and 13th fields after the name (/proc/PID/stat, fields 14 and 15).
    return sum(sum(processes[p][2][11:13]) for p in tree if p in processes) / _TICKS


def database_cpu_parts() -> tuple[float, float] | None:
    """CPU time of this machine's PostgreSQL server so far, in seconds: (its live processes, the backends
    that have already ended — the postmaster's reaped children). None when the database is not a
    PostgreSQL server on this machine (SQLite, another host, no /proc): then nothing can be read."""
    from django.db import connection

    host = connection.settings_dict.get("HOST") or ""
    local = host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")
    if connection.vendor != "postgresql" or not local or not Path("/proc/self/stat").exists():
        return None
    processes = _processes()
    server = {pid: stat for pid, stat in processes.items() if stat[0].startswith("postgres")}
    postmasters = [pid for pid, (_, parent, _) in server.items() if parent not in server]
    if not postmasters:
        return None
    live = sum(sum(stat[2][11:13]) for stat in server.values())
    # cutime and cstime (fields 16 and 17): the ended backends', collected by the postmaster.
    ended = sum(sum(server[p][2][13:15]) for p in postmasters)
    return live / _TICKS, ended / _TICKS


def database_cpu_seconds() -> float | None:
    """The whole server's CPU time so far (`database_cpu_parts` added up), or None."""
    parts = database_cpu_parts()
    return None if parts is None else sum(parts)


def per_unit_ms(seconds: float | None, units: int) -> float | None:
    """CPU seconds spent on `units` requests or rows, in milliseconds a unit (None stays None)."""
    return round(1000 * seconds / units, 3) if seconds is not None and units else None


def emit(figures: dict[str, Any]) -> None:
    """The benchmark's last line: one JSON object."""
    print(json.dumps(figures, ensure_ascii=False), flush=True)


def vendor() -> str:
    from django.db import connection

    return connection.vendor
