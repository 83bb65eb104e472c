"""Reads for the problems pages, exports and tests. Everything goes through the user's scope: the problems
they may see (permissions.visible_problems) and, inside a problem, only the cases they may see
(cases.selectors.visible_cases) — every count, chart and table is built from those."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from otklik.cases.models import Case
from otklik.cases.selectors import visible_cases
from otklik.org.models import Block
from otklik.problems import rules
from otklik.problems.models import Measure, MeasureStatus, Problem, ProblemStatus, policy_for
from otklik.problems.permissions import visible_problems
from otklik.quality import metrics
from otklik.quality.models import Rating
from otklik.territory.geometry import voronoi_polygons
from otklik.territory.models import Municipality, Settlement

#: The list's tabs: key → (label, statuses).
TABS: dict[str, tuple[str, tuple[str, ...]]] = {
    "open": ("В работе", (ProblemStatus.CONFIRMED,)),
    "candidates": ("Кандидаты", (ProblemStatus.CANDIDATE,)),
    "resolved": ("Решённые", (ProblemStatus.RESOLVED,)),
    "dismissed": ("Отклонённые", (ProblemStatus.DISMISSED,)),
    "all": (
        "Все",
        (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED, ProblemStatus.DISMISSED),
    ),
}
GROWTH_WEEKS = 4


def _day_start(day: date, tz: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), tz)


# --- the list -------------------------------------------------------------------------------------------


def problem_rows(
    user: Any,
    *,
    tab: str = "open",
    topic_id: int | None = None,
    settlement_id: int | None = None,
    municipality: Municipality | None = None,
    now: datetime | None = None,
) -> QuerySet[Problem]:
    """The problems of a tab with their visible case counts and growth; candidates are ranked by
    `rules.candidate_score` (size + growth), the others by the latest message."""
    now = now or timezone.now()
    statuses = TABS.get(tab, TABS["open"])[1]
    qs = visible_problems(user).filter(status__in=statuses)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if topic_id:
        qs = qs.filter(topic_id=topic_id)
    if settlement_id:
        qs = qs.filter(settlement_id=settlement_id)
    span = timedelta(weeks=GROWTH_WEEKS)
    seen = Q(links__case__in=visible_cases(user))
    qs = qs.annotate(
        n_cases=Count("links", filter=seen),
        recent=Count("links", filter=seen & Q(links__case__received_at__gte=now - span)),
        previous=Count(
            "links",
            filter=seen
            & Q(links__case__received_at__gte=now - 2 * span, links__case__received_at__lt=now - span),
        ),
        last_at=Max("links__case__received_at", filter=seen),
    ).annotate(
        score=F("n_cases") + Greatest(F("recent") - F("previous"), Value(0), output_field=IntegerField())
    )
    qs = qs.select_related("topic", "settlement", "locality", "block", "municipality")
    if tab == "candidates":
        return qs.order_by("-score", "-recent", "-id")
    return qs.order_by(F("last_at").desc(nulls_last=True), "-id")


def tab_counts(
    user: Any, *, municipality: Municipality | None, topic_id: int | None, settlement_id: int | None
) -> dict[str, int]:
    qs = visible_problems(user)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if topic_id:
        qs = qs.filter(topic_id=topic_id)
    if settlement_id:
        qs = qs.filter(settlement_id=settlement_id)
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    return {key: sum(by_status.get(s, 0) for s in statuses) for key, (_, statuses) in TABS.items()}


@dataclass
class MeasureTally:
    total: int = 0
    done: int = 0
    overdue: int = 0


def measure_tallies(problem_ids: list[int], today: date) -> dict[int, MeasureTally]:
    rows = (
        Measure.objects.filter(problem_id__in=problem_ids)
        .values("problem_id")
        .annotate(
            total=Count("id", filter=~Q(status=MeasureStatus.CANCELLED)),
            done=Count("id", filter=Q(status=MeasureStatus.DONE)),
            overdue=Count("id", filter=Q(status__in=rules.OPEN_MEASURE_STATUSES, due_on__lt=today)),
        )
        .order_by()
    )
    return {r["problem_id"]: MeasureTally(r["total"], r["done"], r["overdue"]) for r in rows}


def problem_map(user: Any, municipality: Municipality, *, link: str = "") -> dict[str, Any]:
    """Settlements of the municipality with the number of problems in work (confirmed) the user sees:
    GeoJSON (real boundaries, or schematic Voronoi cells around the centres) and the values."""
    settlements = list(Settlement.objects.filter(municipality=municipality).order_by("name"))
    counts = dict(
        visible_problems(user)
        .filter(municipality=municipality, status=ProblemStatus.CONFIRMED, settlement__isnull=False)
        .values_list("settlement_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    real = {str(s.pk): s.boundary for s in settlements if s.boundary}
    centres = {
        str(s.pk): tuple(s.centre["coordinates"]) for s in settlements if s.centre and str(s.pk) not in real
    }
    schematic = voronoi_polygons(centres)  # type: ignore[arg-type]
    features = []
    for s in settlements:
        geometry = real.get(str(s.pk)) or schematic.get(str(s.pk))
        if geometry:
            features.append(
                {"type": "Feature", "properties": {"name": s.name, "key": str(s.pk)}, "geometry": geometry}
            )
    return {
        "geojson": {"type": "FeatureCollection", "features": features},
        "schematic": bool(schematic),
        "areas": [
            {"name": s.name, "key": s.pk, "value": counts.get(s.pk, 0), "link": f"{link}settlement={s.pk}"}
            for s in settlements
        ],
    }


# --- a problem's page -------------------------------------------------------------------------------


def problem_cases(user: Any, problem: Problem) -> QuerySet[Case]:
    """The problem's cases the user may see, newest first, with how each joined."""
    return (
        visible_cases(user)
        .filter(problem_link__problem=problem)
        .select_related("topic", "settlement", "locality", "problem_link")
        .order_by("-received_at", "-id")
    )


