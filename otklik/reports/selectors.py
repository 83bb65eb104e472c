"""The figures of the quarterly report to the regional ЦУР (and of the monthly block report): read-only, built
from the selectors the pages use, so that the report equals the ratings and the dashboard by construction.

* per block and for the municipality as a whole: `ratings.ratings_table(group_by="block")` — its rows are
  the blocks, its total row is the municipality; a consolidated report adds
  `ratings_table(group_by="municipality")` over the whole scope (its rows are the municipalities, its total
  row the region). The previous period and the same period a year before are the same tables for those
  periods, seen at the same as-of moment;
* received by kind, channel and topic: one aggregate query over the very cohort the ratings count
  (`ratings.cohort`);
* settlements (the heat map): the dashboard's areas (`analytics.selectors.dashboard`);
* accelerated resolution: `problems.selectors.fast_counts` (the total of `accelerated`, per block);
* top problems: the confirmed and resolved problems with the most cases of the cohort, their roadmaps
  counted by `problems.selectors.measure_tallies`;
* polls and votes held in the period and their turnout (`poll_figures`, on the participation models).

Queries are set-based: their number grows with the municipalities, blocks and periods, never with the
cases. docs/reports.md lists every figure and its definition.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from otklik.analytics import ratings
from otklik.analytics.ratings import RatingRow, RatingTable
from otklik.analytics.selectors import dashboard
from otklik.cases.models import Channel, Kind
from otklik.cases.selectors import visible_cases
from otklik.core import reads
from otklik.org.models import Block, Topic
from otklik.problems import rules as problem_rules
from otklik.problems.models import Problem, ProblemCase, ProblemStatus
from otklik.problems.permissions import visible_problems
from otklik.problems.selectors import fast_counts, measure_tallies
from otklik.quality import metrics
from otklik.territory.models import Municipality

Progress = Callable[[int, str], None]
PERIOD_KEYS = ("now", "before", "year")
MONTH_NAMES = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
#: Accelerated resolution counts the appeals (59-ФЗ, 30 days by law), as its page does by default.
FAST_KIND = Kind.APPEAL
TOP_PROBLEMS = 10
TOP_PROBLEM_STATUSES = (ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED)
UNKNOWN_TOPIC = "тема не определена"
UNKNOWN_SETTLEMENT = "поселение не определено"


class ReportError(Exception):
    """A request the report cannot be built for; the message is for people."""


# --- periods --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # "quarter" | "month"
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return metrics.quarter_label(self.start)
        return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"

    @property
    def dates(self) -> str:
        return f"{self.start:%d.%m.%Y} — {self.end:%d.%m.%Y}"

    @property
    def full_label(self) -> str:
        return f"{self.label} ({self.dates})"

    @property
    def noun(self) -> str:
        return "квартал" if self.kind == "quarter" else "месяц"

    def previous(self) -> Period:
        return _shifted(self, -3 if self.kind == "quarter" else -1)

    def year_ago(self) -> Period:
        return _shifted(self, -12)


def _shifted(period: Period, months: int) -> Period:
    index = period.start.year * 12 + period.start.month - 1 + months
    start = date(index // 12, index % 12 + 1, 1)
    return (
        quarter_period(start.year, (start.month - 1) // 3 + 1)
        if period.kind == "quarter"
        else (month_period(start.year, start.month))
    )


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise ReportError(f"квартал должен быть от 1 до 4, а не {quarter}")
    if not 2000 <= year <= 2100:
        raise ReportError(f"год должен быть от 2000 до 2100, а не {year}")
    start, end = metrics.quarter_of(date(year, 3 * quarter - 2, 1))
    return Period("quarter", start, end)


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise ReportError(f"месяц должен быть от 1 до 12, а не {month}")
    start = date(year, month, 1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period("month", start, end)


def last_complete_quarter(today: date) -> tuple[int, int]:
    start, _ = metrics.quarter_of(metrics.quarter_of(today)[0] - timedelta(days=1))
    return start.year, (start.month - 1) // 3 + 1


# --- the figures ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fast:
    """Accelerated resolution: appeals answered in the period, and of them those answered in under the
    policy's days (30) — `problems.selectors.accelerated` (counted by `fast_counts`)."""

    answered: int
    fast: int

    @property
    def share(self) -> float | None:
        return metrics.share(self.fast, self.answered)

    def __add__(self, other: Fast) -> Fast:
        return Fast(self.answered + other.answered, self.fast + other.fast)


