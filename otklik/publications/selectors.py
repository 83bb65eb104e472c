"""Reads of the content plan: a month's calendar, the list for a period, the counts by status."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from otklik.publications import permissions
from otklik.publications.models import Post


def month_bounds(month: date, tz: Any) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.combine(first, time.min), tz),
        timezone.make_aware(datetime.combine(following, time.min), tz),
    )


def period_bounds(start: date, end: date, tz: Any) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def plan(
    user: Any, *, lo: datetime, hi: datetime, status: str = "", page_id: int | None = None
) -> QuerySet[Post]:
    qs = permissions.visible_posts(user).filter(planned_at__gte=lo, planned_at__lt=hi)
    if status:
        qs = qs.filter(status=status)
    if page_id:
        qs = qs.filter(page_id=page_id)
    return qs.order_by("planned_at", "pk")


def status_counts(qs: QuerySet[Post]) -> dict[str, int]:
    return dict(qs.order_by().values_list("status").annotate(n=Count("id")))


@dataclass
class Day:
    day: date
    in_month: bool
    today: bool
    posts: list[Post] = field(default_factory=list)


def calendar_weeks(month: date, posts: list[Post], tz: Any, today: date) -> list[list[Day]]:
    """The month as weeks (Monday first) with each day's posts, in the municipality's time zone."""
    by_day: dict[date, list[Post]] = {}
    for p in posts:
        by_day.setdefault(timezone.localtime(p.planned_at, tz).date(), []).append(p)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        weeks.append([Day(d, d.month == month.month, d == today, by_day.get(d, [])) for d in week])
    return weeks