def _other_problems(user: Any, problem: Problem, statuses: tuple[str, ...]) -> list[Problem]:
    """Other problems of the same municipality the user sees, the same topic first."""
    others = list(
        visible_problems(user)
        .filter(municipality_id=problem.municipality_id, status__in=statuses)
        .exclude(pk=problem.pk)
        .select_related("settlement", "locality", "block")
        .order_by("title", "id")[:200]
    )
    return sorted(others, key=lambda p: (p.topic_id != problem.topic_id, p.title, p.pk))


def merge_targets(user: Any, problem: Problem) -> list[Problem]:
    return _other_problems(user, problem, (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED))


def move_targets(user: Any, problem: Problem) -> list[Problem]:
    return _other_problems(
        user, problem, (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED)
    )


def measures_of(problem: Problem) -> list[Measure]:
    return list(
        Measure.objects.filter(problem=problem)
        .select_related("department", "responsible_user")
        .order_by("order", "id")
    )


# --- the effect -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFact:
    received_at: datetime
    answered_at: datetime | None
    satisfied: bool | None  # the latest rating; None when not rated


def case_facts(cases: QuerySet[Case]) -> list[CaseFact]:
    last_rating = (
        Rating.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-pk").values("satisfied")[:1]
    )
    rows = (
        cases.order_by()
        .annotate(last_satisfied=Subquery(last_rating))
        .values_list("received_at", "answered_at", "last_satisfied")
    )
    return [CaseFact(r, a, None if s is None else bool(s)) for r, a, s in rows]


@dataclass
class Figures:
    """Messages, answer time and satisfaction of the cases received in one window."""

    count: int
    weeks: float
    per_week: float | None
    median_days: float | None
    answered: int
    satisfied_share: float | None
    rated: int


def figures(facts: list[CaseFact], start: datetime, end: datetime, weeks: float, asof: datetime) -> Figures:
    inside = [f for f in facts if start <= f.received_at < end and f.received_at <= asof]
    days = [
        metrics.duration_days(f.received_at, f.answered_at)
        for f in inside
        if f.answered_at is not None and f.answered_at <= asof
    ]
    rated = [f.satisfied for f in inside if f.satisfied is not None]
    return Figures(
        count=len(inside),
        weeks=weeks,
        per_week=rules.per_week(len(inside), weeks),
        median_days=metrics.median(days),
        answered=len(days),
        satisfied_share=metrics.share(sum(1 for s in rated if s), len(rated)),
        rated=len(rated),
    )


