"""Where a message is about: a locality found by its street when the text names no locality.

«по улице Ленина» points to the one locality of the municipality that has a street Ленина; a street that
several localities share (Центральная, Школьная) resolves nothing — the case goes to a person instead of
being guessed. Streets are extracted by natasha's address grammar (AddrExtractor) and, as a fallback, by
a pattern; names are compared by lemmas, so «на Молодёжной улице» and «ул. Молодёжная» match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from typing import Any

from otklik.nlp.text import lemma, words
from otklik.territory.models import Locality, Municipality, Street

_GRAMMAR_TYPES = {"улица", "переулок", "проспект", "площадь", "микрорайон", "проезд"}
_STREET_WORDS = {"улица", "переулок", "проспект", "площадь", "микрорайон", "проезд"}
_PATTERN = re.compile(
    r"(?:(?<!\w)(?:ул|пер|пр-т|пл|мкр)\.?\s*|(?<!\w)(?:улиц|переул|проспект|площад|микрорайон)\w*\s+)"
    r"((?:[А-ЯЁ0-9][\w-]*)(?:\s+[А-ЯЁ][\w-]*)?)"
)

#: «на Молодёжной улице»: the name before the word.
_BEFORE = re.compile(r"(?<!\w)([А-ЯЁ][\w-]+)\s+(?:улиц|переул|проспект)\w*")


def street_key(name: str) -> str:
    return " ".join(lemma(w) for w in words(name) if w not in _STREET_WORDS)


@lru_cache(maxsize=1)
def _addr_extractor() -> Any:
    from natasha import AddrExtractor, MorphVocab

    return AddrExtractor(MorphVocab())


_MARKER = re.compile(r"(?i)(?<!\w)(?:ул\.|улиц|пер\.|переул|проспект|пр-т)")
_TOKEN = re.compile(r"\w+|[^\w\s]")
#: Beginnings of the grammar's street words (улица, ул, переулок, проспект, пр-т, площадь, пл, микрорайон,
#: мкр, проезд…) — generous on purpose: a word taken for one costs only a look at its neighbours.
_STREET_WORD_STARTS = ("ул", "пер", "пр", "пл", "мк", "ми")
#: The only street names the grammar reads without a capital letter or a digit in them.
_LOWERCASE_NAMES = {"арбат", "варварка"}


def _grammar_may_find(window: str) -> bool:
    """False when natasha's address grammar cannot find a street in `window`: a street it reads is a
    street word next to a name, and a name always has a capitalised word or a number within three words
    of the street word (Ленина, 8 Марта, 40 лет Победы, Большая Садовая, им. Ленина) — except the two
    lowercase names it knows. Texts that only say «на нашей улице» skip the grammar (tens of ms each)."""
    tokens = _TOKEN.findall(window)
    for i, token in enumerate(tokens):
        if not token.lower().startswith(_STREET_WORD_STARTS):
            continue
        for near in tokens[max(0, i - 3) : i] + tokens[i + 1 : i + 4]:
            if near[0].isupper() or any(c.isdigit() for c in near) or near.lower() in _LOWERCASE_NAMES:
                return True
    return False


def street_names(text: str) -> list[str]:
    """Street names the text mentions. The patterns run first; natasha's address grammar (slow on long
    texts) reads only a short window around a street word the patterns could not read."""
    if not text:
        return []
    names = [m.group(1) for m in _PATTERN.finditer(text)] + [m.group(1) for m in _BEFORE.finditer(text)]
    if not names:
        for marker in _MARKER.finditer(text):
            window = text[max(0, marker.start() - 40) : marker.end() + 60]
            if not _grammar_may_find(window):
                continue
            try:
                for match in _addr_extractor()(window):
                    names += [p.value for p in match.fact.parts if p.type in _GRAMMAR_TYPES and p.value]
            except Exception:  # the grammar is an aid, never a reason to lose the message
                continue
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


class StreetIndex:
    """The municipality's streets by lemmatised name → the localities that have them.

    `StreetIndex.of(municipality)` gives the process's cached one, dropped on any edit of the
    territory (otklik.intake.enrich.territory_cache)."""

    @classmethod
    def of(cls, municipality: Municipality) -> StreetIndex:
        from otklik.intake.enrich import territory_cache

        return territory_cache.get(("streets", municipality.pk), lambda: cls(municipality))

    def __init__(self, municipality: Municipality) -> None:
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.localities: dict[int, Locality] = {}
        for street in Street.objects.filter(locality__settlement__municipality=municipality).select_related(
            "locality"
        ):
            self.by_key[street_key(street.name)].add(street.locality_id)
            self.localities[street.locality_id] = street.locality

    def locality_for(self, *texts: str, settlement_id: int | None = None) -> Locality | None:
        """The one locality (within the settlement, when known) that has a street the texts name."""
        if not self.by_key:
            return None
        for text in texts:
            for name in street_names(text):
                ids = self.by_key.get(street_key(name), set())
                if settlement_id is not None:
                    ids = {i for i in ids if self.localities[i].settlement_id == settlement_id}
                if len(ids) == 1:
                    return self.localities[next(iter(ids))]
        return None