@dataclass(frozen=True)
class PollLine:
    title: str
    kind: str
    starts: date
    ends: date
    participants: int
    population: int | None

    @property
    def turnout(self) -> float | None:
        return metrics.share(self.participants, self.population or 0)


@dataclass(frozen=True)
class PollFigures:
    """Polls and votes held in a period: published or closed, their answering period overlapping it."""

    held: int
    participants: int
    population: int

    @property
    def turnout(self) -> float | None:
        return metrics.share(self.participants, self.population)

    def __add__(self, other: PollFigures) -> PollFigures:
        return PollFigures(
            self.held + other.held, self.participants + other.participants, self.population + other.population
        )


NO_POLLS = PollFigures(0, 0, 0)


@dataclass
class Line:
    """One row of the report's main table (a block, a municipality, or the total) in the three periods."""

    key: str
    label: str
    municipality_name: str = ""
    rows: dict[str, RatingRow | None] = field(default_factory=dict)
    fast: dict[str, Fast | None] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    polls: dict[str, PollFigures] | None = None

    @property
    def now(self) -> RatingRow:
        row = self.rows.get("now")
        assert row is not None
        return row

    @property
    def is_unassigned(self) -> bool:
        return self.key == ratings.NONE_KEY

    def value(self, key: str, period: str = "now") -> float | None:
        """A figure of the line in a period: the ratings' figures, «fast_share», «polls_held», «turnout»."""
        if key == "fast_share":
            fast = self.fast.get(period)
            return None if fast is None else fast.share
        if key in ("polls_held", "turnout", "participants"):
            if self.polls is None:
                return None
            figures = self.polls[period]
            return {
                "polls_held": figures.held,
                "turnout": figures.turnout,
                "participants": figures.participants,
            }[key]
        row = self.rows.get(period)
        if row is None:
            return 0 if key == "received" else None
        return row.value(key)

    def delta(self, key: str, period: str) -> float | None:
        now, before = self.value(key), self.value(key, period)
        if now is None or before is None:
            return None
        return now - before


@dataclass(frozen=True)
class TopicLine:
    label: str
    counts: dict[str, int]


@dataclass(frozen=True)
class AreaLine:
    """A settlement of the heat map: the dashboard's count and rate per 1,000 residents."""

    label: str
    population: int | None
    received: int

    @property
    def per_1000(self) -> float | None:
        return self.received * 1000 / self.population if self.population else None


@dataclass(frozen=True)
class ProblemLine:
    problem_id: int
    title: str
    municipality_name: str
    block: str
    status: str
    cases: int
    measures: int
    done: int
    overdue: int

    @property
    def status_label(self) -> str:
        return problem_rules.PROBLEM_LABELS.get(self.status, self.status)

    @property
    def roadmap(self) -> str:
        """The state of the roadmap in words: «нет мероприятий», «выполнено 1 из 3, просрочено 1»…"""
        if not self.measures:
            return "мероприятия не запланированы"
        text = f"выполнено {self.done} из {self.measures}"
        if self.overdue:
            text += f", просрочено {self.overdue}"
        elif self.done == self.measures:
            text = "все мероприятия выполнены"
        return text


@dataclass
class Section:
    """The report of one municipality, or (consolidated) of the region as a whole."""

    municipality: Municipality | None
    title: str
    group_by: str  # "block": rows are blocks; "municipality": rows are municipalities (the region)
    lines: list[Line]
    total: Line
    topics: list[TopicLine] = field(default_factory=list)
    areas: list[AreaLine] = field(default_factory=list)
    problems: list[ProblemLine] = field(default_factory=list)
    months: list[tuple[date, int]] = field(default_factory=list)
    departments: list[RatingRow] = field(default_factory=list)
    polls: list[PollLine] = field(default_factory=list)

    @property
    def is_region(self) -> bool:
        return self.municipality is None

    @property
    def kinds(self) -> list[str]:
        return [k for k in Kind.values if self.total.by_kind.get(k)]

    @property
    def channels(self) -> list[str]:
        return [c for c in Channel.values if self.total.by_channel.get(c)]