@dataclass
class MeasureEffect:
    measure: Measure
    moment: datetime | None  # the start of the day it was done; None if not done
    before: Figures | None = None
    after: Figures | None = None

    @property
    def complete(self) -> bool:
        return self.after is not None and self.before is not None and self.after.weeks >= self.before.weeks


@dataclass
class Mark:
    week: int  # index into the weeks
    kind: str  # start | due | done | resolved
    label: str


@dataclass
class Effect:
    weeks: list[date] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    median_days: list[float | None] = field(default_factory=list)
    satisfied: list[float | None] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    measures: list[MeasureEffect] = field(default_factory=list)
    verdict: rules.Verdict | None = None
    trend: str = ""
    total: int = 0
    effect_weeks: int = 4

    def chart(self) -> dict[str, Any]:
        """The data of the page's chart (json_script)."""
        return {
            "weeks": [f"{w:%d.%m.%y}" for w in self.weeks],
            "counts": self.counts,
            "median_days": [None if v is None else round(v, 1) for v in self.median_days],
            "satisfied": [None if v is None else round(100 * v, 1) for v in self.satisfied],
            "marks": [{"week": m.week, "kind": m.kind, "label": m.label} for m in self.marks],
        }


MAX_FUTURE_WEEKS = 26


def effect(user: Any, problem: Problem, measures: list[Measure], now: datetime | None = None) -> Effect:
    """Messages per week over the problem's life with its measures marked; per done measure the
    `effect_weeks` weeks before and after its completion; and whether the messages stopped after the
    problem was marked resolved (or, while it is open, the last weeks against the weeks before)."""
    now = now or timezone.now()
    policy = policy_for(problem.municipality_id)
    n = policy.effect_weeks
    tz = problem.municipality.tz
    facts = case_facts(problem_cases(user, problem))
    result = Effect(total=len(facts), effect_weeks=n)
    today = timezone.localtime(now, tz).date()
    dates: list[date] = [timezone.localtime(f.received_at, tz).date() for f in facts]
    marked: list[tuple[date, str, str]] = []
    for m in measures:
        if m.status == MeasureStatus.CANCELLED:
            continue
        marked.append((m.start_on, "start", f"№{m.order} начало"))
        if m.status == MeasureStatus.DONE and m.completed_on:
            marked.append((m.completed_on, "done", f"№{m.order} выполнено"))
        else:
            marked.append((m.due_on, "due", f"№{m.order} срок"))
    if problem.status == ProblemStatus.RESOLVED and problem.resolved_at:
        marked.append((timezone.localtime(problem.resolved_at, tz).date(), "resolved", "решена"))
    horizon = today + timedelta(weeks=MAX_FUTURE_WEEKS)
    span = dates + [d for d, _, _ in marked if d <= horizon]
    if span:
        first, last = min(span), max([*span, today])
        result.weeks = rules.weeks_between(first, last)
        index = {w: i for i, w in enumerate(result.weeks)}
        result.counts = [c for _, c in rules.weekly_counts(dates, first, last)]
        by_week: dict[date, list[CaseFact]] = defaultdict(list)
        for f, d in zip(facts, dates, strict=True):
            by_week[rules.week_start(d)].append(f)
        for w in result.weeks:
            start = _day_start(w, tz)
            fig = figures(by_week.get(w, []), start, start + timedelta(weeks=1), 1.0, now)
            result.median_days.append(fig.median_days)
            result.satisfied.append(fig.satisfied_share)
        for d, kind, label in marked:
            if d <= horizon:
                result.marks.append(Mark(index[rules.week_start(d)], kind, label))
    for m in measures:
        if m.status == MeasureStatus.DONE and m.completed_on:
            moment = _day_start(m.completed_on, tz)
            before, after = rules.before_after(moment, n, now)
            result.measures.append(
                MeasureEffect(
                    m,
                    moment,
                    figures(facts, before.start, before.end, before.weeks, now),
                    figures(facts, after.start, after.end, after.weeks, now),
                )
            )
        else:
            result.measures.append(MeasureEffect(m, None))
    received = [f.received_at for f in facts]
    if problem.status == ProblemStatus.RESOLVED and problem.resolved_at:
        before_w, after_w = rules.before_after(problem.resolved_at, n, now)
        before = sum(1 for r in received if before_w.start <= r < before_w.end)
        after = sum(1 for r in received if after_w.start <= r < min(after_w.end, now + timedelta(seconds=1)))
        days_after = max(0, (now - problem.resolved_at).days)
        result.verdict = rules.stopped_verdict(before, after, days_after, n, policy.stopped_drop)
    else:
        recent, previous = rules.growth_counts(received, now, n)
        result.trend = rules.trend_sentence(recent, previous, n)
    return result


