"""Placing an incoming item: its topic and its territory.

This is the interface the text-intelligence work plugs into (`OTKLIK_ENRICHER`); the default here uses
only what the source says (category labels through the mapping) and the municipality's gazetteer of
settlements and localities. What it cannot resolve it leaves empty, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from otklik.core.stampcache import StampedCache
from otklik.org.models import Topic
from otklik.territory.models import Locality, Municipality, Settlement, Street

#: Built gazetteers and street indexes per municipality, and the topic tree, kept per process (see
#: otklik.core.stampcache): an edit of the territory or of the topics is seen at once in the process
#: that makes it and within OTKLIK_CACHE_CHECK_SECONDS (default 2 s) in every other one.
territory_cache = StampedCache("territory", [Municipality, Settlement, Locality, Street])
topic_cache = StampedCache("topics", [Topic])


def topics_by_code() -> dict[str, Topic]:
    """Every topic and subtopic by code (cached; treat as read-only)."""
    return topic_cache.get("by_code", lambda: {t.code: t for t in Topic.objects.all()})


def topics_by_id() -> dict[int, Topic]:
    """The same topics by id (cached with them; treat as read-only)."""
    return topic_cache.get("by_id", lambda: {t.pk: t for t in topics_by_code().values()})


@dataclass
class Placement:
    topic_id: int | None = None
    subtopic_id: int | None = None
    settlement_id: int | None = None
    locality_id: int | None = None
    topic_confidence: float = 0.0
    topic_source: str = ""
    review_reasons: list[str] = field(default_factory=list)


class Enricher(Protocol):
    def place(self, items: list[Any], municipality: Municipality) -> list[Placement]: ...


class TopicIndex:
    """Topic codes and source labels → (topic id, subtopic id)."""

    def __init__(self, categories: dict[str, str] | None = None) -> None:
        self.by_code = topics_by_code()
        self.labels = {k.strip().lower(): v for k, v in (categories or {}).items()}
        for t in self.by_code.values():
            self.labels.setdefault(t.name.strip().lower(), t.code)

    def resolve(self, *candidates: str) -> tuple[int | None, int | None]:
        for raw in candidates:
            if not raw:
                continue
            code = raw if raw in self.by_code else self.labels.get(raw.strip().lower(), "")
            topic = self.by_code.get(code)
            if topic is None:
                continue
            if topic.parent_id:
                return topic.parent_id, topic.pk
            return topic.pk, None
        return None, None


def topic_index(categories: dict[str, str] | None = None) -> TopicIndex:
    """The process's cached index for these source labels (rebuilt after an edit of the topics)."""
    key = ("index", tuple(sorted((categories or {}).items())))
    return topic_cache.get(key, lambda: TopicIndex(categories))


class Gazetteer:
    """The municipality's localities, matched in free text by the stem of their names; where several
    share a stem (Майорский, Майорская), the one whose name the text gives exactly — never a guess when
    two localities bear the same name.

    `Gazetteer.of(municipality)` gives the process's cached one (rebuilt after an edit)."""

    @classmethod
    def of(cls, municipality: Municipality) -> Gazetteer:
        return territory_cache.get(("gazetteer", municipality.pk), lambda: cls(municipality))

    def __init__(self, municipality: Municipality) -> None:
        self.localities = list(
            Locality.objects.filter(settlement__municipality=municipality).select_related("settlement")
        )
        self.patterns = []
        #: A locality's name as it is, for telling apart names of one stem (Майорский, Майорская).
        self.exact: dict[int, re.Pattern[str]] = {}
        for loc in self.localities:
            name = loc.name.lower().replace("ё", "е")
            stem = name[:-2] if len(name) > 5 else name
            self.patterns.append((re.compile(rf"(?<!\w){re.escape(stem)}\w{{0,3}}(?!\w)"), loc))
            self.exact[loc.pk] = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        self.settlements = {s.name.lower(): s for s in Settlement.objects.filter(municipality=municipality)}
        self.settlements_by_id = {s.pk: s for s in self.settlements.values()}

    def find(self, *texts: str) -> Locality | None:
        for text in texts:
            if not text:
                continue
            lowered = text.lower().replace("ё", "е")
            found = {loc.pk: loc for pattern, loc in self.patterns if pattern.search(lowered)}
            if len(found) > 1:  # names of one stem: the one written out in full, if only one is
                found = {pk: loc for pk, loc in found.items() if self.exact[pk].search(lowered)} or found
            if len(found) == 1:
                return next(iter(found.values()))
            if len(found) > 1:  # ambiguous: leave it to a person
                return None
        return None

    def settlement_named(self, name: str) -> Any:
        return self.settlements.get(name.strip().lower()) if name else None


class SourceEnricher:
    """Topic from the source's labels or codes, territory from the gazetteer."""

    def __init__(self, categories: dict[str, str] | None = None) -> None:
        self.categories = categories or {}

    def place(self, items: list[Any], municipality: Municipality) -> list[Placement]:
        topics = topic_index(self.categories)
        gazetteer = Gazetteer.of(municipality)
        out = []
        for item in items:
            topic_id, subtopic_id = topics.resolve(item.topic_code, item.subcategory, item.category)
            placement = Placement(
                topic_id,
                subtopic_id,
                topic_confidence=1.0 if topic_id else 0.0,
                topic_source="source" if topic_id else "",
            )
            settlement = gazetteer.settlement_named(item.settlement)
            locality = gazetteer.find(item.settlement, item.address, item.text)
            if locality is not None and (settlement is None or locality.settlement_id == settlement.pk):
                placement.locality_id = locality.pk
                placement.settlement_id = locality.settlement_id
            elif settlement is not None:
                placement.settlement_id = settlement.pk
            out.append(placement)
        return out


def get_enricher(categories: dict[str, str] | None = None) -> Enricher:
    path = getattr(settings, "OTKLIK_ENRICHER", "otklik.nlp.enrich.NlpEnricher")
    if path:
        factory = import_string(path)
        return factory(categories=categories)  # type: ignore[no-any-return]
    return SourceEnricher(categories)
