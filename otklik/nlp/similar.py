"""Similar messages: near-duplicates (the same text, often from the same person through two channels) and
different messages about the same problem in the same place and period.

* near-duplicates: MinHash (datasketch) of word 3-shingles estimates the Jaccard similarity of texts;
  at or above NEAR_DUPLICATE they are «повтор»; the same author's contact raises a weaker match too;
* same problem: TF-IDF cosine of lemmas at or above SAME_PROBLEM, within the same topic and the same
  locality (or settlement) and within WINDOW_DAYS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from datasketch import MinHash
from django.db.models import Q, QuerySet
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from otklik.cases.models import Case
from otklik.nlp.text import lemma_string, words

NEAR_DUPLICATE = 0.6
SAME_AUTHOR_DUPLICATE = 0.35
SAME_PROBLEM = 0.3
WINDOW_DAYS = 30
MAX_CANDIDATES = 3000
NUM_PERM = 64


@dataclass(frozen=True)
class Similar:
    case: Case
    kind: str  # "duplicate" | "same_problem"
    score: float

    @property
    def label(self) -> str:
        return "повтор" if self.kind == "duplicate" else "та же проблема"


def minhash(text: str) -> MinHash:
    tokens = words(text)
    shingles = {" ".join(tokens[i : i + 3]) for i in range(max(1, len(tokens) - 2))} if tokens else {""}
    m = MinHash(num_perm=NUM_PERM, seed=7)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def _same_author(a: Case, b: Case) -> bool:
    return bool(
        (a.author_email and a.author_email.lower() == b.author_email.lower())
        or (
            a.author_phone
            and "".join(filter(str.isdigit, a.author_phone))[-10:]
            == "".join(filter(str.isdigit, b.author_phone))[-10:]
        )
    )


def candidates(case: Case) -> QuerySet[Case]:
    window = timedelta(days=WINDOW_DAYS)
    qs = Case.objects.filter(
        municipality_id=case.municipality_id,
        received_at__gte=case.received_at - window,
        received_at__lte=case.received_at + window,
    ).exclude(pk=case.pk)
    place = (
        Q(locality_id=case.locality_id)
        if case.locality_id
        else Q(settlement_id=case.settlement_id)
        if case.settlement_id
        else Q(pk__in=[])
    )
    topic = Q(topic_id=case.topic_id) if case.topic_id else Q(pk__in=[])
    author = Q(pk__in=[])
    if case.author_email:
        author |= Q(author_email__iexact=case.author_email)
    if case.author_phone:
        author |= Q(author_phone=case.author_phone)
    # Near-duplicates may come through any channel and be placed differently: compare every text in the
    # window of the same topic or place or author.
    return qs.filter(topic | place | author).select_related("topic", "settlement", "locality")[
        :MAX_CANDIDATES
    ]


def similar_to(case: Case, limit: int = 10) -> list[Similar]:
    pool = list(candidates(case))
    if not pool:
        return []
    found: dict[int, Similar] = {}
    mine = minhash(case.text)
    for other in pool:
        jaccard = mine.jaccard(minhash(other.text))
        if jaccard >= NEAR_DUPLICATE or (jaccard >= SAME_AUTHOR_DUPLICATE and _same_author(case, other)):
            found[other.pk] = Similar(other, "duplicate", round(jaccard, 3))
    same_place = [
        c
        for c in pool
        if c.pk not in found
        and c.topic_id == case.topic_id
        and case.topic_id
        and (
            (case.locality_id and c.locality_id == case.locality_id)
            or (not case.locality_id and case.settlement_id and c.settlement_id == case.settlement_id)
        )
    ]
    if same_place:
        docs = [lemma_string(case.text)] + [lemma_string(c.text) for c in same_place]
        try:
            matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(docs)
        except ValueError:  # no words at all
            matrix = None
        if matrix is not None:
            scores = cosine_similarity(matrix[0], matrix[1:])[0]
            for other, score in zip(same_place, scores, strict=True):
                if score >= SAME_PROBLEM:
                    found[other.pk] = Similar(other, "same_problem", round(float(score), 3))
    ranked = sorted(found.values(), key=lambda s: (s.kind != "duplicate", -s.score, s.case.received_at))
    return ranked[:limit]


def candidate_groups(cases: list[Case], *, threshold: float = SAME_PROBLEM) -> list[list[Case]]:
    """Groups of messages about the same problem in the same place: connected components of the graph
    whose edges join same-topic, same-place texts with TF-IDF cosine at or above the threshold. Groups of
    two or more, largest first — candidates for the recurring-problems work."""
    buckets: dict[tuple[Any, Any], list[Case]] = {}
    for c in cases:
        if c.topic_id and (c.locality_id or c.settlement_id):
            buckets.setdefault((c.topic_id, c.locality_id or f"s{c.settlement_id}"), []).append(c)
    groups: list[list[Case]] = []
    for members in buckets.values():
        if len(members) < 2:
            continue
        docs = [lemma_string(c.text) for c in members]
        try:
            matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(docs)
        except ValueError:
            continue
        linked = csr_matrix(cosine_similarity(matrix) >= threshold)
        _, labels = connected_components(linked, directed=False)
        components: dict[int, list[Case]] = {}
        for label, c in zip(labels, members, strict=True):
            components.setdefault(int(label), []).append(c)
        groups.extend(g for g in components.values() if len(g) >= 2)
    return sorted(groups, key=lambda g: (-len(g), min(c.received_at for c in g)))
