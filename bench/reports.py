"""Benchmark of the quarterly report: `python -m bench.reports [--year Y --quarter Q] [--municipality CODE]
[--format xlsx|docx|pdf] [--repeat N]`.

On the current database (DATABASE_URL, or the SQLite default), as the system (every case), it times

1. the report as `otklik report quarterly` builds it: the figures through the pages' selectors
   (otklik/reports/selectors.py — ratings, dashboard, accelerated resolution, problems, polls), then
   the document and the file;
2. in the same run, the equivalent aggregate SQL done directly by the database: for the quarter, the
   previous one and the same quarter a year before, per municipality and block, the counts behind every
   figure (received, on time, late, answered, reopened, reviewed, first-pass, rated, satisfied, by kind and
   channel) — one grouped query per period with the first answer, the reopening, the first review and the
   latest rating joined in; on PostgreSQL also the median and P90 answer time by `percentile_cont`
   (SQLite has no percentile aggregate);

and prints both, their ratio, and a last line of JSON. Without --year/--quarter: the last complete
quarter before the latest case. The report's queries are set-based (their number does not grow with the
cases), so the ratio shows what the per-case tallying in Python costs over the database alone.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date, datetime
from typing import Any

CPU: dict[str, float] = {}


def _best(fn: Any, repeat: int, name: str = "") -> tuple[float, Any]:
    """The shortest wall-clock time of `repeat` runs (and, in CPU, this process's processor time of that
    run: on a busy machine the wall clock also counts the wait for a processor)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        elapsed = time.perf_counter() - started
        if elapsed < best:
            best, CPU[name] = elapsed, time.process_time() - cpu
    return best, result