# --- the roadmap board --------------------------------------------------------------------------------

BOARD_COLUMNS = (
    (MeasureStatus.PLANNED, "Запланировано"),
    (MeasureStatus.IN_PROGRESS, "Выполняется"),
    (MeasureStatus.DONE, "Выполнено"),
    (MeasureStatus.CANCELLED, "Отменено"),
)
BOARD_LIMIT = 100


@dataclass
class BoardColumn:
    status: str
    label: str
    total: int
    measures: list[Measure]


def board(
    user: Any, *, today: date, block_id: int | None = None, mine: bool = False, overdue_only: bool = False
) -> list[BoardColumn]:
    """The measures of the problems in work (and resolved ones) the user sees, by status; overdue first
    then by due date; at most BOARD_LIMIT cards a column (the total is shown)."""
    qs = Measure.objects.filter(
        problem__in=visible_problems(user).filter(
            status__in=(ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED)
        )
    )
    if block_id:
        qs = qs.filter(problem__block_id=block_id)
    if mine:
        qs = qs.filter(Q(responsible_user_id=user.pk) | Q(problem__block__owner_id=user.pk))
    if overdue_only:
        qs = qs.filter(status__in=rules.OPEN_MEASURE_STATUSES, due_on__lt=today)
    totals = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    columns = []
    for status, label in BOARD_COLUMNS:
        items = list(
            qs.filter(status=status)
            .select_related("problem__settlement", "problem__locality", "responsible_user", "department")
            .order_by("due_on", "order", "id")[:BOARD_LIMIT]
        )
        if status in rules.OPEN_MEASURE_STATUSES:
            items.sort(key=lambda m: (m.due_on >= today, m.due_on, m.order))
        for m in items:
            m.is_overdue = m.is_open and m.due_on < today  # type: ignore[attr-defined]
        columns.append(BoardColumn(status, label, totals.get(status, 0), items))
    return columns


def board_blocks(user: Any) -> QuerySet[Block]:
    ids = visible_problems(user).exclude(block__isnull=True).values("block_id")
    return Block.objects.filter(pk__in=ids).order_by("name")


# --- accelerated resolution -------------------------------------------------------------------------------


@dataclass
class SpeedRow:
    key: str
    label: str
    answered: int = 0
    fast: int = 0
    days: list[float] = field(default_factory=list, repr=False)

    @property
    def share(self) -> float | None:
        return rules.share_or_none(self.fast, self.answered)

    @property
    def median_days(self) -> float | None:
        return metrics.median(self.days)

    @property
    def slow(self) -> int:
        return self.answered - self.fast


@dataclass
class SlowProblem:
    problem_id: int
    title: str
    status: str
    answered: int
    slow: int

    @property
    def share(self) -> float | None:
        return rules.share_or_none(self.slow, self.answered)

    @property
    def status_label(self) -> str:
        return rules.PROBLEM_LABELS.get(self.status, self.status)


@dataclass
class Accelerated:
    start: date
    end: date
    kind: str
    fast_days: int
    total: SpeedRow
    by_topic: list[SpeedRow]
    by_department: list[SpeedRow]
    slow_problems: list[SlowProblem]


SLOW_PROBLEMS = 10


