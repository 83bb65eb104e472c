"""Classifying texts with the active model, training a municipality's model, and operators' corrections."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases.models import Case, CaseEvent
from otklik.core.stampcache import StampedCache
from otklik.nlp.keywords import KeywordClassifier, Prediction
from otklik.nlp.model import FORMAT_VERSION, TrainedClassifier, cross_validate, fit
from otklik.nlp.models import TopicKeyword, TopicLabel, TopicModel
from otklik.nlp.text import lemma_string
from otklik.org.models import Topic
from otklik.territory.models import Municipality

MIN_SAMPLES = 50
MIN_PER_TOPIC = 5
MIN_PER_SUBTOPIC = 5

_lock = threading.Lock()
_cache: dict[Any, Any] = {}


class TrainingError(ValueError):
    """Training cannot run; the message says why, in Russian."""


def confidence_threshold() -> float:
    return float(getattr(settings, "OTKLIK_TOPIC_THRESHOLD", 0.5))


def models_dir() -> Path:
    path = Path(settings.VAR_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def active_model(municipality: Municipality | None) -> TopicModel | None:
    qs = TopicModel.objects.filter(is_active=True)
    if municipality is not None:
        own = qs.filter(municipality=municipality).order_by("-trained_at").first()
        if own is not None:
            return own
    return qs.filter(municipality__isnull=True).order_by("-trained_at").first()


#: The classifier each municipality uses, kept per process (otklik.core.stampcache): a model trained
#: or switched on or off, a keyword or a topic edited is seen at once in the process that makes the
#: change and within OTKLIK_CACHE_CHECK_SECONDS in every other one. Saves an intake the four queries
#: that found the active model and the keywords' version.
classifier_cache = StampedCache("nlp", [TopicModel, TopicKeyword, Topic])


def _keywords() -> KeywordClassifier:
    return classifier_cache.get("keywords", KeywordClassifier.from_db)


def load_trained(model: TopicModel) -> TrainedClassifier:
    key = ("model", model.pk)
    with _lock:
        if key not in _cache:
            payload = joblib.load(model.path)
            if payload.get("format") != FORMAT_VERSION:
                raise TrainingError(f"Файл модели {model.path} другого формата: переобучите модель.")
            _cache[key] = TrainedClassifier(payload["pipeline"])
        return _cache[key]  # type: ignore[no-any-return]


def _build_classifier(municipality: Municipality | None) -> KeywordClassifier | TrainedClassifier:
    model = active_model(municipality)
    if model is not None and Path(model.path).exists():
        return load_trained(model)
    return _keywords()


def classifier_for(municipality: Municipality | None) -> KeywordClassifier | TrainedClassifier:
    key = ("classifier", municipality.pk if municipality is not None else None)
    return classifier_cache.get(key, lambda: _build_classifier(municipality))


def classify(texts: list[str], municipality: Municipality | None = None) -> list[Prediction]:
    """Topic, subtopic and confidence for each text, by the municipality's active model or the rubricator."""
    classifier = classifier_for(municipality)
    return classifier.predict_prepared([lemma_string(t) for t in texts])


# --- training ---------------------------------------------------------------------------------------


@dataclass
class TrainReport:
    model: TopicModel | None
    n: int
    macro_f1: float
    accuracy: float
    baseline_macro_f1: float
    activated: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "baseline_macro_f1": round(self.baseline_macro_f1, 4),
            "activated": self.activated,
        }


def labelled_history(municipality: Municipality | None) -> tuple[list[str], list[str]]:
    """Texts and their finest known codes: operators' corrections first, then topics given by sources or
    people (never the ones a classifier guessed)."""
    cases = Case.objects.filter(topic__isnull=False).exclude(topic_source__in=["keywords", "model"])
    corrected = TopicLabel.objects.all()
    if municipality is not None:
        cases = cases.filter(municipality=municipality)
        corrected = corrected.filter(case__municipality=municipality)
    codes = {t.pk: t.code for t in Topic.objects.all()}
    labels: dict[int, str] = {}
    for case_id, topic_id, sub_id in corrected.order_by("created_at").values_list(
        "case_id", "topic_id", "subtopic_id"
    ):
        labels[case_id] = codes[sub_id or topic_id]
    texts: dict[int, str] = {}
    q = Q(pk__in=list(labels)) | Q(pk__in=cases.values("pk"))
    for pk, title, text, topic_id, sub_id in Case.objects.filter(q).values_list(
        "pk", "title", "text", "topic_id", "subtopic_id"
    ):
        texts[pk] = f"{title}. {text}" if title else text
        if pk not in labels and topic_id:
            labels[pk] = codes[sub_id or topic_id]
    keys = sorted(texts)
    return [texts[k] for k in keys], [labels[k] for k in keys]


