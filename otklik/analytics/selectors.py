"""The heat map and the dashboard figures: read-only, aggregated in the database, a bounded number of
queries whatever the number of cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import connections, router
from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone

from otklik.analytics import tally_sql
from otklik.analytics.models import CaseTally
from otklik.cases.models import OPEN_STATUSES, Case, Status
from otklik.cases.selectors import sees_all_of, visible_cases
from otklik.org.models import Topic
from otklik.territory.geometry import voronoi_polygons
from otklik.territory.models import Municipality, Settlement

ANSWERED = (Status.ANSWERED, Status.CLOSED)
#: The growing problems: at least this many cases in the period, more than in the one before; the top few.
GROWTH_MIN = 3
GROWTH_TOP = 5


@dataclass
class Area:
    key: str  # settlement id or municipality code
    name: str
    population: int
    count: int
    link: str
    drill: str = ""
    id: int = 0  # the settlement's or municipality's primary key

    @property
    def per_1000(self) -> float:
        return round(self.count * 1000 / self.population, 2) if self.population else 0.0


@dataclass
class Dashboard:
    level: str  # "region" | "municipality"
    municipality: Municipality | None
    start: date
    end: date
    topic: Topic | None
    areas: list[Area] = field(default_factory=list)
    geojson: dict[str, Any] = field(default_factory=dict)
    matrix_topics: list[Topic] = field(default_factory=list)
    matrix: list[dict[str, Any]] = field(default_factory=list)
    trend: list[tuple[str, int]] = field(default_factory=list)
    trend_unit: str = "week"
    kpi: dict[str, Any] = field(default_factory=dict)
    growing: list[dict[str, Any]] = field(default_factory=list)


def _bounds(start: date, end: date, tz: Any) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def inbox_link(**params: Any) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse("cases:inbox") + ("?" + urlencode(clean) if clean else "")


def dashboard(
    user: Any,
    *,
    municipality: Municipality | None,
    topic: Topic | None,
    start: date,
    end: date,
    tz: Any,
    source: str = "auto",
) -> Dashboard:
    """The figures of the period for the user's cases. `source`: "tally" reads the cases' daily tally
    (PostgreSQL, when the user sees every case of the municipalities shown and the days are theirs:
    `_tally_fits`), "cases" counts the cases themselves, "auto" (the default) the tally when it fits."""
    lo, hi = _bounds(start, end, tz)
    base = visible_cases(user)
    period = base.filter(received_at__gte=lo, received_at__lt=hi)
    if topic is not None:
        period = period.filter(topic=topic)
    dates = {"date_from": start.isoformat(), "date_to": end.isoformat(), "topic": topic.pk if topic else ""}
    level = "municipality" if municipality is not None else "region"
    board = Dashboard(level, municipality, start, end, topic)
    if municipality is not None:
        period = period.filter(municipality=municipality)
        munis = [municipality]
        _settlement_areas(board, municipality, dates)
    else:
        munis = _municipality_areas(board, base, dates)
    counts: _Counts
    if source == "tally" or (source == "auto" and _tally_fits(user, munis, tz)):
        counts = _TallyCounts(board, [m.pk for m in munis], topic)
    else:
        counts = _CaseCounts(board, period, base, municipality, topic, lo, hi, tz)
    by_area = counts.areas()
    for area in board.areas:
        area.count = by_area.get(area.id, 0)
    _matrix(board, counts.cells(), dates)
    _trend(board, counts.trend("month" if (board.end - board.start).days > 180 else "week"))
    _kpi(board, counts.kpi())
    scope = {"settlement": "", **dates}
    board.kpi["links"] = {
        "total": inbox_link(**scope),
        "open": inbox_link(status="open", **scope),
        "answered": inbox_link(deadline="none", **scope),
        "satisfied": inbox_link(rating="satisfied", **scope),
        "unsatisfied": inbox_link(rating="unsatisfied", **scope),
    }
    _growing(board, counts.growing(), dates)
    return board


def _tally_fits(user: Any, munis: list[Municipality], tz: Any) -> bool:
    """Whether the tally gives this view's figures: PostgreSQL, the user sees every case of each
    municipality shown, and the view's days are the municipalities' own (the tally's days are local to
    each municipality)."""
    if connections[_tally_db()].vendor != "postgresql":
        return False
    zone = getattr(tz, "key", str(tz))
    return all(m.timezone == zone and sees_all_of(user, m.pk) for m in munis)


def _tally_db() -> str:
    return router.db_for_read(CaseTally) or "default"


def _settlement_areas(board: Dashboard, muni: Municipality, dates: dict[str, Any]) -> None:
    settlements = list(Settlement.objects.filter(municipality=muni).order_by("name"))
    board.areas = [
        Area(
            key=str(s.pk),
            name=s.name,
            population=s.population,
            count=0,
            link=inbox_link(settlement=s.pk, **dates),
            id=s.pk,
        )
        for s in settlements
    ]
    board.geojson = _features(
        {str(s.pk): s.name for s in settlements},
        {str(s.pk): s.boundary for s in settlements if s.boundary},
        {str(s.pk): tuple(s.centre["coordinates"]) for s in settlements if s.centre},
    )


def _municipality_areas(board: Dashboard, base: QuerySet[Case], dates: dict[str, Any]) -> list[Municipality]:
    munis = list(
        Municipality.objects.filter(Exists(base.filter(municipality_id=OuterRef("pk")))).order_by("name")
    )
    board.areas = [
        Area(
            key=m.code,
            name=m.name,
            population=m.population,
            count=0,
            link=inbox_link(**dates),
            drill=reverse("analytics:dashboard")
            + "?"
            + urlencode(
                {
                    "mo": m.code,
                    "date_from": dates["date_from"],
                    "date_to": dates["date_to"],
                    "topic": dates["topic"],
                }
            ),
            id=m.pk,
        )
        for m in munis
    ]
    board.geojson = _features(
        {m.code: m.name for m in munis},
        {m.code: m.boundary for m in munis if m.boundary},
        {m.code: tuple(m.centre["coordinates"]) for m in munis if m.centre},
    )
    return munis


def _features(
    names: dict[str, str], real: dict[str, Any], centres: dict[str, tuple[float, float]]
) -> dict[str, Any]:
    schematic = voronoi_polygons({k: v for k, v in centres.items() if k not in real})
    features = []
    for key, name in names.items():
        geometry = real.get(key) or schematic.get(key)
        if geometry:
            features.append(
                {"type": "Feature", "properties": {"name": name, "key": key}, "geometry": geometry}
            )
    return {"type": "FeatureCollection", "features": features, "schematic": bool(schematic)}


@dataclass
class _Kpi:
    total: int
    open: int
    answered: int
    on_time: int
    avg_seconds: float | None
    ratings: int
    satisfied: int


class _Counts:
    """The sums a dashboard is made of; areas are settlements of a municipality's view, municipalities of
    the region's."""

    def areas(self) -> dict[int, int]:
        raise NotImplementedError

    def cells(self) -> dict[tuple[int, int], int]:
        """(area id, topic id) → cases."""
        raise NotImplementedError

    def trend(self, unit: str) -> list[tuple[date, int]]:
        """(the first day of the week or month, cases), in order."""
        raise NotImplementedError

    def kpi(self) -> _Kpi:
        raise NotImplementedError

    def growing(self) -> list[dict[str, int]]:
        """topic_id, settlement_id, now, before: the pairs of both periods (the previous one of the same
        length), cases with a settlement and a topic only."""
        raise NotImplementedError


