"""Benchmark of the text pipeline: `python -m bench.nlp [--texts N]`.

Prints texts per second on one core for topic classification alone (lemmatisation + the model), for
the whole placement pipeline of the intake (classification, contact masking, locality search in the
gazetteer, natasha's address grammar for texts that name no locality), for personal-data masking with
natasha's NER (done once per case, when a role without access first opens it), the
time to load the trained model, and the peak memory. A trained model is fitted first on a generated
history of 2,000 texts, as `otklik nlp train` would on a district's history.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()
    import joblib

    from otklik.nlp import text
    from otklik.nlp.evalset import generate
    from otklik.nlp.keywords import KeywordClassifier
    from otklik.nlp.model import FORMAT_VERSION, TrainedClassifier, fit
    from otklik.nlp.pii import mask_contacts, mask_personal_data
    from otklik.nlp.territory import street_names
    from otklik.nlp.text import lemma_string

    history = generate(200, seed=11)
    classifier = fit([lemma_string(r["text"]) for r in history], [r["subtopic"] for r in history])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.joblib"
        joblib.dump({"format": FORMAT_VERSION, "pipeline": classifier.pipeline}, path, compress=3)
        text.lemma.cache_clear()  # a cold start: nothing lemmatised yet
        started = time.perf_counter()
        loaded = TrainedClassifier(joblib.load(path)["pipeline"])
        loaded.predict_prepared([lemma_string("проверка загрузки")])
        load_seconds = time.perf_counter() - started

    rows = generate(max(1, args.texts // 10), seed=99)[: args.texts]
    texts = [r["text"] for r in rows]

    text.lemma.cache_clear()
    started = time.perf_counter()
    loaded.predict_prepared([lemma_string(t) for t in texts])
    model_rate = len(texts) / (time.perf_counter() - started)

    keywords = KeywordClassifier.from_file()
    text.lemma.cache_clear()
    started = time.perf_counter()
    keywords.predict_prepared([lemma_string(t) for t in texts])
    keyword_rate = len(texts) / (time.perf_counter() - started)

    import re

    from otklik.nlp.evalset import _places

    # The gazetteer's matching (otklik.intake.enrich.Gazetteer) over the demo district's localities.
    places = [label.split(" ", 1)[-1] for label, _, _ in _places()]
    patterns = [re.compile(rf"(?<!\w){re.escape(p.lower()[:-2])}\w{{0,3}}(?!\w)") for p in places]
    text.lemma.cache_clear()
    started = time.perf_counter()
    prepared = [lemma_string(t) for t in texts]
    loaded.predict_prepared(prepared)
    for t in texts:
        mask_contacts(t)
        lowered = t.lower()
        if not any(p.search(lowered) for p in patterns):
            street_names(t)  # natasha's address grammar runs only when no locality is named
    pipeline_rate = len(texts) / (time.perf_counter() - started)

    sample = texts[:1000]
    mask_personal_data("Загрузка модели Иван Петров")
    started = time.perf_counter()
    for t in sample:
        mask_personal_data(t)
    masking_rate = len(sample) / (time.perf_counter() - started)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "texts": len(texts),
        "classification_model_texts_per_s": round(model_rate),
        "classification_rubricator_texts_per_s": round(keyword_rate),
        "pipeline_texts_per_s": round(pipeline_rate),
        "personal_data_masking_texts_per_s": round(masking_rate),
        "model_load_s": round(load_seconds, 2),
        "peak_memory_mb": round(peak_mb),
    }
    print("Тексты: {texts}".format(**figures))
    print("Классификация (модель), текстов/с: {classification_model_texts_per_s}".format(**figures))
    print("Классификация (рубрикатор), текстов/с: {classification_rubricator_texts_per_s}".format(**figures))
    print("Весь конвейер, текстов/с: {pipeline_texts_per_s}".format(**figures))
    print(
        "Маскирование персональных данных (NER), текстов/с: {personal_data_masking_texts_per_s}".format(
            **figures
        )
    )
    print("Загрузка модели, с: {model_load_s}".format(**figures))
    print("Пиковая память, МБ: {peak_memory_mb}".format(**figures))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
