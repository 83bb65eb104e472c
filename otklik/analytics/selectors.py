"""The heat map and the dashboard figures: read-only, aggregated in the database, a bounded number of
queries whatever the number of cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Case, Status
from otklik.cases.selectors import visible_cases
from otklik.org.models import Topic
from otklik.territory.geometry import voronoi_polygons
from otklik.territory.models import Municipality, Settlement

ANSWERED = (Status.ANSWERED, Status.CLOSED)


@dataclass
class Area:
    key: str  # settlement id or municipality code
    name: str
    population: int
    count: int
    link: str
    drill: str = ""

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
    user: Any, *, municipality: Municipality | None, topic: Topic | None, start: date, end: date, tz: Any
) -> Dashboard:
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
        _settlement_areas(board, period, municipality, dates)
    else:
        _municipality_areas(board, period, base, dates)
    _matrix(board, period, dates)
    _trend(board, period)
    _kpi(board, period)
    scope = {"settlement": "", **dates}
    board.kpi["links"] = {
        "total": inbox_link(**scope),
        "open": inbox_link(status="open", **scope),
        "answered": inbox_link(deadline="none", **scope),
        "satisfied": inbox_link(rating="satisfied", **scope),
        "unsatisfied": inbox_link(rating="unsatisfied", **scope),
    }
    _growing(board, base, municipality, topic, lo, hi, dates)
    return board


def _settlement_areas(
    board: Dashboard, period: QuerySet[Case], muni: Municipality, dates: dict[str, Any]
) -> None:
    settlements = list(Settlement.objects.filter(municipality=muni).order_by("name"))
    counts = dict(period.values_list("settlement_id").annotate(n=Count("id")).order_by())
    board.areas = [
        Area(
            key=str(s.pk),
            name=s.name,
            population=s.population,
            count=counts.get(s.pk, 0),
            link=inbox_link(settlement=s.pk, **dates),
        )
        for s in settlements
    ]
    board.geojson = _features(
        {str(s.pk): s.name for s in settlements},
        {str(s.pk): s.boundary for s in settlements if s.boundary},
        {str(s.pk): tuple(s.centre["coordinates"]) for s in settlements if s.centre},
    )


def _municipality_areas(
    board: Dashboard, period: QuerySet[Case], base: QuerySet[Case], dates: dict[str, Any]
) -> None:
    munis = list(
        Municipality.objects.filter(Exists(base.filter(municipality_id=OuterRef("pk")))).order_by("name")
    )
    counts = dict(period.values_list("municipality_id").annotate(n=Count("id")).order_by())
    board.areas = [
        Area(
            key=m.code,
            name=m.name,
            population=m.population,
            count=counts.get(m.pk, 0),
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
        )
        for m in munis
    ]
    board.geojson = _features(
        {m.code: m.name for m in munis},
        {m.code: m.boundary for m in munis if m.boundary},
        {m.code: tuple(m.centre["coordinates"]) for m in munis if m.centre},
    )


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


def _matrix(board: Dashboard, period: QuerySet[Case], dates: dict[str, Any]) -> None:
    topics = list(Topic.objects.filter(parent__isnull=True, is_active=True))
    board.matrix_topics = topics
    cells: dict[tuple[str, int], int] = {}
    if board.level == "municipality":
        rows = period.values_list("settlement_id", "topic_id").annotate(n=Count("id")).order_by()
        for area_key, topic_id, n in rows:
            cells[(str(area_key), topic_id)] = n
    else:
        rows = period.values_list("municipality__code", "topic_id").annotate(n=Count("id")).order_by()
        for area_key, topic_id, n in rows:
            cells[(str(area_key), topic_id)] = n
    for area in board.areas:
        row = []
        for t in topics:
            n = cells.get((area.key, t.pk), 0)
            link = inbox_link(
                settlement=area.key if board.level == "municipality" else "",
                date_from=dates["date_from"],
                date_to=dates["date_to"],
                topic=t.pk,
            )
            row.append({"n": n, "link": link})
        board.matrix.append({"area": area, "cells": row})


def _trend(board: Dashboard, period: QuerySet[Case]) -> None:
    long = (board.end - board.start).days > 180
    board.trend_unit = "month" if long else "week"
    trunc = TruncMonth("received_at") if long else TruncWeek("received_at")
    rows = period.annotate(bucket=trunc).values_list("bucket").annotate(n=Count("id")).order_by("bucket")
    fmt = "%m.%Y" if long else "%d.%m"
    board.trend = [(b.strftime(fmt) if b else "—", n) for b, n in rows]


def _kpi(board: Dashboard, period: QuerySet[Case]) -> None:
    from otklik.quality.models import Rating

    answered = period.filter(answered_at__isnull=False, due_at__isnull=False)
    duration = ExpressionWrapper(F("answered_at") - F("registered_at"), output_field=DurationField())
    figures = period.aggregate(
        total=Count("id"),
        open=Count(
            "id", filter=Q(status__in=("received", "registered", "assigned", "in_progress", "reopened"))
        ),
    )
    timing = answered.aggregate(
        answered=Count("id"),
        on_time=Count("id", filter=Q(answered_at__lte=F("due_at"))),
        avg=Avg(duration, filter=Q(registered_at__isnull=False)),
    )
    ratings = Rating.objects.filter(case__in=period.values("pk")).aggregate(
        total=Count("id"), satisfied=Count("id", filter=Q(satisfied=True))
    )
    avg = timing["avg"]
    board.kpi = {
        "total": figures["total"],
        "open": figures["open"],
        "answered": timing["answered"],
        "on_time_share": round(100 * timing["on_time"] / timing["answered"], 1)
        if timing["answered"]
        else None,
        "avg_answer_days": round(avg.total_seconds() / 86400, 1) if avg else None,
        "ratings": ratings["total"],
        "satisfied_share": round(100 * ratings["satisfied"] / ratings["total"], 1)
        if ratings["total"]
        else None,
    }


def _growing(
    board: Dashboard,
    base: QuerySet[Case],
    municipality: Municipality | None,
    topic: Topic | None,
    lo: datetime,
    hi: datetime,
    dates: dict[str, Any],
) -> None:
    """Topic × settlement pairs whose count grew most against the previous period of the same length."""
    span = hi - lo
    qs = base.filter(
        received_at__gte=lo - span, received_at__lt=hi, settlement__isnull=False, topic__isnull=False
    )
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if topic is not None:
        qs = qs.filter(topic=topic)
    rows = (
        qs.values("topic_id", "settlement_id")
        .annotate(
            now=Count("id", filter=Q(received_at__gte=lo)), before=Count("id", filter=Q(received_at__lt=lo))
        )
        .order_by()
    )
    growth = [r for r in rows if r["now"] >= 3 and r["now"] > r["before"]]
    growth.sort(key=lambda r: (-(r["now"] - r["before"]), -r["now"]))
    growth = growth[:5]
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