class _CaseCounts(_Counts):
    """Counted from the cases the user sees (both engines; any role)."""

    def __init__(
        self,
        board: Dashboard,
        period: QuerySet[Case],
        base: QuerySet[Case],
        municipality: Municipality | None,
        topic: Topic | None,
        lo: datetime,
        hi: datetime,
        tz: Any,
    ) -> None:
        self.period, self.base, self.municipality, self.topic = period, base, municipality, topic
        self.lo, self.hi, self.tz = lo, hi, tz
        self.area = "settlement_id" if board.level == "municipality" else "municipality_id"

    def areas(self) -> dict[int, int]:
        return dict(self.period.values_list(self.area).annotate(n=Count("id")).order_by())

    def cells(self) -> dict[tuple[int, int], int]:
        rows = self.period.values_list(self.area, "topic_id").annotate(n=Count("id")).order_by()
        return {(area, topic): n for area, topic, n in rows}

    def trend(self, unit: str) -> list[tuple[date, int]]:
        # In the view's zone, as the period's bounds (not the server's current one).
        trunc = (TruncMonth if unit == "month" else TruncWeek)("received_at", tzinfo=self.tz)
        rows = self.period.annotate(bucket=trunc).values_list("bucket").annotate(n=Count("id"))
        return [(b.date(), n) for b, n in rows.order_by("bucket") if b is not None]

    def kpi(self) -> _Kpi:
        from otklik.quality.models import Rating

        answered = self.period.filter(answered_at__isnull=False, due_at__isnull=False)
        duration = ExpressionWrapper(F("answered_at") - F("registered_at"), output_field=DurationField())
        figures = self.period.aggregate(
            total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES))
        )
        timing = answered.aggregate(
            answered=Count("id"),
            on_time=Count("id", filter=Q(answered_at__lte=F("due_at"))),
            avg=Avg(duration, filter=Q(registered_at__isnull=False)),
        )
        ratings = Rating.objects.filter(case__in=self.period.values("pk")).aggregate(
            total=Count("id"), satisfied=Count("id", filter=Q(satisfied=True))
        )
        avg = timing["avg"]
        return _Kpi(
            figures["total"],
            figures["open"],
            timing["answered"],
            timing["on_time"],
            avg.total_seconds() if avg is not None else None,
            ratings["total"],
            ratings["satisfied"],
        )

    def growing(self) -> list[dict[str, int]]:
        lo, hi = self.lo, self.hi
        qs = self.base.filter(
            received_at__gte=lo - (hi - lo), received_at__lt=hi, settlement__isnull=False, topic__isnull=False
        )
        if self.municipality is not None:
            qs = qs.filter(municipality=self.municipality)
        if self.topic is not None:
            qs = qs.filter(topic=self.topic)
        return list(
            qs.values("topic_id", "settlement_id")
            .annotate(
                now=Count("id", filter=Q(received_at__gte=lo)),
                before=Count("id", filter=Q(received_at__lt=lo)),
            )
            .order_by()
        )


