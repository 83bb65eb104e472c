"""Ratings of departments, organisations, blocks, settlements and municipalities for any period.

Read-only selectors, independent of the pages: the ratings pages and the quarterly report build on them.
Every figure is computed over the cases the user may see (`visible_cases`). The formulas are the pure
functions of `otklik.quality.metrics`; docs/ratings.md writes the definitions down.

Queries are bounded whatever the number of cases: one query fetches one row of facts per case of the
cohort (its group, its times and, through correlated subqueries, its first answer, first action,
reopening, first review and latest rating), and a few queries fetch the groups' names, populations and
the quality policies. The figures are then tallied in Python.
"""

from __future__ import annotations

import operator
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from otklik.analytics.selectors import inbox_link
from otklik.cases.models import OPEN_STATUSES, Answer, Case, CaseEvent, Status
from otklik.cases.selectors import municipalities_with_cases, visible_cases
from otklik.org.models import Block, Department
from otklik.quality import metrics
from otklik.quality.models import AnswerReview, QualityPolicy, Rating
from otklik.territory.models import Municipality, Settlement

#: Groupings: the value of the `group_by` argument → its name in the page's selector.
GROUPINGS = {
    "department": "подразделения",
    "organisation": "организации",
    "block": "отраслевые блоки",
    "settlement": "поселения",
    "municipality": "муниципальные образования",
}
#: The case field each grouping reads.
GROUP_FIELDS = {
    "department": "department_id",
    "organisation": "department_id",
    "block": "block_id",
    "settlement": "settlement_id",
    "municipality": "municipality_id",
}
#: Departments of these kinds form the «подразделения» rows; the others the «организации» rows.
UNIT_KINDS = (Department.Kind.UNIT, Department.Kind.SETTLEMENT)
ORGANISATION_KINDS = (Department.Kind.SUBORDINATE, Department.Kind.EXTERNAL)
#: The key of the row of cases without a group value.
NONE_KEY = "none"
NONE_LABELS = {
    "department": "не назначено",
    "block": "не назначено",
    "settlement": "поселение не определено",
}
_OPEN = frozenset(str(s) for s in OPEN_STATUSES)
_APPROVED = str(AnswerReview.Decision.APPROVED)
#: Events that are a reaction of the administration when a person (not the system) made them. Receiving,
#: registering, classifying and routing are intake steps, done by the registrar or an import, not by the
#: department that answers.
REACTION_EVENT_TYPES = (
    CaseEvent.Type.ASSIGNED,
    CaseEvent.Type.STATUS,
    CaseEvent.Type.ANSWERED,
    CaseEvent.Type.EXTENDED,
    CaseEvent.Type.REDIRECTED,
    CaseEvent.Type.COMMENT,
)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # full name: the card, the export
    short: str  # the table's column head
    unit: str  # count | rate | share | days | index
    better: int  # +1: higher is better, −1: lower is better, 0: neither
    help: str  # how it is counted, in one sentence for the page


