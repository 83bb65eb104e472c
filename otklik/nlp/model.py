"""The trained topic classifier: lemmas and character n-grams of lemmas, a linear model (scikit-learn).

Labels are the finest code known for a text (a subtopic when there is one); probabilities of a topic's
classes add up to the topic's confidence, and the subtopic is the likeliest class inside the topic.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from otklik.nlp.keywords import KeywordClassifier, Prediction

FORMAT_VERSION = 1


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True, max_features=200_000
                ),
            ),
        ]
    )
    return Pipeline([("features", features), ("clf", LogisticRegression(C=10.0, max_iter=2000))])


class TrainedClassifier:
    source = "model"

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        classes = list(pipeline.classes_)
        self.classes = classes
        self.topic_of = [c.split(".")[0] for c in classes]
        self.topics = sorted(set(self.topic_of))
        self.columns: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(self.topic_of):
            self.columns[t].append(i)

    def predict_prepared(self, lemma_strings: list[str]) -> list[Prediction]:
        if not lemma_strings:
            return []
        proba = self.pipeline.predict_proba(lemma_strings)
        out = []
        for row in proba:
            sums = {t: float(row[cols].sum()) for t, cols in self.columns.items()}
            topic = max(sums, key=lambda t: sums[t])
            best = max(self.columns[topic], key=lambda i: row[i])
            sub = self.classes[best] if "." in self.classes[best] else ""
            out.append(Prediction(topic, sub, round(sums[topic], 4), self.source))
        return out


@dataclass
class Evaluation:
    n: int
    accuracy: float
    macro_f1: float
    labels: list[str]
    confusion: list[list[int]]
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4), "n": self.n}


def evaluate_topics(truth: list[str], predicted: list[str]) -> Evaluation:
    """Accuracy, macro-F1 and the confusion matrix at the topic level."""
    labels = sorted(set(truth) | set(predicted))
    return Evaluation(
        n=len(truth),
        accuracy=float(accuracy_score(truth, predicted)) if truth else 0.0,
        macro_f1=float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))
        if truth
        else 0.0,
        labels=labels,
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist() if truth else [],
    )


def cross_validate(
    lemma_strings: list[str], labels: list[str], keywords: KeywordClassifier, folds: int = 5, seed: int = 0
) -> tuple[Evaluation, Evaluation]:
    """Cross-validated topic-level scores of a trained model and, on the same texts, of the rubricator."""
    topics = [c.split(".")[0] for c in labels]
    y = np.array(labels)
    predicted = [""] * len(labels)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(lemma_strings, topics):
        pipeline = build_pipeline()
        pipeline.fit([lemma_strings[i] for i in train_idx], y[train_idx])
        model = TrainedClassifier(pipeline)
        for i, p in zip(test_idx, model.predict_prepared([lemma_strings[i] for i in test_idx]), strict=True):
            predicted[i] = p.topic
    baseline = [p.topic for p in keywords.predict_prepared(lemma_strings)]
    return evaluate_topics(topics, predicted), evaluate_topics(topics, baseline)


def fit(lemma_strings: list[str], labels: list[str]) -> TrainedClassifier:
    pipeline = build_pipeline()
    pipeline.fit(lemma_strings, labels)
    return TrainedClassifier(pipeline)