class _TallyCounts(_Counts):
    """Summed from the cases' daily tally and its not yet folded delta (PostgreSQL). Every figure of the
    view but the growth comes from one scan (GROUPING SETS)."""

    def __init__(self, board: Dashboard, municipality_ids: list[int], topic: Topic | None) -> None:
        self.board = board
        self.area = "settlement_id" if board.level == "municipality" else "municipality_id"
        self.filters = "municipality_id = ANY(%(munis)s)" + (" AND topic_id = %(topic)s" if topic else "")
        span = board.end - board.start + timedelta(days=1)
        self.params: dict[str, Any] = {
            "munis": municipality_ids,
            "topic": topic.pk if topic else None,
            "start": board.start,
            "end": board.end,
            "before": board.start - span,  # the growth's previous period of the same length
        }
        self._main: dict[str, Any] | None = None

    def _rows(self, start: str) -> str:
        """The tally's and the delta's rows from the parameter `start` to the period's end."""
        columns = ", ".join(tally_sql.COLUMNS)
        where = f"day >= %({start})s AND day <= %(end)s AND {self.filters}"
        return (
            f"(SELECT {columns} FROM analytics_case_tally WHERE {where} "
            f"UNION ALL SELECT {columns} FROM analytics_case_tally_delta WHERE {where}) t"
        )

    def _read(self, sql: str) -> list[tuple[Any, ...]]:
        with connections[_tally_db()].cursor() as cursor:
            cursor.execute(sql, self.params)
            return list(cursor.fetchall())

    def _main_sums(self) -> dict[str, Any]:
        if self._main is None:
            sql = f"""
                SELECT grouping({self.area}, topic_id), {self.area}, topic_id, day,
                       {", ".join(f"sum({c})" for c in tally_sql.SUM_COLUMNS)}
                  FROM {self._rows("start")}
                 GROUP BY GROUPING SETS (({self.area}, topic_id), (day))"""
            cells: dict[tuple[int, int], int] = {}
            areas: dict[int, int] = {}
            weeks: dict[date, int] = {}
            months: dict[date, int] = {}
            sums = [0] * len(tally_sql.SUM_COLUMNS)
            for grouping, area, topic, day, *values in self._read(sql):
                n = int(values[0])
                if grouping == 0:  # the set by area and topic
                    if area is not None:
                        areas[area] = areas.get(area, 0) + n
                        if topic is not None:
                            cells[(area, topic)] = n
                    sums = [a + int(b) for a, b in zip(sums, values, strict=True)]
                elif n:  # the set by day
                    week, month = day - timedelta(days=day.weekday()), day.replace(day=1)
                    weeks[week] = weeks.get(week, 0) + n
                    months[month] = months.get(month, 0) + n
            self._main = {
                "cells": cells,
                "areas": areas,
                "week": sorted(weeks.items()),
                "month": sorted(months.items()),
                "sums": dict(zip(tally_sql.SUM_COLUMNS, sums, strict=True)),
            }
        return self._main

    def areas(self) -> dict[int, int]:
        return self._main_sums()["areas"]

    def cells(self) -> dict[tuple[int, int], int]:
        return self._main_sums()["cells"]

    def trend(self, unit: str) -> list[tuple[date, int]]:
        return self._main_sums()[unit]

    def kpi(self) -> _Kpi:
        s = self._main_sums()["sums"]
        return _Kpi(
            s["total"],
            s["open"],
            s["answered"],
            s["on_time"],
            s["answer_us"] / s["timed"] / 1_000_000 if s["timed"] else None,
            s["ratings"],
            s["satisfied"],
        )

    def growing(self) -> list[dict[str, int]]:
        """Ranked and cut in SQL as `_growing` does (only the few shown leave the database)."""
        sql = f"""
            SELECT topic_id, settlement_id, now, before FROM (
                SELECT topic_id, settlement_id,
                       coalesce(sum(total) FILTER (WHERE day >= %(start)s), 0) AS now,
                       coalesce(sum(total) FILTER (WHERE day < %(start)s), 0) AS before
                  FROM {self._rows("before")}
                 WHERE settlement_id IS NOT NULL AND topic_id IS NOT NULL
                 GROUP BY topic_id, settlement_id) pairs
             WHERE now >= {GROWTH_MIN} AND now > before
             ORDER BY now - before DESC, now DESC, topic_id, settlement_id
             LIMIT {GROWTH_TOP}"""
        return [
            {"topic_id": t, "settlement_id": s, "now": int(now), "before": int(before)}
            for t, s, now, before in self._read(sql)
        ]