FIGURES = (
    Figure("received", "Поступило", "Поступило", "count", 0, "обращения и сообщения, поступившие за период."),
    Figure(
        "per_1000",
        "На 1 000 жителей",
        "На\u00a01\u00a0000 жит.",
        "rate",
        0,
        "поступило × 1 000 / население: поселения — своё, остальные — муниципального образования.",
    ),
    Figure(
        "on_time_share",
        "Доля ответов в срок",
        "В срок",
        "share",
        1,
        "отвечено в срок / (в срок + с нарушением); без ответа и после срока — нарушение; "
        "срок ещё не наступил или не установлен — не учитывается.",
    ),
    Figure(
        "reaction_median",
        "Время до первой реакции, медиана, дней",
        "Реакция: медиана, дн.",
        "days",
        -1,
        "от поступления до первого действия сотрудника (назначение, смена статуса, комментарий, ответ); "
        "регистрация не считается.",
    ),
    Figure(
        "reaction_p90",
        "Время до первой реакции, 90-й процентиль, дней",
        "Реакция: 90\u00a0%, дн.",
        "days",
        -1,
        "9 из 10 обращений получили первую реакцию не позже.",
    ),
    Figure(
        "answer_median",
        "Время до ответа, медиана, дней",
        "Ответ: медиана, дн.",
        "days",
        -1,
        "от поступления до первого отправленного ответа.",
    ),
    Figure(
        "answer_p90",
        "Время до ответа, 90-й процентиль, дней",
        "Ответ: 90\u00a0%, дн.",
        "days",
        -1,
        "9 из 10 ответов даны не позже.",
    ),
    Figure(
        "reopened_share",
        "Доля возобновлённых",
        "Возобновлено",
        "share",
        -1,
        "возобновлённые хотя бы раз / получившие хотя бы один ответ.",
    ),
    Figure(
        "review_share",
        "Доля ответов, принятых с первой проверки",
        "С первой проверки",
        "share",
        1,
        "первая проверка ответа — «одобрен» / все проверенные обращения.",
    ),
    Figure(
        "satisfied_share",
        "Доля довольных ответом",
        "Довольны",
        "share",
        1,
        "последняя оценка жителя — «удовлетворён» / все оценённые обращения.",
    ),
    Figure(
        "index",
        "Сводный индекс, 0–100",
        "Индекс",
        "index",
        1,
        "взвешенное среднее: в срок, скорость ответа, без возобновления, с первой проверки, довольны; "
        "неизвестные составляющие не учитываются, веса остальных пересчитываются.",
    ),
)
FIGURE_KEYS = tuple(f.key for f in FIGURES)


@dataclass(frozen=True)
class CaseFact:
    """What the ratings need to know about one case, as seen at the as-of moment."""

    key: int | None
    municipality_id: int
    received_at: datetime
    due_at: datetime | None
    answered_at: datetime | None
    status: str
    first_answer_at: datetime | None
    first_action_at: datetime | None
    reopened: bool
    first_review: str | None
    last_rating_satisfied: bool | None


@dataclass
class Tally:
    """The counts and durations of a set of cases, before they become shares and percentiles."""

    received: int = 0
    on_time: int = 0
    late: int = 0
    answered: int = 0
    reopened: int = 0
    reviewed: int = 0
    first_pass: int = 0
    rated: int = 0
    satisfied: int = 0
    reaction_days: list[float] = field(default_factory=list)
    answer_days: list[float] = field(default_factory=list)

    def add(self, fact: CaseFact, asof: datetime) -> None:
        self.received += 1
        answered_by_asof = fact.answered_at is not None and fact.answered_at <= asof
        still_open = fact.status in _OPEN or (fact.answered_at is not None and not answered_by_asof)
        outcome = metrics.deadline_outcome(
            due_at=fact.due_at, answered_at=fact.answered_at, still_open=still_open, asof=asof
        )
        if outcome == "on_time":
            self.on_time += 1
        elif outcome == "late":
            self.late += 1
        if fact.first_answer_at is not None:
            self.answered += 1
            self.answer_days.append(metrics.duration_days(fact.received_at, fact.first_answer_at))
            if fact.reopened:
                self.reopened += 1
        reactions = [t for t in (fact.first_answer_at, fact.first_action_at) if t is not None]
        if reactions:
            self.reaction_days.append(metrics.duration_days(fact.received_at, min(reactions)))
        if fact.first_review is not None:
            self.reviewed += 1
            if fact.first_review == _APPROVED:
                self.first_pass += 1
        if fact.last_rating_satisfied is not None:
            self.rated += 1
            if fact.last_rating_satisfied:
                self.satisfied += 1