def direct_sql(
    periods: dict[str, Any], munis: list[Any], asof: datetime
) -> tuple[int, list[tuple[Any, ...]]]:
    """The aggregate SQL the report's figures stand for, one grouped query per period; the number of groups
    and the rows of the current period."""
    from django.db import connection

    from otklik.analytics import ratings
    from otklik.cases.models import OPEN_STATUSES, Answer, Case, CaseEvent
    from otklik.quality.models import AnswerReview, Rating

    case, answer, event = Case._meta.db_table, Answer._meta.db_table, CaseEvent._meta.db_table
    review, rating = AnswerReview._meta.db_table, Rating._meta.db_table
    postgres = connection.vendor == "postgresql"
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    days = "EXTRACT(EPOCH FROM fa.first_at - c.received_at) / 86400"
    percentiles = (
        f", percentile_cont(0.5) WITHIN GROUP (ORDER BY {days})"
        f", percentile_cont(0.9) WITHIN GROUP (ORDER BY {days})"
        if postgres
        else ""
    )
    groups = 0
    current: list[tuple[Any, ...]] = []
    for key, period in periods.items():
        where, params = [], []
        for m in munis:
            lo, hi = ratings.bounds(period.start, period.end, m.tz)
            where.append("(c.municipality_id = %s AND c.received_at >= %s AND c.received_at < %s)")
            params += [m.pk, lo, hi]
        sql = f"""
            WITH co AS (
                SELECT id, municipality_id, block_id, kind, channel, status, received_at, due_at, answered_at
                FROM {case} c WHERE ({" OR ".join(where) or "1 = 0"}) AND c.received_at <= %s
            ), fa AS (
                SELECT a.case_id, MIN(a.sent_at) AS first_at FROM {answer} a JOIN co ON co.id = a.case_id
                WHERE a.sent_at IS NOT NULL AND a.sent_at <= %s GROUP BY a.case_id
            ), ro AS (
                SELECT DISTINCT e.case_id FROM {event} e JOIN co ON co.id = e.case_id
                WHERE e.type = 'status' AND e.to_status = 'reopened' AND e.at <= %s
            ), rv AS (
                SELECT case_id, decision FROM (
                    SELECT r.case_id, r.decision,
                           ROW_NUMBER() OVER (PARTITION BY r.case_id ORDER BY r.created_at, r.id) AS n
                    FROM {review} r JOIN co ON co.id = r.case_id WHERE r.created_at <= %s
                ) first_reviews WHERE n = 1
            ), rt AS (
                SELECT case_id, satisfied FROM (
                    SELECT r.case_id, r.satisfied,
                           ROW_NUMBER() OVER (
                               PARTITION BY r.case_id ORDER BY r.created_at DESC, r.id DESC
                           ) AS n
                    FROM {rating} r JOIN co ON co.id = r.case_id WHERE r.created_at <= %s
                ) last_ratings WHERE n = 1
            )
            SELECT c.municipality_id, c.block_id, c.kind, c.channel, COUNT(*) AS received,
                SUM(CASE WHEN c.due_at IS NOT NULL AND c.answered_at IS NOT NULL AND c.answered_at <= %s
                         AND c.answered_at <= c.due_at THEN 1 ELSE 0 END) AS on_time,
                SUM(CASE WHEN c.due_at IS NOT NULL AND (
                        (c.answered_at IS NOT NULL AND c.answered_at <= %s AND c.answered_at > c.due_at)
                        OR ((c.answered_at IS NULL OR c.answered_at > %s)
                            AND (c.status IN ({open_list}) OR c.answered_at IS NOT NULL) AND c.due_at < %s)
                    ) THEN 1 ELSE 0 END) AS late,
                COUNT(fa.case_id) AS answered,
                SUM(CASE WHEN fa.case_id IS NOT NULL AND ro.case_id IS NOT NULL THEN 1 ELSE 0 END)
                    AS reopened,
                COUNT(rv.case_id) AS reviewed,
                SUM(CASE WHEN rv.decision = 'approved' THEN 1 ELSE 0 END) AS first_pass,
                COUNT(rt.case_id) AS rated,
                SUM(CASE WHEN rt.satisfied THEN 1 ELSE 0 END) AS satisfied
                {percentiles}
            FROM co c
            LEFT JOIN fa ON fa.case_id = c.id
            LEFT JOIN ro ON ro.case_id = c.id
            LEFT JOIN rv ON rv.case_id = c.id
            LEFT JOIN rt ON rt.case_id = c.id
            GROUP BY c.municipality_id, c.block_id, c.kind, c.channel
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, asof] + [asof] * 8)
            rows = cursor.fetchall()
        groups += len(rows)
        if key == "now":
            current = rows
    return groups, current


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--year", type=int)
    parser.add_argument("--quarter", type=int)
    parser.add_argument("--municipality", help="код МО (по умолчанию — все: сводный отчёт)")
    parser.add_argument("--format", default="xlsx", choices=["xlsx", "docx", "pdf"])
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each part")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Max
    from django.urls import reverse
    from django.utils import timezone

    from otklik.analytics import ratings
    from otklik.cases.models import Case
    from otklik.reports.scope import SystemScope
    from otklik.reports.selectors import build_report, last_complete_quarter, quarter_period
    from otklik.reports.services import render
    from otklik.territory.models import Municipality

    reverse("home")  # load the URL configuration before timing (the ratings link rows to the inbox)
    latest = Case.objects.aggregate(last=Max("received_at"))["last"]
    if args.year and args.quarter:
        year, quarter = args.year, args.quarter
    else:
        year, quarter = last_complete_quarter(timezone.localdate(latest) if latest else date.today())
    municipality = Municipality.objects.get(code=args.municipality) if args.municipality else None
    period = quarter_period(year, quarter)
    asof = timezone.now()
    system = SystemScope()
    munis = ratings.scope_municipalities(system, municipality)
    total_cases = Case.objects.count()

    build_seconds, report = _best(
        lambda: build_report(system, period=period, municipality=municipality, asof=asof),
        args.repeat,
        "figures",
    )
    file_seconds, (content, _name) = _best(lambda: render(report, args.format), args.repeat, "file")
    periods = {"now": period, "before": period.previous(), "year": period.year_ago()}
    sql_seconds, (groups, rows) = _best(lambda: direct_sql(periods, munis, asof), args.repeat, "sql")
    sql_received = sum(r[4] for r in rows)
    names = (
        "received",
        "on_time",
        "late",
        "answered",
        "reopened",
        "reviewed",
        "first_pass",
        "rated",
        "satisfied",
    )
    total = report.sections[0].total.now if report.sections else None
    mismatched = [
        f"{n}: отчёт {getattr(total, n)}, SQL {sum(r[4 + i] for r in rows)}"
        for i, n in enumerate(names)
        if total is not None and getattr(total, n) != sum(r[4 + i] for r in rows)
    ]
    report_seconds = build_seconds + file_seconds
    where = municipality.name if municipality else f"все МО ({len(munis)})"
    print(f"База: {connection.vendor}, обращений всего {total_cases}; {period.label}, {where}.")
    print(
        f"Квартальный отчёт: показатели {build_seconds:.2f} с + файл {args.format.upper()} "
        f"{file_seconds:.2f} с = {report_seconds:.2f} с; "
        f"поступило {report.received}, разделов {len(report.sections)}."
    )
    print(
        f"Тот же агрегат прямым SQL (3 периода × МО × блок × вид × канал): {sql_seconds:.2f} с, "
        f"групп {groups}; поступило {sql_received}."
    )
    report_cpu = CPU["figures"] + CPU["file"]
    print(
        f"Процессорное время этого процесса: отчёт {report_cpu:.2f} с, SQL {CPU['sql']:.2f} с "
        f"(на SQLite база работает в этом же процессе; на PostgreSQL — в своём)."
    )
    print("Счётчики отчёта и SQL совпадают." if not mismatched else "Расходятся: " + "; ".join(mismatched))
    ratio = report_seconds / sql_seconds if sql_seconds else float("inf")
    print(f"Отношение отчёт / SQL: {ratio:.1f}")
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "cases": total_cases,
                "period": f"{year}-Q{quarter}",
                "municipalities": len(munis),
                "received": report.received,
                "report_seconds": round(report_seconds, 3),
                "figures_seconds": round(build_seconds, 3),
                "file_seconds": round(file_seconds, 3),
                "file_bytes": len(content),
                "sql_seconds": round(sql_seconds, 3),
                "report_cpu_seconds": round(report_cpu, 3),
                "sql_cpu_seconds": round(CPU["sql"], 3),
                "sql_received": sql_received,
                "ratio": round(ratio, 2),
                "counts_match": not mismatched,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
