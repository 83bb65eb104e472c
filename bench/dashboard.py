"""Benchmark of the dashboard: `python -m bench.dashboard [--requests 60]`.

On the current database (fill it with `python -m bench.generate`), it requests the dashboard page
`/dashboard/` for the last complete quarter (the heat map, the KPI cards, the topic × settlement matrix,
the trend and the growing problems) in process through Django's test client, as the head of each
municipality in turn (their own municipality) and as the region's curator (the whole region, a
municipality, a topic), and times each whole page.

The reference, in the same run: the SELECT statements each page sent, played straight to the database
with a cursor. Prints p50/p95 of both, their ratio, and a JSON line. Goal: p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import itertools
from datetime import date
from typing import Any

from bench._common import captured_selects, emit, play, setup_django, summary_ms, timed, vendor


def _quarter(latest: date) -> tuple[date, date]:
    """The last complete quarter before `latest`."""
    from otklik.reports.selectors import last_complete_quarter, quarter_period

    year, quarter = last_complete_quarter(latest)
    period = quarter_period(year, quarter)
    return period.start, period.end


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args(argv)
    setup_django()
    from django.db.models import Max
    from django.test import Client
    from django.utils import timezone

    from otklik.cases.models import Case
    from otklik.org.models import Role, RoleAssignment, Topic

    total = Case.objects.count()
    latest = Case.objects.aggregate(m=Max("received_at"))["m"]
    if latest is None:
        raise SystemExit("В базе нет обращений: сначала python -m bench.generate.")
    start, end = _quarter(timezone.localdate(latest))
    period = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    heads = list(
        RoleAssignment.objects.filter(role=Role.HEAD, municipality__isnull=False)
        .select_related("user", "municipality")
        .order_by("municipality__code")
    )
    curator = RoleAssignment.objects.filter(role=Role.CURATOR, municipality__isnull=True).select_related(
        "user"
    )
    topic = Topic.objects.filter(parent__isnull=True, is_significant=True).order_by("order").first()
    views: list[tuple[Any, dict[str, str], str]] = [(h.user, period, "head") for h in heads]
    region_user = curator.first()
    if region_user is not None:
        views.append((region_user.user, period, "region"))
        if heads:
            views.append((region_user.user, {**period, "mo": heads[0].municipality.code}, "region_mo"))
        if topic is not None:
            views.append((region_user.user, {**period, "topic": str(topic.pk)}, "region_topic"))
    if not views:
        raise SystemExit("Нет ни глав МО, ни куратора региона: некому открыть дашборд.")
    clients: dict[int, Client] = {}
    app_times: list[float] = []
    sql_times: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for user, params, kind in itertools.islice(itertools.cycle(views), args.requests + len(views)):
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            client.force_login(user)
            client.get("/dashboard/", params)  # warm-up of this user's view (not timed)
            continue
        elapsed, (response, statements) = timed(
            lambda c=client, p=params: captured_selects(lambda: c.get("/dashboard/", p))
        )
        if response.status_code != 200:
            raise SystemExit(f"Дашборд ответил {response.status_code} на {params}.")
        app_times.append(elapsed)
        by_kind.setdefault(kind, []).append(elapsed)
        sql_times.append(timed(lambda s=statements: play(s))[0])
    app, sql = summary_ms(app_times), summary_ms(sql_times)
    ratio = app["p95_ms"] / sql["p95_ms"] if sql["p95_ms"] else float("inf")
    print(f"База: {vendor()}, обращений {total}; квартал {start}–{end}; страниц {len(app_times)}.")
    print(f"Дашборд: p50 {app['p50_ms']} мс, p95 {app['p95_ms']} мс.")
    for kind, times in by_kind.items():
        s = summary_ms(times)
        print(f"  {kind}: p50 {s['p50_ms']} мс, p95 {s['p95_ms']} мс ({len(times)})")
    print(
        f"Те же SELECT напрямую в базу: p50 {sql['p50_ms']} мс, p95 {sql['p95_ms']} мс; "
        f"отношение p95 {ratio:.1f}."
    )
    emit(
        {
            "bench": "dashboard",
            "vendor": vendor(),
            "cases": total,
            "quarter": f"{start}/{end}",
            "pages": len(app_times),
            "app": app,
            "sql": sql,
            "by_view": {k: summary_ms(v) for k, v in by_kind.items()},
            "ratio_p95": round(ratio, 2),
            "goal_p95_ms": 150,
            "goal_met": app["p95_ms"] <= 150,
        }
    )


if __name__ == "__main__":
    main()
