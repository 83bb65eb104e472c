"""Benchmark of the inbox API: `python -m bench.inbox [--requests 200] [--municipality CODE]`.

On the current database (DATABASE_URL, or the SQLite default; fill it with `python -m bench.generate`),
as the head of a municipality (the largest by cases, or --municipality) through an API token, it sends
`--requests` requests `GET /api/v1/cases` — filtered (none, a status, a kind, a topic, a settlement,
overdue, the last quarter, a text search, and their mixes), sorted by the received date, 50 rows a page,
and the next page by the cursor — in process through Django's test client (the whole request: the token,
the scope, the filters, the serialisation, the personal-data access log), and times each.

The reference, in the same run: the SELECT statements each request sent, played straight to the database
with a cursor (every row fetched). Prints p50/p95 of both, their ratio, and a JSON line. Goal: p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import itertools
from typing import Any

from bench._common import captured_selects, emit, play, setup_django, summary_ms, timed, vendor


def _filters(municipality: Any, latest: Any) -> list[dict[str, str]]:
    from otklik.cases.models import Case
    from otklik.territory.models import Settlement

    cases = Case.objects.filter(municipality=municipality)
    topic = cases.exclude(topic=None).values_list("topic__code", flat=True).first() or ""
    subtopic = cases.exclude(subtopic=None).values_list("subtopic__code", flat=True).first() or ""
    settlement = (
        Settlement.objects.filter(municipality=municipality)
        .order_by("-population")
        .values_list("code", flat=True)
    ).first() or ""
    quarter = (latest.date().replace(day=1)).isoformat()
    return [
        {},
        {"status": "in_progress"},
        {"status": "registered,assigned,in_progress"},
        {"kind": "message", "channel": "pos"},
        {"topic": topic},
        {"topic": subtopic, "status": "closed"},
        {"settlement": settlement},
        {"overdue": "true"},
        {"received_from": f"{quarter}T00:00:00"},
        {"kind": "appeal", "order": "received_at"},
        {"q": "мусор"},
        {"settlement": settlement, "topic": topic, "overdue": "false"},
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--municipality", help="код МО (по умолчанию — МО с наибольшим числом обращений)")
    args = parser.parse_args(argv)
    setup_django()
    from django.db.models import Count, Max
    from django.test import Client

    from otklik.api.models import ApiToken
    from otklik.api.services import issue_token
    from otklik.cases.models import Case
    from otklik.org.models import Role, RoleAssignment
    from otklik.territory.models import Municipality

    total = Case.objects.count()
    if args.municipality:
        municipality = Municipality.objects.get(code=args.municipality)
    else:
        top = Case.objects.values("municipality").annotate(n=Count("id")).order_by("-n").first()
        if top is None:
            raise SystemExit("В базе нет обращений: сначала python -m bench.generate.")
        municipality = Municipality.objects.get(pk=top["municipality"])
    head = (
        RoleAssignment.objects.filter(role=Role.HEAD, municipality=municipality)
        .select_related("user")
        .first()
    )
    if head is None:
        raise SystemExit(f"В МО {municipality.code} нет главы: токен выдать некому.")
    token_obj, token = issue_token("bench.inbox", head.user)
    latest = Case.objects.filter(municipality=municipality).aggregate(m=Max("received_at"))["m"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    app_times: list[float] = []
    sql_times: list[float] = []
    rows_seen = 0
    by_filter: dict[str, list[float]] = {}
    try:
        client.get("/api/v1/cases", {"limit": 1})  # warm up: URL configuration, schema, connection
        filters = itertools.cycle(_filters(municipality, latest))
        cursor, previous = None, {"limit": "50"}
        for i in range(args.requests):
            if i % 4 == 3 and cursor:
                # Every fourth request: the next page of the previous list (the same filters).
                params = {**previous, "cursor": cursor}
            else:
                params = {"limit": "50", **next(filters)}
            previous = {k: v for k, v in params.items() if k != "cursor"}
            elapsed, (response, statements) = timed(
                lambda p=params: captured_selects(lambda: client.get("/api/v1/cases", p))
            )
            if response.status_code != 200:
                raise SystemExit(f"Ответ {response.status_code} на {params}: {response.content[:300]!r}")
            body = response.json()
            rows_seen += len(body["items"])
            cursor = body.get("next_cursor")
            app_times.append(elapsed)
            label = ",".join(sorted(k for k in params if k != "limit")) or "—"
            by_filter.setdefault(label, []).append(elapsed)
            sql_times.append(timed(lambda s=statements: play(s))[0])
    finally:
        ApiToken.objects.filter(pk=token_obj.pk).delete()
    app, sql = summary_ms(app_times), summary_ms(sql_times)
    ratio = app["p95_ms"] / sql["p95_ms"] if sql["p95_ms"] else float("inf")
    print(f"База: {vendor()}, обращений {total}; МО {municipality.name}; запросов {args.requests}.")
    print(f"API /api/v1/cases (50 строк): p50 {app['p50_ms']} мс, p95 {app['p95_ms']} мс.")
    for label, times in sorted(by_filter.items()):
        f = summary_ms(times)
        print(f"  {label}: p50 {f['p50_ms']} мс, p95 {f['p95_ms']} мс ({len(times)})")
    print(
        f"Те же SELECT напрямую в базу: p50 {sql['p50_ms']} мс, p95 {sql['p95_ms']} мс; "
        f"отношение p95 {ratio:.1f}."
    )
    emit(
        {
            "bench": "inbox_api",
            "vendor": vendor(),
            "cases": total,
            "municipality": municipality.code,
            "requests": args.requests,
            "rows": rows_seen,
            "app": app,
            "sql": sql,
            "by_filter": {k: summary_ms(v) for k, v in sorted(by_filter.items())},
            "ratio_p95": round(ratio, 2),
            "goal_p95_ms": 50,
            "goal_met": app["p95_ms"] <= 50,
        }
    )


if __name__ == "__main__":
    main()
