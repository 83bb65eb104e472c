"""Deadlines of a case from the rule table, the production calendar and the municipality's schedule."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from otklik.cases import rules as rule_fns
from otklik.cases.models import DeadlineRule
from otklik.core.calendar import ProductionCalendar, WorkSchedule
from otklik.core.stampcache import StampedCache
from otklik.org.models import Topic
from otklik.territory.models import Municipality


@lru_cache(maxsize=1)
def production_calendar() -> ProductionCalendar:
    extra = getattr(settings, "OTKLIK_CALENDAR_DIR", None)
    return ProductionCalendar.load(Path(extra) if extra else None)


def schedule_for(municipality: Municipality | None) -> WorkSchedule:
    if municipality is None:
        import zoneinfo

        return WorkSchedule(tz=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return WorkSchedule(tz=municipality.tz, start=municipality.work_day_start, end=municipality.work_day_end)


#: Working days before a deadline that count as "at risk" where no municipality sets its own.
AT_RISK_WORKING_DAYS = 2


def at_risk_horizon(municipality: Municipality | None, now: datetime) -> datetime:
    """Open deadlines up to this moment are "at risk": within the municipality's N working days."""
    days = municipality.at_risk_working_days if municipality is not None else AT_RISK_WORKING_DAYS
    return production_calendar().add_working_days(now, days, schedule_for(municipality))


def active_rules(kind: str, municipality: Municipality | None) -> list[DeadlineRule]:
    qs = DeadlineRule.objects.filter(kind=kind, is_active=True).select_related("topic")
    if municipality is None:
        qs = qs.filter(municipality__isnull=True)
    else:
        from django.db.models import Q

        qs = qs.filter(Q(municipality__isnull=True) | Q(municipality=municipality))
    return list(qs)


#: The rules that win for a kind, a topic and a municipality, kept per process (otklik.core.stampcache):
#: a rule edited, added or switched off is seen at once in the process that makes the change and within
#: OTKLIK_CACHE_CHECK_SECONDS in every other one. Saves every registration the rule table's query.
rules_cache = StampedCache("deadline_rules", [DeadlineRule, Topic])


def winning_rules(kind: str, topic_code: str, municipality: Municipality | None) -> dict[str, DeadlineRule]:
    """The rule of each stage (cached; the rules are shared, treat them as read-only)."""
    muni_id = municipality.pk if municipality else None

    def build() -> dict[str, DeadlineRule]:
        chosen = rule_fns.select_rules(active_rules(kind, municipality), kind, topic_code, muni_id)
        return {stage: rule for stage, rule in chosen.items() if isinstance(rule, DeadlineRule)}

    return rules_cache.get((kind, topic_code, muni_id), build)


def compute(
    municipality: Municipality | None,
    kind: str,
    topic_code: str,
    moments: dict[str, datetime],
    *,
    extended: bool = False,
) -> dict[str, tuple[datetime, DeadlineRule]]:
    """Due moment and rule of every stage that can be computed from the known moments."""
    chosen = winning_rules(kind, topic_code, municipality)
    dues = rule_fns.compute_deadlines(
        production_calendar(), schedule_for(municipality), chosen, moments, extended=extended
    )
    return {stage: (moment, chosen[stage]) for stage, moment in dues.items()}


DEFAULT_RULES_FILE = Path(__file__).resolve().parent / "data" / "deadline_rules.json"


def sync_default_rules(rule_model: object = None, topic_model: object = None) -> int:
    """Create the shipped default rules that have no installation-wide counterpart yet; returns how many."""
    import json

    if rule_model is None:
        rule_model = DeadlineRule
    if topic_model is None:
        from otklik.org.models import Topic as topic_model
    created = 0
    with DEFAULT_RULES_FILE.open(encoding="utf-8") as fh:
        defaults = json.load(fh)
    for item in defaults:
        topic = topic_model.objects.get(code=item["topic"]) if item.get("topic") else None  # type: ignore[attr-defined]
        exists = rule_model.objects.filter(  # type: ignore[attr-defined]
            municipality__isnull=True, kind=item["kind"], stage=item["stage"], topic=topic
        ).exists()
        if not exists:
            rule_model.objects.create(  # type: ignore[attr-defined]
                kind=item["kind"],
                stage=item["stage"],
                topic=topic,
                amount=item["amount"],
                unit=item["unit"],
                counts_from=item["from"],
                basis=item["basis"],
            )
            created += 1
    return created