@dataclass
class Report:
    kind: str  # "quarterly" | "monthly_block"
    title: str
    periods: dict[str, Period]
    asof: datetime
    scope_label: str
    sections: list[Section]
    consolidated: bool
    block: Block | None = None
    participation: bool = True  # False: the polls app is not installed — «опросы: нет данных»

    @property
    def period(self) -> Period:
        return self.periods["now"]

    @property
    def municipality_sections(self) -> list[Section]:
        return [s for s in self.sections if not s.is_region]

    @property
    def received(self) -> int:
        return self.sections[0].total.now.received if self.sections else 0

    @property
    def tz(self) -> Any:
        sections = self.municipality_sections
        return (
            sections[0].municipality.tz
            if sections and sections[0].municipality
            else timezone.get_current_timezone()
        )


# --- building --------------------------------------------------------------------------------------------


def _nothing(percent: int, stage: str) -> None:
    return None


def build_report(
    user: Any,
    *,
    period: Period,
    municipality: Municipality | None = None,
    block: Block | None = None,
    asof: datetime | None = None,
    progress: Progress | None = None,
) -> Report:
    """The report for the period over the user's scope: one municipality (`municipality`, or the only one
    the user sees), or — when the user sees several and none is chosen — the region consolidated with a
    section per municipality. `block` makes it the monthly report of that block (user: its BlockScope)."""
    step = progress or _nothing
    asof = asof or timezone.now()
    periods = {"now": period, "before": period.previous(), "year": period.year_ago()}
    if block is not None:
        municipality = block.municipality
    munis = ratings.scope_municipalities(user, municipality)
    consolidated = municipality is None and len(munis) > 1
    total_steps = len(munis) * len(PERIOD_KEYS) + (len(PERIOD_KEYS) if consolidated else 0)
    done = 0

    def tick(stage: str) -> None:
        nonlocal done
        done += 1
        step(5 + 45 * done // max(total_steps, 1), stage)

    step(5, "Показатели по отраслевым блокам")
    tables: dict[int, dict[str, RatingTable]] = {m.pk: {} for m in munis}
    region_tables: dict[str, RatingTable] = {}
    if consolidated:
        # One fact query a period gives every municipality's block table and the region's table; the
        # three periods' queries run at once (each on its own connection and core: otklik.core.reads).
        facts = reads.at_once(
            [
                partial(ratings.block_facts, user, start=p.start, end=p.end, municipalities=munis, asof=asof)
                for p in periods.values()
            ]
        )
        for (key, p), its_facts in zip(periods.items(), facts, strict=True):
            by_block, region_tables[key] = ratings.tables_of_block_facts(
                its_facts, start=p.start, end=p.end, municipalities=munis, asof=asof
            )
            for m in munis:
                tables[m.pk][key] = by_block[m.pk]
            done += len(munis)
            tick(f"Показатели региона, {p.label}")
    else:
        for m in munis:
            for key, p in periods.items():
                tables[m.pk][key] = ratings.ratings_table(
                    user, group_by="block", start=p.start, end=p.end, municipality=m, asof=asof
                )
                tick(f"Показатели: {m.name}, {p.label}")

    step(52, "Поступление по видам, каналам и темам")
    counts = {key: _counts(user, p, munis, asof) for key, p in periods.items()}
    topic_names = dict(Topic.objects.filter(parent__isnull=True).values_list("pk", "name"))

    step(58, "Ускоренное решение")
    fast_blocks = {
        key: fast_counts(user, start=p.start, end=p.end, municipalities=munis, kind=FAST_KIND)
        for key, p in periods.items()
    }
    fast = {key: _fast_totals(by_block, munis) for key, by_block in fast_blocks.items()}

    step(66, "Проблемы и дорожные карты")
    problems = _top_problems(user, period, munis, asof)

    step(70, "Опросы и голосования")
    polls = poll_figures(munis, periods)
    participation = polls is not None

    step(74, "Поселения и динамика по месяцам")
    months = _months(user, munis, periods["year"].start, period.end, asof)

    sections: list[Section] = []
    for i, m in enumerate(munis):
        section = _municipality_section(
            user,
            m,
            tables[m.pk],
            counts,
            fast,
            fast_blocks["now"],
            problems,
            polls,
            months,
            topic_names,
            periods,
            block=block,
            asof=asof,
        )
        sections.append(section)
        step(74 + 10 * (i + 1) // len(munis), f"Раздел: {m.name}")
    if consolidated:
        sections.insert(
            0,
            _region_section(region_tables, sections, counts, problems, polls, months, topic_names),
        )
    if block is not None:
        kind, title = "monthly_block", f"Отчёт отраслевого блока «{block.name}»"
        scope_label = f"{block.municipality.name}, блок «{block.name}»"
    else:
        kind, title = "quarterly", "Отчёт об эффективности работы с обращениями и сообщениями граждан"
        if consolidated:
            scope_label = f"все муниципальные образования ({len(munis)})"
        elif munis:
            scope_label = munis[0].name
        else:
            scope_label = "нет муниципальных образований с обращениями"
    step(85, "Показатели собраны")
    return Report(kind, title, periods, asof, scope_label, sections, consolidated, block, participation)


def _counts(
    user: Any, period: Period, munis: list[Municipality], asof: datetime
) -> dict[tuple[int, str], dict[str, dict[str, int]]]:
    """Received by kind, channel and topic per (municipality, block key): one aggregate query over the cohort
    the ratings count."""
    result: dict[tuple[int, str], dict[str, dict[str, int]]] = {}
    if not munis:
        return result
    qs = ratings.cohort(
        user, start=period.start, end=period.end, municipalities=munis, group_by="block", asof=asof
    )
    rows = (
        qs.order_by()
        .values_list("municipality_id", "block_id", "kind", "channel", "topic_id")
        .annotate(n=Count("id"))
    )
    for muni_id, block_id, kind, channel, topic_id, n in rows:
        key = (muni_id, ratings.NONE_KEY if block_id is None else str(block_id))
        bucket = result.setdefault(
            key, {"kind": defaultdict(int), "channel": defaultdict(int), "topic": defaultdict(int)}
        )
        bucket["kind"][kind] += n
        bucket["channel"][channel] += n
        bucket["topic"][str(topic_id) if topic_id else ""] += n
    return result


def _fast_totals(
    by_block: dict[tuple[int, int | None], tuple[int, int]], munis: list[Municipality]
) -> dict[int, Fast]:
    """Each municipality's accelerated resolution: the sum of its blocks' (and of its unassigned cases)."""
    totals = {m.pk: Fast(0, 0) for m in munis}
    for (muni_id, _block_id), (answered, fast) in by_block.items():
        if muni_id in totals:
            totals[muni_id] = totals[muni_id] + Fast(answered, fast)
    return totals


def _municipality_section(
    user: Any,
    m: Municipality,
    tables: dict[str, RatingTable],
    counts: dict[str, dict[tuple[int, str], dict[str, dict[str, int]]]],
    fast: dict[str, dict[int, Fast]],
    fast_blocks_now: dict[tuple[int, int | None], tuple[int, int]],
    problems: dict[int | None, list[ProblemLine]],
    polls: dict[int | None, tuple[dict[str, PollFigures], list[PollLine]]] | None,
    months: dict[int, dict[date, int]],
    topic_names: dict[int, str],
    periods: dict[str, Period],
    *,
    block: Block | None,
    asof: datetime,
) -> Section:
    now = tables["now"]
    lines: dict[str, Line] = {}
    for key in PERIOD_KEYS:
        for row in tables[key].rows:
            line = lines.get(row.key)
            if line is None:
                line = lines[row.key] = Line(row.key, row.label, m.name, rows=dict.fromkeys(PERIOD_KEYS))
            line.rows[key] = row
    for line in lines.values():
        if line.rows["now"] is None:  # a block seen only in an earlier period: zero cases now
            previous = line.rows["before"] or line.rows["year"]
            assert previous is not None
            empty = ratings.build_row(
                ratings.Tally(),
                group_by="block",
                key=line.key,
                label=line.label,
                population=previous.population,
                weights=previous.weights,
            )
            line.rows["now"] = empty
        bucket = counts["now"].get((m.pk, line.key), {})
        line.by_kind = dict(bucket.get("kind", {}))
        line.by_channel = dict(bucket.get("channel", {}))
    ordered = sorted(lines.values(), key=lambda ln: (ln.is_unassigned, ln.label.casefold()))
    # Accelerated resolution per block: the block's cases the user sees (the report is asked for by
    # municipality-wide roles, who see every case of the block); «не назначено» is not counted.
    for line in ordered:
        if line.is_unassigned:
            line.fast = dict.fromkeys(PERIOD_KEYS)
        elif block is not None:  # the monthly block report: the block is the whole scope
            line.fast = {key: fast[key][m.pk] for key in PERIOD_KEYS}
        else:
            # This period only: the earlier periods' accelerated resolution is compared in total.
            answered, fast_n = fast_blocks_now.get((m.pk, int(line.key)), (0, 0))
            line.fast = {"now": Fast(answered, fast_n), "before": None, "year": None}
    total = Line(
        "total",
        "Итого" if block is None else f"Блок «{block.name}»",
        m.name,
        rows={key: tables[key].total for key in PERIOD_KEYS},
        fast={key: fast[key][m.pk] for key in PERIOD_KEYS},
    )
    for key in ("kind", "channel"):
        merged: dict[str, int] = defaultdict(int)
        for (muni_id, _), bucket in counts["now"].items():
            if muni_id == m.pk:
                for name, n in bucket[key].items():
                    merged[name] += n
        setattr(total, f"by_{key}", dict(merged))
    poll_lines: list[PollLine] = []
    if polls is not None and block is None:
        total.polls, poll_lines = polls[m.pk]
    board = dashboard(
        user, municipality=m, topic=None, start=periods["now"].start, end=periods["now"].end, tz=m.tz
    )
    areas = [AreaLine(a.name, a.population or None, a.count) for a in board.areas if a.count or a.population]
    missing = now.total.received - sum(a.received for a in areas)
    if missing > 0:
        areas.append(AreaLine(UNKNOWN_SETTLEMENT, None, missing))
    departments: list[RatingRow] = []
    if block is not None:
        for group_by in ("department", "organisation"):
            departments += ratings.ratings_table(
                user,
                group_by=group_by,
                start=periods["now"].start,
                end=periods["now"].end,
                municipality=m,
                asof=asof,
            ).rows
    return Section(
        municipality=m,
        title=m.name,
        group_by="block",
        lines=ordered,
        total=total,
        topics=_topic_lines({key: _topics_of(counts[key], {m.pk}) for key in PERIOD_KEYS}, topic_names),
        areas=areas,
        problems=problems.get(m.pk, []),
        months=sorted(months.get(m.pk, {}).items()),
        departments=departments,
        polls=poll_lines,
    )


def _region_section(
    tables: dict[str, RatingTable],
    sections: list[Section],
    counts: dict[str, dict[tuple[int, str], dict[str, dict[str, int]]]],
    problems: dict[int | None, list[ProblemLine]],
    polls: dict[int | None, tuple[dict[str, PollFigures], list[PollLine]]] | None,
    months: dict[int, dict[date, int]],
    topic_names: dict[int, str],
) -> Section:
    by_muni = {s.municipality.pk: s for s in sections if s.municipality is not None}
    lines: dict[str, Line] = {}
    for key in PERIOD_KEYS:
        for row in tables[key].rows:
            line = lines.get(row.key)
            if line is None:
                line = lines[row.key] = Line(row.key, row.label, row.label, rows=dict.fromkeys(PERIOD_KEYS))
            line.rows[key] = row
    ordered = []
    for line in sorted(lines.values(), key=lambda ln: ln.label.casefold()):
        section = by_muni.get(int(line.key))
        if section is None:
            continue
        # The municipality's own section holds the same figures (its block table's total row).
        line.rows["now"] = line.rows["now"] or section.total.rows["now"]
        line.fast = section.total.fast
        line.by_kind = section.total.by_kind
        line.by_channel = section.total.by_channel
        line.polls = section.total.polls
        ordered.append(line)
    total = Line("total", "Итого по региону", rows={key: tables[key].total for key in PERIOD_KEYS})
    total.fast = {
        key: sum((s.total.fast[key] or Fast(0, 0) for s in by_muni.values()), Fast(0, 0))
        for key in PERIOD_KEYS
    }
    for attr in ("by_kind", "by_channel"):
        merged: dict[str, int] = defaultdict(int)
        for s in by_muni.values():
            for name, n in getattr(s.total, attr).items():
                merged[name] += n
        setattr(total, attr, dict(merged))
    poll_lines: list[PollLine] = []
    if polls is not None:
        total.polls, poll_lines = polls[None]
    merged_months: dict[date, int] = defaultdict(int)
    for per_muni in months.values():
        for month, n in per_muni.items():
            merged_months[month] += n
    return Section(
        municipality=None,
        title="Регион в целом",
        group_by="municipality",
        lines=ordered,
        total=total,
        topics=_topic_lines({key: _topics_of(counts[key], set(by_muni)) for key in PERIOD_KEYS}, topic_names),
        problems=problems.get(None, []),
        months=sorted(merged_months.items()),
        polls=poll_lines,
    )


def _topics_of(
    counts: dict[tuple[int, str], dict[str, dict[str, int]]], muni_ids: set[int]
) -> dict[str, int]:
    merged: dict[str, int] = defaultdict(int)
    for (muni_id, _), bucket in counts.items():
        if muni_id in muni_ids:
            for topic_id, n in bucket["topic"].items():
                merged[topic_id] += n
    return merged


def _topic_lines(by_period: dict[str, dict[str, int]], names: dict[int, str]) -> list[TopicLine]:
    keys = {k for counts in by_period.values() for k in counts}
    lines = [
        TopicLine(
            names.get(int(k), UNKNOWN_TOPIC) if k else UNKNOWN_TOPIC,
            {p: by_period[p].get(k, 0) for p in PERIOD_KEYS},
        )
        for k in keys
    ]
    lines.sort(key=lambda t: (t.label == UNKNOWN_TOPIC, -t.counts["now"], t.label))
    return lines


def _top_problems(
    user: Any, period: Period, munis: list[Municipality], asof: datetime
) -> dict[int | None, list[ProblemLine]]:
    """The confirmed and resolved problems with the most cases of the period's cohort: per municipality and
    (key None) over all of them; their roadmaps counted on the as-of day."""
    if not munis:
        return {}
    cohort = ratings.cohort(
        user, start=period.start, end=period.end, municipalities=munis, group_by="block", asof=asof
    )
    links = ProblemCase.objects.filter(case__in=cohort.values("pk"), problem__status__in=TOP_PROBLEM_STATUSES)
    if getattr(user, "pk", None) is not None:  # a person: only the problems they may see
        links = links.filter(problem__in=visible_problems(user).values("pk"))
    counts = dict(links.values_list("problem_id").annotate(n=Count("id")).order_by())
    problems = list(
        Problem.objects.filter(pk__in=list(counts)).select_related("block", "municipality").order_by("pk")
    )
    today = timezone.localtime(asof, munis[0].tz).date()
    tallies = measure_tallies([p.pk for p in problems], today)
    lines = []
    for p in problems:
        tally = tallies.get(p.pk)
        lines.append(
            ProblemLine(
                problem_id=p.pk,
                title=p.title,
                municipality_name=p.municipality.name,
                block=p.block.name if p.block_id and p.block else "—",
                status=p.status,
                cases=counts[p.pk],
                measures=tally.total if tally else 0,
                done=tally.done if tally else 0,
                overdue=tally.overdue if tally else 0,
            )
        )
    lines.sort(key=lambda ln: (-ln.cases, ln.title.casefold(), ln.problem_id))
    by_muni: dict[int | None, list[ProblemLine]] = {None: lines[:TOP_PROBLEMS]}
    muni_of = {p.pk: p.municipality_id for p in problems}
    for line in lines:
        bucket = by_muni.setdefault(muni_of[line.problem_id], [])
        if len(bucket) < TOP_PROBLEMS:
            bucket.append(line)
    return by_muni


def poll_figures(
    munis: list[Municipality], periods: dict[str, Period]
) -> dict[int | None, tuple[dict[str, PollFigures], list[PollLine]]] | None:
    """Polls and votes held in each period per municipality (key None: all of them) and the list of the
    current period's: published or closed (not drafts), their answering period overlapping the period
    (the municipality's dates). Participants = ballots (on the site and identified ones of the platform);
    turnout = participants / residents of the targeted settlements (all of the municipality's when none is
    targeted). None when the participation app is not installed."""
    try:
        from otklik.participation.models import Poll, Status
    except ImportError:  # pragma: no cover - the app is part of the project; kept for partial installs
        return None
    result: dict[int | None, tuple[dict[str, PollFigures], list[PollLine]]] = {
        m.pk: ({key: NO_POLLS for key in PERIOD_KEYS}, []) for m in munis
    }
    result[None] = ({key: NO_POLLS for key in PERIOD_KEYS}, [])
    if not munis:
        return result
    by_pk = {m.pk: m for m in munis}
    earliest = min(p.start for p in periods.values())
    latest = max(p.end for p in periods.values())
    lo = min(ratings.bounds(earliest, latest, m.tz)[0] for m in munis)
    hi = max(ratings.bounds(earliest, latest, m.tz)[1] for m in munis)
    polls = (
        Poll.objects.filter(
            municipality_id__in=list(by_pk),
            status__in=(Status.PUBLISHED, Status.CLOSED),
            starts_at__lt=hi,
            ends_at__gt=lo,
        )
        .annotate(participants=Count("ballots"))
        .prefetch_related("settlements")
        .order_by("starts_at", "pk")
    )
    for poll in polls:
        m = by_pk[poll.municipality_id]
        targeted = sum(s.population for s in poll.settlements.all())
        population = targeted or m.population
        for key, period in periods.items():
            lo_p, hi_p = ratings.bounds(period.start, period.end, m.tz)
            if not (poll.starts_at < hi_p and poll.ends_at > lo_p):
                continue
            figures = PollFigures(1, poll.participants, population)
            for target in (m.pk, None):
                per_period, listed = result[target]
                per_period[key] = per_period[key] + figures
                if key == "now":
                    listed.append(
                        PollLine(
                            title=poll.title,
                            kind=poll.get_kind_display(),
                            starts=timezone.localtime(poll.starts_at, m.tz).date(),
                            ends=timezone.localtime(poll.ends_at, m.tz).date(),
                            participants=poll.participants,
                            population=population or None,
                        )
                    )
    return result


def _months(
    user: Any, munis: list[Municipality], first: date, last: date, asof: datetime
) -> dict[int, dict[date, int]]:
    """Received per calendar month (the municipality's months) from `first` to `last`: one aggregate query
    per time zone, a conditional count per month (plain comparisons, fast on SQLite and PostgreSQL)."""
    result: dict[int, dict[date, int]] = {}
    starts = metrics.month_starts(last, (last.year - first.year) * 12 + last.month - first.month + 1)
    by_zone: dict[str, list[int]] = defaultdict(list)
    for m in munis:
        by_zone[m.timezone].append(m.pk)
        result[m.pk] = dict.fromkeys(starts, 0)
    for zone, ids in by_zone.items():
        tz = zoneinfo.ZoneInfo(zone)
        edges = [ratings.bounds(start, start, tz)[0] for start in starts] + [
            ratings.bounds(last, last, tz)[1]
        ]
        counts = {
            f"m{i}": Count("id", filter=Q(received_at__gte=edges[i], received_at__lt=edges[i + 1]))
            for i in range(len(starts))
        }
        rows = (
            visible_cases(user)
            .filter(municipality_id__in=ids, received_at__gte=edges[0], received_at__lt=edges[-1])
            .filter(received_at__lte=asof)
            .order_by()
            .values("municipality_id")
            .annotate(**counts)
        )
        for row in rows:
            for i, start in enumerate(starts):
                result[row["municipality_id"]][start] = row[f"m{i}"]
    return result
