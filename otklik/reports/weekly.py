"""The head's weekly summary: what came in last week, what is overdue and at risk now, the departments that
did worst over the last four weeks, and what grows — computed over the person's own scope with the
selectors of the pages (the ratings, the home page's deadline clock, the problems list, the dashboard).

The result is plain data (JSON-ready) so that the summary is kept as it was sent (`WeeklySummary`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from otklik.analytics import ratings
from otklik.analytics.selectors import dashboard
from otklik.cases.models import OPEN_STATUSES, Kind
from otklik.cases.selectors import Clock, visible_cases
from otklik.org.models import Department
from otklik.problems.selectors import problem_rows
from otklik.quality import metrics
from otklik.territory.models import Municipality

WORST = 5
GROWING = 5
WEEKS_FOR_RATING = 4


def week_of(today: date) -> tuple[date, date]:
    """The last complete Monday-to-Sunday week before `today`'s week."""
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(days=7)
    return start, start + timedelta(days=6)


def _fmt_index(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def weekly_summary(user: Any, *, now: datetime | None = None) -> dict[str, Any]:
    """The summary for the person as of `now`: the week before this one, deadlines now, four weeks of
    ratings, growth of problems (4 weeks against the 4 before) and of topic × settlement pairs (the
    week against the week before)."""
    now = now or timezone.now()
    munis = ratings.scope_municipalities(user)
    tz = munis[0].tz if munis else timezone.get_current_timezone()
    start, end = week_of(timezone.localtime(now, tz).date())
    data: dict[str, Any] = {
        "week_start": start.isoformat(),
        "week_end": end.isoformat(),
        "municipalities": [m.name for m in munis],
        "new": 0,
        "new_by_kind": {},
        "overdue": 0,
        "at_risk": 0,
        "at_risk_days": munis[0].at_risk_working_days if len(munis) == 1 else None,
        "worst": [],
        "problems": [],
        "pairs": [],
    }
    if not munis:
        return data
    new = ratings.cohort(user, start=start, end=end, municipalities=munis, asof=now)
    by_kind = dict(new.order_by().values_list("kind").annotate(n=Count("id")))
    data["new_by_kind"] = {k: by_kind.get(k, 0) for k in Kind.values if by_kind.get(k)}
    data["new"] = sum(by_kind.values())
    data["overdue"], data["at_risk"] = _deadlines(user, munis, now)
    data["worst"] = _worst(user, end, now)
    data["problems"] = _growing_problems(user, now)
    board = dashboard(
        user, municipality=munis[0] if len(munis) == 1 else None, topic=None, start=start, end=end, tz=tz
    )
    data["pairs"] = [
        {"topic": g["topic"], "settlement": g["settlement"], "now": g["now"], "before": g["before"]}
        for g in board.growing
    ]
    return data


def _deadlines(user: Any, munis: list[Municipality], now: datetime) -> tuple[int, int]:
    """Open cases past their term, and those due within the municipality's «at risk» working days (the
    home page's clock)."""
    overdue = at_risk = 0
    for m in munis:
        clock = Clock.for_municipality(m, now)
        figures = (
            visible_cases(user)
            .filter(municipality=m, status__in=OPEN_STATUSES)
            .aggregate(
                overdue=Count("id", filter=Q(due_at__lt=now)),
                at_risk=Count("id", filter=Q(due_at__gte=now, due_at__lte=clock.horizon)),
            )
        )
        overdue += figures["overdue"]
        at_risk += figures["at_risk"]
    return overdue, at_risk


def _worst(user: Any, end: date, now: datetime) -> list[dict[str, Any]]:
    """The departments and organisations with the lowest composite index over the four weeks that end
    with the summarised week (ratings_table), ties and rows without an index by the open overdue count."""
    start = end - timedelta(weeks=WEEKS_FOR_RATING) + timedelta(days=1)
    overdue = dict(
        visible_cases(user)
        .filter(status__in=OPEN_STATUSES, due_at__lt=now, department__isnull=False)
        .order_by()
        .values_list("department_id")
        .annotate(n=Count("id"))
    )
    rows = []
    for group_by in ("department", "organisation"):
        table = ratings.ratings_table(user, group_by=group_by, start=start, end=end, asof=now)
        rows += [r for r in table.rows if not r.is_unassigned]
    seen = {r.object_id for r in rows}
    missing = [pk for pk in overdue if pk not in seen]  # overdue now, but nothing received in the four weeks
    for d in Department.objects.filter(pk__in=missing).select_related("municipality"):
        row = ratings.build_row(
            ratings.Tally(),
            group_by="department",
            key=str(d.pk),
            label=str(d),
            population=None,
            weights=metrics.DEFAULT_WEIGHTS,
        )
        row.object_id, row.municipality_name = d.pk, d.municipality.name
        rows.append(row)
    ranked = [r for r in rows if r.index is not None or overdue.get(r.object_id, 0)]
    ranked.sort(
        key=lambda r: (
            r.index is None,
            r.index if r.index is not None else 0.0,
            -overdue.get(r.object_id, 0),
            r.label.casefold(),
        )
    )
    return [
        {
            "label": r.label,
            "municipality": r.municipality_name,
            "index": r.index,
            "received": r.received,
            "on_time_share": r.on_time_share,
            "overdue": overdue.get(r.object_id, 0),
        }
        for r in ranked[:WORST]
    ]


def _growing_problems(user: Any, now: datetime) -> list[dict[str, Any]]:
    """Problems in work and candidates whose messages of the last 4 weeks outnumber the 4 weeks before."""
    found = []
    for tab in ("open", "candidates"):
        for p in problem_rows(user, tab=tab, now=now):
            if p.recent > p.previous:
                found.append(
                    {
                        "title": p.title,
                        "municipality": p.municipality.name,
                        "status": p.get_status_display(),
                        "recent": p.recent,
                        "previous": p.previous,
                    }
                )
    found.sort(key=lambda g: (-(g["recent"] - g["previous"]), -g["recent"], g["title"]))
    return found[:GROWING]


KIND_WORDS = {Kind.APPEAL: "обращений 59-ФЗ", Kind.MESSAGE: "сообщений ПОС", Kind.INCIDENT: "инцидентов"}


def summary_title(data: dict[str, Any]) -> str:
    start, end = date.fromisoformat(data["week_start"]), date.fromisoformat(data["week_end"])
    return (
        f"Сводка за неделю {start:%d.%m}–{end:%d.%m.%Y}: новых {data['new']}, "
        f"просрочено {data['overdue']}, под угрозой {data['at_risk']}"
    )


def summary_text(data: dict[str, Any]) -> str:
    """The summary as plain text: the notification's body and the e-mail."""
    start, end = date.fromisoformat(data["week_start"]), date.fromisoformat(data["week_end"])
    lines = [f"Неделя {start:%d.%m.%Y} — {end:%d.%m.%Y}; {', '.join(data['municipalities']) or '—'}.", ""]
    kinds = ", ".join(f"{KIND_WORDS[Kind(k)]} {n}" for k, n in data["new_by_kind"].items())
    lines.append(f"Поступило за неделю: {data['new']}" + (f" ({kinds})" if kinds else ""))
    lines.append(f"Просрочено сейчас: {data['overdue']}")
    days = f" (срок в ближайшие {data['at_risk_days']} раб. дн.)" if data.get("at_risk_days") else ""
    lines.append(f"Срок под угрозой{days}: {data['at_risk']}")
    lines.append("")
    lines.append(f"Худшие подразделения за {WEEKS_FOR_RATING} недели (сводный индекс 0–100):")
    if data["worst"]:
        for i, w in enumerate(data["worst"], start=1):
            lines.append(
                f"  {i}. {w['label']} — индекс {_fmt_index(w['index'])}, поступило {w['received']}, "
                f"просрочено сейчас {w['overdue']}"
            )
    else:
        lines.append("  нет данных за период")
    lines.append("")
    lines.append("Растущие проблемы (последние 4 недели против 4 предыдущих):")
    if data["problems"]:
        lines += [f"  • {p['title']} — {p['recent']} (было {p['previous']})" for p in data["problems"]]
    else:
        lines.append("  нет")
    lines.append("Растущие темы по поселениям (неделя против предыдущей):")
    if data["pairs"]:
        lines += [
            f"  • {p['topic']}, {p['settlement']} — {p['now']} (было {p['before']})" for p in data["pairs"]
        ]
    else:
        lines.append("  нет")
    return "\n".join(lines)
