"""Similar messages: near-duplicates (the same text, often from the same person through two channels) and
different messages about the same problem in the same place and period.

* near-duplicates: MinHash (datasketch) of word 3-shingles estimates the Jaccard similarity of texts;
  at or above NEAR_DUPLICATE they are «повтор»; the same author's contact raises a weaker match too;
* same problem: TF-IDF cosine of lemmas at or above SAME_PROBLEM, within the same topic and the same
  locality (or settlement) and within WINDOW_DAYS.

Recurring problems (otklik.problems) group many differently worded messages: there `candidate_groups` runs
with a `ProblemSpace` (word and character n-grams of lemmas weighed by a background corpus — all the
period's messages — so that words shared by a whole group are not discounted), a prior for the same
subtopic, and average linkage (a message joins a group by its mean similarity to the group, so one
borderline pair cannot chain two problems together). docs/problems.md gives the measured figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from datasketch import MinHash
from django.db.models import Q, QuerySet
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, hstack
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.preprocessing import normalize

from otklik.cases.models import Case
from otklik.nlp.text import lemma, lemma_string, lemmas, words

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


class ProblemSpace:
    """Texts as vectors for comparing messages about one recurring problem.

    Word uni- and bigrams and character 3–5-grams (within words) of lemmas, TF-IDF weighted by a
    background corpus (typically every message of the municipality in the period), each part normalised
    and mixed by `char_weight`; the result is L2-normalised, so a dot product is a cosine. Character
    n-grams catch related words that lemmas keep apart («мусор» / «мусоровоз», «свет» / «светлый»).
    Lemmas in `ignore` are dropped: the names of the places (and words like «хутор», «улица») are shared
    by every message of a place and, being rare in the background, would otherwise make any two of them
    look alike.
    """

    def __init__(
        self, background: list[str], *, char_weight: float = 0.5, ignore: frozenset[str] = frozenset()
    ) -> None:
        self.ignore = ignore
        self._prepared: dict[str, str] = {}
        docs = [self._prepare(t) for t in background] or [""]
        self.char_weight = min(max(char_weight, 0.0), 1.0)
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        try:
            self.words.fit(docs)
            self.chars.fit(docs)
            self.empty = False
        except ValueError:  # no words at all in the background
            self.empty = True

    def _prepare(self, text: str) -> str:
        """The text's lemmas without the ignored ones (remembered: the background holds the same texts)."""
        found = self._prepared.get(text)
        if found is None:
            found = " ".join(w for w in lemmas(text) if w not in self.ignore)
            self._prepared[text] = found
        return found

    def vectors(self, texts: list[str]) -> csr_matrix:
        if self.empty or not texts:
            return csr_matrix((len(texts), 1))
        docs = [self._prepare(t) for t in texts]
        words = normalize(self.words.transform(docs)) * np.sqrt(1 - self.char_weight)
        chars = normalize(self.chars.transform(docs)) * np.sqrt(self.char_weight)
        return normalize(hstack([words, chars]).tocsr())


#: A street named in a message: «ул. Ленина», «улице Мира», «переулок Школьный», «мкр Северный».
_STREET = re.compile(
    r"(?i:(?<![а-яё])(?:ул|пер|пр-т|пл|мкр)\.?|(?<![а-яё])(?:улиц|переул|проспект|площад|микрорайон)[а-яё]*)"
    r"\s+([А-ЯЁ0-9][А-Яа-яЁё0-9-]*)"
)


def streets_of(text: str) -> frozenset[str]:
    """The lemmas of the street names a message mentions (after «ул.», «улица», «переулок»…)."""
    return frozenset(lemma(m.group(1).lower().replace("ё", "е")) for m in _STREET.finditer(text or ""))


def problem_similarity(
    space: ProblemSpace,
    texts: list[str],
    subtopics: list[Any],
    *,
    subtopic_weight: float,
    others: tuple[list[str], list[Any]] | None = None,
) -> np.ndarray:
    """Pairwise similarity for recurring problems, between `texts` and themselves (or `others`):

        (1 − w) · text cosine  +  w · [the same known subtopic, and no two different streets named]

    Two messages that both name streets and share none are about different places inside the locality
    («ул. Ленина» and «ул. Мира» in the town), so their subtopic does not bring them together; their text
    still may."""
    left = space.vectors(texts)
    right_texts, right_subtopics = others if others is not None else (texts, subtopics)
    right = left if others is None else space.vectors(right_texts)
    text = np.asarray((left @ right.T).todense(), dtype=float)
    left_streets = [streets_of(t) for t in texts]
    right_streets = left_streets if others is None else [streets_of(t) for t in right_texts]
    same = np.array(
        [
            [
                bool(a) and a == b and not (sa and sb and not sa & sb)
                for b, sb in zip(right_subtopics, right_streets, strict=True)
            ]
            for a, sa in zip(subtopics, left_streets, strict=True)
        ],
        dtype=float,
    ).reshape(text.shape)
    return (1 - subtopic_weight) * text + subtopic_weight * same


def _place_key(c: Case) -> Any:
    return c.locality_id or f"s{c.settlement_id}"


def candidate_groups(
    cases: list[Case],
    *,
    threshold: float = SAME_PROBLEM,
    min_size: int = 2,
    space: ProblemSpace | None = None,
    subtopic_weight: float = 0.0,
    method: str = "single",
) -> list[list[Case]]:
    """Groups of messages about the same problem in the same place, largest first — candidates for the
    recurring-problems work. Only same-topic messages of the same locality (or, without one, settlement)
    are compared.

    * `method="single"` (the default): connected components of the graph whose edges join texts with a
      TF-IDF cosine (fitted on the place's texts) at or above the threshold;
    * `method="average"`: average-linkage clustering cut at the threshold, with the similarity of
      `problem_similarity` in the given `space` (a ProblemSpace fitted on the background corpus).

    Groups smaller than `min_size` are dropped.
    """
    if method not in ("single", "average"):
        raise ValueError(f"unknown method {method!r}")
    buckets: dict[tuple[Any, Any], list[Case]] = {}
    for c in cases:
        if c.topic_id and (c.locality_id or c.settlement_id):
            buckets.setdefault((c.topic_id, _place_key(c)), []).append(c)
    groups: list[list[Case]] = []
    for members in buckets.values():
        if len(members) < max(2, min_size):
            continue
        if method == "average":
            labels = _average_labels(members, threshold, space, subtopic_weight)
        else:
            docs = [lemma_string(c.text) for c in members]
            try:
                matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(docs)
            except ValueError:
                continue
            linked = csr_matrix(cosine_similarity(matrix) >= threshold)
            _, found = connected_components(linked, directed=False)
            labels = [int(x) for x in found]
        components: dict[int, list[Case]] = {}
        for label, c in zip(labels, members, strict=True):
            components.setdefault(label, []).append(c)
        groups.extend(g for g in components.values() if len(g) >= max(2, min_size))
    return sorted(groups, key=lambda g: (-len(g), min(c.received_at for c in g)))


def _average_labels(
    members: list[Case], threshold: float, space: ProblemSpace | None, subtopic_weight: float
) -> list[int]:
    space = space or ProblemSpace([c.text for c in members])
    similarity = problem_similarity(
        space, [c.text for c in members], [c.subtopic_id for c in members], subtopic_weight=subtopic_weight
    )
    distance = np.clip(1 - similarity, 0, None)
    np.fill_diagonal(distance, 0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return [int(x) for x in fcluster(tree, t=1 - threshold, criterion="distance")]
