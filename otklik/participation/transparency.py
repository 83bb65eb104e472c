"""The public transparency page: a quarter's figures of a municipality by topic and by settlement.

The figures are the analytics' own: the dashboard selector (counts by topic × settlement) and the
ratings selector (on-time share, satisfied share by settlement), run on a public scope of all the
municipality's cases — the scope its regional observer has. Only aggregates leave this module: no names,
no contacts, no texts, no addresses, no links to cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from otklik.analytics import ratings
from otklik.analytics.selectors import dashboard
from otklik.org.models import Role, RoleAssignment
from otklik.participation.rules import short_settlement
from otklik.quality import metrics
from otklik.territory.models import Municipality

QUARTERS_BACK = 4


class PublicScope:
    """A reader of every case of one municipality and of nothing else: the analytics selectors take a
    user; this one holds the regional observer's role for the municipality (read-only, masked texts),
    so the page's figures are exactly the ones the analytics compute for that scope."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None

    def __init__(self, municipality: Municipality) -> None:
        self._otklik_roles = [RoleAssignment(role=Role.OBSERVER, municipality=municipality)]


def quarter_choices(today: date) -> list[tuple[str, str, date, date]]:
    """This quarter and the previous ones: (value «2026-1», label, first day, last day)."""
    result = []
    start, end = metrics.quarter_of(today)
    for _ in range(QUARTERS_BACK + 1):
        result.append(
            (f"{start.year}-{(start.month - 1) // 3 + 1}", metrics.quarter_label(start), start, end)
        )
        start, end = metrics.quarter_of(start - timedelta(days=1))
    return result


@dataclass(frozen=True)
class SettlementFigures:
    name: str

    @property
    def short(self) -> str:
        return short_settlement(self.name)

    population: int | None
    received: int
    per_1000: float | None
    on_time_share: float | None
    satisfied_share: float | None
    rated: int


@dataclass(frozen=True)
class Transparency:
    municipality: Municipality
    start: date
    end: date
    asof: datetime
    label: str
    received: int
    answered: int
    on_time_share: float | None
    satisfied_share: float | None
    rated: int
    topics: list[str]
    topic_totals: list[int]
    rows: list[tuple[str, list[int], int]]  # settlement, counts by topic, total
    settlements: list[SettlementFigures]

    @property
    def columns(self) -> list[tuple[str, str]]:
        """The settlements of the topic table: (short name, full name)."""
        return [(short_settlement(name), name) for name, _, _ in self.rows]

    @property
    def by_topic(self) -> list[tuple[str, list[int], int]]:
        """The topic × settlement counts turned round: a row per topic, a column per settlement."""
        return [
            (topic, [counts[i] for _, counts, _ in self.rows], self.topic_totals[i])
            for i, topic in enumerate(self.topics)
        ]

    def chart(self) -> dict[str, Any]:
        return {
            "topics": self.topics,
            "topicTotals": self.topic_totals,
            "settlements": [s.short for s in self.settlements],
            "settlementCounts": [s.received for s in self.settlements],
            "perThousand": [
                round(s.per_1000, 2) if s.per_1000 is not None else None for s in self.settlements
            ],
        }


def figures(
    municipality: Municipality, start: date, end: date, *, asof: datetime | None = None
) -> Transparency:
    """The quarter's (or any period's) public figures of the municipality."""
    asof = asof or timezone.now()
    scope = PublicScope(municipality)
    board = dashboard(scope, municipality=municipality, topic=None, start=start, end=end, tz=municipality.tz)
    table = ratings.ratings_table(
        scope, group_by="settlement", start=start, end=end, municipality=municipality, asof=asof
    )
    topics = [t.name for t in board.matrix_topics]
    rows = [(r["area"].name, [c["n"] for c in r["cells"]], r["area"].count) for r in board.matrix]
    totals = [sum(row[1][i] for row in rows) for i in range(len(topics))]
    by_name = {r.label: r for r in table.rows if not r.is_unassigned}
    settlement_rows = []
    for area in board.areas:
        r = by_name.get(area.name)
        settlement_rows.append(
            SettlementFigures(
                name=area.name,
                population=area.population or None,
                received=area.count,
                per_1000=area.count * 1000 / area.population if area.population else None,
                on_time_share=r.on_time_share if r else None,
                satisfied_share=r.satisfied_share if r else None,
                rated=r.rated if r else 0,
            )
        )
    unassigned = next((r for r in table.rows if r.is_unassigned), None)
    if unassigned is not None:
        settlement_rows.append(
            SettlementFigures(
                name=unassigned.label,
                population=None,
                received=unassigned.received,
                per_1000=None,
                on_time_share=unassigned.on_time_share,
                satisfied_share=unassigned.satisfied_share,
                rated=unassigned.rated,
            )
        )
    label = (
        metrics.quarter_label(start)
        if metrics.is_quarter(start, end)
        else f"{start:%d.%m.%Y} — {end:%d.%m.%Y}"
    )
    return Transparency(
        municipality=municipality,
        start=start,
        end=end,
        asof=asof,
        label=label,
        received=table.total.received,
        answered=table.total.answered,
        on_time_share=table.total.on_time_share,
        satisfied_share=table.total.satisfied_share,
        rated=table.total.rated,
        topics=topics,
        topic_totals=totals,
        rows=rows,
        settlements=settlement_rows,
    )
