"""Shared helpers of the benchmarks: Django set-up, percentiles, timing a request against the same SQL
played straight to the database, and the JSON line every benchmark ends with."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
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


def emit(figures: dict[str, Any]) -> None:
    """The benchmark's last line: one JSON object."""
    print(json.dumps(figures, ensure_ascii=False), flush=True)


def vendor() -> str:
    from django.db import connection

    return connection.vendor