@dataclass
class RatingRow:
    """One line of a ratings table: a group's counts and figures for one period.

    Shares are fractions 0…1, durations are days (unrounded; rounding is for display only), the index is
    0…100. A figure that cannot be computed (nothing to divide by, no values) is None.
    """

    group_by: str
    key: str  # the group's id as text, or NONE_KEY
    label: str
    object_id: int | None = None
    municipality_id: int | None = None
    municipality_name: str = ""
    population: int | None = None
    received: int = 0
    on_time: int = 0
    late: int = 0
    answered: int = 0
    reopened: int = 0
    reviewed: int = 0
    first_pass: int = 0
    rated: int = 0
    satisfied: int = 0
    per_1000: float | None = None
    on_time_share: float | None = None
    reaction_median: float | None = None
    reaction_p90: float | None = None
    answer_median: float | None = None
    answer_p90: float | None = None
    reopened_share: float | None = None
    review_share: float | None = None
    satisfied_share: float | None = None
    speed: float | None = None
    index: float | None = None
    weights: metrics.Weights = metrics.DEFAULT_WEIGHTS
    link: str = ""  # the inbox filtered to the cases of `received`, when the inbox can filter so
    previous: RatingRow | None = None

    @property
    def is_unassigned(self) -> bool:
        return self.key == NONE_KEY

    @property
    def has_card(self) -> bool:
        return self.group_by in ("department", "organisation") and self.object_id is not None

    def value(self, key: str) -> float | None:
        result: float | None = getattr(self, key)
        return result

    def delta(self, key: str) -> float | None:
        """This period's figure minus the previous period's; None when either is undefined."""
        if self.previous is None:
            return None
        now, before = self.value(key), self.previous.value(key)
        if now is None or before is None:
            return None
        return now - before

    @property
    def components(self) -> dict[str, float | None]:
        return {
            "on_time": self.on_time_share,
            "speed": self.speed,
            "not_reopened": None if self.reopened_share is None else 1 - self.reopened_share,
            "review": self.review_share,
            "satisfied": self.satisfied_share,
        }


@dataclass
class RatingTable:
    group_by: str
    start: date
    end: date
    asof: datetime
    municipality: Municipality | None
    rows: list[RatingRow]
    total: RatingRow

    @property
    def is_empty(self) -> bool:
        return self.total.received == 0


@dataclass
class Comparison:
    """This period against the previous one: `current.rows` carry `.previous` (the same group's row of
    the previous period); a group seen only in the previous period gets a current row with zero cases."""

    current: RatingTable
    previous: RatingTable

    @property
    def rows(self) -> list[RatingRow]:
        return self.current.rows

    @property
    def total(self) -> RatingRow:
        return self.current.total

    @property
    def is_empty(self) -> bool:
        return self.current.is_empty and self.previous.is_empty


def weights_of(policy: QualityPolicy | None) -> metrics.Weights:
    """The municipality's weights; the model's defaults when it has no policy row."""
    if policy is None:
        return metrics.DEFAULT_WEIGHTS
    return metrics.Weights(
        on_time=policy.weight_on_time,
        speed=policy.weight_speed,
        not_reopened=policy.weight_not_reopened,
        review=policy.weight_review,
        satisfied=policy.weight_satisfied,
        speed_norm_days=policy.speed_norm_days,
    )


def build_row(
    tally: Tally, *, group_by: str, key: str, label: str, population: int | None, weights: metrics.Weights
) -> RatingRow:
    """The figures of a group from its tally (docs/ratings.md)."""
    answer_median = metrics.median(tally.answer_days)
    row = RatingRow(
        group_by=group_by,
        key=key,
        label=label,
        population=population,
        received=tally.received,
        on_time=tally.on_time,
        late=tally.late,
        answered=tally.answered,
        reopened=tally.reopened,
        reviewed=tally.reviewed,
        first_pass=tally.first_pass,
        rated=tally.rated,
        satisfied=tally.satisfied,
        per_1000=tally.received * 1000 / population if population else None,
        on_time_share=metrics.share(tally.on_time, tally.on_time + tally.late),
        reaction_median=metrics.median(tally.reaction_days),
        reaction_p90=metrics.p90(tally.reaction_days),
        answer_median=answer_median,
        answer_p90=metrics.p90(tally.answer_days),
        reopened_share=metrics.share(tally.reopened, tally.answered),
        review_share=metrics.share(tally.first_pass, tally.reviewed),
        satisfied_share=metrics.share(tally.satisfied, tally.rated),
        speed=metrics.speed_score(answer_median, weights.speed_norm_days),
        weights=weights,
    )
    row.index = metrics.composite_index(row.components, weights)
    return row


# --- the cohort and its facts ---------------------------------------------------------------------