def _matrix(board: Dashboard, cells: dict[tuple[int, int], int], dates: dict[str, Any]) -> None:
    topics = list(Topic.objects.filter(parent__isnull=True, is_active=True))
    board.matrix_topics = topics
    for area in board.areas:
        row = []
        for t in topics:
            link = inbox_link(
                settlement=area.key if board.level == "municipality" else "",
                date_from=dates["date_from"],
                date_to=dates["date_to"],
                topic=t.pk,
            )
            row.append({"n": cells.get((area.id, t.pk), 0), "link": link})
        board.matrix.append({"area": area, "cells": row})


def _trend(board: Dashboard, rows: list[tuple[date, int]]) -> None:
    long = (board.end - board.start).days > 180
    board.trend_unit = "month" if long else "week"
    fmt = "%m.%Y" if long else "%d.%m"
    board.trend = [(b.strftime(fmt), n) for b, n in rows]


def _kpi(board: Dashboard, k: _Kpi) -> None:
    board.kpi = {
        "total": k.total,
        "open": k.open,
        "answered": k.answered,
        "on_time_share": round(100 * k.on_time / k.answered, 1) if k.answered else None,
        "avg_answer_days": round(k.avg_seconds / 86400, 1) if k.avg_seconds else None,
        "ratings": k.ratings,
        "satisfied_share": round(100 * k.satisfied / k.ratings, 1) if k.ratings else None,
    }


def _growing(board: Dashboard, rows: list[dict[str, int]], dates: dict[str, Any]) -> None:
    """Topic × settlement pairs whose count grew most against the previous period of the same length."""
    growth = [r for r in rows if r["now"] >= GROWTH_MIN and r["now"] > r["before"]]
    growth.sort(key=lambda r: (-(r["now"] - r["before"]), -r["now"], r["topic_id"], r["settlement_id"]))
    growth = growth[:GROWTH_TOP]
    # Names after the count (the count runs on the covering index alone, no join per case).
    topic_names = dict(Topic.objects.filter(pk__in={r["topic_id"] for r in growth}).values_list("pk", "name"))
    place_names = dict(
        Settlement.objects.filter(pk__in={r["settlement_id"] for r in growth}).values_list("pk", "name")
    )
    board.growing = [
        {
            "topic": topic_names.get(r["topic_id"], ""),
            "settlement": place_names.get(r["settlement_id"], ""),
            "now": r["now"],
            "before": r["before"],
            "link": inbox_link(
                settlement=r["settlement_id"],
                topic=r["topic_id"],
                date_from=dates["date_from"],
                date_to=dates["date_to"],
            ),
        }
        for r in growth
    ]


def tally_check(using: str = "default") -> dict[str, int]:
    """The tally against the cases, key by key (PostgreSQL; `otklik tally check`): how many keys were
    compared and how many disagree (0 when the tally is right)."""
    if connections[using].vendor != "postgresql":
        return {"keys": 0, "differ": 0}
    with connections[using].cursor() as cursor:
        cursor.execute(tally_sql.CHECK)
        keys, differ = cursor.fetchone()
    return {"keys": int(keys), "differ": int(differ)}