def fast_counts(
    user: Any,
    *,
    start: date,
    end: date,
    municipalities: list[Municipality],
    kind: str = "appeal",
) -> dict[tuple[int, int | None], tuple[int, int]]:
    """`accelerated`'s total in one query for many municipalities, per (municipality, block): the cases of
    this kind answered in the period (each municipality's own days) and of them those answered in under
    its policy's days — (answered, fast). The same definitions as `accelerated`."""
    fast_days = {m.pk: policy_for(m.pk).fast_days for m in municipalities}
    when = Q(pk__in=[])
    for m in municipalities:
        lo, hi = _day_start(start, m.tz), _day_start(end + timedelta(days=1), m.tz)
        when |= Q(municipality_id=m.pk, answered_at__gte=lo, answered_at__lt=hi)
    qs = visible_cases(user).filter(when)
    if kind:
        qs = qs.filter(kind=kind)
    result: dict[tuple[int, int | None], tuple[int, int]] = {}
    rows = qs.order_by().values_list("municipality_id", "block_id", "received_at", "answered_at")
    for muni_id, block_id, received, answered in rows:
        fast = rules.is_fast(metrics.duration_days(received, answered), fast_days[muni_id])
        answered_n, fast_n = result.get((muni_id, block_id), (0, 0))
        result[(muni_id, block_id)] = (answered_n + 1, fast_n + int(fast))
    return result


def accelerated(
    user: Any,
    *,
    start: date,
    end: date,
    tz: Any,
    kind: str = "appeal",
    municipality: Municipality | None = None,
    fast_days: int | None = None,
) -> Accelerated:
    """«Механизм ускоренного решения»: of the cases of this kind answered in the period (answered_at in
    [start, end], the municipality's days), how many were answered in under `fast_days` days from receipt
    (answered_at − received_at < fast_days days), their share and the median days — in total, per topic
    and per department; plus the problems whose cases most often took longer."""
    if fast_days is None:
        fast_days = policy_for(municipality.pk if municipality else None).fast_days
    lo, hi = _day_start(start, tz), _day_start(end + timedelta(days=1), tz)
    qs = visible_cases(user).filter(answered_at__gte=lo, answered_at__lt=hi)
    if kind:
        qs = qs.filter(kind=kind)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    rows = qs.order_by().values_list(
        "topic_id",
        "topic__name",
        "department_id",
        "department__name",
        "department__short_name",
        "received_at",
        "answered_at",
        "problem_link__problem_id",
        "problem_link__problem__title",
        "problem_link__problem__status",
    )
    total = SpeedRow("total", "Итого")
    topics: dict[Any, SpeedRow] = {}
    departments: dict[Any, SpeedRow] = {}
    problems: dict[int, SlowProblem] = {}
    for (
        topic_id,
        topic_name,
        dept_id,
        dept_name,
        dept_short,
        received,
        answered,
        pid,
        ptitle,
        pstatus,
    ) in rows:
        days = metrics.duration_days(received, answered)
        fast = rules.is_fast(days, fast_days)
        topic_row = topics.setdefault(
            topic_id, SpeedRow(str(topic_id or ""), topic_name or "тема не определена")
        )
        dept_row = departments.setdefault(
            dept_id, SpeedRow(str(dept_id or ""), dept_short or dept_name or "подразделение не назначено")
        )
        for row in (total, topic_row, dept_row):
            row.answered += 1
            row.fast += fast
            row.days.append(days)
        if pid is not None:
            p = problems.setdefault(pid, SlowProblem(pid, ptitle, pstatus, 0, 0))
            p.answered += 1
            p.slow += not fast

    def order(values: list[SpeedRow]) -> list[SpeedRow]:
        return sorted(values, key=lambda r: (-r.answered, r.label))

    slow = sorted(
        (p for p in problems.values() if p.slow), key=lambda p: (-p.slow, -(p.share or 0), p.title)
    )[:SLOW_PROBLEMS]
    return Accelerated(
        start,
        end,
        kind,
        fast_days,
        total,
        order(list(topics.values())),
        order(list(departments.values())),
        slow,
    )