def bounds(start: date, end: date, tz: Any) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the time zone: the dates are inclusive."""
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def scope_municipalities(user: Any, municipality: Municipality | None = None) -> list[Municipality]:
    """The municipalities a table covers: the chosen one, or every one the user sees cases of."""
    if municipality is not None:
        return [municipality]
    return list(municipalities_with_cases(user).order_by("name"))


def cohort(
    user: Any,
    *,
    start: date,
    end: date,
    municipalities: list[Municipality],
    group_by: str = "municipality",
    department: Department | None = None,
    asof: datetime | None = None,
) -> QuerySet[Case]:
    """The visible cases received from `start` to `end` inclusive (and not after `asof`), the dates read
    in each municipality's own time zone; for the department and organisation groupings, only the cases
    of that kind of department (and, for departments, the cases of no department)."""
    if group_by not in GROUPINGS:
        raise ValueError(f"unknown grouping: {group_by}")
    by_zone: dict[str, list[int]] = {}
    for m in municipalities:
        by_zone.setdefault(m.timezone, []).append(m.pk)
    when = Q(pk__in=[])
    for zone, ids in by_zone.items():
        lo, hi = bounds(start, end, zoneinfo.ZoneInfo(zone))
        when |= Q(municipality_id__in=ids, received_at__gte=lo, received_at__lt=hi)
    qs = visible_cases(user).filter(when)
    if asof is not None:
        qs = qs.filter(received_at__lte=asof)
    if group_by == "department":
        qs = qs.filter(Q(department__isnull=True) | Q(department__kind__in=UNIT_KINDS))
    elif group_by == "organisation":
        qs = qs.filter(department__kind__in=ORGANISATION_KINDS)
    if department is not None:
        qs = qs.filter(department=department)
    return qs


def case_facts(qs: QuerySet[Case], *, group_field: str, asof: datetime) -> list[CaseFact]:
    """One query: a row of facts per case. Later answers, events, reviews and ratings than `asof` are
    not seen."""
    case = OuterRef("pk")
    first_answer = (
        Answer.objects.filter(case=case, sent_at__isnull=False, sent_at__lte=asof)
        .order_by("sent_at", "pk")
        .values("sent_at")[:1]
    )
    first_action = (
        CaseEvent.objects.filter(case=case, actor__isnull=False, type__in=REACTION_EVENT_TYPES, at__lte=asof)
        .order_by("at", "pk")
        .values("at")[:1]
    )
    reopened = CaseEvent.objects.filter(
        case=case, type=CaseEvent.Type.STATUS, to_status=Status.REOPENED, at__lte=asof
    )
    first_review = (
        AnswerReview.objects.filter(case=case, created_at__lte=asof)
        .order_by("created_at", "pk")
        .values("decision")[:1]
    )
    last_rating = (
        Rating.objects.filter(case=case, created_at__lte=asof)
        .order_by("-created_at", "-pk")
        .values("satisfied")[:1]
    )
    rows = (
        qs.order_by()
        .annotate(
            f_answer=Subquery(first_answer),
            f_action=Subquery(first_action),
            f_reopened=Exists(reopened),
            f_review=Subquery(first_review),
            f_rating=Subquery(last_rating),
        )
        .values_list(
            group_field,
            "municipality_id",
            "received_at",
            "due_at",
            "answered_at",
            "status",
            "f_answer",
            "f_action",
            "f_reopened",
            "f_review",
            "f_rating",
        )
    )
    return [
        CaseFact(
            key=key,
            municipality_id=muni,
            received_at=received,
            due_at=due,
            answered_at=answered,
            status=status,
            first_answer_at=f_answer,
            first_action_at=f_action,
            reopened=bool(f_reopened),
            first_review=f_review,
            last_rating_satisfied=None if f_rating is None else bool(f_rating),
        )
        for (
            key,
            muni,
            received,
            due,
            answered,
            status,
            f_answer,
            f_action,
            f_reopened,
            f_review,
            f_rating,
        ) in rows
    ]


def tally(facts: Iterable[CaseFact], asof: datetime) -> Tally:
    result = Tally()
    for fact in facts:
        result.add(fact, asof)
    return result


def merged(tallies: Iterable[Tally]) -> Tally:
    """The tally of the union of disjoint sets of cases from their tallies: what `tally` gives for all
    their facts (the durations in another order, which no figure depends on: they are medians and
    percentiles). Every field of `Tally` is a count or a list of durations: counts add, lists are
    extended in place (the result's own lists)."""
    result = Tally()
    for part in tallies:
        for name in _TALLY_FIELDS:
            setattr(result, name, operator.iadd(getattr(result, name), getattr(part, name)))
    return result


_TALLY_FIELDS = tuple(f.name for f in fields(Tally))


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    label: str
    municipality: Municipality | None
    population: int | None


def _groups(group_by: str, keys: set[int], munis: dict[int, Municipality]) -> dict[int, _Group]:
    """Names, municipalities and populations of the groups (one query, none for municipalities)."""
    if group_by == "municipality":
        return {k: _Group(munis[k].name, munis[k], munis[k].population) for k in keys if k in munis}
    if group_by in ("department", "organisation"):
        departments = Department.objects.filter(pk__in=keys).select_related("municipality")
        return {d.pk: _Group(str(d), d.municipality, d.municipality.population) for d in departments}
    if group_by == "block":
        blocks = Block.objects.filter(pk__in=keys).select_related("municipality")
        return {b.pk: _Group(b.name, b.municipality, b.municipality.population) for b in blocks}
    settlements = Settlement.objects.filter(pk__in=keys).select_related("municipality")
    return {s.pk: _Group(s.name, s.municipality, s.population) for s in settlements}


def _link(group_by: str, key: int | None, start: date, end: date) -> str:
    """The inbox filtered to a row's cases (by settlement, block, or department/organisation)."""
    if key is None:
        return ""
    dates = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    if group_by == "settlement":
        return inbox_link(settlement=key, **dates)
    if group_by == "block":
        return inbox_link(block=key, **dates)
    if group_by in ("department", "organisation"):
        return inbox_link(department=key, **dates)
    return ""


def _table(
    user: Any,
    *,
    group_by: str,
    start: date,
    end: date,
    municipality: Municipality | None,
    municipalities: list[Municipality],
    policies: dict[int, metrics.Weights],
    asof: datetime,
    department: Department | None,
) -> RatingTable:
    qs = cohort(
        user,
        start=start,
        end=end,
        municipalities=municipalities,
        group_by=group_by,
        department=department,
        asof=asof,
    )
    facts = case_facts(qs, group_field=GROUP_FIELDS[group_by], asof=asof)
    return _table_of_tallies(
        _group_tallies(facts, asof),
        group_by=group_by,
        start=start,
        end=end,
        municipality=municipality,
        municipalities=municipalities,
        policies=policies,
        asof=asof,
        department=department,
    )


def _group_tallies(facts: list[CaseFact], asof: datetime) -> dict[int | None, Tally]:
    """The tally of each group of `facts` (by their key), in the order the groups first appear."""
    by_key: dict[int | None, Tally] = {}
    for fact in facts:
        group = by_key.get(fact.key)
        if group is None:
            group = by_key[fact.key] = Tally()
        group.add(fact, asof)
    return by_key


def _table_of_tallies(
    by_key: dict[int | None, Tally],
    *,
    group_by: str,
    start: date,
    end: date,
    municipality: Municipality | None,
    municipalities: list[Municipality],
    policies: dict[int, metrics.Weights],
    asof: datetime,
    department: Department | None = None,
) -> RatingTable:
    """The table of the groups' tallies; its total is their sum (`merged`)."""
    munis = {m.pk: m for m in municipalities}
    groups = _groups(group_by, {k for k in by_key if k is not None}, munis)
    # The whole scope: the unassigned row and the total row are measured against all its residents.
    scope_population = sum(m.population for m in municipalities) or None
    scope_weights = policies.get(municipalities[0].pk, metrics.DEFAULT_WEIGHTS) if len(munis) == 1 else None
    rows = []
    for key, group_tally in by_key.items():
        group = groups.get(key) if key is not None else None
        if group is None:
            label = NONE_LABELS.get(group_by, "не назначено")
            population = None if group_by == "settlement" else scope_population
            weights = scope_weights or metrics.DEFAULT_WEIGHTS
        else:
            label, population = group.label, group.population
            weights = (
                policies.get(group.municipality.pk, metrics.DEFAULT_WEIGHTS)
                if group.municipality
                else (metrics.DEFAULT_WEIGHTS)
            )
        row = build_row(
            group_tally,
            group_by=group_by,
            key=NONE_KEY if group is None else str(key),
            label=label,
            population=population,
            weights=weights,
        )
        if group is not None:
            row.object_id = key
            if group.municipality is not None:
                row.municipality_id = group.municipality.pk
                row.municipality_name = group.municipality.name
            row.link = _link(group_by, key, start, end)
        rows.append(row)
    rows.sort(key=lambda r: (r.is_unassigned, r.municipality_name, r.label.casefold()))
    total = build_row(
        merged(by_key.values()),
        group_by=group_by,
        key="total",
        label="Итого",
        population=scope_population,
        weights=scope_weights or metrics.DEFAULT_WEIGHTS,
    )
    # The inbox has no filter by municipality: the total links to it only when the
    # table covers every visible case (no municipality chosen, a grouping that leaves no case out).
    if municipality is None and department is None and group_by in ("settlement", "municipality"):
        total.link = inbox_link(date_from=start.isoformat(), date_to=end.isoformat())
    return RatingTable(group_by, start, end, asof, municipality, rows, total)


def _policies(municipalities: list[Municipality]) -> dict[int, metrics.Weights]:
    policies = QualityPolicy.objects.filter(municipality__in=municipalities)
    return {p.municipality_id: weights_of(p) for p in policies}


def ratings_table(
    user: Any,
    *,
    group_by: str,
    start: date,
    end: date,
    municipality: Municipality | None = None,
    asof: datetime | None = None,
    department: Department | None = None,
) -> RatingTable:
    """The ratings of the groups for the period [start, end] (dates inclusive), as seen at `asof`
    (default: now). `department` narrows the cohort to one department's cases (its card)."""
    municipalities = scope_municipalities(user, municipality)
    return _table(
        user,
        group_by=group_by,
        start=start,
        end=end,
        municipality=municipality,
        municipalities=municipalities,
        policies=_policies(municipalities),
        asof=asof or timezone.now(),
        department=department,
    )


def block_facts(
    user: Any, *, start: date, end: date, municipalities: list[Municipality], asof: datetime
) -> list[CaseFact]:
    """For a region's report, one fact query over the municipalities' cases in the period, grouped by
    block: what `tables_of_block_facts` makes every table of."""
    qs = cohort(user, start=start, end=end, municipalities=municipalities, group_by="block", asof=asof)
    return case_facts(qs, group_field=GROUP_FIELDS["block"], asof=asof)


def tables_of_block_facts(
    facts: list[CaseFact], *, start: date, end: date, municipalities: list[Municipality], asof: datetime
) -> tuple[dict[int, RatingTable], RatingTable]:
    """From `block_facts`: each municipality's table by block and the table of the municipalities (the
    same figures as `ratings_table(group_by="block", municipality=m)` for each m and
    `ratings_table(group_by="municipality")` over `municipalities`), with no further query of the cases."""
    policies = _policies(municipalities)
    per_municipality: dict[int, list[CaseFact]] = {m.pk: [] for m in municipalities}
    for fact in facts:
        per_municipality.setdefault(fact.municipality_id, []).append(fact)
    # Each case counted once: a municipality's blocks' tallies add up to its row of the region's table.
    tallies = {pk: _group_tallies(its_facts, asof) for pk, its_facts in per_municipality.items()}
    blocks = {
        m.pk: _table_of_tallies(
            tallies[m.pk],
            group_by="block",
            start=start,
            end=end,
            municipality=m,
            municipalities=[m],
            policies=policies,
            asof=asof,
        )
        for m in municipalities
    }
    region = _table_of_tallies(
        {pk: merged(by_block.values()) for pk, by_block in tallies.items() if by_block},  # those with cases
        group_by="municipality",
        start=start,
        end=end,
        municipality=None,
        municipalities=municipalities,
        policies=policies,
        asof=asof,
    )
    return blocks, region


def compare(
    user: Any,
    *,
    group_by: str,
    start: date,
    end: date,
    municipality: Municipality | None = None,
    asof: datetime | None = None,
    department: Department | None = None,
) -> Comparison:
    """The period against the previous one (metrics.previous_period: the previous quarter for a calendar
    quarter, otherwise as many days right before). Both are seen at the same `asof`."""
    asof_ = asof or timezone.now()
    municipalities = scope_municipalities(user, municipality)
    policies = _policies(municipalities)
    prev_start, prev_end = metrics.previous_period(start, end)

    def table(first: date, last: date) -> RatingTable:
        return _table(
            user,
            group_by=group_by,
            start=first,
            end=last,
            municipality=municipality,
            municipalities=municipalities,
            policies=policies,
            asof=asof_,
            department=department,
        )

    current, previous = table(start, end), table(prev_start, prev_end)
    before = {r.key: r for r in previous.rows}
    for row in current.rows:
        row.previous = before.pop(row.key, None)
    for key, old in before.items():
        empty = build_row(
            Tally(),
            group_by=group_by,
            key=key,
            label=old.label,
            population=old.population,
            weights=old.weights,
        )
        empty.object_id, empty.municipality_id = old.object_id, old.municipality_id
        empty.municipality_name = old.municipality_name
        empty.link = _link(group_by, old.object_id, start, end)
        empty.previous = old
        current.rows.append(empty)
    current.rows.sort(key=lambda r: (r.is_unassigned, r.municipality_name, r.label.casefold()))
    current.total.previous = previous.total
    return Comparison(current, previous)


def sort_rows(rows: list[RatingRow], key: str, descending: bool) -> list[RatingRow]:
    """Rows by a figure (or by "label"); undefined figures and the unassigned row always last."""
    if key == "label":
        ordered = sorted(rows, key=lambda r: (r.label.casefold(), r.municipality_name), reverse=descending)
        return [r for r in ordered if not r.is_unassigned] + [r for r in ordered if r.is_unassigned]
    if key not in FIGURE_KEYS:
        raise ValueError(f"unknown figure: {key}")
    known = [r for r in rows if not r.is_unassigned and r.value(key) is not None]
    unknown = [r for r in rows if not r.is_unassigned and r.value(key) is None]
    known.sort(key=lambda r: r.label.casefold())
    known.sort(key=lambda r: r.value(key) or 0.0, reverse=descending)
    return known + unknown + [r for r in rows if r.is_unassigned]


# --- the department's trend -----------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    month: date
    received: int
    on_time_share: float | None
    satisfied_share: float | None
    index: float | None

    @property
    def label(self) -> str:
        return f"{self.month:%m.%Y}"


def department_trend(
    user: Any,
    department: Department,
    *,
    months: int = 12,
    end: date | None = None,
    asof: datetime | None = None,
) -> list[TrendPoint]:
    """The department's received count, on-time share, satisfied share and index per calendar month, for
    the `months` months that end with the month of `end` (default: this month), oldest first; months in
    the department's municipality's time zone. One query for the facts."""
    asof = asof or timezone.now()
    muni = department.municipality
    tz = muni.tz
    end = end or timezone.localdate(asof, tz)
    starts = metrics.month_starts(end, months)
    last_day = (end.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    lo, hi = bounds(starts[0], last_day, tz)
    qs = visible_cases(user).filter(
        department=department, received_at__gte=lo, received_at__lt=hi, received_at__lte=asof
    )
    facts = case_facts(qs, group_field="department_id", asof=asof)
    buckets: dict[date, list[CaseFact]] = {s: [] for s in starts}
    for fact in facts:
        month = timezone.localtime(fact.received_at, tz).date().replace(day=1)
        buckets.setdefault(month, []).append(fact)
    policy = QualityPolicy.objects.filter(municipality=muni).first()
    weights = weights_of(policy)
    points = []
    for month in starts:
        row = build_row(
            tally(buckets[month], asof),
            group_by="department",
            key="",
            label="",
            population=None,
            weights=weights,
        )
        points.append(TrendPoint(month, row.received, row.on_time_share, row.satisfied_share, row.index))
    return points


def department_for_user(user: Any, pk: int) -> Department | None:
    """The department if the user sees at least one of its cases (a superuser: any), else None."""
    department: Department | None = Department.objects.select_related("municipality").filter(pk=pk).first()
    if department is None:
        return None
    if getattr(user, "is_superuser", False) or visible_cases(user).filter(department=department).exists():
        return department
    return None