def train(municipality: Municipality | None = None, *, folds: int = 5, progress: Any = None) -> TrainReport:
    """Fit a model on the labelled history; make it active only if its cross-validated macro-F1 beats
    both the rubricator's on the same texts and the currently active model's."""
    say = progress or (lambda _msg: None)
    texts, labels = labelled_history(municipality)
    topics = [c.split(".")[0] for c in labels]
    counts = {t: topics.count(t) for t in set(topics)}
    if len(texts) < MIN_SAMPLES:
        raise TrainingError(f"Мало размеченных обращений: {len(texts)}, нужно хотя бы {MIN_SAMPLES}.")
    rare = sorted(t for t, n in counts.items() if n < max(MIN_PER_TOPIC, folds))
    if rare:
        keep = [i for i, t in enumerate(topics) if t not in rare]
        say(f"Темы с малым числом примеров не участвуют в обучении: {', '.join(rare)}.")
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    if len({c.split(".")[0] for c in labels}) < 2:
        raise TrainingError("Для обучения нужны примеры хотя бы двух тем.")
    # A subtopic with too few examples is learnt as its topic.
    sub_counts: dict[str, int] = {}
    for c in labels:
        sub_counts[c] = sub_counts.get(c, 0) + 1
    labels = [c if sub_counts[c] >= MIN_PER_SUBTOPIC or "." not in c else c.split(".")[0] for c in labels]
    say(f"Лемматизация {len(texts)} текстов…")
    prepared = [lemma_string(t) for t in texts]
    say(f"Кросс-валидация ({folds} частей)…")
    evaluation, baseline = cross_validate(prepared, labels, _keywords(), folds=folds)
    say("Обучение итоговой модели…")
    classifier = fit(prepared, labels)
    now = timezone.now()
    code = municipality.code if municipality else "all"
    path = models_dir() / f"topic-{code}-{now:%Y%m%d-%H%M%S}.joblib"
    joblib.dump({"format": FORMAT_VERSION, "pipeline": classifier.pipeline}, path, compress=3)
    current = active_model(municipality)
    current_f1 = (
        current.macro_f1
        if current and current.municipality_id == (municipality.pk if municipality else None)
        else 0.0
    )
    activated = evaluation.macro_f1 > baseline.macro_f1 and evaluation.macro_f1 >= current_f1
    if evaluation.macro_f1 <= baseline.macro_f1:
        reason = "Модель не лучше рубрикатора: остаётся рубрикатор."
    elif not activated:
        reason = "Модель не лучше действующей: остаётся действующая."
    else:
        reason = "Модель лучше рубрикатора и действующей модели: она включена."
    with transaction.atomic():
        if activated:
            TopicModel.objects.filter(municipality=municipality, is_active=True).update(is_active=False)
        model = TopicModel.objects.create(
            municipality=municipality,
            path=str(path),
            trained_at=now,
            n_samples=len(texts),
            n_classes=len(set(labels)),
            macro_f1=evaluation.macro_f1,
            accuracy=evaluation.accuracy,
            baseline_macro_f1=baseline.macro_f1,
            is_active=activated,
            report={
                "labels": evaluation.labels,
                "confusion": evaluation.confusion,
                "folds": folds,
                "reason": reason,
            },
        )
        record(
            "nlp.train",
            obj=model,
            after={"macro_f1": evaluation.macro_f1, "baseline": baseline.macro_f1, "activated": activated},
            actor_label="otklik nlp train",
        )
    return TrainReport(
        model, len(texts), evaluation.macro_f1, evaluation.accuracy, baseline.macro_f1, activated, reason
    )


# --- corrections ------------------------------------------------------------------------------------


@transaction.atomic
def correct_topic(case: Case, topic: Topic, *, actor: Any) -> Case:
    """An operator sets the case's topic (a topic or a subtopic); stored as a label for the next training."""
    case = Case.objects.select_for_update(of=("self",)).select_related("topic", "subtopic").get(pk=case.pk)
    main, sub = (topic.parent, topic) if topic.parent_id else (topic, None)
    previous = (case.subtopic or case.topic).code if (case.subtopic or case.topic) else ""
    TopicLabel.objects.create(case=case, topic=main, subtopic=sub, previous=previous, labelled_by=actor)
    case.topic, case.subtopic = main, sub
    case.topic_source, case.topic_confidence = "operator", 1.0
    case.review_reasons = [r for r in case.review_reasons if r != "topic"]
    case.needs_review = bool(case.review_reasons)
    case.version += 1
    case.save(
        update_fields=[
            "topic",
            "subtopic",
            "topic_source",
            "topic_confidence",
            "review_reasons",
            "needs_review",
            "version",
            "updated_at",
        ]
    )
    CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        type=CaseEvent.Type.CLASSIFIED,
        note=f"Тема исправлена: {previous or 'не определена'} → {topic.code} ({topic.name}).",
        data={"from": previous, "to": topic.code},
    )
    record(
        "nlp.correct_topic", actor=actor, obj=case, before={"topic": previous}, after={"topic": topic.code}
    )
    return case


def masked_text(case: Case) -> str:
    """The case's text with personal data masked; computed once and kept on the case."""
    from otklik.nlp.pii import mask_personal_data

    if not case.text_masked and case.text:
        case.text_masked = mask_personal_data(case.text)
        Case.objects.filter(pk=case.pk, text=case.text).update(text_masked=case.text_masked)
    return case.text_masked


@transaction.atomic
def correct_place(case: Case, locality: Any, *, actor: Any, settlement: Any = None) -> Case:
    """An operator sets where the case is: a locality (its settlement follows) or only a settlement."""
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("settlement", "locality").get(pk=case.pk)
    )
    settlement = locality.settlement if locality is not None else settlement
    if settlement is None or settlement.municipality_id != case.municipality_id:
        raise ValueError("Поселение из другого муниципального образования.")
    before = case.locality.name if case.locality_id else (case.settlement.name if case.settlement_id else "")
    case.settlement, case.locality = settlement, locality
    case.review_reasons = [r for r in case.review_reasons if r != "territory"]
    case.needs_review = bool(case.review_reasons)
    case.version += 1
    case.save(
        update_fields=["settlement", "locality", "review_reasons", "needs_review", "version", "updated_at"]
    )
    after = locality.name if locality is not None else settlement.name
    CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        type=CaseEvent.Type.CLASSIFIED,
        note=f"Место исправлено: {before or 'не определено'} → {after}.",
        data={"settlement": settlement.pk, "locality": locality.pk if locality is not None else None},
    )
    record("nlp.correct_place", actor=actor, obj=case, before={"place": before}, after={"place": after})
    return case
