"""The cold-start classifier: a keyword rubricator on lemmas, editable in the admin."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from otklik.nlp.text import lemma_string, lemmas

KEYWORDS_FILE = Path(__file__).resolve().parent / "data" / "keywords.json"
FALLBACK_TOPIC = "other"


@dataclass(frozen=True)
class Prediction:
    topic: str
    subtopic: str  # "" when only the topic is known
    confidence: float  # 0…1
    source: str  # "keywords" | "model"


def read_keyword_file(path: Path = KEYWORDS_FILE) -> dict[str, list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {code: phrases for code, phrases in data.items() if not code.startswith("_")}


class KeywordClassifier:
    """Scores every topic code by the weights of its phrases found in the text's lemmas.

    A topic's score is its own phrases plus its subtopics'; the subtopic is the best-scoring one inside
    the winning topic. Confidence grows with the margin over the runner-up and with the evidence.
    """

    source = "keywords"

    def __init__(self, rules: Iterable[tuple[str, str, float]]) -> None:
        """rules: (topic code, phrase lemmas separated by spaces, weight)."""
        self.index: dict[str, list[tuple[tuple[str, ...], str, float]]] = defaultdict(list)
        self.codes: set[str] = set()
        for code, phrase_lemmas, weight in rules:
            parts = tuple(phrase_lemmas.split())
            if parts:
                self.index[parts[0]].append((parts, code, float(weight)))
                self.codes.add(code)

    @classmethod
    def from_file(cls, path: Path = KEYWORDS_FILE) -> KeywordClassifier:
        return cls(
            (code, lemma_string(phrase), 1.0)
            for code, phrases in read_keyword_file(path).items()
            for phrase in phrases
        )

    @classmethod
    def from_db(cls) -> KeywordClassifier:
        from otklik.nlp.models import TopicKeyword

        rows = TopicKeyword.objects.filter(is_active=True, topic__is_active=True).values_list(
            "topic__code", "lemmas", "weight"
        )
        return cls((code, lem, float(w)) for code, lem, w in rows)

    def scores(self, text_lemmas: list[str]) -> dict[str, float]:
        found: dict[str, float] = defaultdict(float)
        for i, word in enumerate(text_lemmas):
            for parts, code, weight in self.index.get(word, ()):
                if tuple(text_lemmas[i : i + len(parts)]) == parts:
                    found[code] += weight * (1.0 + 0.5 * (len(parts) - 1))  # a phrase says more than a word
        return found

    def predict_lemmas(self, text_lemmas: list[str]) -> Prediction:
        found = self.scores(text_lemmas)
        if not found:
            return Prediction(FALLBACK_TOPIC, "", 0.0, self.source)
        topics: dict[str, float] = defaultdict(float)
        for code, score in found.items():
            topics[code.split(".")[0]] += score
        ranked = sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))
        topic, best = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = (best / (best + second)) * (1 - math.exp(-best / 1.5))
        subs = sorted(
            ((c, s) for c, s in found.items() if c.startswith(topic + ".")), key=lambda kv: (-kv[1], kv[0])
        )
        return Prediction(topic, subs[0][0] if subs else "", round(confidence, 4), self.source)

    def predict(self, texts: list[str]) -> list[Prediction]:
        return [self.predict_lemmas(lemmas(t)) for t in texts]

    def predict_prepared(self, lemma_strings: list[str]) -> list[Prediction]:
        return [self.predict_lemmas(s.split()) for s in lemma_strings]


def sync_keywords(keyword_model: Any = None, topic_model: Any = None, path: Path = KEYWORDS_FILE) -> int:
    """Add the shipped rubricator's phrases that are missing; never touch edited or deleted ones' peers."""
    if keyword_model is None:
        from otklik.nlp.models import TopicKeyword as keyword_model
    if topic_model is None:
        from otklik.org.models import Topic as topic_model
    topics = {t.code: t for t in topic_model.objects.all()}
    existing = set(keyword_model.objects.values_list("topic__code", "phrase"))
    new = []
    for code, phrases in read_keyword_file(path).items():
        topic = topics.get(code)
        if topic is None:
            continue
        for phrase in dict.fromkeys(" ".join(p.split()) for p in phrases):
            if (code, phrase) not in existing:
                new.append(keyword_model(topic=topic, phrase=phrase, lemmas=lemma_string(phrase), weight=1))
    keyword_model.objects.bulk_create(new)
    return len(new)
